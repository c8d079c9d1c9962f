"""A returning visitor's Python (scripts/static/sopkit-pyodide.js, issue 20): the first visit
keeps a memory snapshot of Python in the browser (IndexedDB) once the page is live; the next page
the visitor opens restores it instead of starting Python afresh, and works as before; a kept
copy that cannot be restored is dropped, and Python starts afresh, the page no different.

One browser context, a visitor's, page after page. Marker ``static``: scripts/test-static.sh.
"""

from __future__ import annotations

import json
import time

import pytest

from browser.browser_helpers import CHARTS, DRAWN_JS
from browser.test_first_view import LIVE_JS

pytestmark = pytest.mark.static

LOAD_MS = 300_000
KEPT_WAIT_S = 180  # the loader keeps its copy 20 s after Python started, then compresses ~90 MB
LOADER = "[sopkit python]"
DRAWS_JS = "() => Array.from(document.querySelectorAll('.sop-page .js-plotly-plot'), e => e.dataset.sopDrawn || '')"

# JS: the kept entry cut to its first half (its key and recorded size kept: it is still "ours"), as
# a browser that ran out of room or closed while writing it would leave it.
SPOIL_JS = """() => new Promise((resolve, reject) => {
    const open = indexedDB.open('sopkit-python');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
        const tx = open.result.transaction('snapshots', 'readwrite'), store = tx.objectStore('snapshots');
        const get = store.get('kernel');
        get.onsuccess = () => {
            if (!get.result) { reject(new Error('nothing kept')); return; }
            const half = get.result.bytes.slice(0, Math.floor(get.result.bytes.size / 2));
            store.put({key: get.result.key, bytes: half, size: get.result.size}, 'kernel');
        };
        tx.oncomplete = () => resolve(true);
        tx.onerror = () => reject(tx.error);
    };
})"""
# JS: what is kept (the entry's key and size), or null.
KEPT_JS = """() => new Promise((resolve) => {
    const open = indexedDB.open('sopkit-python');
    open.onerror = () => resolve(null);
    open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('snapshots')) { resolve(null); return; }
        const get = db.transaction('snapshots').objectStore('snapshots').get('kernel');
        get.onsuccess = () => resolve(get.result ? {size: get.result.size, stored: get.result.bytes.size} : null);
        get.onerror = () => resolve(null);
    };
})"""


def open_page(context, url: str):
    """A new tab on *url*: (page, the loader's console lines, script errors)."""
    page = context.new_page()
    said: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: said.append(m.text) if m.text.startswith(LOADER) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, wait_until="commit")
    return page, said, errors


def heard(page, said: list[str], words: str, timeout_s: float = KEPT_WAIT_S) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = [line for line in said if words in line]
        if found:
            return found[0]
        page.wait_for_timeout(250)
    raise AssertionError(f"the loader never said {words!r}: {said}")


def works(page, name: str) -> None:
    """The page is live and answers a click (5 priorities) with a chart redrawn, no error shown."""
    page.wait_for_function(LIVE_JS, timeout=LOAD_MS)
    for chart in CHARTS[name]:
        page.wait_for_function(DRAWN_JS, arg=f".sop-{chart}", timeout=LOAD_MS)
    drawn = page.evaluate(DRAWS_JS)
    page.locator(".sop-variant button", has_text="5").click()
    page.wait_for_function(f"() => JSON.stringify(({DRAWS_JS})()) !== {json.dumps(json.dumps(drawn))}", timeout=LOAD_MS)
    assert page.locator(".sop-variant .mod-active").inner_text() == "5"
    assert "Traceback" not in page.inner_text("body") and page.query_selector(".voila-error") is None


def test_a_returning_visitor_restores_python_and_a_spoiled_copy_is_dropped(offline_browser, site_url):
    new_context, aborted = offline_browser
    context = new_context()
    try:
        # First visit: Python starts afresh and, once the page is live, a copy is kept.
        page, said, errors = open_page(context, f"{site_url}/voici/render/coverage.html")
        works(page, "coverage")
        assert "started afresh" in heard(page, said, "started afresh", 5)
        kept = heard(page, said, "snapshot kept")
        assert page.evaluate(KEPT_JS)["stored"] > 1_000_000, kept
        assert errors == [], errors
        page.close()

        # Next page (another one: the copy is of Python with every page's modules, not of a page):
        # restored, and the page works as a fresh one does.
        page, said, errors = open_page(context, f"{site_url}/voici/render/options.html?lang=zh")
        works(page, "options")
        assert "restored from this browser's snapshot" in heard(page, said, "restored from", 5), said
        assert not [line for line in said if "afresh" in line]
        assert page.evaluate("() => document.documentElement.lang") == "zh-Hans"
        assert errors == [], errors
        page.close()

        # A copy cut short (a browser that kept half of it): dropped, Python started afresh, the
        # page as usual.
        index = context.new_page()
        index.goto(f"{site_url}/README.md")  # the site's own origin, no Python, no redirect
        assert index.evaluate(SPOIL_JS)
        index.close()
        page, said, errors = open_page(context, f"{site_url}/voici/render/coverage.html")
        works(page, "coverage")
        assert "did not restore" in heard(page, said, "did not restore", 5), said
        assert "started afresh" in heard(page, said, "started afresh", 5)
        now = page.evaluate(KEPT_JS)  # the spoiled copy dropped (a new one comes 20 s after the start)
        assert now is None or now["stored"] > 1_000_000, now
        assert errors == [], errors
        page.close()
        assert aborted == [], f"requests to other hosts: {aborted}"
    finally:
        context.close()
