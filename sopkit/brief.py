"""A brief to take away: one self-contained HTML file of a page's view, without widgets.

The file holds plotly.js itself, so its charts draw with no network (each chart a ``div`` and
a ``Plotly.newPlot`` call, as plotly.py's ``to_html`` writes them, made here without plotly.py:
the static edition has none); each chart's data as a table; the labels saying what is the
project's proposal (in the figures' titles and captions); the language, the date, and a link
back to the live view. It prints on A4 like the pages.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import pandas as pd

from .i18n import t
from .plotlyjs import library_bytes

HTML_LANG = {"en": "en", "zh": "zh-Hans"}
CJK = "[\u3000-\u9fff\uff00-\uffef]"  # CJK characters and punctuation, full-width forms

STYLE = """
body { font-family: 'Noto Sans', 'Noto Sans CJK SC', 'Microsoft YaHei', Arial, sans-serif; color: #1A1A1A;
       max-width: 1100px; margin: 0 auto; padding: 16px; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; }
.sop-brief-meta { color: #444; }
.sop-brief-notice { background: #FFF8E1; border-left: 4px solid #A05F00; padding: 6px 10px; }
.sop-brief-chart { width: 100%; }
.sop-brief-caption { font-style: italic; color: #333; }
.sop-brief-table { overflow-x: auto; }
table.sop-data { border-collapse: collapse; font-size: 0.85em; }
table.sop-data th, table.sop-data td { border: 1px solid #BBB; padding: 2px 6px; text-align: left; vertical-align: top; }
table.sop-data th { background: #EEF2F7; }
@page { size: A4 portrait; margin: 14mm 12mm 16mm 12mm; }
@media print {
  body { max-width: none; padding: 0; }
  .sop-brief-section { break-inside: avoid-page; }
  .sop-brief-chart .js-plotly-plot, .sop-brief-chart .plot-container { max-width: 100%; }
  table.sop-data { font-size: 0.75em; }
  a[href^="http"]::after { content: " (" attr(href) ")"; font-size: 0.8em; word-break: break-all; }
}
"""


@dataclass(frozen=True)
class BriefChart:
    """One chart of the brief: a *figure* (a ``sopkit.figures.Figure``, a plotly figure or its
    JSON as a dict), its data *table* (columns and values already in the brief's language), its
    *caption* and the plotly.js *config* it is drawn with."""

    figure: Any
    table: pd.DataFrame | None = None
    caption: str = ""
    config: dict | None = None


@cache
def plotly_js() -> str:
    """plotly.js as shipped with the plotly package (no network): the file the pages load."""
    return library_bytes().decode("utf-8")


def _plain(text: str) -> str:
    """A plotly title as plain text (its ``<br>`` line breaks become spaces, other tags go)."""
    text = re.sub(r"<br\s*/?>", " ", text or "", flags=re.IGNORECASE)
    text = re.sub(f"(?<={CJK}) (?={CJK})", "", text)  # a break inside Chinese text was no space
    return re.sub(r"<[^>]+>", "", text).strip()


def _script_json(value: Any) -> str:
    """*value* as JSON to write inside a ``<script>``: ``<``, ``>`` and ``/`` escaped (as
    plotly.py does), so no text in a figure can end the script."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("/", "\\u002f")


def _spec(figure: Any) -> dict:
    """The plotly JSON of *figure*: a dict as it is, else its ``to_json()`` (sopkit's figures and
    plotly's both have one)."""
    return figure if isinstance(figure, dict) else json.loads(figure.to_json())


def chart_div(figure: Any, div_id: str, config: dict | None = None) -> str:
    """A chart as HTML: a ``div`` as tall as the figure and the script that draws it with the
    page's plotly.js (what ``plotly.io.to_html(include_plotlyjs=False, full_html=False,
    default_width="100%")`` writes; plotly.js must be loaded before)."""
    spec = _spec(figure)
    layout = spec.get("layout", {})
    height = layout.get("height") or layout.get("template", {}).get("layout", {}).get("height") or 450
    config = {**(config or {})}
    config.setdefault("responsive", True)
    if not config.get("showSendToCloud", False):
        config.pop("plotlyServerURL", None)  # as plotly.py: no plotly server named in the file
    draw = (
        f'if (document.getElementById("{div_id}")) {{Plotly.newPlot("{div_id}", '
        f"{_script_json(spec.get('data', []))}, {_script_json(layout)}, {_script_json(config)})}};"
    )
    return (
        f'<div style="height:{height}px; width:100%;">'
        f'<div id="{div_id}" class="plotly-graph-div" style="height:100%; width:100%;"></div>'
        f"<script>window.PLOTLYENV=window.PLOTLYENV || {{}};{draw}</script></div>"
    )


def _table(df: pd.DataFrame, caption: str) -> str:
    body = df.to_html(index=False, escape=True, border=0, classes="sop-data", na_rep="–")  # a missing value: a dash
    if caption:
        body = body.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
    return f'<div class="sop-brief-table">{body}</div>'


def brief_html(
    *,
    title: str,
    lang: str,
    charts: list[BriefChart],
    live_url: str = "",
    view_query: str = "",
    day: date | None = None,
) -> str:
    """The brief as one HTML document (a string).

    Args:
        title: the page's title, in *lang*.
        lang: ``en`` or ``zh``: the language of every text of the brief.
        charts: the charts in the order of the page, each with its table and caption.
        live_url: the address of the live view (empty if unknown: the brief then gives the view
            as a query to add to the page's address).
        view_query: the view as a query string (``sopkit.view.format_query``).
        day: the date printed on the brief (default: today).
    """
    day = day or date.today()
    head = (
        f'<!DOCTYPE html>\n<html lang="{HTML_LANG.get(lang, lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · {html.escape(t('brief.kind', lang))}</title>"
        f"<style>{STYLE}</style>"
        # plotly.js itself: "</script>" cannot occur in it, as plotly's own to_html relies on too.
        f'<script type="text/javascript">{plotly_js()}</script></head>'
    )
    if live_url.startswith(("http://", "https://")):
        live = f'<a class="sop-brief-live" href="{html.escape(live_url, quote=True)}">{html.escape(t("brief.live", lang))}</a>'
    else:
        # the query is code to paste, in either language
        live = html.escape(t("brief.live_query", lang, query="\x00")).replace("\x00", f"<code>{html.escape(view_query or '-')}</code>")
    parts = [
        f"<header><h1>{html.escape(title)}</h1>",
        f'<p class="sop-brief-meta">{html.escape(t("brief.meta", lang, date=day.isoformat()))} {live}</p>',
        f'<p class="sop-brief-notice">{html.escape(t("brief.source", lang))}</p></header><main>',
    ]
    for i, chart in enumerate(charts):
        spec = _spec(chart.figure)
        heading = _plain((spec.get("layout", {}).get("title") or {}).get("text", "") or "")
        div = chart_div(spec, f"sop-brief-chart-{i + 1}", {**(chart.config or {}), "responsive": True})
        section = [f'<section class="sop-brief-section" aria-label="{html.escape(heading or title, quote=True)}">']
        if heading:
            section.append(f"<h2>{html.escape(heading)}</h2>")
        section.append(f'<div class="sop-brief-chart">{div}</div>')
        if chart.caption:
            section.append(f'<p class="sop-brief-caption">{html.escape(chart.caption)}</p>')
        if chart.table is not None:
            section.append(_table(chart.table, chart.caption))
        section.append("</section>")
        parts.append("".join(section))
    parts.append(f"</main><footer><p><small>{html.escape(t('print.footer', lang, date=day.isoformat()))}</small></p></footer>")
    return f"{head}<body>{''.join(parts)}</body></html>\n"
