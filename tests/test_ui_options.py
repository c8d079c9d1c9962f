"""The framework options page, driven through its widgets without a browser or kernel.

Each test changes one control the way a visitor would (``widget.value = ...``,
``button.click()``) and checks what the page now shows: the figures and tables
kept by ``ChartView``, and the HTML widgets' values.
"""

from __future__ import annotations

import pandas as pd
import pytest

import sopkit
from sopkit import analysis, figures
from sopkit.i18n import t
from sopkit.ui import OptionsPage
from ui_helpers import child_ids, csv_frame, download, html_table, text_of, top_level_count


@pytest.fixture(scope="module")
def framework() -> sopkit.Framework:
    return sopkit.load_framework()


@pytest.fixture
def page(framework) -> OptionsPage:
    return OptionsPage(framework)


def coverage_items(page: OptionsPage) -> dict[str, int]:
    """Theme -> items, read from the what-if coverage table the page shows."""
    table = html_table(page.coverage_table.value)
    return dict(zip(table[t("col.theme", page.lang)], table[t("col.items", page.lang)].astype(int)))


def flow_of(page: OptionsPage, objective: str) -> dict[str, int]:
    table = page.flow.table
    rows = table[table["objective"] == objective]
    return dict(zip(rows["theme"], rows["items"]))


def move(page: OptionsPage, item: str, theme: str) -> None:
    page.whatif_item.value = item
    page.whatif_theme.value = theme


D1_ITEMS = 12  # outcomes and outputs of ATU objective D.1 in the report


# ---- option, filters, variant -------------------------------------------------------------


# The thematic options: their priorities plus the cross-cutting placement (X).
@pytest.mark.parametrize(("option", "expected"), [("themes-4", 4 + 1), ("themes-5", 5 + 1), ("atu-7", 7)])
def test_option_sets_top_level_items_of_the_hierarchy(page, framework, option, expected):
    page.option.value = "atu-7" if option != "atu-7" else "themes-4"  # start from another option
    before = top_level_count(page.hierarchy.figure)

    page.option.value = option

    figure = page.hierarchy.figure
    assert figure.data[0]["ids"][0] == option
    assert top_level_count(figure) == expected != before
    tops = {i for i, p in zip(figure.data[0]["ids"], figure.data[0]["parents"]) if p == option}
    assert tops == set(analysis.top_level(framework, option, cross_cutting=True)["id"])
    assert set(page.hierarchy.table["top"]) <= tops
    assert t(f"option.{option}") in figure.layout["title"]["text"].replace("<br>", " ")


def test_five_priority_option_switches_the_mapping_view_to_five(page):
    assert page.variant.value == 4
    page.option.value = "themes-5"
    assert page.variant.value == 5
    assert "T5" in set(page.flow.table["theme"])
    assert [v for _, v in page.whatif_theme.options] == ["T1", "T2", "T3", "T4", "T5", "X"]


def test_excluding_discussion_removes_those_items_from_the_hierarchy(page, framework):
    items = analysis.items(framework)
    discussion = set(items.loc[items["status"] == "discussion", "item"])
    assert discussion and discussion <= child_ids(page.hierarchy.figure)

    page.include_discussion.value = False

    shown = child_ids(page.hierarchy.figure)
    assert shown and not shown & discussion
    assert set(page.hierarchy.table["status"]) == {"agreed"}

    page.include_discussion.value = True
    assert discussion <= child_ids(page.hierarchy.figure)


def test_excluding_discussion_changes_every_chart_on_the_page(page):
    balance_before = [list(trace["y"]) for trace in page.balance.figure.data]
    flow_before = page.flow.table["items"].sum()

    page.include_discussion.value = False

    assert [list(trace["y"]) for trace in page.balance.figure.data] != balance_before
    assert page.flow.table["items"].sum() < flow_before
    compare = html_table(page.compare_table.value)
    assert set(compare[t("col.outcomes discussion")]) == {"0"}


def test_variant_toggle_changes_the_sankey_nodes(page, framework):
    n_objectives = len(framework.objectives)
    assert n_objectives == 7
    # the priorities and the cross-cutting node
    assert len(page.flow.figure.data[0]["node"]["label"]) == 7 + 4 + 1

    page.variant.value = 5
    assert len(page.flow.figure.data[0]["node"]["label"]) == 7 + 5 + 1
    assert "T5" in coverage_items(page)

    page.variant.value = 4
    assert len(page.flow.figure.data[0]["node"]["label"]) == 7 + 4 + 1
    assert "T5" not in coverage_items(page)


# ---- what-if mapping ---------------------------------------------------------------------


def test_choosing_an_item_shows_its_current_priority(page):
    page.whatif_item.value = "D.1"
    assert page.whatif_theme.value == "T4"  # the project's proposal puts D.1 under T4
    page.whatif_item.value = "D.7"
    assert page.whatif_theme.value == "T1"
    assert page.edit_status.value == t("whatif.no_edits")  # looking is not editing


