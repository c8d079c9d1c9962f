"""The brief to take away (sopkit.brief): one self-contained HTML file, no browser needed."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from sopkit.brief import BriefChart, brief_html, plotly_js
from sopkit.i18n import t
from sopkit.ui import CoveragePage, RankingsPage


def test_the_brief_holds_plotly_its_charts_tables_labels_language_date_and_link():
    figure = go.Figure(go.Bar(x=["T1"], y=[3]), layout={"title": {"text": "Coverage<br>— project's proposal"}})
    table = pd.DataFrame({"theme": ["T1"], "items": [3], "note": ["<script>alert(1)</script>"]})
    text = brief_html(
        title="覆盖",
        lang="zh",
        charts=[BriefChart(figure, table, caption="Project's proposal (derived)")],
        live_url="https://example.org/voila/render/coverage.ipynb?lang=zh&variant=5",
        view_query="lang=zh&variant=5",
        day=date(2026, 11, 29),
    )
    assert text.startswith("<!DOCTYPE html>") and '<html lang="zh-Hans">' in text
    assert plotly_js()[:2000] in text  # plotly.js inlined: charts draw with no network
    assert not re.search(r"<(script|link)[^>]+(src|href)=", text)  # nothing loaded from elsewhere
    assert "<h2>Coverage — project&#x27;s proposal</h2>" in text
    wrapped = brief_html(title="x", lang="zh", charts=[BriefChart(go.Figure(layout={"title": {"text": "高级别项目、成果和输<br>出成果"}}))])
    assert "<h2>高级别项目、成果和输出成果</h2>" in wrapped  # a line break inside Chinese is no space
    assert "Project&#x27;s proposal (derived)" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert(1)" not in text
    assert 'href="https://example.org/voila/render/coverage.ipynb?lang=zh&amp;variant=5"' in text
    assert "2026-11-29" in text and t("brief.source", "zh") in text
    assert text.count('class="js-plotly-plot"') + text.count("Plotly.newPlot") >= 1


def test_without_a_live_address_the_brief_gives_the_view_as_a_query():
    text = brief_html(title="x", lang="en", charts=[], live_url="javascript:alert(1)", view_query="lang=en&variant=5")
    assert "javascript:" not in text.partition("</head>")[2]  # (plotly.js itself mentions it)
    assert html.escape(t("brief.live_query", "en", query="QUERY")).replace("QUERY", "<code>lang=en&amp;variant=5</code>") in text


def test_a_page_brief_has_every_chart_it_shows(fw):
    page = CoveragePage(fw, view="variant=5")
    text = page.brief_html()
    assert text.count("Plotly.newPlot") == 2 and text.count('sop-data"') == 2
    rankings = RankingsPage(fw)  # the distribution chart is hidden until responses are uploaded
    assert rankings.brief_html().count("Plotly.newPlot") == 3


def _new_plot_args(text: str, div_id: str) -> list:
    """The arguments of the ``Plotly.newPlot`` call for *div_id*: data, layout, config."""
    decoder = json.JSONDecoder()
    rest = re.split(rf'Plotly\.newPlot\(\s*"{div_id}",', text, maxsplit=1)[1]
    args = []
    for _ in range(3):
        rest = rest.lstrip(" ,\n")
        value, end = decoder.raw_decode(rest)
        args.append(value)
        rest = rest[end:]
    return args


def test_a_brief_chart_is_what_plotly_io_to_html_wrote(fw):
    """The brief's chart div, made without plotly.py (the static edition has none), draws the
    same figure with the same config in a div of the same size as plotly.io.to_html did."""
    import warnings

    import plotly.io as pio

    from sopkit import analysis, figures
    from sopkit.brief import chart_div
    from sopkit.figures import plotly_config

    fig = figures.coverage(analysis.theme_coverage(fw, 5), 5, "zh")
    config = {**plotly_config("zh", "coverage"), "responsive": True}
    ours = chart_div(fig, "sop-brief-chart-1", config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        theirs = pio.to_html(
            fig.to_plotly(), include_plotlyjs=False, full_html=False, config=config, div_id="sop-brief-chart-1", default_width="100%"
        )
    assert _new_plot_args(ours, "sop-brief-chart-1") == _new_plot_args(theirs, "sop-brief-chart-1")
    size = re.compile(r'<div style="height:\s*(\S+);\s*width:\s*(\S+);">')
    assert size.search(ours).groups() == size.search(theirs).groups() == (f"{fig.layout['height']}px", "100%")
    assert 'id="sop-brief-chart-1" class="plotly-graph-div"' in re.sub(r"\s+", " ", theirs)
    assert 'id="sop-brief-chart-1" class="plotly-graph-div"' in ours
    assert "</" not in ours.split("<script>", 1)[1].rsplit("</script>", 1)[0]  # no text can end the script early
