"""The priority rankings page in a real browser (Voila + chromium)."""

from __future__ import annotations

import pytest

from sopkit import survey
from sopkit.i18n import t

from .browser_helpers import ACTION_MS, CHARTS, open_workbook, select_label, summary_marker, table_rows, upload, wait_drawn, wait_value

pytestmark = pytest.mark.browser

TEXT_JS = "(css) => { const el = document.querySelector(css); return el ? el.textContent.trim() : null; }"
# Items on the y axis of a chart (decoded values plotly drew).
Y_COUNT_JS = """(css) => { const el = document.querySelector(css + ' .js-plotly-plot');
    if (!el || !el._fullData || !el._fullData.length || !el.querySelector('.trace, .hm image')) return null;
    return Array.from(el._fullData[0].y).length; }"""
SCORES_JS = """() => { const el = document.querySelector('.sop-weighted .js-plotly-plot');
    if (!el || !el._fullData || !el._fullData.length || !el.querySelector('.trace')) return null;
    return Array.from(el._fullData[0].y).map(v => Math.round(v * 1000) / 1000); }"""


@pytest.fixture
def rankings(page, voila_url):
    return open_workbook(page, voila_url, "rankings")


def test_renders_every_chart_and_says_only_the_order_is_known(rankings):
    page = rankings
    for chart in CHARTS["rankings"]:
        wait_drawn(page, f".sop-{chart}")
    assert page.locator(".voila-error").count() == 0
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert summary_marker("rankings") not in text  # summary cells are removed by voila.json
    assert "Only the order is known" in text
    assert page.locator(".sop-distribution").is_hidden()  # no responses bundled


def test_survey_dropdown_changes_the_ranked_items(rankings, fw):
    page = rankings
    wait_value(page, Y_COUNT_JS, 4, arg=".sop-rank-order")  # ITU-D objectives first
    goals = fw.surveys.set_index("id").loc["strategic-goals", "name_en"]
    select_label(page, ".sop-survey", goals)
    wait_value(page, Y_COUNT_JS, 5, arg=".sop-rank-order")
    wait_value(page, Y_COUNT_JS, 5, arg=".sop-landing")


def test_weight_buttons_change_the_scores(rankings, fw):
    page = rankings
    at = lambda strength: [round(s, 3) for s in survey.weighted_coverage(fw, "itu-d-objectives", strength)["score"]]  # noqa: E731
    wait_value(page, SCORES_JS, at(0.5))
    page.locator(".sop-strength").get_by_role("button", name="1", exact=True).focus()
    page.keyboard.press("Enter")  # keyboard: "only the top counts"
    wait_value(page, SCORES_JS, at(1.0))
    page.locator(".sop-strength").get_by_role("button", name="0", exact=True).focus()
    page.keyboard.press("Space")
    wait_value(page, SCORES_JS, at(0.0))


def test_uploading_responses_draws_their_distribution(rankings, fw):
    page = rankings
    items = survey.survey_items(fw, "itu-d-objectives")
    synthetic = survey.synthetic_responses(items, 9, seed=3)  # generated here, never shipped as data
    upload(page, ".sop-responses-upload", "synthetic.csv", synthetic.to_csv(index=False).encode())
    wait_drawn(page, ".sop-distribution")
    wait_value(page, Y_COUNT_JS, len(items), arg=".sop-distribution")
    # The aggregate's table is another widget's message: it may land after the chart has drawn.
    page.wait_for_selector(".sop-aggregate table.sop-data", state="attached", timeout=ACTION_MS)
    rows = table_rows(page, ".sop-aggregate")
    assert len(rows) == 1 + len(items)
    assert page.locator(".sop-match").count() == 1
    assert "synthetic.csv" in page.inner_text(".sop-responses-status")


def test_a_bad_upload_shows_a_message_and_nothing_breaks(rankings):
    page = rankings
    upload(page, ".sop-responses-upload", "wrong.csv", b"who,what\nx,y\n")
    page.wait_for_selector(".sop-responses-message .sop-message-error", timeout=ACTION_MS)
    message = page.inner_text(".sop-responses-message")
    assert "wrong.csv" in message and "respondent" in message
    assert page.locator(".sop-distribution").is_hidden()
    wait_drawn(page, ".sop-weighted")  # the rest of the page still works


