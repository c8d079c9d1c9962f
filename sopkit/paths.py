"""Where the data and the workbooks are, for a checkout and for an installed wheel.

In the repository the top-level ``data/`` and ``workbooks/`` are the source of truth. A
wheel carries a copy of both inside the package (``sopkit/_bundle/``, made at build time
by ``hatch_build.py``). An editable install (``pip install -e .``) has no copy and reads
the checkout's folders, so an analyst's edits show at once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
BUNDLE_DIR = PACKAGE_DIR / "_bundle"


def checkout_dir() -> Path | None:
    """The repository this package is imported from (editable install or source tree), if any."""
    root = PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "data" / "datapackage.json").is_file():
        return root
    return None


def shipped_data_dir() -> Path:
    """The data that comes with sopkit: the checkout's ``data/``, else the wheel's bundled copy."""
    root = checkout_dir()
    return root / "data" if root is not None else BUNDLE_DIR / "data"


def data_dir() -> Path:
    """The data folder to load: ``$SOPKIT_DATA`` if set, else ``shipped_data_dir()``."""
    env = os.environ.get("SOPKIT_DATA")
    return Path(env) if env else shipped_data_dir()


def workbooks_dir() -> Path:
    """The Voila pages (``*.ipynb``): the checkout's ``workbooks/``, else the wheel's bundled copy."""
    root = checkout_dir()
    return root / "workbooks" if root is not None else BUNDLE_DIR / "workbooks"


_digests: dict[tuple, str] = {}  # per process (and inherited by forked kernels)


def fingerprint(folder: str | os.PathLike[str], *, read: bool = True) -> str:
    """A digest of the files under *folder* (recursive, ``__pycache__`` left out): their names
    and bytes, or (``read=False``) their names, sizes and modification times.

    The bytes' digest is kept per process under the files' names, sizes and times, so asking
    again costs a walk of the folder, not a read of every file. The preloaded framework
    (``sopkit.model``) and the first view's cache key (``sopkit.ui.first_view``) both use it.
    """
    root = Path(folder)
    stats = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            stat = path.stat()
            stats.append((path.relative_to(root).as_posix(), stat.st_size, stat.st_mtime_ns))
    key = (str(root), read, tuple(stats))
    if key not in _digests:
        digest = hashlib.sha256()
        for name, size, mtime in stats:
            digest.update(f"{name}\0".encode())
            digest.update(hashlib.sha256((root / name).read_bytes()).digest() if read else f"{size}:{mtime}".encode())
        if len(_digests) > 64:  # folders come and go in tests; a server sees a handful
            _digests.clear()
        _digests[key] = digest.hexdigest()
    return _digests[key]
