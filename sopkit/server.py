"""Entry point kept for ``python -m sopkit.server``; the server lives in ``sopkit.serve``."""

from .serve import SopkitVoila, main

__all__ = ["SopkitVoila", "main"]

if __name__ == "__main__":
    main()
