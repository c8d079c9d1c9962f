"""Re-execute the workbooks and store only the outputs nbval compares.

Run after a deliberate change to the data or the analysis:
    .venv/bin/python scripts/refresh_notebooks.py
Cells tagged ``nbval-check-output`` keep their outputs (the key figures nbval
checks); every other output and the saved widget state are dropped, so the
notebooks stay small and hold no random ids.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        count += 1
        cell.metadata.pop("execution", None)
        cell.execution_count = count  # nbval ignores reference outputs of "unrun" cells
        if "nbval-check-output" not in cell.metadata.get("tags", []):
            cell.outputs = []
        for out in cell.outputs:
            if "execution_count" in out:
                out["execution_count"] = count
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)
    print(f"refreshed {path.relative_to(ROOT)}")


if __name__ == "__main__":
    paths = [Path(p) for p in sys.argv[1:]] or sorted((ROOT / "workbooks").glob("*.ipynb"))
    for p in paths:
        refresh(p.resolve())
