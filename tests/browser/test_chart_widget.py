"""The pages' chart widget (sopkit/ui/chart.py) in a real browser: a change redraws the same
plot in place and sends nothing back; plotly.js comes once from the server, or from the kernel
when the server has none; a page that cannot get it says so, in both languages."""

from __future__ import annotations

import pytest

from sopkit.i18n import t
from sopkit.plotlyjs import LIBRARY_PATH

from .browser_helpers import CHARTS, WS_LOG_JS, open_workbook, select_label, wait_drawn

pytestmark = pytest.mark.browser

HIERARCHY = ".sop-hierarchy .js-plotly-plot"


def test_a_change_redraws_the_same_plot_in_place_and_sends_no_copy_back(page, voila_url):
    page.add_init_script(WS_LOG_JS)
    library = []
    page.on("requestfinished", lambda r: library.append(r.url) if LIBRARY_PATH in r.url else None)
    open_workbook(page, voila_url, "options")
    page.evaluate("(css) => { window.__sopPlot = document.querySelector(css); window.__sopWs = []; }", HIERARCHY)
    before = page.evaluate("(css) => document.querySelector(css).dataset.sopDrawn", HIERARCHY)
    labels = page.evaluate("(css) => document.querySelector(css).data[0].labels.length", HIERARCHY)

    select_label(page, ".sop-option", t("option.atu-7", "en"))
    page.wait_for_function("([css, n]) => document.querySelector(css).dataset.sopDrawn !== n", arg=[HIERARCHY, before])
    wait_drawn(page, ".sop-hierarchy")
    assert page.evaluate("(css) => document.querySelector(css) === window.__sopPlot", HIERARCHY), "the plot was replaced"
    assert page.evaluate("(css) => document.querySelector(css).data[0].labels.length", HIERARCHY) != labels
    page.wait_for_timeout(1000)  # what the page sends after drawing (the Output route sent a PNG copy here)
    sent = [size for way, size in page.evaluate("() => window.__sopWs") if way == "out"]
    assert sent and max(sent) < 2_000, f"the page sent {sent} bytes after a chart change"
    assert len(library) == 1, f"plotly.js fetched {len(library)} times"
    assert not page.js_errors


def test_plotly_js_comes_from_the_kernel_when_the_server_has_none(page, voila_url):
    page.route(f"**/{LIBRARY_PATH}", lambda route: route.fulfill(status=404, body="not here"))
    open_workbook(page, voila_url, "coverage")
    assert page.locator(".js-plotly-plot").count() == len(CHARTS["coverage"])
    before = page.evaluate("() => document.querySelector('.sop-coverage .js-plotly-plot').dataset.sopDrawn")
    page.locator(".sop-variant").get_by_role("button", name="5").click()
    page.wait_for_function("(n) => document.querySelector('.sop-coverage .js-plotly-plot').dataset.sopDrawn !== n", arg=before)
    assert not page.js_errors


def test_a_page_without_plotly_js_says_so_in_both_languages(page, voila_url):
    # As if neither the server nor the kernel could give the library.
    page.add_init_script("window.__sopkitPlotly = Promise.reject(new Error('unreachable')); window.__sopkitPlotly.catch(() => {});")
    page.goto(f"{voila_url}/voila/render/overview.ipynb", wait_until="domcontentloaded")
    notice = page.locator(".sop-timeline .sop-plot-failed")
    notice.wait_for()
    text = notice.text_content()
    assert "reload the page" in text and "请重新加载页面" in text
    assert notice.get_attribute("role") == "alert"
    assert not page.js_errors
