"""Where sopkit runs: a Python process (the Voila server's kernels, tests, scripts) or a
visitor's browser (the static build: Pyodide under Voici, ``scripts/build-static.sh``).

Only what cannot be the same in both places asks: the pages' addresses (Voila serves
``<page>.ipynb``, the static site ``<page>.html``). Everything else runs unchanged.
"""

from __future__ import annotations

import sys

IN_BROWSER: bool = sys.platform == "emscripten"
"""True under Pyodide (WebAssembly in the visitor's browser), False in a normal Python."""

PAGE_SUFFIX: str = ".html" if IN_BROWSER else ".ipynb"
"""How a page's address ends: Voila renders notebooks by name, Voici built them to HTML."""


def page_href(name: str) -> str:
    """The relative link from one workbook page to another (``options`` -> ``options.ipynb``)."""
    return f"{name}{PAGE_SUFFIX}"
