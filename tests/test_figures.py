"""Figure builders draw the table they are given: pandas in, plotly's JSON out.

Each test builds a figure from an analysis table, changes the table, and checks that the
figure follows it (so a figure cannot quietly recompute its own data from the framework).
"""

from __future__ import annotations

import base64
import dataclasses
import inspect
import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from sopkit import analysis, figures
from sopkit.model import Framework
from sopkit.whatif import WhatIf

TABLE_FIGURES = ["hierarchy", "flow", "mapping_moves", "status_heatmap", "coverage", "option_balance", "rank_order", "landing"]


def values(seq) -> list:
    """A plotly array as a plain list (plotly may keep numpy arrays or typed-array dicts)."""
    return np.asarray(seq).tolist()


def unwrapped(labels) -> list[str]:
    """Labels without the line breaks the figures put in (and without spaces, which a break eats)."""
    return ["".join(str(label).replace("<br>", "").split()) for label in labels]


@pytest.mark.parametrize("name", TABLE_FIGURES)
def test_figure_builders_take_no_framework(name):
    """Figures take tables: no parameter is a Framework, none is called ``fw``."""
    params = inspect.signature(getattr(figures, name)).parameters.values()
    assert all(p.name != "fw" and p.annotation is not Framework for p in params)


# ---- hierarchy --------------------------------------------------------------------------------


def test_hierarchy_draws_the_items_it_is_given(fw):
    items = analysis.option_items(fw, "themes-4")
    tops = analysis.top_level(fw, "themes-4")
    fig = figures.hierarchy(items, tops, "themes-4")
    trace = fig.data[0]
    assert {i.split("/", 1)[1] for i in trace["ids"] if "/" in i} == set(items["item"])
    # The priorities, then the cross-cutting placement the items use (added when missing).
    assert [i for i, p in zip(trace["ids"], trace["parents"]) if p == "themes-4"] == [*tops["id"], "X"]

    fewer = items[~items["top"].isin(["T1", "X"])]
    trace = figures.hierarchy(fewer, tops, "themes-4").data[0]
    assert not [i for i in trace["ids"] if i.startswith(("T1/", "X/"))]
    assert len(trace["ids"]) == 1 + len(tops) + len(fewer)


def test_hierarchy_hover_gives_the_placement_rule(fw):
    items = analysis.option_items(fw, "themes-5")
    trace = figures.hierarchy(items, analysis.top_level(fw, "themes-5", cross_cutting=True), "themes-5").data[0]
    hover = dict(zip(trace["ids"], trace["customdata"]))
    assert "Delivery for every priority" in hover["X/D.4-2"] and "audience" in hover["X/D.4-2"]
    assert "Placement rule" in hover["T1/D.3-1"]
    zh = figures.hierarchy(items, analysis.top_level(fw, "themes-5", cross_cutting=True), "themes-5", "zh").data[0]
    assert "面向所有主题重点的交付" in dict(zip(zh["ids"], zh["customdata"]))["X/D.4-2"]
    atu = figures.hierarchy(analysis.option_items(fw, "atu-7"), analysis.top_level(fw, "atu-7"), "atu-7").data[0]
    assert not any("Placement rule" in h for h in atu["customdata"])  # the report's own placement


# ---- flow -------------------------------------------------------------------------------------


def test_flow_link_values_are_the_table(fw):
    flows = analysis.flows(fw, 5)
    objectives, themes = analysis.top_level(fw, "atu-7"), analysis.top_level(fw, "themes-5")
    sankey = figures.flow(flows, objectives, themes, 5).data[0]
    assert values(sankey["link"]["value"]) == flows["items"].tolist()
    labels = list(sankey["node"]["label"])
    assert [labels[i].split(" ")[0] for i in sankey["link"]["source"]] == flows["objective"].tolist()
    assert [labels[i].split(" ")[0] for i in sankey["link"]["target"]] == flows["theme"].tolist()

    doubled = flows.assign(items=flows["items"] * 2)
    assert values(figures.flow(doubled, objectives, themes, 5).data[0]["link"]["value"]) == doubled["items"].tolist()


