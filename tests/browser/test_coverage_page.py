"""The outcome coverage page in a real browser (Voila + chromium).

Uploads go through the browser's file chooser: ipywidgets 8 keeps FileUpload's
``<input type=file>`` out of the DOM and clicks it from the button
(``.sop-mapping-upload``), so the chooser is the way a visitor's file arrives.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sopkit import analysis
from sopkit.i18n import t
from ui_helpers import edited_mapping

from .browser_helpers import CHARTS, CUT_LABELS_JS, open_workbook, summary_marker, table_rows, upload, wait_drawn, wait_value

pytestmark = pytest.mark.browser

MAPPING = Path(__file__).resolve().parents[2] / "data" / "mapping.csv"
TEXT_JS = "(css) => { const el = document.querySelector(css); return el ? el.textContent.trim() : null; }"
# plotly 7 sends numpy arrays base64-encoded ({dtype, bdata}) in the graph div's .data;
# the decoded values plotly drew are in ._fullData.
# Items per priority in the coverage bar chart: sum of the stacked traces' x, by bar.
BARS_JS = """() => {
    const el = document.querySelector('.sop-coverage .js-plotly-plot');
    if (!el || !el._fullData || !el._fullData.length || !el.querySelector('.trace')) return null;
    const xs = el._fullData.map(tr => Array.from(tr.x));
    return xs[0].map((_, i) => xs.reduce((sum, x) => sum + x[i], 0));
}"""
# Columns (statuses) of the outcome heatmap.
HEATMAP_COLUMNS_JS = """() => {
    const el = document.querySelector('.sop-heatmap .js-plotly-plot');
    if (!el || !el._fullData || !el._fullData.length || !el.querySelector('.hm image')) return null;
    return el._fullData[0].z[0].length;
}"""


@pytest.fixture
def coverage(page, voila_url):
    return open_workbook(page, voila_url, "coverage")


def test_renders_every_chart_and_no_code_or_error(coverage):
    page = coverage
    for chart in CHARTS["coverage"]:
        wait_drawn(page, f".sop-{chart}")
    assert page.locator(".js-plotly-plot").count() == len(CHARTS["coverage"])
    assert page.locator(".voila-error").count() == 0
    assert page.locator(".jp-InputArea, .jp-InputPrompt, .CodeMirror, .cm-editor").count() == 0
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert "coverage_page" not in text
    assert summary_marker("coverage") not in text and "agreed items" not in text  # summary cells removed
    assert page.inner_text(".sop-page h1") == t("coverage.title")
    assert page.js_errors == []


def test_button_labels_are_not_cut_off(coverage):
    page = coverage
    assert page.locator(".sop-page .widget-button[class*=sop-], .sop-page .widget-upload[class*=sop-]").count() >= 1
    assert page.evaluate(CUT_LABELS_JS) == []
    page.click(".sop-lang button:has-text('中文')")
    wait_value(page, TEXT_JS, t("coverage.title", "zh"), arg=".sop-page h1")
    assert page.evaluate(CUT_LABELS_JS) == []


def test_excluding_discussion_redraws_the_heatmap(coverage):
    page = coverage
    wait_value(page, HEATMAP_COLUMNS_JS, 2)
    page.click(".sop-include-discussion input[type=checkbox]")
    wait_value(page, HEATMAP_COLUMNS_JS, 1)


@pytest.mark.parametrize("query", ["broadband", "宽带"])
def test_search_typed_and_entered_shows_the_count(coverage, fw, query):
    page = coverage
    expected = analysis.search_items(fw, query)["item"].tolist()
    assert expected

    page.fill(".sop-search input", query)
    page.press(".sop-search input", "Enter")

    wait_value(page, TEXT_JS, t("coverage.search_count", count=len(expected), query=query), arg=".sop-search-count")
    rows = table_rows(page, ".sop-search-results")
    assert [r[0] for r in rows[1:]] == expected


def test_bad_upload_shows_an_error_and_keeps_the_mapping(coverage):
    page = coverage
    before = page.evaluate(BARS_JS)

    upload(page, ".sop-mapping-upload", "not-a-mapping.csv", b"objective,priority\nD.1,T1\n")

    error = page.locator(".sop-mapping-message .sop-message-error")  # beside the upload control
    error.wait_for()
    assert "not-a-mapping.csv" in error.inner_text()
    assert "Traceback" not in page.inner_text("body")
    page.wait_for_function("() => document.querySelector('.sop-mapping-status').textContent.includes('not-a-mapping.csv')")
    status = page.text_content(".sop-mapping-status").strip()
    assert status.endswith(t("coverage.mapping_bundled")) and "not-a-mapping.csv" in status  # marked as not used
    assert page.evaluate(BARS_JS) == before


def test_good_upload_updates_status_and_chart(coverage, fw):
    page = coverage
    cov = analysis.theme_coverage(fw, 4)["items"].tolist()
    n_d1 = int((analysis.items(fw)["objective"] == "D.1").sum())
    wait_value(page, BARS_JS, cov)

    upload(page, ".sop-mapping-upload", "moved-d1.csv", edited_mapping("T1"))

    wait_value(page, TEXT_JS, t("coverage.mapping_uploaded", name="moved-d1.csv"), arg=".sop-mapping-status")
    d1 = analysis.flows(fw, 4).query("objective == 'D.1'").set_index("theme")["items"]  # on T4 and cross-cutting (X)
    wait_value(page, BARS_JS, [cov[0] + n_d1, cov[1], cov[2], cov[3] - int(d1["T4"]), cov[4] - int(d1["X"])])
    assert page.locator(".sop-mapping-message .sop-message-error").count() == 0