def test_language_switch(rankings):
    page = rankings
    page.click(".sop-lang button:has-text('中文')")
    wait_value(page, TEXT_JS, t("rankings.title", "zh"), arg=".sop-page h1")
    page.wait_for_function(
        "([want]) => { const g = document.querySelector('.sop-rank-order .gtitle'); return g && g.textContent === want; }",
        arg=[t("fig.rank_order.title", "zh")],
        timeout=ACTION_MS,
    )


# JS: does *css* lie fully inside the window (1 px of rounding allowed)?
IN_VIEW_JS = """(css) => { const el = document.querySelector(css);
    if (!el) return null; const r = el.getBoundingClientRect();
    return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1; }"""
BOX_JS = """(css) => { const r = document.querySelector(css).getBoundingClientRect(); return [r.top, r.bottom, r.left]; }"""
# JS: scroll the page (Voila scrolls a panel, not the window) so that *css* ends at window y = *y*.
SCROLL_TO_JS = """([css, y]) => { const el = document.querySelector(css);
    let box = el.parentElement;
    while (box && !(box.scrollHeight > box.clientHeight + 10 && ['auto', 'scroll'].includes(getComputedStyle(box).overflowY))) box = box.parentElement;
    box = box || document.scrollingElement;
    box.scrollTop += el.getBoundingClientRect().bottom - y;
    return el.getBoundingClientRect().bottom; }"""


def test_a_refused_file_is_said_next_to_the_upload_and_scrolled_into_view(page, voila_url, fw):
    page.set_viewport_size({"width": 1280, "height": 800})
    open_workbook(page, voila_url, "rankings")
    items = survey.survey_items(fw, "itu-d-objectives")
    upload(page, ".sop-responses-upload", "good.csv", survey.synthetic_responses(items, 6, seed=2).to_csv(index=False).encode())
    wait_drawn(page, ".sop-distribution")
    # the upload button at the bottom edge of the window: its message falls below the edge
    # (room below the page, so that a short page can still be scrolled that far; a window
    # short enough for the button to sit at its edge even when the page is at its top)
    page.evaluate("() => { document.querySelector('.sop-page').style.paddingBottom = '1500px'; }")
    height = min(800, int(page.evaluate(BOX_JS, ".sop-responses-upload")[1]) + 10)
    page.set_viewport_size({"width": 1280, "height": height})
    button = page.locator(".sop-responses-upload")
    assert abs(page.evaluate(SCROLL_TO_JS, [".sop-responses-upload", height - 10]) - (height - 10)) < 2
    assert page.evaluate(IN_VIEW_JS, ".sop-responses-upload")
    assert not page.evaluate(IN_VIEW_JS, ".sop-responses-message")

    upload(page, ".sop-responses-upload", "workbook.xlsx", b"PK\x03\x04" + bytes(range(256)) * 20)
    page.wait_for_selector(".sop-responses-message .sop-message-error", timeout=ACTION_MS)
    wait_value(page, IN_VIEW_JS, True, arg=".sop-responses-message")  # scrolled to where the user looks
    message = page.inner_text(".sop-responses-message")
    assert "workbook.xlsx" in message and "Excel" in message and "CSV UTF-8" in message
    assert len(message.splitlines()) <= 3  # a title and one line, never the file's bytes
    # right below the upload control, not at the top of the page
    upload_box, message_box = page.evaluate(BOX_JS, ".sop-responses-upload"), page.evaluate(BOX_JS, ".sop-responses-message")
    assert 0 <= message_box[0] - upload_box[1] < 80
    assert page.inner_text(".sop-message").strip() == ""
    # the analysis still on screen is said to be the previous file's
    status = page.inner_text(".sop-responses-status")
    assert "workbook.xlsx" in status and "good.csv" in status
    assert button.is_visible()


def test_the_same_file_can_be_uploaded_again(rankings, fw):
    page = rankings
    items = survey.survey_items(fw, "itu-d-objectives")
    content = survey.synthetic_responses(items, 4, seed=5).to_csv(index=False).encode()
    upload(page, ".sop-responses-upload", "same.csv", content)
    wait_drawn(page, ".sop-distribution")
    page.click(".sop-responses-clear")
    page.wait_for_selector(".sop-distribution", state="hidden", timeout=ACTION_MS)
    upload(page, ".sop-responses-upload", "same.csv", content)  # the very same file, chosen again
    page.wait_for_function("() => document.querySelector('.sop-responses-status').textContent.includes('same.csv')", timeout=ACTION_MS)
    page.wait_for_selector(".sop-distribution", state="visible", timeout=ACTION_MS)
    wait_drawn(page, ".sop-distribution")