def test_flow_shows_cross_cutting_as_its_own_node(fw):
    flows = analysis.flows(fw, 4)
    sankey = figures.flow(flows, analysis.top_level(fw, "atu-7"), analysis.top_level(fw, "themes-4", cross_cutting=True), 4).data[0]
    labels = list(sankey["node"]["label"])
    x = next(i for i, label in enumerate(labels) if label.startswith("X "))
    assert x == len(labels) - 1 and sankey["node"]["color"][x] == figures.THEME_COLOURS["X"]
    into_x = sum(v for v, target in zip(values(sankey["link"]["value"]), sankey["link"]["target"]) if target == x)
    assert into_x == flows.loc[flows["theme"] == "X", "items"].sum() == 14


# ---- mapping moves ----------------------------------------------------------------------------


def _moves_comparison(fw):
    """The bundled 4-priority mapping against one that leaves nothing on T1 (D.7 with its items
    goes to T2, D.2-1 and D.3-1 to T3) and D.3-a unmapped."""
    wi = WhatIf(fw, 4)
    wi.move("D.7", "T2")
    wi.move("D.2-1", "T3")
    wi.move("D.3-1", "T3")
    m = wi.mapping
    edited = fw.with_mapping(m[~((m["variant"] == 4) & (m["item"] == "D.3-a"))])
    return analysis.compare_mappings(fw, edited, 4)


def _sankey_texts(fig) -> list[str]:
    sankey = fig.data[0]
    return [str(fig.layout["title"]["text"]), *sankey["node"]["label"], *sankey["node"]["customdata"], *sankey["link"]["customdata"]]


def test_mapping_moves_links_are_the_transitions(fw):
    cmp = _moves_comparison(fw)
    tr = cmp.transitions
    sankey = figures.mapping_moves(cmp, analysis.placements(fw, 4)).data[0]
    assert values(sankey["link"]["value"]) == tr["items"].tolist()
    labels = [label.replace("<br>", " ") for label in sankey["node"]["label"]]
    # Left nodes are A's placements, right nodes B's; "" (no home) is its own node.
    ids = lambda label: "" if "no home" in label else label.split(" ")[1]  # noqa: E731
    assert [labels[i][:2] for i in sankey["link"]["source"]] == ["A:"] * len(tr)
    assert [labels[i][:2] for i in sankey["link"]["target"]] == ["B:"] * len(tr)
    assert [ids(labels[i]) for i in sankey["link"]["source"]] == tr["from_theme"].tolist()
    assert [ids(labels[i]) for i in sankey["link"]["target"]] == tr["to_theme"].tolist()
    greys = [c == figures.UNCHANGED_LINK + "99" for c in sankey["link"]["color"]]
    assert greys == (~tr["moved"]).tolist() and not all(greys) and any(greys)
    assert sankey["link"]["color"][tr.index[tr["to_theme"] == "T2"][-1]].startswith(figures.THEME_COLOURS["T2"])

    halved = dataclasses.replace(cmp, transitions=tr.iloc[:3].assign(items=tr["items"].iloc[:3] * 2))
    assert values(figures.mapping_moves(halved, analysis.placements(fw, 4)).data[0]["link"]["value"]) == halved.transitions["items"].tolist()


def test_mapping_moves_leaves_out_placements_without_items(fw):
    cmp = _moves_comparison(fw)
    labels = [label.replace("<br>", " ") for label in figures.mapping_moves(cmp, analysis.placements(fw, 4)).data[0]["node"]["label"]]
    assert cmp.counts.set_index("theme").loc["T1", "items_b"] == 0
    assert "A: T1 Connectivity" in labels and not any(label.startswith("B: T1") for label in labels)
    assert "B: no home (unmapped)" in labels and not any(label.startswith("A: no home") for label in labels)
    assert len(labels) == 5 + 4 + 1  # A: T1-T4, X; B: T2-T4, X; B: no home
    # Left nodes follow the table too: without T4's rows, no A: T4 node.
    no_t4 = cmp.transitions[cmp.transitions["from_theme"] != "T4"]
    labels = figures.mapping_moves(dataclasses.replace(cmp, transitions=no_t4), analysis.placements(fw, 4)).data[0]["node"]["label"]
    assert not any(label.replace("<br>", " ").startswith("A: T4") for label in labels)
    assert len(labels) == no_t4["from_theme"].nunique() + no_t4["to_theme"].nunique()


