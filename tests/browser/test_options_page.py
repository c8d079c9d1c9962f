"""The framework options page in a real browser (Voila + chromium).

Each test loads the page once, acts as a visitor (select, keyboard, clicks,
download) and waits for what changed: the graph div's data, a table cell, a text.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from sopkit import analysis
from sopkit.i18n import t

from .browser_helpers import CHARTS, CUT_LABELS_JS, open_workbook, select_label, summary_marker, table_rows, wait_drawn, wait_value

pytestmark = pytest.mark.browser

# Number of nodes directly under the treemap's root, read from the plotly graph div.
TOP_LEVEL_JS = """() => {
    const el = document.querySelector('.sop-hierarchy .js-plotly-plot');
    if (!el || !el.data || !el.data.length || !el.querySelector('.slice')) return null;
    const d = el.data[0];
    return d.parents.filter(p => p === d.ids[0]).length;
}"""
TEXT_JS = "(css) => { const el = document.querySelector(css); return el ? el.textContent.trim() : null; }"


@pytest.fixture
def options(page, voila_url):
    return open_workbook(page, voila_url, "options")


def coverage_cell(page, theme: str) -> str | None:
    """The items count of *theme* in the what-if coverage table."""
    rows = table_rows(page, ".sop-whatif-coverage")
    header = rows[0]
    col = header.index(t("col.items"))
    return next((r[col] for r in rows[1:] if r[0] == theme), None)


def test_renders_every_chart_and_no_code_or_error(options):
    page = options
    for chart in CHARTS["options"]:
        wait_drawn(page, f".sop-{chart}")
    assert page.locator(".js-plotly-plot").count() == len(CHARTS["options"])
    assert page.locator(".voila-error").count() == 0
    assert page.locator(".jp-InputArea, .jp-InputPrompt, .CodeMirror, .cm-editor").count() == 0
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert "options_page" not in text  # the cell's source is stripped
    assert summary_marker("options") not in text  # summary cells are removed by voila.json
    assert page.inner_text(".sop-page h1") == t("options.title")
    assert page.js_errors == []


def test_button_labels_are_not_cut_off(options):
    page = options
    assert page.locator(".sop-page .widget-button[class*=sop-], .sop-page .widget-upload[class*=sop-]").count() >= 1
    assert page.evaluate(CUT_LABELS_JS) == []
    page.click(".sop-lang button:has-text('中文')")
    wait_value(page, TEXT_JS, t("options.title", "zh"), arg=".sop-page h1")
    assert page.evaluate(CUT_LABELS_JS) == []


# The thematic options: their priorities and the cross-cutting placement (X).
@pytest.mark.parametrize(("option", "expected"), [("themes-5", 5 + 1), ("atu-7", 7), ("themes-4", 4 + 1)])
def test_choosing_an_option_redraws_the_treemap(options, option, expected):
    page = options
    wait_value(page, TOP_LEVEL_JS, 4 + 1)  # the page opens on option 1 with 4 priorities
    if option == "themes-4":
        select_label(page, ".sop-option", t("option.atu-7"))
        wait_value(page, TOP_LEVEL_JS, 7)

    select_label(page, ".sop-option", t(f"option.{option}"))

    wait_value(page, TOP_LEVEL_JS, expected)


def test_option_select_works_from_the_keyboard(options):
    page = options
    wait_value(page, TOP_LEVEL_JS, 4 + 1)
    select = page.locator(".sop-option select")
    select.focus()
    assert page.evaluate("() => document.activeElement.closest('.sop-option') !== null")

    page.keyboard.press("ArrowDown")
    wait_value(page, TOP_LEVEL_JS, 5 + 1)
    page.keyboard.press("ArrowDown")
    wait_value(page, TOP_LEVEL_JS, 7)
    page.keyboard.press("Home")
    wait_value(page, TOP_LEVEL_JS, 4 + 1)


def test_whatif_move_changes_the_coverage_table(options, fw):
    page = options
    cov = analysis.theme_coverage(fw, 4).set_index("theme")["items"]
    n_d1 = int((analysis.items(fw)["objective"] == "D.1").sum())
    assert coverage_cell(page, "T1") == str(cov["T1"])
    d1 = fw.objectives.set_index("id").loc["D.1"]

    select_label(page, ".sop-whatif-item", f"D.1 {d1['short_en']} ({t('whatif.whole_objective')})")
    select_label(page, ".sop-whatif-theme", f"T1 {fw.themes.set_index('id').loc['T1', 'name_en']}")

    wait_value(page, TEXT_JS, t("whatif.edits", count=1 + n_d1), arg=".sop-whatif-status")
    assert coverage_cell(page, "T1") == str(cov["T1"] + n_d1)
    d1_flows = analysis.flows(fw, 4).query("objective == 'D.1'").set_index("theme")["items"]  # on T4 and cross-cutting
    assert coverage_cell(page, "T4") == str(cov["T4"] - d1_flows["T4"])
    assert coverage_cell(page, "X") == str(cov["X"] - d1_flows["X"])

    page.click(".sop-whatif-reset")
    wait_value(page, TEXT_JS, t("whatif.no_edits"), arg=".sop-whatif-status")
    assert coverage_cell(page, "T1") == str(cov["T1"])


def test_language_switch_to_chinese_and_back(options, fw):
    page = options
    page.click(".sop-lang button:has-text('中文')")

    wait_value(page, TEXT_JS, t("options.title", "zh"), arg=".sop-page h1")
    zh_option = t("option.themes-4", "zh")
    page.wait_for_function(
        "([want]) => { const g = document.querySelector('.sop-hierarchy .gtitle'); return g && g.textContent.startsWith(want); }",
        arg=[zh_option],
    )
    labels = page.locator(".sop-option select option").all_inner_texts()
    assert [s.replace("\xa0", " ") for s in labels] == [t(f"option.{o}", "zh") for o in fw.option_ids]

    page.click(".sop-lang button:has-text('English')")
    wait_value(page, TEXT_JS, t("options.title"), arg=".sop-page h1")
    page.wait_for_function(
        "([want]) => { const g = document.querySelector('.sop-hierarchy .gtitle'); return g && g.textContent.startsWith(want); }",
        arg=[t("option.themes-4")],
    )


def test_csv_download_has_the_rows_of_the_shown_table(options, fw):
    page = options
    page.click(".sop-hierarchy details.sop-table > summary")
    shown = table_rows(page, ".sop-hierarchy")
    assert len(shown) - 1 == len(analysis.option_items(fw, "themes-4"))

    with page.expect_download() as info:
        page.click(".sop-hierarchy a.sop-download-csv")
    download = info.value

    assert download.suggested_filename == "sopkit-hierarchy.csv"
    with open(download.path(), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == shown[0]  # same (localised) headers
    assert len(rows) - 1 == len(shown) - 1
    assert [r[1] for r in rows[1:]] == [r[1] for r in shown[1:]]  # same items, same order


def test_placement_reason_is_one_click_from_the_item(options):
    page = options
    first = page.locator(".sop-objective-detail details.sop-placement").first
    first.wait_for()
    assert not first.locator("ul").is_visible()
    first.locator("summary").click()
    first.locator("ul").wait_for(state="visible")
    assert t("placement.rule") in first.inner_text()


def test_excel_download_is_made_when_asked_for(options, fw):
    """The Excel link asks the kernel for the file (nothing is built before the click) and the
    browser receives a workbook with the rows of the table on screen."""
    page = options
    page.click(".sop-hierarchy details.sop-table > summary")
    shown = table_rows(page, ".sop-hierarchy")
    link = page.locator(".sop-hierarchy a.sop-download-xlsx")
    assert "base64" not in (link.get_attribute("href") or "")

    with page.expect_download() as info:
        link.click()
    download = info.value

    assert download.suggested_filename == "sopkit-hierarchy.xlsx"
    with open(download.path(), "rb") as f:  # a temporary file without the .xlsx ending openpyxl wants
        sheet = openpyxl.load_workbook(io.BytesIO(f.read()), read_only=True).active
    rows = [[("" if v is None else str(v)) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == shown[0]
    assert [r[1] for r in rows[1:]] == [r[1] for r in shown[1:]]
