"""Chart toolbars: nothing that sends a chart (or the data behind it) to a third party, PNG
download kept, tooltips in Chinese on a Chinese page (plotly.js's own zh-CN locale)."""

from __future__ import annotations

import pytest

from .browser_helpers import CHARTS, open_workbook
from .layout_helpers import switch_to_chinese

pytestmark = pytest.mark.browser

# JS: data-title of every toolbar button of every drawn chart.
BUTTONS_JS = """() => Array.from(document.querySelectorAll('.sop-page .js-plotly-plot'))
    .filter(p => p.offsetParent)
    .map(p => Array.from(p.querySelectorAll('.modebar-btn')).map(b => b.getAttribute('data-title') || ''))"""

AWAY = ("cloud", "chart studio", "share", "edit in", "plotly")


@pytest.mark.parametrize("name", list(CHARTS))
def test_toolbars_send_nothing_away_and_speak_the_page_language(page, voila_url, name):
    open_workbook(page, voila_url, name)
    charts = page.evaluate(BUTTONS_JS)
    assert len(charts) == len(CHARTS[name])
    for titles in charts:
        assert "Download plot as a PNG" in titles
        assert not [x for x in titles if any(word in x.lower() for word in AWAY)], titles
    switch_to_chinese(page)
    for titles in page.evaluate(BUTTONS_JS):
        assert "下载图表为PNG格式" in titles, titles
        assert not [x for x in titles if any(word in x.lower() for word in AWAY)], titles