def test_mapping_moves_hover_says_how_many_items_move_where(fw):
    cmp = _moves_comparison(fw)
    placements = analysis.placements(fw, 4)
    hover = list(figures.mapping_moves(cmp, placements).data[0]["link"]["customdata"])
    d7 = int(cmp.transitions.set_index(["from_theme", "to_theme"]).loc[("T1", "T2"), "items"])
    assert d7 == 4  # D.7-b, D.7-c, D.7-a, D.7-1 (D.7-d, D.7/D.4-2 were on T2 already, D.7-e on T4)
    assert any(f"{d7} items from T1 to T2" in h for h in hover)
    assert any("2 items from T1 to T3" in h for h in hover)  # D.2-1, D.3-1
    assert any("1 item from T2 to no home (unmapped)" in h for h in hover)
    assert any("items stay on X" in h for h in hover)
    zh = figures.mapping_moves(cmp, placements, "zh", names=("本项目的提议", "您的对应关系"))
    zh_hover = list(zh.data[0]["link"]["customdata"])
    assert any(f"{d7}个项目从T1移至T2" in h for h in zh_hover) and any("个项目仍在X" in h for h in zh_hover)
    assert zh.data[0]["node"]["customdata"][0] == "本项目的提议：T1 互联互通<br>成果和输出成果：6项"
    for lang in ("en", "zh"):
        texts = _sankey_texts(figures.mapping_moves(cmp, placements, lang))
        assert not [x for x in texts if any(bad in x.casefold() for bad in ("nan", "none", "null", "<na>", "{"))]


def test_mapping_moves_title_names_both_mappings(fw):
    cmp = analysis.compare_mappings(fw, fw, 5)
    fig = figures.mapping_moves(cmp, analysis.placements(fw, 5), names=("Proposal", "Mine"))
    title = fig.layout["title"]["text"].replace("<br>", " ")
    assert "Proposal" in title and "Mine" in title and "5" in title
    labels = [label.replace("<br>", " ") for label in fig.data[0]["node"]["label"]]
    assert labels[0] == "Proposal: T1 Connectivity" and labels[-1].startswith("Mine: X")
    assert len(labels) == 2 * 6 and set(fig.data[0]["link"]["color"]) == {figures.UNCHANGED_LINK + "99"}  # nothing moved
    zh = figures.mapping_moves(cmp, analysis.placements(fw, 5), "zh", names=("甲", "乙")).layout["title"]["text"]
    assert "甲" in zh and "乙" in zh and "主题重点" in zh


# ---- status heatmap ------------------------------------------------------------------------


def test_status_heatmap_cells_are_the_table(fw):
    table = analysis.status_table(fw)
    objectives = analysis.top_level(fw, "atu-7")
    fig = figures.status_heatmap(table, objectives)
    outcomes, outputs = fig.data
    assert values(outcomes["z"]) == table[["outcomes agreed", "outcomes discussion"]].to_numpy().tolist()
    assert values(outputs["z"]) == table[["outputs agreed", "outputs discussion"]].to_numpy().tolist()
    assert [y.split(" ")[0] for y in outcomes["y"]] == table["objective"].tolist()

    two = table.iloc[:2]
    fig = figures.status_heatmap(two, objectives, statuses=("agreed",))
    assert values(fig.data[0]["z"]) == two[["outcomes agreed"]].to_numpy().tolist()
    assert len(fig.data[0]["x"]) == 1


# ---- coverage ---------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [4, 5])
def test_coverage_bars_are_the_table(fw, variant):
    cov = analysis.theme_coverage(fw, variant)
    fig = figures.coverage(cov, variant)
    for trace in fig.data:
        assert [y.split(" ")[0] for y in trace["y"]] == cov["theme"].tolist()
    assert sum(sum(values(trace["x"])) for trace in fig.data) == cov["items"].sum()


def test_coverage_title_names_the_variant_it_is_told_not_the_row_count(fw):
    cov = analysis.theme_coverage(fw, 5)
    cov = cov[~cov["cross_cutting"]]
    fewer = cov[cov["items"] > cov["items"].min()]  # a filtered table: fewer rows than priorities
    assert len(fewer) < 5
    title = figures.coverage(fewer, 5).layout["title"]["text"]
    assert "5" in title and str(len(fewer)) not in title


# ---- option balance ---------------------------------------------------------------------------


