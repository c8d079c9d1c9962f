"""The first view of every static page, in both languages, made at build time (issue 20).

Run by scripts/static/build.py with the project's own Python (``.venv``: sopkit and pandas as
the served pages have them), not the static build's tools:

    .venv/bin/python scripts/static/first_views.py OUT.json

OUT.json: ``{"made_with": {path: sha256}, "pages": {page: {lang: html}}}``, each the snapshot ``sopkit.ui.first_view`` writes into a
served page (the page's widgets as HTML, its charts' figure JSON, the hand-over script), made by
the same code from the same page objects. The Chinese snapshot asks for ``lang=zh`` in the
address (an address without ``lang`` opens the page in English, the notebooks' default).
Links between pages point at ``<page>.html``, as they do under Pyodide (``sopkit.runtime``).
``made_with``: every file of the sopkit package and of the data the snapshots were made from, by
its path in sopkit's wheel (``sopkit/...``, ``sopkit/_bundle/data/...``), which the build compares
with the wheel the browser gets.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import sys
from pathlib import Path

PAGES = ["overview", "options", "coverage", "rankings"]
LANGS = ["en", "zh"]
DEFAULT_LANG = "en"  # the workbooks' ``lang`` parameter


def first_views() -> dict[str, dict[str, str]]:
    from IPython.core.interactiveshell import InteractiveShell

    import sopkit.runtime as runtime

    # A shell, as in a kernel: pages draw their charts and tables only under IPython
    # (sopkit.ui.common.ChartView.update).
    InteractiveShell.instance()

    runtime.PAGE_SUFFIX = ".html"  # as in the browser: page_href() reads it at call time
    import sopkit.ui as ui
    from sopkit.ui.first_view import first_view_html

    out: dict[str, dict[str, str]] = {}
    for name in PAGES:
        make = getattr(ui, f"{name}_page")
        out[name] = {}
        for lang in LANGS:
            with contextlib.redirect_stdout(io.StringIO()):  # outside a kernel a page displays as text
                page = make(lang=lang)
            address = {} if lang == DEFAULT_LANG else {"lang": lang}
            out[name][lang] = first_view_html(page, address=address)
    return out


def made_with() -> dict[str, str]:
    """sha256 of the files the snapshots come from, by their path in sopkit's wheel: the package
    as imported (code, messages, plotly's template; not caches) and the data it loaded."""
    import sopkit
    from sopkit import paths

    found: dict[str, str] = {}
    for root, prefix in ((Path(sopkit.__file__).parent, "sopkit"), (paths.data_dir(), "sopkit/_bundle/data")):
        for path in sorted(root.rglob("*")):
            rel = path.relative_to(root)
            if path.is_file() and not any(p.startswith(".") or p in ("__pycache__", "_bundle") for p in rel.parts):
                found[f"{prefix}/{rel.as_posix()}"] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    # The live charts adopt a snapshot's plot only if their figure JSON is the same: the build
    # checks that the browser gets the same sopkit (code and data) as made the snapshots.
    result = {"made_with": made_with(), "pages": first_views()}
    Path(argv[1]).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
