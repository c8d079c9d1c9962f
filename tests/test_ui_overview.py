"""The overview (landing) page, driven through its widgets without a browser or kernel."""

from __future__ import annotations

import re

import pytest

from sopkit import analysis
from sopkit.i18n import t
from sopkit.ui import OverviewPage
from sopkit.ui.overview import PAGES
from ui_helpers import text_of

WORKBOOKS = ("options", "coverage", "rankings")


@pytest.fixture
def page(fw) -> OverviewPage:
    return OverviewPage(fw)


def card(page: OverviewPage, key: str) -> str:
    m = re.search(rf'sop-card-{key}"><div class="sop-card-value">([^<]*)</div>', page.key_figures.value)
    assert m, f"no card {key!r}"
    return m.group(1)


def test_key_figures_are_read_from_the_data(page, fw):
    figures = analysis.key_figures(fw).set_index("figure")["value"]
    assert card(page, "objectives") == str(figures["objectives"]) == "7"
    assert card(page, "outcomes") == str(figures["outcomes"])
    assert card(page, "outputs") == str(figures["outputs"])
    assert card(page, "themes") == str(figures["thematic priorities named"]) == "4"
    assert card(page, "meetings") == str(len(fw.meetings))
    shown = text_of(page.key_figures.value)
    assert t("overview.split", agreed=figures["outcomes agreed"], discussion=figures["outcomes discussion"]) in shown
    assert t("overview.figures") in page.figures_heading.value


def test_links_lead_to_every_workbook(page):
    assert PAGES == WORKBOOKS
    hrefs = re.findall(r'<a class="sop-link-(\w+)" href="([^"]+)"', page.links.value)
    assert hrefs == [(p, f"{p}.ipynb") for p in WORKBOOKS]
    for p in WORKBOOKS:
        assert t(f"{p}.title") in text_of(page.links.value)


def test_about_names_the_chair_and_vice_chairs(page, fw):
    about = text_of(page.about.value)
    for _, officer in fw.officers.iterrows():
        assert officer["name_en"] in about


def test_timeline_chart_and_table(page, fw):
    events = analysis.timeline(fw)
    table = page.timeline.table
    assert len(table) == len(events)
    assert list(table.columns) == ["date", "end", "kind", "ref", "label"]
    dated = events[events["precision"].isin(["day", "month"])]
    assert sum(len(trace["x"]) for trace in page.timeline.figure.data) == len(dated)
    year_only = int((events["precision"] == "year").sum())
    assert year_only > 0
    # year-only events keep their year, quarter-only events their quarter, nothing more precise
    assert set(table.loc[(events["precision"] == "year").to_numpy(), "date"].str.len()) == {4}
    assert table.loc[(events["precision"] == "quarter").to_numpy(), "date"].tolist() == ["2021-Q1"]


def test_report_block_has_title_language_action_references_and_terms(page, fw):
    text = text_of(page.report_info.value)
    for part in ("title", "original-language", "action-required", "references"):
        row = fw.report[fw.report["part"] == part].iloc[0]
        assert row["text_en"] in text, part
    assert "TDAG-20/59" in text
    assert page.report_info.value.count("<li>") == 3  # the three terms of reference
    page.lang_switch.value = "zh"
    assert "请电信发展顾问组审查本报告并批准其中所含建议。" in text_of(page.report_info.value)
    assert "审议四年期滚动式运作规划的落实状况与影响" in text_of(page.report_info.value)


def test_decisions_list_holds_every_decision_with_its_source(page, fw):
    value = page.decisions.value
    assert value.count("<li ") == len(fw.decisions) + int((fw.conclusions["kind"] == "narrative").sum()) == 12
    assert "TDAG-20/3/7" in value and "June 2022" in value and "commended the chair" in value
    assert "CWG-SFP" in value and t("overview.source") in value
    # in time order: 2020 first, the 2021 conclusions last
    assert value.index("TDAG-20/3/7") < value.index("June 2022") < value.index("CWG-SFP")


def test_timeline_shows_decisions_and_consultations(page):
    kinds = set(page.timeline.table["kind"])
    assert {t("timeline.decision"), t("timeline.consultation")} <= kinds
    lanes = {trace["name"].replace("<br>", " ") for trace in page.timeline.figure.data}
    assert t("timeline.decision") in lanes


def test_language_switch_relabels_everything(page, fw):
    cards_en = page.key_figures.value
    page.lang_switch.value = "zh"
    assert page.title.value == f"<h1>{t('overview.title', 'zh')}</h1>"
    assert t("overview.card.outcomes", "zh") in page.key_figures.value and page.key_figures.value != cards_en
    assert t("options.title", "zh") in text_of(page.links.value)
    chair = fw.officers.loc[fw.officers["role"] == "chair", "name_zh"].iloc[0]
    assert chair in text_of(page.about.value)
    assert set(page.timeline.table["kind"]) <= {t(f"timeline.{k}", "zh") for k in analysis.TIMELINE_KINDS}
    assert page.timeline.figure.layout["title"]["text"] == t("fig.timeline.title", "zh")
    page.lang_switch.value = "en"
    assert page.key_figures.value == cards_en