def _balance(fw, **filters):
    balance = pd.concat(
        [
            analysis.option_items(fw, o, **filters).groupby(["top", "status"]).size().rename("items").reset_index().assign(option=o)
            for o in fw.option_ids
        ],
        ignore_index=True,
    )
    tops = pd.concat([analysis.top_level(fw, o).assign(option=o) for o in fw.option_ids], ignore_index=True)
    return balance, tops


def test_option_balance_bars_are_the_table(fw):
    balance, tops = _balance(fw)
    fig = figures.option_balance(balance, tops)
    drawn = {(t["xaxis"], x, t["legendgroup"]): y for t in fig.data for x, y in zip(t["x"], values(t["y"]))}
    axes = {o: ("x" if i == 0 else f"x{i + 1}") for i, o in enumerate(fw.option_ids)}
    for _, row in balance.iterrows():
        assert drawn[(axes[row["option"]], row["top"], row["status"])] == row["items"]
    assert sum(drawn.values()) == balance["items"].sum()  # the rest are zeros


def test_option_balance_shows_cross_cutting_for_the_thematic_options(fw):
    balance, tops = _balance(fw)
    fig = figures.option_balance(balance, tops)
    by_axis = {}
    for trace in fig.data:
        by_axis.setdefault(trace["xaxis"], set()).update(trace["x"])
    assert by_axis["x"] == {"T1", "T2", "T3", "T4", "X"} and by_axis["x2"] == {"T1", "T2", "T3", "T4", "T5", "X"}
    assert "X" not in by_axis["x3"]  # the ATU objectives: the report's placement


def test_option_balance_draws_the_options_of_its_tables(fw):
    balance, tops = _balance(fw)
    only = tops[tops["option"] == "atu-7"]
    fig = figures.option_balance(balance[balance["option"] == "atu-7"], only)
    assert len(fig.data) == len(analysis.STATUSES)
    assert set(fig.data[0]["x"]) == set(only["id"])


# ---- rankings ---------------------------------------------------------------------------------


def test_rank_order_draws_the_rows_it_is_given(fw):
    survey = fw.surveys["id"].iloc[0]
    ranked = fw.rankings[fw.rankings["survey"] == survey]
    fig = figures.rank_order(ranked.sample(frac=1, random_state=1))  # any row order: drawn by rank
    assert values(fig.data[0]["x"]) == sorted(ranked["rank"].tolist())
    assert unwrapped(fig.data[0]["y"]) == unwrapped(ranked.sort_values("rank")["label_en"])
    assert len(figures.rank_order(ranked.head(2)).data[0]["y"]) == 2


def test_landing_cells_are_the_table(fw):
    survey = fw.surveys["id"].iloc[0]
    land = analysis.survey_landing(fw, survey)
    heat = figures.landing(land).data[0]
    assert unwrapped(heat["y"]) == unwrapped(land.drop_duplicates("item")["label_en"])
    assert len(heat["x"]) == land["option"].nunique()
    fits = {"direct": 1.0, "partial": 0.5, "none": 0.0}
    first = land[land["item"] == land["item"].iloc[0]]
    assert values(heat["z"])[0] == [fits[f] for f in first["fit"]]

    # Change one fit in the table: the figure follows.
    changed = land.copy()
    changed.loc[changed.index[0], "fit"] = "none" if land["fit"].iloc[0] != "none" else "direct"
    assert values(figures.landing(changed).data[0]["z"])[0][0] == fits[changed["fit"].iloc[0]]


# ---- chart config -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_plotly_config_sends_nothing_away_and_keeps_png_download(lang):
    config = figures.plotly_config(lang, "flow")
    assert config["showSendToCloud"] is False and config["showEditInChartStudio"] is False
    assert config["showLink"] is False and config["plotlyServerURL"] == ""
    assert {"sendChartToCloud", "sendDataToCloud", "editInChartStudio"} <= set(config["modeBarButtonsToRemove"])
    assert "toImage" not in config["modeBarButtonsToRemove"]
    assert config["toImageButtonOptions"] == {"format": "png", "filename": "sopkit-flow", "scale": 2}
    assert config["displaylogo"] is False


def test_plotly_config_in_chinese_carries_plotlys_zh_cn_locale():
    config = figures.plotly_config("zh", "x")
    assert config["locale"] == "zh-CN"
    locale = config["locales"]["zh-CN"]
    assert set(locale) == {"dictionary", "format"}
    assert locale["dictionary"]["Download plot as a PNG"] == "下载图表为PNG格式"
    assert locale["dictionary"]["Zoom"] == "缩放"
    assert len(locale["format"]["months"]) == 12


