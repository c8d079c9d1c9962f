"""Each page draws a chart from the table it shows beside it (computed once, passed to both).

Driven through the widgets without a browser: ``ChartView`` keeps ``.figure`` and ``.table``.
"""

from __future__ import annotations

import numpy as np
import pytest

from sopkit.ui import CoveragePage, OptionsPage, RankingsPage


def values(seq) -> list:
    return np.asarray(seq).tolist()


@pytest.fixture(scope="module")
def options_page(fw) -> OptionsPage:
    return OptionsPage(fw)


@pytest.mark.parametrize("option", ["themes-4", "themes-5", "atu-7"])
def test_hierarchy_chart_and_table_hold_the_same_items(options_page, option):
    options_page.option.value = option
    trace = options_page.hierarchy.figure.data[0]
    table = options_page.hierarchy.table
    drawn = [(i.split("/", 1)[0], i.split("/", 1)[1]) for i in trace["ids"] if "/" in i]
    assert drawn == list(zip(table["top"], table["item"]))


@pytest.mark.parametrize("include_discussion", [True, False])
def test_flow_chart_is_its_table(options_page, include_discussion):
    options_page.include_discussion.value = include_discussion
    for variant in (4, 5):
        options_page.variant.value = variant
        assert values(options_page.flow.figure.data[0]["link"]["value"]) == options_page.flow.table["items"].tolist()
    options_page.include_discussion.value = True


def test_balance_chart_is_its_table(options_page):
    fig, table = options_page.balance.figure, options_page.balance.table
    assert sum(sum(values(trace["y"])) for trace in fig.data) == table["items"].sum()


@pytest.mark.parametrize("include_discussion", [True, False])
def test_status_heatmap_is_its_table(fw, include_discussion):
    page = CoveragePage(fw)
    page.include_discussion.value = include_discussion
    fig, table = page.heatmap.figure, page.heatmap.table
    statuses = ["agreed", "discussion"] if include_discussion else ["agreed"]
    assert values(fig.data[0]["z"]) == table[[f"outcomes {s}" for s in statuses]].to_numpy().tolist()
    assert values(fig.data[1]["z"]) == table[[f"outputs {s}" for s in statuses]].to_numpy().tolist()


@pytest.mark.parametrize("variant", [4, 5])
def test_coverage_chart_is_its_table(fw, variant):
    page = CoveragePage(fw)
    page.variant.value = variant
    fig, table = page.coverage.figure, page.coverage.table
    assert [y.split(" ")[0] for y in fig.data[0]["y"]] == table["theme"].tolist()
    assert sum(sum(values(trace["x"])) for trace in fig.data) == table["items"].sum()


def test_rankings_charts_are_their_tables(fw):
    page = RankingsPage(fw)
    for survey in fw.surveys["id"]:
        page.survey.value = survey
        order = page.order.table
        assert [y.replace("<br>", "").replace(" ", "") for y in page.order.figure.data[0]["y"]] == [x.replace(" ", "") for x in order["name"]]
        landing = page.landing.table
        heat = page.landing.figure.data[0]
        assert len(heat["y"]) * len(heat["x"]) == len(landing)
        assert len(heat["y"]) == landing["item"].nunique()
