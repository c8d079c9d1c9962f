"""The brief to take away (sopkit.brief): one self-contained HTML file, no browser needed."""

from __future__ import annotations

import html
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
