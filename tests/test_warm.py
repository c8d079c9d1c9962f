"""sopkit.warm: what the kernel template and the static edition's browser import and load before
any page (the browser then keeps Python's memory for the visitor's next visit)."""

from __future__ import annotations

import json
import subprocess
import sys

WARM_AND_REPORT = """
import json, sys
from sopkit import warm
warm.warm_pages(excel={excel})
import sopkit
from sopkit import model
kept = model._preloaded[1] if model._preloaded else None
print(json.dumps({{
    "pages": all(f"sopkit.ui.{{p}}" in sys.modules for p in ("overview", "options", "coverage", "rankings")),
    "openpyxl": "openpyxl" in sys.modules,
    "plotly": any(m == "plotly" or m.startswith("plotly.") for m in sys.modules),
    "next_page_takes_it": kept is not None and sopkit.load_framework() is kept,
    "then_loads_afresh": sopkit.load_framework() is not kept,
}}))
"""


def warmed(excel: bool) -> dict:
    out = subprocess.run([sys.executable, "-c", WARM_AND_REPORT.format(excel=excel)], capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_warming_imports_the_pages_and_preloads_the_framework_for_the_next_page():
    report = warmed(excel=True)
    assert report == {"pages": True, "openpyxl": True, "plotly": False, "next_page_takes_it": True, "then_loads_afresh": True}


def test_the_browser_warms_without_the_excel_library():
    assert warmed(excel=False)["openpyxl"] is False