def test_moving_an_objective_moves_its_items_everywhere(page):
    coverage_before = coverage_items(page)
    # D.1's cooperation and finance items on T4, its governance outputs cross-cutting
    assert flow_of(page, "D.1") == {"T4": 4, "X": 8}

    move(page, "D.1", "T1")

    assert flow_of(page, "D.1") == {"T1": D1_ITEMS}
    after = coverage_items(page)
    assert after["T1"] == coverage_before["T1"] + D1_ITEMS
    assert after["T4"] == coverage_before["T4"] - 4 and after["X"] == coverage_before["X"] - 8
    # the objective itself and its 12 outcomes and outputs
    assert page.edit_status.value == t("whatif.edits", count=1 + D1_ITEMS)
    assert text_of(page.message.value).strip() == t("whatif.moved", count=1 + D1_ITEMS, theme="T1")
    assert "sop-message-error" not in page.message.value
    # the treemap follows the edited mapping too
    ids = set(page.hierarchy.figure.data[0]["ids"])
    assert "T1/D.1-a" in ids and "T4/D.1-a" not in ids and "X/D.1-1" not in ids


def test_moving_one_outcome_moves_only_that_outcome(page):
    move(page, "D.1-a", "T2")
    assert flow_of(page, "D.1") == {"T2": 1, "T4": 3, "X": 8}
    assert page.edit_status.value == t("whatif.edits", count=1)


def test_reset_restores_the_proposal(page):
    flow_before = page.flow.table.copy()
    coverage_before = html_table(page.coverage_table.value)
    move(page, "D.1", "T1")
    assert not page.flow.table.equals(flow_before)
    assert not html_table(page.coverage_table.value).equals(coverage_before)

    page.reset.click()

    pd.testing.assert_frame_equal(page.flow.table, flow_before)
    pd.testing.assert_frame_equal(html_table(page.coverage_table.value), coverage_before)
    assert page.edit_status.value == t("whatif.no_edits")
    assert page.whatif_theme.value == "T4"
    assert text_of(page.message.value).strip() == t("whatif.reset_done")


def test_edits_survive_a_language_switch(page):
    move(page, "D.1", "T1")
    page.lang_switch.value = "zh"
    assert flow_of(page, "D.1") == {"T1": D1_ITEMS}
    assert page.edit_status.value == t("whatif.edits", "zh", count=1 + D1_ITEMS)
    assert page.whatif_theme.value == "T1"


def test_mapping_download_loads_back_with_the_edit(page, tmp_path):
    move(page, "D.1", "T1")
    payload = download(page.mapping_download.value, "sop-download-mapping")
    assert payload.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel

    path = tmp_path / "edited-mapping.csv"
    path.write_bytes(payload)
    edited = sopkit.load_framework(mapping=path)

    m = edited.mapping
    d1 = m[(m["variant"] == 4) & m["item"].str.match(r"D\.1(-|$)")]
    assert len(d1) == 1 + D1_ITEMS and set(d1["theme"]) == {"T1"}
    base = page.base_mapping
    five = lambda df: dict(zip(df.loc[df["variant"] == 5, "item"], df.loc[df["variant"] == 5, "theme"]))
    assert five(m) == five(base)  # the edit was made on the 4-priority mapping only
    assert len(m) == len(page.base_mapping)
    shown = coverage_items(page)
    loaded = analysis.theme_coverage(edited, 4)
    assert dict(zip(loaded["theme"], loaded["items"])) == shown


def test_mapping_download_without_edits_is_the_bundled_mapping(page, framework):
    frame = csv_frame(download(page.mapping_download.value, "sop-download-mapping"))
    assert list(frame.columns) == list(framework.mapping.columns)
    assert len(frame) == len(framework.mapping)


# ---- language ------------------------------------------------------------------------------


def test_language_switch_relabels_everything(page):
    page.option.value = "atu-7"
    columns_en = list(html_table(page.compare_table.value).columns)

    page.lang_switch.value = "zh"

    assert page.title.value == f"<h1>{t('options.title', 'zh')}</h1>"
    assert page.option.description == t("options.option", "zh")
    assert [label for label, _ in page.option.options] == [t(f"option.{o}", "zh") for o in page.fw.option_ids]
    assert page.option.value == "atu-7"  # the choice is kept
    assert page.hierarchy.figure.layout["title"]["text"].replace("<br>", "") == t("fig.hierarchy.title", "zh", option=t("option.atu-7", "zh"))
    columns_zh = list(html_table(page.compare_table.value).columns)
    assert columns_zh != columns_en
    assert columns_zh[0] == t("col.option", "zh")
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in c) for c in columns_zh)
    assert html_table(page.coverage_table.value).columns[0] == t("col.theme", "zh")

    page.lang_switch.value = "en"

    assert page.title.value == f"<h1>{t('options.title')}</h1>"
    assert [label for label, _ in page.option.options] == [t(f"option.{o}") for o in page.fw.option_ids]
    assert list(html_table(page.compare_table.value).columns) == columns_en
    assert page.hierarchy.figure.layout["title"]["text"].replace("<br>", " ") == t("fig.hierarchy.title", option=t("option.atu-7"))