def test_plotly_config_in_english_has_no_locale():
    config = figures.plotly_config("en", "x")
    assert "locale" not in config and "locales" not in config


def test_plotly_config_is_json_and_not_shared_between_calls():
    import json

    a = figures.plotly_config("zh", "a")
    json.dumps(a)  # goes into the mime bundle as is
    a["modeBarButtonsToRemove"].append("toImage")
    assert "toImage" not in figures.plotly_config("zh", "a")["modeBarButtonsToRemove"]


# ---- fitting texts on a phone ---------------------------------------------------------------------

LONG = [
    "T5 Inclusive and secure telecommunications/ICTs for sustainable development",
    "方案1：4个主题重点：高级别项目、成果和输出成果（按状态） — 本项目的提议",
    "ATU部门目标对应于4个主题重点（成果和输出成果） — 本项目的提议",
    "Option 1: 4 thematic priorities",
    "short",
]


@pytest.mark.parametrize("text", LONG)
@pytest.mark.parametrize("cols", [10, 14, 22, 40])
def test_lines_fit_their_width_and_keep_the_text(text, cols):
    lines = figures._lines(text, cols)
    assert all(figures._cols(line) <= cols for line in lines)
    assert "".join("".join(lines).split()) == "".join(text.split())
    assert not any(line[:1] in figures.NO_LINE_START for line in lines[1:])


def test_lines_break_latin_at_spaces_and_chinese_between_characters():
    assert figures._lines("Option 1: 4 thematic priorities", 14) == ["Option 1: 4", "thematic", "priorities"]
    assert figures._lines("各优先事项在各方案下的归属", 10) == ["各优先事项", "在各方案下", "的归属"]
    assert figures._cols("方案A") == 5


def _long_labels(fig) -> list[str]:
    texts = []
    for trace in fig.data:
        for attr in ("y", "x"):
            texts += [v for v in trace.get(attr) or [] if isinstance(v, str)]
    return texts


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chart_texts_are_wrapped_to_fit_a_phone(fw, lang):
    """Titles, category labels and Sankey nodes carry line breaks: no line wider than a phone allows."""
    survey = fw.surveys["id"].iloc[0]
    built = [
        figures.coverage(analysis.theme_coverage(fw, 5), 5, lang),
        figures.status_heatmap(analysis.status_table(fw), analysis.top_level(fw, "atu-7"), lang),
        figures.landing(analysis.survey_landing(fw, survey), lang),
        figures.rank_order(fw.rankings[fw.rankings["survey"] == survey], lang),
        figures.flow(analysis.flows(fw, 5), analysis.top_level(fw, "atu-7"), analysis.top_level(fw, "themes-5"), 5, lang),
        figures.option_balance(*_balance(fw), lang),
        figures.mapping_moves(_moves_comparison(fw), analysis.placements(fw, 4), lang, names=("Project's proposal", "Your mapping")),
    ]
    for fig in built:
        for line in str(fig.layout["title"]["text"]).split("<br>"):
            assert figures._cols(line) <= figures.TITLE_COLS
        labels = _long_labels(fig) + [a["text"] for a in fig.layout.get("annotations", [])]
        if fig.data and fig.data[0]["type"] == "sankey":
            labels += list(fig.data[0]["node"]["label"])
        for label in labels:
            for line in label.split("<br>"):
                assert figures._cols(line) <= figures.LABEL_COLS, (fig.layout["title"]["text"], label)


@pytest.mark.parametrize("build", ["coverage", "distribution"])
def test_legends_sit_below_the_axis_title_not_on_it(fw, build):
    if build == "coverage":
        fig = figures.coverage(analysis.theme_coverage(fw, 4), 4)
    else:
        from sopkit import survey as sv

        items = sv.survey_items(fw, "strategic-goals")
        fig = figures.distribution(sv.rank_distribution(sv.synthetic_responses(items, 5, seed=1), items), {})
    legend = fig.layout["legend"]
    assert (legend["orientation"], legend["yref"], legend["y"], legend["yanchor"]) == ("h", "container", 0, "bottom")


# ---- no missing value shows as null, nan or an empty line (issue 22) ---------------------------

