"""The bridge widget's kernel side (sopkit/ui/bridge.py): what a page hands to the browser and
what it does with what the browser sends, without a browser (tests/browser/test_delivery.py and
tests/browser/test_proposals.py have the browser side)."""

from __future__ import annotations

from sopkit.ui import OptionsPage, RankingsPage
from ui_helpers import upload_value


def _recorded(page):
    sent = []
    page.bridge.send = lambda content, buffers=None: sent.append((content, buffers))
    return sent


def test_an_excel_file_goes_as_one_message_with_its_bytes_as_a_buffer(fw):
    page = OptionsPage(fw)
    sent = _recorded(page)
    name = next(iter(page.shown_tables))
    page.bridge.heard_from_browser({"type": "xlsx", "name": name})
    [(content, buffers)] = sent
    assert content == {"type": "file", "name": f"{name}.xlsx", "mime": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
    assert len(buffers) == 1 and bytes(buffers[0][:2]) == b"PK"  # a zip: an XLSX, not base64 text
    page.bridge.heard_from_browser({"type": "xlsx", "name": "never-shown"})
    page.bridge.heard_from_browser({"type": "execute", "code": "1"})  # no such request: nothing
    page.bridge.heard_from_browser("not a dict")
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


def test_an_accepted_upload_is_kept_in_the_browser_and_forgotten_on_request(fw, tmp_path):
    page = RankingsPage(fw)
    sent = _recorded(page)
    content = b"respondent,item,rank\nr1,ITU-D.4,1\nr1,ITU-D.3,2\nr2,ITU-D.3,1\n"
    page.upload.value = upload_value("mine.csv", content)
    (kept, buffers), *_ = [m for m in sent if m[0]["type"] == "keep"]
    assert kept == {"type": "keep", "slot": "responses", "name": "mine.csv", "meta": {"survey": page.survey.value}}
    assert bytes(buffers[0]) == content
    assert "never in a link" in page.upload_note.value
    assert "mine.csv" not in page.view_query()
    page.clear.click()
    assert sent[-1] == ({"type": "forget", "slot": "responses"}, None)
    assert page.uploaded is None and "forgotten" in page.upload_note.value


def test_a_refused_upload_is_not_kept(fw):
    page = RankingsPage(fw)
    sent = _recorded(page)
    page.upload.value = upload_value("bad.csv", b"respondent,item,rank\nr1,nope,1\n")
    assert not [m for m in sent if m[0]["type"] == "keep"]


RESPONSES = b"respondent,item,rank\nr1,ITU-D.4,1\nr1,ITU-D.3,2\nr2,ITU-D.3,1\n"
HREF = "https://example.org/voila/render/rankings.ipynb"


def hello(page, n, query="", uploads=(), **extra):
    metas = [{"slot": slot, "name": name, "meta": meta} for slot, name, meta, _ in uploads]
    page.bridge.heard_from_browser(
        {"type": "hello", "n": n, "href": f"{HREF}?{query}" if query else HREF, "uploads": metas, **extra}, [b for *_, b in uploads]
    )


def test_a_reload_brings_back_the_view_and_the_kept_upload(fw):
    page = RankingsPage(fw)
    survey = page.survey.value
    hello(page, 1, "lang=zh&method=copeland", [("responses", "mine.csv", {"survey": survey}, RESPONSES)])
    assert (page.lang, page.method.value, page.bridge.heard) == ("zh", "copeland", 1)
    assert page.uploaded is not None and page.uploaded.name == "mine.csv" and page.uploaded.respondents == 2
    assert "mine.csv" in page.upload_note.value and page.distribution.figure is not None
    assert page.bridge.view == "lang=zh&method=copeland" and page.bridge.lang == "zh" and page.bridge.title.endswith("TDAG-WG-SOP")
    assert page.view_url() == f"{HREF}?lang=zh&method=copeland"


def test_a_hello_is_handled_once_and_untrusted_parts_are_dropped(fw):
    page = RankingsPage(fw)
    hello(page, 1, "method=copeland")
    page.method.value = "borda"
    hello(page, 1, "method=copeland")  # a repeat: the visitor's later choice stands
    assert page.method.value == "borda"
    for junk in ({"type": "hello"}, {"type": "hello", "n": "x", "href": HREF}, {"type": "hello", "n": 5, "href": None, "uploads": "x"}):
        page.bridge.heard_from_browser(junk, [])
    assert page.bridge.heard == 1
    # an upload of another survey, of another slot, or no longer valid is not used; the last one is forgotten
    sent = _recorded(page)
    other = next(s for s in fw.surveys["id"] if s != page.survey.value)
    hello(page, 2, "", [("responses", "old.csv", {"survey": other}, RESPONSES), ("x", "x.csv", {}, RESPONSES)])
    assert page.uploaded is None
    hello(page, 3, "", [("responses", "broken.csv", {"survey": page.survey.value}, b"respondent,item,rank\nr1,nope,1\n")])
    assert page.uploaded is None and sent[-1][0] == {"type": "forget", "slot": "responses"}


def test_a_reload_that_lost_its_address_takes_the_view_the_browser_kept(fw):
    page = OptionsPage(fw)
    hello(page, 1, "", view="lang=zh&option=themes-5")
    assert (page.lang, page.option.value) == ("zh", "themes-5")
    other = OptionsPage(fw)
    hello(other, 1, "option=atu-7", view="lang=zh&option=themes-5")  # the address wins
    assert (other.lang, other.option.value) == ("en", "atu-7")
