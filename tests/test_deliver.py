"""The delivery widget's kernel side (sopkit/ui/deliver.py): what a page hands to the browser,
without a browser (tests/browser/test_delivery.py has the browser side)."""

from __future__ import annotations

from sopkit.ui import OptionsPage, RankingsPage
from sopkit.ui.deliver import ESM


def _recorded(page):
    sent = []
    page.deliver.send = lambda content, buffers=None: sent.append((content, buffers))
    return sent


def test_an_excel_file_goes_as_one_message_with_its_bytes_as_a_buffer(fw):
    page = OptionsPage(fw)
    sent = _recorded(page)
    name = next(iter(page.shown_tables))
    page.download_request.value = f"{name}|1"
    [(content, buffers)] = sent
    assert content == {"type": "file", "name": f"{name}.xlsx", "mime": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    assert len(buffers) == 1 and bytes(buffers[0][:2]) == b"PK"  # a zip: an XLSX, not base64 text
    page.download_request.value = "never-shown|2"
    assert len(sent) == 1  # a table never shown: nothing sent


def test_the_brief_goes_as_bytes_and_a_refusal_scrolls_to_its_message(fw):
    page = RankingsPage(fw)
    sent = _recorded(page)
    page.brief_button.click()
    (content, buffers), *_ = sent
    assert content["type"] == "file" and content["name"].startswith("sopkit-rankings-en-") and content["mime"].startswith("text/html")
    assert bytes(buffers[0][:15]).lower() == b"<!doctype html>"
    page.scroll_into_view(".sop-responses-message")
    assert sent[-1] == ({"type": "scroll", "css": ".sop-page-rankings .sop-responses-message"}, None)
    assert page.scrolled_to == [".sop-responses-message"] and page.downloads == [content["name"]]


def test_the_front_end_saves_buffers_and_keeps_nothing():
    js = ESM.read_text(encoding="utf-8")
    assert 'model.on("msg:custom"' in js and "initialize" in js  # heard once per page, not per view
    assert "model.set" not in js and "save_changes" not in js  # nothing goes back to the kernel
    assert "URL.revokeObjectURL" in js
