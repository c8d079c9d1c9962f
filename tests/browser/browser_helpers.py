"""Helpers for the real-browser tests: waits on the workbook's CSS hooks and on drawn
plotly charts, never on fixed sleeps."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

WORKBOOKS = Path(__file__).resolve().parents[2] / "workbooks"

LOAD_MS = 90_000  # first page: Voila starts a kernel and runs the notebook before answering
ACTION_MS = 30_000  # a click: one kernel round trip and a redraw, on a loaded 2-core machine

# Charts of each page (ChartView names -> .sop-<name>), all of which must draw.
CHARTS = {
    "options": ["hierarchy", "balance", "flow"],
    "coverage": ["heatmap", "coverage"],
    "rankings": ["rank-order", "landing", "weighted"],
    "overview": ["timeline"],
}

# JS: is the plotly graph under `css` there, in the live page, with at least one drawn trace?
# (Not in the page's first view: sopkit/ui/first_view.py, drawn before the widgets are live.)
DRAWN_JS = """(css) => {
    if (document.querySelector('.sop-first-view')) return false;
    const el = document.querySelector(css + ' .js-plotly-plot');
    return !!(el && el.data && el.data.length > 0
              && el.querySelector('.trace, .slice, .sankey-node, .hm image'));
}"""


# Heading of every workbook's summary cells (tagged `summary`: compared by nbval, removed by
# voila.json). A page that shows it shows cells Voila should have removed.
SUMMARY_MARKER = "Stored summary"


def summary_marker(name: str) -> str:
    """SUMMARY_MARKER, after checking that workbooks/<name>.ipynb really has it in a summary
    cell: an absence check on the page can then fail."""
    cells = json.loads((WORKBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    summary = ["".join(c["source"]) for c in cells if "summary" in c.get("metadata", {}).get("tags", [])]
    assert any(SUMMARY_MARKER in text for text in summary), f"{name}.ipynb has no summary cell with {SUMMARY_MARKER!r}"
    return SUMMARY_MARKER


# ---- helpers -----------------------------------------------------------------------------------------


# Every websocket message the page sends or receives, with its size (before the page loads).
WS_LOG_JS = """(() => { const Orig = window.WebSocket; window.__sopWs = [];
  function Logged(url, protocols) {
    const ws = protocols === undefined ? new Orig(url) : new Orig(url, protocols);
    ws.addEventListener('message', (e) => window.__sopWs.push(['in', e.data.length || e.data.byteLength || e.data.size || 0]));
    const send = ws.send.bind(ws);
    ws.send = (d) => { window.__sopWs.push(['out', d.length || d.byteLength || d.size || 0]); send(d); };
    return ws; }
  Logged.prototype = Orig.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Logged[k] = Orig[k];
  window.WebSocket = Logged; })();"""


def wait_drawn(page, css: str, timeout: float = ACTION_MS) -> None:
    """Wait until the plotly chart inside *css* exists and has drawn at least one trace."""
    page.wait_for_function(DRAWN_JS, arg=css, timeout=timeout)


def wait_value(page, js: str, expected, timeout: float = ACTION_MS, arg=None):
    """Wait until the JS function *js* (called with *arg*) returns *expected*; assert with the last value."""
    probe = f"([arg, expected]) => JSON.stringify(({js})(arg)) === JSON.stringify(expected)"
    try:
        page.wait_for_function(probe, arg=[arg, expected], timeout=timeout)
    except PlaywrightTimeout:
        pass
    actual = page.evaluate(js, arg)
    assert actual == expected
    return actual


# JS: labels of the page's own buttons (sop-* classes) that do not fit in their button.
CUT_LABELS_JS = """() => Array.from(document.querySelectorAll('.sop-page .widget-button, .sop-page .widget-upload'))
    .filter(b => Array.from(b.classList).some(c => c.startsWith('sop-')))
    .filter(b => b.offsetParent !== null && b.scrollWidth > b.clientWidth + 1)
    .map(b => b.textContent.trim())"""


# JS: the live page is there and has taken over from the page's first view, if it had one
# (sopkit/ui/first_view.py: a snapshot with the same classes, whose controls are not live yet).
LIVE_JS = "() => !document.querySelector('.sop-first-view') && !!document.querySelector('.sop-page')"


def wait_live(page, timeout: float = LOAD_MS) -> None:
    """Wait until the live widgets show the page (after the HTML is in: no first view still to come)."""
    page.wait_for_function(LIVE_JS, timeout=timeout)


def open_workbook(page, voila_url: str, name: str):
    """Load workbooks/<name>.ipynb in Voila and wait until the live page and every chart are drawn."""
    page.goto(f"{voila_url}/voila/render/{name}.ipynb", timeout=LOAD_MS, wait_until="domcontentloaded")
    wait_live(page)
    page.wait_for_selector(f".sop-page-{name}", timeout=LOAD_MS)
    for chart in CHARTS[name]:
        wait_drawn(page, f".sop-{chart}", timeout=LOAD_MS)
    return page


def select_label(page, css: str, label: str) -> None:
    """Choose an option of the <select> in *css* by its visible label.

    ipywidgets 8 puts the labels in the options' value attributes, not the Python values.
    """
    page.locator(f"{css} select").select_option(label=label)


def table_rows(page, css: str) -> list[list[str]]:
    """Cell texts of the first table.sop-data under *css* (header row first)."""
    return page.evaluate(
        """(css) => { const table = document.querySelector(css + ' table.sop-data');
            if (!table) return null;
            return Array.from(table.querySelectorAll('tr')).map(tr =>
                Array.from(tr.querySelectorAll('th, td')).map(c => c.textContent.trim())); }""",
        css,
    )


def upload(page, css: str, name: str, content: bytes) -> None:
    """Upload a file through the FileUpload button *css*, as a visitor does: ipywidgets 8
    keeps the <input type=file> out of the DOM, so the file arrives via the chooser."""
    with page.expect_file_chooser() as chooser:
        page.click(css)
    chooser.value.set_files(files=[{"name": name, "mimeType": "text/csv", "buffer": content}])


def throttle(page, bytes_per_second: int, latency_ms: int = 150) -> None:
    """A slow link for *page* (CDP network conditions, each way)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": latency_ms, "downloadThroughput": bytes_per_second, "uploadThroughput": bytes_per_second},
    )