def test_chinese_page_uses_chinese_item_texts(page, framework):
    page.lang_switch.value = "zh"
    first = framework.outcomes.iloc[0]
    assert first["text_zh"] in set(page.hierarchy.table["text"])
    assert page.flow.figure.layout["title"]["text"].replace("<br>", "").startswith(t("fig.flow.title", "zh", variant=4))


# ---- objective detail -------------------------------------------------------------------------


def test_detail_shows_alternative_wording_and_suggestions(page, framework):
    page.objective.value = "D.1"
    d1 = text_of(page.detail.value)

    page.objective.value = "D.5"

    text = text_of(page.detail.value)
    assert text != d1
    alt = framework.outcomes.set_index("id").loc["D.5-b"]
    assert t("flag.alternative") in text
    assert alt["alt_text_en"] in text
    suggestions = framework.suggestions[framework.suggestions["objective"] == "D.5"]
    assert len(suggestions) == 2
    for s in suggestions["text_en"]:
        assert s in text
    for s in framework.suggestions.loc[framework.suggestions["objective"] == "D.1", "text_en"]:
        assert s not in text


def test_detail_in_chinese(page, framework):
    page.objective.value = "D.5"
    page.lang_switch.value = "zh"
    text = text_of(page.detail.value)
    assert framework.outcomes.set_index("id").loc["D.5-b", "alt_text_zh"] in text
    assert t("detail.suggestions", "zh") in text
    assert t("derived.translation_notice") not in text


# ---- errors -----------------------------------------------------------------------------------


def test_a_failing_callback_shows_a_message_not_a_traceback(page, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(figures, "hierarchy", broken)
    page.option.value = "atu-7"  # must not raise
    assert "sop-message-error" in page.message.value
    assert t("error.unexpected") in text_of(page.message.value)
    assert "boom" not in page.message.value and "Traceback" not in page.message.value


# ---- cross-cutting placements and their reasons (issue 11, part 4) --------------------------


def test_compare_table_counts_cross_cutting_apart(page):
    compare = html_table(page.compare_table.value).set_index(t("col.option"))
    assert compare.loc[t("option.themes-4"), t("col.cross_cutting")] == "14"
    assert compare.loc[t("option.atu-7"), t("col.cross_cutting")] == "0"


def test_hierarchy_table_gives_each_placement_its_rule(page):
    page.option.value = "themes-5"
    table = page.hierarchy.table.set_index("item")
    assert table.loc["D.4-2", "top"] == "X" and table.loc["D.4-2", "rule_name"] == "Delivery for every priority"
    assert "audience" in table.loc["D.4-2", "rationale"]
    page.option.value = "atu-7"
    assert "rule_name" not in page.hierarchy.table.columns  # the report's own placement


def test_objective_detail_shows_each_placement_one_click_away(page):
    page.objective.value = "D.4"
    detail = page.detail.value
    # the objective and each of its 9 outcomes and outputs
    assert detail.count('<details class="sop-placement">') == 1 + 9
    assert "Delivery for every priority" in detail and "ITU&#x27;s institution and regional presence" in detail
    assert t("placement.summary", homes="4: X · 5: X") in detail
    page.lang_switch.value = "zh"
    assert "面向所有主题重点的交付" in page.detail.value


def test_detail_follows_a_what_if_move_to_cross_cutting(page):
    page.objective.value = "D.7"
    move(page, "D.7-b", "X")
    assert flow_of(page, "D.7")["X"] == 1
    page.draw_detail()
    assert t("placement.edited") in page.detail.value
    assert "X/D.7-b" in set(page.hierarchy.figure.data[0]["ids"])


def test_excel_file_is_made_only_when_asked_for(page):
    import io

    import openpyxl

    from sopkit.ui import tables as common

    assert 'class="sop-download-xlsx"' in page.compare_table.value
    assert "spreadsheetml" not in page.compare_table.value  # no Excel file built in advance
    page.bridge.heard_from_browser({"type": "xlsx", "name": "sopkit-options-compared"})
    assert page.downloads == ["sopkit-options-compared.xlsx"]
    name, payload = common.xlsx_download(page.shown_tables, "sopkit-options-compared")
    rows = list(openpyxl.load_workbook(io.BytesIO(payload), read_only=True).active.iter_rows(values_only=True))
    assert len(rows) - 1 == len(page.shown_tables["sopkit-options-compared"])
    # A second page in the same kernel (JupyterLab) showing the same table with other filters:
    # each page's Excel link gives its own rows.
    other = OptionsPage(page.fw)
    other.include_discussion.value = False
    mine, theirs = (common.xlsx_download(p.shown_tables, "sopkit-options-compared")[1] for p in (page, other))
    read = lambda b: list(openpyxl.load_workbook(io.BytesIO(b), read_only=True).active.iter_rows(values_only=True))  # noqa: E731
    assert read(mine) == rows and read(theirs) != rows
    page.bridge.heard_from_browser({"type": "xlsx", "name": "no-such-table"})  # a stale or forged name: nothing sent, no error
    assert page.downloads == ["sopkit-options-compared.xlsx"] and "sop-message-error" not in page.message.value