PLACEHOLDER = re.compile(r"%\{([^}:|]+)(?:[:|][^}]*)?\}")
MISSING_WORD = re.compile(r"\b(?:null|nan|NaN|None|undefined|NaT)\b|<NA>")


def _plain(value):
    """A plotly JSON array as a list (plotly 6 writes numbers as base64 typed arrays)."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        if "shape" in value:
            arr = arr.reshape([int(n) for n in str(value["shape"]).split(",")])
        return arr.tolist()
    return value


def _written(value) -> str:
    """How plotly.js writes a value into a hover text: a missing one as null or NaN."""
    if value is None:
        return "null"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    return str(value)


def _at(array, *index):
    array = _plain(array)
    try:
        for i in index:
            array = array[i]
    except (IndexError, KeyError, TypeError):
        return None
    return array


def _points(trace: dict) -> list[dict]:
    """The values each point of a trace (plotly JSON) hands to its hover template."""
    kind = trace["type"]
    name = trace.get("name", "")
    if kind == "heatmap":
        z = _plain(trace["z"])
        return [
            {"x": _at(trace.get("x"), c), "y": _at(trace.get("y"), r), "z": z[r][c], "text": _at(trace.get("text"), r, c), "fullData.name": name}
            for r in range(len(z))
            for c in range(len(z[r]))
        ]
    if kind == "sankey":
        labels, link = trace["node"]["label"], trace["link"]
        return [
            {"source.label": labels[s], "target.label": labels[t], "value": v}
            for s, t, v in zip(_plain(link["source"]), _plain(link["target"]), _plain(link["value"]))
        ]
    if kind == "treemap":
        return [{"label": label, "customdata": _at(trace.get("customdata"), i), "_i": i} for i, label in enumerate(trace["labels"])]
    n = len(_plain(trace.get("x") if trace.get("x") is not None else trace.get("y")))
    out = []
    for i in range(n):
        point = {"x": _at(trace.get("x"), i), "y": _at(trace.get("y"), i), "fullData.name": name}
        text = trace.get("text")
        point["text"] = text if isinstance(text, str) else _at(text, i)
        custom = _at(trace.get("customdata"), i)
        point["customdata"] = custom
        if isinstance(custom, list):
            point |= {f"customdata[{k}]": v for k, v in enumerate(custom)}
        out.append(point)
    return out


def hover_lines(figure) -> list[str]:
    """Every line of every hover text (and every drawn text) a figure shows, as plotly.js writes it."""
    lines = []
    for trace in json.loads(figure.to_json())["data"]:
        template = trace.get("hovertemplate") or (trace.get("link") or {}).get("hovertemplate")
        for point in _points(trace):
            texts = []
            if template is not None:
                tmpl = template[point["_i"]] if isinstance(template, list) else template
                texts.append(PLACEHOLDER.sub(lambda m, p=point: _written(p.get(m.group(1), "?")), tmpl))
            if trace.get("texttemplate") or trace["type"] in ("bar", "scatter"):
                if "text" in point and trace.get("text") is not None:
                    texts.append(_written(point["text"]))
            for text in texts:
                extra = re.findall(r"<extra>(.*?)</extra>", text)  # the trace's name box: "" there draws none
                text = re.sub(r"<extra>.*?</extra>", "", text)
                lines += [re.sub(r"<[^>]+>", "", line).strip() for line in text.split("<br>") + [e for e in extra if e]]
    return lines


def bad_lines(figure) -> list[str]:
    return [line or "(an empty line)" for line in hover_lines(figure) if not line or MISSING_WORD.search(line)]


def test_the_hover_scan_finds_null_nan_and_empty_lines():
    def bar(**trace):
        return figures.Figure([{"type": "bar", **trace}])

    fig = bar(x=[1.0, None], y=["a", "b"], customdata=[None, ""], hovertemplate="%{y}: %{x}<br>%{customdata}<extra></extra>")
    assert bad_lines(fig) == ["null", "b: null", "(an empty line)"]
    assert bad_lines(bar(x=[1], y=["a"], customdata=["ok"], hovertemplate="%{y}<br>%{customdata}")) == []


def _page_figures(fw, lang: str):
    """Every chart every page draws in *lang*, in the states a visitor reaches."""
    from sopkit import survey as sv
    from sopkit.ui import CoveragePage, OptionsPage, OverviewPage, RankingsPage
    from ui_helpers import edited_mapping, upload_value

    def charts(page):
        return [(f"{page.key}.{v.name}", v.figure) for v in page.charts()]

    out = charts(OverviewPage(fw, lang=lang))
    page = OptionsPage(fw, lang=lang)
    for option in fw.option_ids:
        page.option.value = option
        out += charts(page)
    page.variant.value = 5
    page.whatif_item.value, page.whatif_theme.value = "D.1", "T1"
    out += charts(page)
    page = CoveragePage(fw, lang=lang)
    page.include_discussion.value = False
    out += charts(page)
    page.upload.value = upload_value("mapping.csv", edited_mapping())
    out += charts(page)
    page = RankingsPage(fw, lang=lang)
    for survey in fw.surveys["id"]:
        page.survey.value = survey
        items = sv.survey_items(fw, survey)
        # some respondents rank only part of the list; one item nobody ranks
        content = sv.synthetic_responses(items[:-1], 6, seed=2, complete=False).to_csv(index=False).encode()
        page.upload.value = upload_value("responses.csv", content)
        out += charts(page)
    return out


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_page_chart_hovers_null_nan_or_an_empty_line(fw, lang):
    bad = {name: bad_lines(fig) for name, fig in _page_figures(fw, lang)}
    assert not {k: v for k, v in bad.items() if v}


def _with_gaps(fw):
    """Each figure built from a table with missing values where a user's data may have them."""
    from sopkit import survey as sv

    items = analysis.option_items(fw, "themes-4")
    items = items.astype({"text_en": object, "text_zh": object, "rationale_en": object})
    items.loc[items.index[:3], ["text_en", "text_zh", "rationale_en"]] = None
    tops = analysis.top_level(fw, "themes-4", cross_cutting=True).astype({"name_en": object, "name_zh": object})
    tops.loc[tops.index[0], ["name_en", "name_zh"]] = None
    balance, btops = _balance(fw)
    btops = btops.astype({"name_en": object, "name_zh": object})
    btops.loc[btops.index[0], ["name_en", "name_zh"]] = None
    events = analysis.timeline(fw).astype({"label_en": object, "label_zh": object})
    events.loc[events["precision"] == "day", ["label_en", "label_zh"]] = None
    survey = fw.surveys["id"].iloc[0]
    ranked = fw.rankings[fw.rankings["survey"] == survey].astype({"label_en": object, "label_zh": object})
    ranked.loc[ranked.index[0], ["label_en", "label_zh"]] = None
    land = analysis.survey_landing(fw, survey).astype({"label_en": object, "label_zh": object})
    land.loc[land.index[0], ["label_en", "label_zh"]] = None
    status = analysis.status_table(fw).astype({"outcomes agreed": "float64"})
    status.loc[status.index[0], "outcomes agreed"] = float("nan")
    scores = sv.weighted_coverage(fw, survey, 0.5)
    scores.loc[scores.index[0], "score"] = float("nan")
    names = sv.survey_items(fw, survey)
    dist = sv.rank_distribution(sv.synthetic_responses(names, 4, seed=3), names)
    dist = dist.drop(index=dist.index[1])  # a (item, rank) pair the table leaves out
    return {
        "hierarchy": lambda lang: figures.hierarchy(items, tops, "themes-4", lang),
        "option_balance": lambda lang: figures.option_balance(balance, btops, lang),
        "timeline": lambda lang: figures.timeline(events, lang),
        "rank_order": lambda lang: figures.rank_order(ranked, lang),
        "landing": lambda lang: figures.landing(land, lang),
        "status_heatmap": lambda lang: figures.status_heatmap(status, analysis.top_level(fw, "atu-7"), lang),
        "weighted_scores": lambda lang: figures.weighted_scores(scores, lang),
        "distribution": lambda lang: figures.distribution(dist, {names[0]: None}, lang),
    }


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    "name", ["hierarchy", "option_balance", "timeline", "rank_order", "landing", "status_heatmap", "weighted_scores", "distribution"]
)
def test_missing_values_hover_as_a_dash_not_null(fw, name, lang):
    fig = _with_gaps(fw)[name](lang)
    assert not bad_lines(fig)
    assert any("–" in line for line in hover_lines(fig)), "a missing value is shown as a dash"
    if name == "distribution":  # a missing label: the item's id instead
        assert "ITU-D.4" in fig.data[0]["y"][0] or "Goal" in fig.data[0]["y"][0]
