"""Every page on a phone (390x844) and a desktop (1280x800), in English and in Chinese:
no page-level sideways scroll, no control past the right edge, and no chart text that
overlaps another or is cut by the chart's edge (titles, axis titles, legends, subplot titles,
tick labels, Sankey node labels, heatmap cell texts). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest

from .browser_helpers import CHARTS, open_workbook
from .conftest import ARTIFACTS
from .layout_helpers import CHART_PROBLEMS_JS, OVERFLOW_JS, full_screenshot, switch_to_chinese

pytestmark = pytest.mark.browser

SIZES = {"phone": (390, 844), "desktop": (1280, 800)}


@pytest.fixture
def sized(browser, request):
    """A tab of the size given by the test's ``size`` parameter."""
    width, height = SIZES[request.node.callspec.params["size"]]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
    tab = context.new_page()
    yield tab
    tab.close(run_before_unload=True)
    context.close()


def problems(page) -> list[str]:
    return page.evaluate(CHART_PROBLEMS_JS, ".sop-page") + page.evaluate(OVERFLOW_JS)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(CHARTS))
def test_nothing_overlaps_or_is_cut(sized, voila_url, name, size):
    page = open_workbook(sized, voila_url, name)
    ARTIFACTS.mkdir(exist_ok=True)
    found = {}
    found["en"] = problems(page)
    full_screenshot(page, ARTIFACTS / f"layout-{name}-{size}-en.png")
    switch_to_chinese(page)
    found["zh"] = problems(page)
    full_screenshot(page, ARTIFACTS / f"layout-{name}-{size}-zh.png")
    assert found == {"en": [], "zh": []}


def test_the_checks_see_an_overlap_and_a_cut(page, voila_url):
    """The geometry checks find what they look for (a check that cannot fail is no check)."""
    open_workbook(page, voila_url, "coverage")
    assert problems(page) == []
    page.evaluate("""() => {
        const title = document.querySelector('.sop-coverage .gtitle');  // an SVG <text> with x and y
        const legend = document.querySelector('.sop-coverage .legend');
        legend.setAttribute('transform', `translate(${title.getAttribute('x')}, ${parseFloat(title.getAttribute('y')) - 10})`);
        const wide = document.createElement('button');  // a control wider than any screen
        wide.style.cssText = 'width: 3000px; max-width: none; flex: none';
        document.querySelector('.sop-page .sop-mapping-status').appendChild(wide);
    }""")
    found = problems(page)
    assert any("overlaps" in p and "legend" in p for p in found), found
    assert any("ends at" in p for p in found), found
