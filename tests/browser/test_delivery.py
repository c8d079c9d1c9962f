"""Files the kernel makes reach the browser as downloads and nothing comes back (sopkit/ui/deliver.py)."""

from __future__ import annotations

import pytest

from .browser_helpers import LOAD_MS, WS_LOG_JS, open_workbook

pytestmark = pytest.mark.browser


def test_the_brief_and_an_excel_file_arrive_and_the_page_sends_nothing_back(page, voila_url):
    page.add_init_script(WS_LOG_JS)
    open_workbook(page, voila_url, "rankings")
    page.evaluate("() => { window.__sopWs = []; }")
    with page.expect_download(timeout=LOAD_MS) as brief:
        page.click(".sop-brief")
    with open(brief.value.path(), "rb") as f:
        head = f.read(15).lower()
    assert head == b"<!doctype html>" and brief.value.suggested_filename.startswith("sopkit-rankings-en-")
    page.click(".sop-rank-order details.sop-table > summary")
    with page.expect_download() as table:
        page.click(".sop-rank-order a.sop-download-xlsx")
    with open(table.value.path(), "rb") as f:
        assert f.read(2) == b"PK"
    page.wait_for_timeout(1000)  # what the page sends after a download (the Output route sent the file back)
    log = page.evaluate("() => window.__sopWs")
    received = max(size for way, size in log if way == "in")
    sent = [size for way, size in log if way == "out"]
    assert received > 1_000_000, "the brief came in one message"
    assert sent and max(sent) < 2_000, f"the page sent {sent} bytes"
    assert not page.js_errors
