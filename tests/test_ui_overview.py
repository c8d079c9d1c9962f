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
    dated = events[events["precision"] != "year"]
    assert sum(len(trace.x) for trace in page.timeline.figure.data) == len(dated)
    year_only = int((events["precision"] == "year").sum())
    assert year_only > 0
    # year-only events keep their year, nothing more precise
    assert set(table.loc[(events["precision"] == "year").to_numpy(), "date"].str.len()) == {4}


def test_language_switch_relabels_everything(page, fw):
    cards_en = page.key_figures.value
    page.lang_switch.value = "zh"
    assert page.title.value == f"<h1>{t('overview.title', 'zh')}</h1>"
    assert t("overview.card.outcomes", "zh") in page.key_figures.value and page.key_figures.value != cards_en
    assert t("options.title", "zh") in text_of(page.links.value)
    chair = fw.officers.loc[fw.officers["role"] == "chair", "name_zh"].iloc[0]
    assert chair in text_of(page.about.value)
    assert set(page.timeline.table["kind"]) <= {t(f"timeline.{k}", "zh") for k in analysis.TIMELINE_KINDS}
    assert page.timeline.figure.layout.title.text == t("fig.timeline.title", "zh")
    page.lang_switch.value = "en"
    assert page.key_figures.value == cards_en
