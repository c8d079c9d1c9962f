"""Import and warm what the workbook pages use, ahead of any page: in the served edition's kernel
template (``sopkit.kernel_template``, before it forks its kernels) and in the static edition's
browser, before Python's memory is kept for the visitor's next visit
(``scripts/static/sopkit-pyodide.mjs``). Either way, a page's own run finds all of it done.
"""

from __future__ import annotations

import contextlib
import importlib

# What the four pages' cells and their first widget states import (benchmarks/kernel_memory.py
# lists what a kernel imported after its fork: `imported_after_fork`). No plotly: sopkit's
# figures are plotly's JSON made without it (sopkit.figures).
PAGE_MODULES = (
    "encodings.utf_8_sig",
    "pandas.core.methods.to_dict",
    "pandas.core.reshape.reshape",
    "pandas.io.formats.csvs",
    "pandas.io.formats.html",
)


def warm_pages(*, excel: bool = True) -> None:
    """Import the pages and what they import, read the figures' template, preload the bundled
    framework (``model.preload_framework``: the next page takes it) and its fingerprint.
    *excel*: also openpyxl, which only the Excel links use (0.4 s of a browser's first visit)."""
    for name in PAGE_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    import sopkit
    import sopkit.brief  # noqa: F401 - the brief and the Excel files, made on click
    import sopkit.ui  # noqa: F401
    import sopkit.ui.first_view  # noqa: F401
    from sopkit import figures, model, paths
    from sopkit.ui import coverage, options, overview, rankings  # noqa: F401

    if excel:
        with contextlib.suppress(ImportError):
            import openpyxl  # noqa: F401 - the Excel links
    # Read on the first figure: read here, once.
    figures.plotly_template()
    figures.Figure([{"type": "scatter", "x": [0], "y": [0]}]).to_dict()
    with contextlib.suppress(Exception):  # invalid data: each page says so itself, as before
        model.preload_framework(sopkit.load_framework())
    # The first view's cache key: each page would otherwise read and hash the data again.
    with contextlib.suppress(OSError):
        paths.fingerprint(paths.data_dir())
        paths.fingerprint(paths.PACKAGE_DIR, read=False)
