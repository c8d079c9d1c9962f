"""Pure figure builders: analysis DataFrames in, charts out, as plotly's JSON. No widgets, no plotly.

Each builder returns a ``Figure``: ``data`` (the traces) and ``layout`` as the plain dicts and
lists plotly.js draws, in plotly's JSON schema, with plotly's default template in the layout
(``plotly-template.json``), the same JSON ``plotly.graph_objects`` made of these charts (proved
against the old ``go.Figure`` builders when they were replaced; tests keep plotly's own
validation and write-back, ``tests/test_figures_spec.py``). Building
them imports no plotly: plotly.py costs every kernel its import, its validators (memory) and CPU
per chart, and the static edition a 5.8 MB wheel. Analysts keep plotly's API: ``to_plotly()``;
JupyterLab shows a ``Figure`` as a plotly chart.

Colours are the Okabe-Ito palette (safe for the common colour-vision
deficiencies); status is also told apart by text, never by colour alone.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import analysis
from .i18n import pick, pick_or_en, t

if TYPE_CHECKING:
    from plotly.graph_objects import Figure as PlotlyFigure

STATUS_COLOURS = {"agreed": "#0072B2", "discussion": "#E69F00"}
THEME_COLOURS = {"T1": "#009E73", "T2": "#56B4E9", "T3": "#F0E442", "T4": "#D55E00", "T5": "#CC79A7"}
NEUTRAL = "#BBBBBB"
# The cross-cutting placement (analysis.CROSS_CUTTING): dark grey, apart from every priority.
THEME_COLOURS[analysis.CROSS_CUTTING] = "#555555"
FONT = "Noto Sans, Noto Sans CJK SC, Microsoft YaHei, PingFang SC, Arial, sans-serif"

JSON = dict[str, Any]  # a part of plotly's JSON: a trace, a layout, an axis ...
PLOTLY_MIME = "application/vnd.plotly.v1+json"


@cache
def plotly_template() -> JSON:
    """plotly's default template ("plotly"), as ``go.Figure`` puts it in every figure's layout:
    ``plotly-template.json``, copied from plotly.py (source and version in its ``_source``).
    Shared by every figure: never change it in place."""
    data = json.loads((Path(__file__).parent / "plotly-template.json").read_text(encoding="utf-8"))
    return {"data": data["data"], "layout": data["layout"]}


class Figure:
    """A chart as plotly's JSON: *data*, the traces (each a dict with its ``type``), and *layout*.

    What the builders return. ``to_dict()`` and ``to_json()`` give the figure plotly.js draws
    (``{"data": [...], "layout": {...}}``, plain JSON values only); in JupyterLab it shows as a
    plotly chart (``_repr_mimebundle_``, ``show()``); ``to_plotly()`` makes a
    ``plotly.graph_objects.Figure`` of it, for plotly's API (imports plotly then).
    """

    __slots__ = ("data", "layout")

    def __init__(self, data: list[JSON] | None = None, layout: JSON | None = None) -> None:
        self.data: list[JSON] = list(data or [])
        self.layout: JSON = dict(layout or {})

    def to_json(self) -> str:
        """The figure as compact JSON text (no NaN: a missing value is ``null``)."""
        return json.dumps({"data": self.data, "layout": self.layout}, ensure_ascii=False, allow_nan=False, separators=(",", ":"))

    def to_dict(self) -> JSON:
        """The figure as new plain dicts and lists (``{"data": [...], "layout": {...}}``)."""
        return json.loads(self.to_json())

    def to_plotly(self) -> PlotlyFigure:
        """The figure as a ``plotly.graph_objects.Figure`` (validated by plotly)."""
        import plotly.graph_objects as go

        return go.Figure(self.to_dict())

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> dict[str, Any]:
        return {PLOTLY_MIME: self.to_dict(), "text/plain": repr(self)}

    def show(self) -> None:
        """Display the figure in a notebook (plotly's mime type: JupyterLab draws it)."""
        from IPython.display import display

        display(self)

    def __repr__(self) -> str:
        title = (self.layout.get("title") or {}).get("text", "")
        kinds = ", ".join(trace.get("type", "scatter") for trace in self.data)
        return f"<sopkit.figures.Figure {title.replace('<br>', ' ')!r}: {kinds or 'no traces'}>"


def _value(value: Any) -> Any:
    """*value* as a JSON value: numpy and pandas scalars as Python's, a missing value (None,
    NaN, NA, NaT) as None (plotly writes null), a date as ISO text."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (list, tuple, np.ndarray, pd.Series, pd.Index)):
        return _values(value)
    if isinstance(value, np.generic):
        return _value(value.item())
    if isinstance(value, (datetime, date)):
        return None if pd.isna(value) else value.isoformat()
    if pd.isna(value):
        return None
    return value


def _values(values: Iterable) -> list:
    """A column, array or list as a JSON list (values as ``_value``; rows of a 2-d array as lists)."""
    if isinstance(values, (pd.Series, pd.Index, np.ndarray)):
        values = values.tolist()
    return [_value(v) for v in values]


def _merge(target: JSON, patch: JSON) -> JSON:
    """*patch* merged into *target*, nested dicts key by key (as plotly's ``update_layout``)."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = value
    return target


def _update_axes(layout: JSON, letter: str, **props: Any) -> None:
    """*props* merged into every *letter* axis of *layout* (``xaxis``, ``xaxis2`` ...; ``xaxis``
    when there is none yet), as plotly's ``update_xaxes``/``update_yaxes``."""
    names = [k for k in layout if re.fullmatch(f"{letter}axis[0-9]*", k)] or [f"{letter}axis"]
    for name in names:
        _merge(layout.setdefault(name, {}), props)


def _subplots(titles: list[str], *, spacing: float, shared_y: bool = False, title_font: JSON | None = None) -> JSON:
    """The layout ``plotly.subplots.make_subplots(rows=1, cols=len(titles), subplot_titles=titles,
    horizontal_spacing=spacing, shared_yaxes=shared_y)`` makes: one x/y axis pair per column
    (domains as it computes them), the titles as annotations above the columns; with
    *shared_y*, the other columns' y axes match the first and hide their tick labels."""
    cols = len(titles)
    width = (1.0 - spacing * (cols - 1)) / cols
    layout: JSON = {}
    annotations = []
    for c in range(cols):
        start = sum([width] * c) + c * spacing  # as make_subplots: sum(widths[:c]) + c * spacing
        domain = [max(0.0, start), min(1.0, start + width)]
        n = "" if c == 0 else str(c + 1)
        layout[f"xaxis{n}"] = {"anchor": f"y{n}", "domain": domain}
        layout[f"yaxis{n}"] = {"anchor": f"x{n}", "domain": [0.0, 1.0]}
        if shared_y and c:
            layout[f"yaxis{n}"] |= {"matches": "y", "showticklabels": False}
        if titles[c]:
            annotations.append(
                {
                    "y": 1.0,
                    "xref": "paper",
                    "x": sum(domain) / 2.0,
                    "yref": "paper",
                    "text": titles[c],
                    "showarrow": False,
                    "font": dict(title_font or {"size": 16}),
                    "xanchor": "center",
                    "yanchor": "bottom",
                }
            )
    layout["annotations"] = annotations
    return layout


def _in_column(trace: JSON, col: int) -> JSON:
    """*trace* drawn in column *col* (1-based) of ``_subplots``."""
    n = "" if col == 1 else str(col)
    return trace | {"xaxis": f"x{n}", "yaxis": f"y{n}"}


# Toolbar buttons that send a chart (and the data behind it, e.g. a user's survey analysis)
# to a third party: plotly.js 3 shows "Share chart..." (sendChartToCloud) unless told not
# to; older versions had "Edit in Chart Studio" / sendDataToCloud.
CLOUD_BUTTONS = ("sendChartToCloud", "sendDataToCloud", "editInChartStudio")
PLOTLY_LOCALES = {"zh": "zh-CN"}


@cache
def _plotly_locale(locale: str) -> dict:
    """plotly.js's own translation of its toolbar, copied from plotly/plotly.js
    lib/locales/zh-cn.js (MIT; source and commit in the file's ``_source``)."""
    data = json.loads((Path(__file__).parent / f"plotly-{locale.lower()}.json").read_text(encoding="utf-8"))
    return {"dictionary": data["dictionary"], "format": data["format"]}


def plotly_config(lang: str, name: str) -> dict:
    """The plotly.js config of every chart: no button that sends data away, PNG download
    named after the chart, toolbar tooltips in *lang*."""
    config: dict = {
        "displaylogo": False,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "showLink": False,
        "plotlyServerURL": "",
        "modeBarButtonsToRemove": list(CLOUD_BUTTONS),
        "toImageButtonOptions": {"format": "png", "filename": f"sopkit-{name}", "scale": 2},
    }
    locale = PLOTLY_LOCALES.get(lang)
    if locale:
        config["locale"] = locale
        config["locales"] = {locale: _plotly_locale(locale)}
    return config


# Charts are built without knowing the screen: long texts are broken into lines that fit a
# phone (about 360 px of chart width) and still read well on a desktop. Widths are in
# columns: a Chinese character counts two, a Latin letter one.
TITLE_COLS = 40  # chart titles (15 px)
LABEL_COLS = 22  # category labels on an axis, Sankey nodes
SHORT_COLS = 14  # labels that share the width three ways (options side by side)
SANKEY_COLS = 18  # Sankey node labels: both columns' labels share the middle of the chart
LINE_PX = 20  # one line of a 15 px title


def _cols(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


# Characters a line must not start with (Chinese and Latin closing punctuation).
NO_LINE_START = set("）)]】」』，,。.、：:；;！!？?")


def _tokens(text: str) -> list[str]:
    """*text* cut where a line may break: at spaces (kept at the token's end), after a
    slash, and around Chinese characters, never before closing punctuation."""
    tokens, token = [], ""
    for i, c in enumerate(text):
        before = text[i - 1] if i else " "
        wide, wide_before = _cols(c) == 2, _cols(before) == 2
        can_break = token and c not in NO_LINE_START and not token.endswith(" ") and c != " " and (wide or wide_before or before == "/")
        if can_break or (token.endswith(" ") and c != " "):
            tokens.append(token)
            token = ""
        token += c
    return tokens + [token] if token else tokens


def _lines(text: str, cols: int) -> list[str]:
    """*text* broken into lines of at most *cols* columns (a word longer than a line is cut)."""
    lines, line = [], ""
    for token in _tokens(text):
        while _cols(token.rstrip()) > cols:  # a word longer than a line
            if line.strip():
                lines.append(line.rstrip())
                line = ""
            lines.append(token[:cols])
            token = token[cols:]
        if line.strip() and _cols((line + token).rstrip()) > cols:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def _fit(text: str, cols: int = LABEL_COLS) -> str:
    """*text* with ``<br>`` where it must break to fit *cols* columns."""
    return "<br>".join(_lines(text, cols))


def _layout(fig: Figure, title: str, *, height: int = 420, top: int = 0) -> Figure:
    """Title (wrapped to fit a phone), fonts, white background, tight margins, plotly's default
    template. *height* is for a one-line title: each further line adds its height, *top* adds
    room under the title."""
    lines = _lines(title, TITLE_COLS)
    extra = LINE_PX * (len(lines) - 1) + top
    # The title's middle, in px from the top (plotly anchors multi-line titles reliably by the middle).
    middle = 10 + LINE_PX * len(lines) / 2
    _merge(
        fig.layout,
        {
            "title": {
                "text": "<br>".join(lines),
                "x": 0,
                "xanchor": "left",
                "pad": {"l": 2},
                "font": {"size": 15},
                "y": 1 - middle / (height + extra),
                "yref": "container",
                "yanchor": "middle",
            },
            "font": {"family": FONT, "size": 13},
            "height": height + extra,
            "margin": {"l": 10, "r": 10, "t": 45 + extra, "b": 10},
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
        },
    )
    _update_axes(fig.layout, "x", automargin=True)
    _update_axes(fig.layout, "y", automargin=True)
    fig.layout["template"] = plotly_template()
    return fig


def _rows_height(labels: list[str], *, minimum: int = 40) -> int:
    """Height for one row per (wrapped) label: every line of the longest label has room."""
    lines = max((label.count("<br>") + 1 for label in labels), default=1)
    return len(labels) * max(minimum, 17 * lines + 14)


def _legend_below(fig: Figure) -> None:
    """A horizontal legend at the foot of the chart, under the x-axis title (never on it):
    placed in the container, it pushes the bottom margin by its own height."""
    fig.layout["legend"] = {"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yref": "container", "yanchor": "bottom", "traceorder": "normal"}


MISSING = "–"  # what a chart shows for a missing value: never null, nan or an empty hover line


def _or_dash(value: object) -> str:
    """*value* as text, or a dash when it is missing (None, NaN, NA, empty): plotly.js would
    write a missing value into a hover text as "null" or "NaN", or leave an empty line."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return MISSING
    return str(value) if str(value).strip() else MISSING


def _count_text(value: object) -> str:
    """A count for a hover text or a cell: the whole number, or a dash when missing."""
    return MISSING if value is None or pd.isna(value) else str(int(value))


def _wrap(text: str, width: int = 60) -> str:
    """Break long hover text into lines (works for Chinese too: splits by characters)."""
    if len(text) <= width:
        return text
    words = text.split(" ")
    if len(words) == 1 or max(map(len, words)) > width:
        return "<br>".join(text[i : i + width] for i in range(0, len(text), width))
    lines, line = [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join(lines + [line])


def _with_cross_cutting(tops, used) -> pd.DataFrame:
    """*tops* (``id, name_en, name_zh``) plus the cross-cutting placement when *used* (ids the
    chart draws) holds it and *tops* does not: a chart never loses the items placed there."""
    x = analysis.CROSS_CUTTING
    if x in set(used) and x not in set(tops["id"]):
        row = analysis.cross_cutting_row()
        extra = pd.DataFrame([{"id": x, "name_en": row["name_en"], "name_zh": row["name_zh"]}])
        return pd.concat([tops[["id", "name_en", "name_zh"]], extra], ignore_index=True)
    return tops


def _placement_hover(item, lang: str) -> str:
    """The placement rule and the project's reason of an item on a thematic option, for hover text."""
    rule = item.get("rule_en") if hasattr(item, "get") else None
    if not isinstance(rule, str) or not rule:
        return ""
    why = _or_dash(pick_or_en(item, "rationale", lang))  # the project's reason in the page's language
    return f"<br><i>{t('placement.rule', lang)}: {pick(item, 'rule', lang)}</i><br>{_wrap(why)}"


def hierarchy(items, tops, option: str, lang: str = "en", *, derived: bool | None = None) -> Figure:
    """Treemap: option -> top-level items -> outcomes and outputs, coloured by status.

    *items*: ``analysis.option_items(fw, option, ...)``; *tops*: ``analysis.top_level(fw, option)``
    (the cross-cutting placement is added when items sit there). For a thematic option the
    hover text of an item gives its placement rule and the project's reason.
    """
    tops = _with_cross_cutting(tops, items["top"])
    root = option
    ids, parents, labels, colours, hover = [root], [""], [t(f"option.{option}", lang)], ["white"], [""]
    item_hover = "<b>%{label}</b><br>%{customdata}<extra></extra>"
    templates = ["<b>%{label}</b><extra></extra>"]  # the root: its label says it all (no empty second line)
    for top in tops.to_dict("records"):
        ids.append(top["id"])
        parents.append(root)
        labels.append(f"{top['id']} {pick(top, 'name', lang) or MISSING}")
        colours.append(THEME_COLOURS.get(top["id"], NEUTRAL))
        hover.append(_or_dash(pick(top, "name", lang)))
        templates.append(item_hover)
    for item in items.to_dict("records"):
        ids.append(f"{item['top']}/{item['item']}")
        parents.append(item["top"])
        # The report's numbering slips: show where a duplicated label really sits.
        labels.append(item["label"] if item["item"] == item["label"] or "/" not in item["item"] else f"{item['label']} ({item['objective']})")
        colours.append(STATUS_COLOURS[item["status"]])
        flags = [t(f"status.{item['status']}", lang), t(f"kind.{item['item_type']}", lang)]
        if item["proposed_additional"]:
            flags.append(t("flag.proposed_additional", lang))
        hover.append(f"<b>{' · '.join(flags)}</b><br>{_wrap(_or_dash(pick(item, 'text', lang)))}{_placement_hover(item, lang)}")
        templates.append(item_hover)
    trace = {
        "type": "treemap",
        "ids": ids,
        "parents": parents,
        "labels": labels,
        "customdata": hover,
        "marker": {"colors": colours, "line": {"color": "white", "width": 1}},
        "hovertemplate": templates,
        "root": {"color": "white"},
        "maxdepth": 3,
        "tiling": {"pad": 2},
    }
    fig = Figure([trace])
    title = t("fig.hierarchy.title", lang, option=t(f"option.{option}", lang))
    # *derived*: the placement is the project's proposal (the themes options); by default a
    # top-level id of a thematic priority (T1, T2, ...) says so.
    if derived if derived is not None else tops["id"].astype(str).str.startswith("T").any():
        title += f" — {t('derived.short', lang)}"
    return _layout(fig, title, height=520)


def flow(flows, objectives, themes, variant: int, lang: str = "en") -> Figure:
    """Sankey: ATU objectives -> thematic priorities, link width = outcomes and outputs (derived).

    *flows*: ``analysis.flows(fw, variant, ...)``; *objectives* and *themes*: the nodes,
    ``analysis.top_level(fw, "atu-7")`` and ``analysis.top_level(fw, f"themes-{variant}")``
    (the cross-cutting node is added, last, when flows go there).
    """
    themes = _with_cross_cutting(themes, flows["theme"])
    nodes = [_fit(f"{o['id']} {pick(o, 'name', lang)}", SANKEY_COLS) for o in objectives.to_dict("records")]
    nodes += [_fit(f"{th['id']} {pick(th, 'name', lang)}", SANKEY_COLS) for th in themes.to_dict("records")]
    index = {key: i for i, key in enumerate(list(objectives["id"]) + list(themes["id"]))}
    node_colours = [NEUTRAL] * len(objectives) + [THEME_COLOURS[x] for x in themes["id"]]
    trace = {
        "type": "sankey",
        "node": {"label": nodes, "color": node_colours, "pad": 18, "thickness": 14},
        "link": {
            "source": [index[o] for o in flows["objective"]],
            "target": [index[x] for x in flows["theme"]],
            "value": _values(flows["items"]),
            "color": [THEME_COLOURS[x] + "80" for x in flows["theme"]],
            "hovertemplate": "%{source.label} → %{target.label}: %{value}<extra></extra>",
        },
        "arrangement": "fixed",
        "textfont": {"size": 11},
    }
    fig = Figure([trace])
    return _layout(fig, t("fig.flow.title", lang, variant=variant) + f" — {t('derived.short', lang)}", height=560)


MOVED_TO_NO_HOME = "#000000"  # moved links into "no home" (an item B leaves unmapped)
UNCHANGED_LINK = "#DDDDDD"  # links of items both mappings place alike


def mapping_moves(
    comparison: analysis.MappingComparison, placements_: pd.DataFrame, lang: str = "en", *, names: tuple[str, str] = ("A", "B")
) -> Figure:
    """Sankey: where mapping A places the outcomes and outputs (left) and where B does (right).

    *comparison*: ``analysis.compare_mappings(fw_a, fw_b, variant, ...)`` (its
    ``transitions`` are drawn, link width = items); *placements_*:
    ``analysis.placements(fw, variant)`` for the node names and order; *names*: what A and
    B are called in node labels and the title (e.g. the project's proposal and the user's
    mapping). Items both place alike are drawn light grey; moved items in the colour of
    B's placement (black when B leaves them without a home). Placements no item leaves or
    reaches are not drawn; an unmapped side is a "no home" node.
    """
    tr = comparison.transitions
    tr = tr[tr["items"] > 0]
    known = {p["theme"]: p for p in placements_.to_dict("records")}
    order = list(known) + [""]

    def plain(side: str, theme: str) -> str:
        where = t("placement.none", lang) if theme == "" else f"{theme} {pick(known[theme], 'name', lang)}" if theme in known else theme
        return t("fig.mapping_moves.node_label", lang, side=side, placement=where)

    def short(theme: str) -> str:  # a placement in a hover sentence
        return t("placement.none", lang) if theme == "" else theme

    nodes: list[tuple[int, str]] = []  # (side index, theme), A's then B's, in placement order
    for side, column in enumerate(("from_theme", "to_theme")):
        used = set(tr[column])
        nodes += [(side, theme) for theme in order if theme in used]
    index = {node: i for i, node in enumerate(nodes)}
    totals = [int(tr.loc[tr[("from_theme", "to_theme")[side]] == theme, "items"].sum()) for side, theme in nodes]
    labels = [plain(names[side], theme) for side, theme in nodes]

    link_hover, link_colours = [], []
    for r in tr.to_dict("records"):
        source, target, count = r["from_theme"], r["to_theme"], int(r["items"])
        if r["moved"]:
            key = "fig.mapping_moves.moved_one" if count == 1 else "fig.mapping_moves.moved"
            sentence = t(key, lang, count=count, source=short(source), target=short(target))
            link_colours.append((THEME_COLOURS.get(target, NEUTRAL) if target else MOVED_TO_NO_HOME) + "B3")
        else:
            key = "fig.mapping_moves.kept_one" if count == 1 else "fig.mapping_moves.kept"
            sentence = t(key, lang, count=count, theme=short(source))
            link_colours.append(UNCHANGED_LINK + "99")
        link_hover.append(f"{_wrap(plain(names[0], source))}<br>→ {_wrap(plain(names[1], target))}<br><b>{sentence}</b>")
    node_hover = [f"{_wrap(label)}<br>{t('fig.mapping_moves.node', lang, count=n)}" for label, n in zip(labels, totals)]
    trace = {
        "type": "sankey",
        "node": {
            "label": [_fit(label, SANKEY_COLS) for label in labels],
            "color": [THEME_COLOURS.get(theme, NEUTRAL) if theme else NEUTRAL for _, theme in nodes],
            "customdata": node_hover,
            "hovertemplate": "%{customdata}<extra></extra>",
            "pad": 14,
            "thickness": 14,
        },
        "link": {
            "source": [index[(0, x)] for x in tr["from_theme"]],
            "target": [index[(1, x)] for x in tr["to_theme"]],
            "value": _values(tr["items"]),
            "color": link_colours,
            "customdata": link_hover,
            "hovertemplate": "%{customdata}<extra></extra>",
        },
        "arrangement": "fixed",
        "textfont": {"size": 11},
    }
    fig = Figure([trace])
    title = t("fig.mapping_moves.title", lang, a=names[0], b=names[1], variant=comparison.variant)
    return _layout(fig, title, height=520, top=36)  # a Sankey draws its first labels at the very top of its area


# ColorBrewer's "Blues", as plotly writes the named scale into a figure (plotly.colors.sequential.Blues).
BLUES = [
    [i / 8, f"rgb({c})"]
    for i, c in enumerate(
        ("247,251,255", "222,235,247", "198,219,239", "158,202,225", "107,174,214", "66,146,198", "33,113,181", "8,81,156", "8,48,107")
    )
]


def status_heatmap(table, objectives, lang: str = "en", *, statuses=analysis.STATUSES) -> Figure:
    """Heatmaps of objective x status, one for outcomes and one for outputs, counts written in each cell.

    *table*: ``analysis.status_table(fw, ...)`` (one row per objective, ``outcomes agreed`` ...);
    *objectives*: ``analysis.top_level(fw, "atu-7")`` for their names; *statuses*: the columns shown.
    """
    statuses = list(statuses)
    names = objectives.set_index("id")
    rows = [_fit(f"{o} {pick(names.loc[o], 'name', lang)}") for o in table["objective"]]
    fig = Figure(layout=_subplots([t("kind.outcomes", lang), t("kind.outputs", lang)], spacing=0.06))
    counts = [f"{kind}s {status}" for kind in analysis.KINDS for status in analysis.STATUSES]
    zmax = max(int(np.nan_to_num(table[counts].to_numpy(dtype="float64")).max()), 1) if len(table) else 1
    for col, kind in enumerate(analysis.KINDS, start=1):
        z = table[[f"{kind}s {s}" for s in statuses]]
        trace = {
            "type": "heatmap",
            "z": _values(z.to_numpy()),
            "x": [_fit(t(f"status.{s}", lang), 10) for s in statuses],
            "y": rows,
            "text": [[_count_text(v) for v in row] for row in z.to_numpy(dtype="float64")],
            "texttemplate": "%{text}",
            "colorscale": BLUES,
            "zmin": 0,
            "zmax": zmax,
            "showscale": False,
            "name": t(f"kind.{kind}s", lang),
            "xgap": 2,
            "ygap": 2,  # counts are written in the cells
            "hovertemplate": "%{y} · %{x}: %{text}<extra></extra>",
        }
        fig.data.append(_in_column(trace, col))
    _update_axes(fig.layout, "y", autorange="reversed")
    fig.layout["yaxis2"]["showticklabels"] = False
    return _layout(fig, t("fig.heatmap.title", lang), height=110 + _rows_height(rows), top=16)


def coverage(cov, variant: int, lang: str = "en") -> Figure:
    """Stacked bars: outcomes and outputs per thematic priority, by status (derived).

    *cov*: ``analysis.theme_coverage(fw, variant, ...)``.
    """
    names = [_fit(f"{r['theme']} {pick(r, 'name', lang)}") for r in cov.to_dict("records")]
    fig = Figure()
    shades = {
        ("outcome", "agreed"): "#0072B2",
        ("outcome", "discussion"): "#E69F00",
        ("output", "agreed"): "#56B4E9",
        ("output", "discussion"): "#F0E442",
    }
    for (kind, status), colour in shades.items():
        col = f"{kind}s {status}"
        fig.data.append(
            {
                "type": "bar",
                "y": names,
                "x": _values(cov[col]),
                "name": f"{t(f'kind.{kind}s', lang)} · {t(f'status.{status}', lang)}",
                "orientation": "h",
                "marker": {"color": colour, "line": {"color": "#333", "width": 0.5}},
                "hovertemplate": "%{y}: %{x}<extra>%{fullData.name}</extra>",
            }
        )
    fig.layout["barmode"] = "stack"
    _legend_below(fig)
    _update_axes(fig.layout, "y", autorange="reversed")
    _update_axes(fig.layout, "x", title={"text": t("axis.items", lang)}, gridcolor="#EEE")
    return _layout(fig, t("fig.coverage.title", lang, variant=variant) + f" — {t('derived.short', lang)}", height=150 + _rows_height(names))


def option_balance(balance, tops, lang: str = "en") -> Figure:
    """Items under each top-level item, for each option side by side.

    *balance*: ``option, top, status, items`` (items per top-level item and status; missing
    rows count 0); *tops*: ``option, id, name_en, name_zh``, the top-level items of each
    option in order (``analysis.top_level`` per option). Options appear in *tops*' order.
    """
    if analysis.CROSS_CUTTING in set(balance["top"]):  # items placed cross-cutting: their own bar, last
        parts = []
        for option in dict.fromkeys(tops["option"]):
            own = tops[tops["option"] == option]
            used = balance.loc[balance["option"] == option, "top"]
            parts.append(_with_cross_cutting(own, used).assign(option=option))
        tops = pd.concat(parts, ignore_index=True)
    options = list(dict.fromkeys(tops["option"]))
    titles = [_lines(t(f"option.{o}", lang), SHORT_COLS) for o in options]
    fig = Figure(layout=_subplots(["<br>".join(x) for x in titles], spacing=0.04, shared_y=True, title_font={"size": 12}))
    counts = balance.set_index(["option", "top", "status"])["items"]
    for col, option in enumerate(options, start=1):
        option_tops = tops[tops["option"] == option]
        for status in analysis.STATUSES:
            per_top = [int(counts.get((option, top, status), 0)) for top in option_tops["id"]]
            trace = {
                "type": "bar",
                "x": _values(option_tops["id"]),
                "y": per_top,
                "name": t(f"status.{status}", lang),
                "marker": {"color": STATUS_COLOURS[status]},
                "showlegend": col == 1,
                "legendgroup": status,
                "customdata": [_or_dash(pick(r, "name", lang)) for r in option_tops.to_dict("records")],
                "hovertemplate": "%{x} %{customdata}: %{y}<extra>%{fullData.name}</extra>",
            }
            fig.data.append(_in_column(trace, col))
    fig.layout["barmode"] = "stack"
    _legend_below(fig)
    _merge(fig.layout["yaxis"], {"title": {"text": t("axis.items", lang)}, "gridcolor": "#EEE"})
    subtitle_lines = max(len(x) for x in titles)
    return _layout(fig, t("fig.balance.title", lang) + f" — {t('derived.partly', lang)}", height=420, top=16 * subtitle_lines)


TIMELINE_COLOURS = {
    "tdag-session": "#D55E00",
    "meeting": "#0072B2",
    "presentation": "#56B4E9",
    "document": "#999999",
    "contribution": "#009E73",
    "liaison": "#CC79A7",
    "recommendations": "#E69F00",
    "decision": "#000000",
    "consultation": "#F0E442",
}
TIMELINE_SYMBOLS = {
    "tdag-session": "square",
    "meeting": "circle",
    "presentation": "diamond",
    "document": "triangle-up",
    "contribution": "star",
    "liaison": "cross",
    "recommendations": "hexagon",
    "decision": "diamond-wide",
    "consultation": "hourglass",
}


def timeline(events, lang: str = "en") -> Figure:  # events: analysis.timeline(...)
    """Events the report dates to the day or month, one lane per kind (events dated to a
    quarter or a year only cannot be placed honestly: they stay in the table)."""
    dated = events[events["precision"].isin(["day", "month"])]
    fig = Figure()
    for kind in analysis.TIMELINE_KINDS:
        sub = dated[dated["kind"] == kind]
        if sub.empty:
            continue
        lane = _fit(t(f"timeline.{kind}", lang), 16)
        labels = [_wrap(_or_dash(pick(r, "label", lang)), 50) for r in sub.to_dict("records")]
        when = [r["date"].strftime("%Y-%m-%d" if r["precision"] == "day" else "%Y-%m") for r in sub.to_dict("records")]
        fig.data.append(
            {
                "type": "scatter",
                # Days as text: the figure's JSON is the same under every pandas (datetime64[ns]
                # wrote nine decimals of seconds, [us] six; the static edition's first view,
                # made at build time, must equal what the browser computes), and still a date axis.
                "x": [d.strftime("%Y-%m-%d") for d in sub["date"]],
                "y": [lane] * len(sub),
                "mode": "markers",
                "name": lane,
                "marker": {"size": 14, "color": TIMELINE_COLOURS[kind], "symbol": TIMELINE_SYMBOLS[kind], "line": {"color": "#333", "width": 1}},
                "customdata": [list(pair) for pair in zip(when, labels)],
                "hovertemplate": "%{customdata[0]}<br>%{customdata[1]}<extra>%{fullData.name}</extra>",
            }
        )
    fig.layout |= {"showlegend": False, "hovermode": "closest"}
    _update_axes(fig.layout, "x", gridcolor="#EEE", tickformat="%Y-%m", tickangle=0, nticks=6)  # plotly spaces the ticks for the width
    _update_axes(fig.layout, "y", autorange="reversed", gridcolor="#EEE")
    return _layout(fig, t("fig.timeline.title", lang), height=380)


FIT_COLOURS = {"direct": "#0072B2", "partial": "#56B4E9", "none": "#E0E0E0"}


def rank_order(ranked, lang: str = "en") -> Figure:
    """The published order, first to last choice, as positions only: no bar lengths,
    because the report gives no counts.

    *ranked*: one survey's rows of ``fw.rankings`` (``rank, item, label_en, label_zh``).
    """
    ranked = ranked.sort_values("rank")
    labels = [_fit(pick(r, "label", lang) or f"{r['item']} {MISSING}") for r in ranked.to_dict("records")]
    trace = {
        "type": "scatter",
        "x": _values(ranked["rank"]),
        "y": labels,
        "mode": "markers+text",
        "text": [str(n) for n in ranked["rank"]],
        "customdata": [t("rankings.nth", lang, n=n) for n in ranked["rank"]],
        "textposition": "middle center",
        "textfont": {"color": "white", "size": 12},
        "marker": {"size": 24, "color": "#0072B2", "symbol": "circle"},
        "hovertemplate": "%{y}: %{customdata}<extra></extra>",
        "name": "",
    }
    fig = Figure([trace])
    _update_axes(fig.layout, "x", title={"text": _fit(t("rankings.axis_rank", lang))}, dtick=1, range=[0.5, len(ranked) + 0.5], gridcolor="#EEE")
    _update_axes(fig.layout, "y", autorange="reversed", gridcolor="#EEE")
    return _layout(fig, t("fig.rank_order.title", lang), height=110 + _rows_height(labels, minimum=55))


def _home(target: object, fit: str, lang: str) -> str:
    fit_label = t(f"fit.{fit}", lang)
    if not isinstance(target, str):
        return fit_label
    # ATU objectives share labels (D.1...) with the ITU-D objectives being ranked: say whose.
    return f"{'ATU ' if target.startswith('D.') else ''}{target}<br>{fit_label}"


def landing(land, lang: str = "en") -> Figure:
    """Where each ranked priority lands under each option: colour = fit, text = home (derived).

    *land*: ``analysis.survey_landing(fw, survey)`` (one survey; rows by rank, then option).
    """
    fit_value = {"direct": 1.0, "partial": 0.5, "none": 0.0}
    land = land.sort_values("rank", kind="stable")
    options = list(dict.fromkeys(land["option"]))
    ranked = land.drop_duplicates("item")
    z, text = [], []
    for item in ranked["item"]:
        row = land[land["item"] == item].set_index("option")
        z.append([fit_value[row.loc[o, "fit"]] for o in options])
        text.append([_home(row.loc[o, "target"], row.loc[o, "fit"], lang) for o in options])
    rows = [_fit(pick(r, "label", lang) or f"{r['item']} {MISSING}", 18) for r in ranked.to_dict("records")]
    trace = {
        "type": "heatmap",
        "z": z,
        "x": [_fit(t(f"option.{o}", lang), 10) for o in options],
        "y": rows,
        "text": text,
        "texttemplate": "%{text}",
        "textfont": {"size": 11},
        "zmin": 0,
        "zmax": 1,
        "showscale": False,
        "xgap": 3,
        "ygap": 3,
        "colorscale": [[0, FIT_COLOURS["none"]], [0.5, FIT_COLOURS["partial"]], [1, FIT_COLOURS["direct"]]],
        "hovertemplate": "%{y} → %{x}: %{text}<extra></extra>",
    }
    fig = Figure([trace])
    _update_axes(fig.layout, "y", autorange="reversed", tickfont={"size": 12})
    _update_axes(fig.layout, "x", side="top", tickangle=0, tickfont={"size": 11})
    return _layout(fig, t("fig.landing.title", lang) + f" — {t('derived.short', lang)}", height=70 + _rows_height(rows, minimum=55), top=50)


def weighted_scores(scores, lang: str = "en") -> Figure:  # scores: survey.weighted_coverage(...)
    """Priority-weighted coverage score per option, 0 to 1 (derived)."""
    trace = {
        "type": "bar",
        "x": [_fit(t(f"option.{o}", lang), SHORT_COLS) for o in scores["option"]],
        "y": _values(scores["score"]),
        "text": [MISSING if pd.isna(s) else f"{s:.2f}" for s in scores["score"]],
        "customdata": [MISSING if pd.isna(s) else f"{s:.3f}" for s in scores["score"]],
        "textposition": "outside",
        "marker": {"color": [THEME_COLOURS["T1"], THEME_COLOURS["T5"], NEUTRAL]},
        "hovertemplate": "%{x}: %{customdata}<extra></extra>",
    }
    fig = Figure([trace])
    _update_axes(fig.layout, "y", range=[0, 1.1], title={"text": t("rankings.axis_score", lang)}, gridcolor="#EEE")
    _update_axes(fig.layout, "x", tickangle=0)
    return _layout(fig, t("fig.weighted.title", lang) + f" — {t('derived.short', lang)}", height=360)


def distribution(dist, labels: dict[str, str], lang: str = "en") -> Figure:  # dist: survey.rank_distribution(...)
    """Stacked bars per item, from first choice to last choice (the form of the report's figures 1 and 2)."""
    ranks = sorted(dist["rank"].unique())
    n = len(ranks)
    blues = ["#08306B", "#2171B5", "#6BAED6", "#C6DBEF", "#E7EEF6", "#F4F7FB"]
    fig = Figure()
    items = list(dict.fromkeys(dist["item"]))
    for i, rank in enumerate(ranks):
        sub = dist[dist["rank"] == rank].set_index("item").reindex(items)
        fig.data.append(
            {
                "type": "bar",
                "y": [_fit(labels.get(x) or x) for x in items],
                "x": _values(sub["count"]),
                "customdata": [_count_text(c) for c in sub["count"]],
                "orientation": "h",
                "name": t("rankings.nth", lang, n=rank),
                "marker": {"color": blues[min(i * (len(blues) - 1) // max(n - 1, 1), len(blues) - 1)], "line": {"color": "#333", "width": 0.5}},
                "hovertemplate": "%{y}: %{customdata}<extra>%{fullData.name}</extra>",
            }
        )
    fig.layout["barmode"] = "stack"
    _legend_below(fig)
    _update_axes(fig.layout, "y", autorange="reversed")
    _update_axes(fig.layout, "x", title={"text": t("rankings.axis_respondents", lang)}, gridcolor="#EEE")
    return _layout(fig, t("fig.distribution.title", lang), height=150 + _rows_height(fig.data[0]["y"] if fig.data else []))
