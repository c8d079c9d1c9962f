"""The first view in the page's HTML (sopkit/ui/first_view.py, issue 20) in a real browser:
drawn before Voila's front end has even loaded, handed over to the live widgets in place (the
chart region the same to the pixel, every chart drawn once), a choice made before the page is
live applied when it is, and no first view for an address that asks for another view.

Voila's front end (voila.js) is held back until the test lets it go: the moments before and
after the hand-over are then certain, not a race."""

from __future__ import annotations

import pytest

from sopkit.i18n import t

from .browser_helpers import CHARTS, LOAD_MS, wait_drawn
from .png import differing_share

pytestmark = pytest.mark.browser

VOILA_JS = "**/voila/static/voila.js"

# Every Plotly.newPlot / Plotly.react call, with the plot it drew (numbered), from the moment
# plotly.js defines window.Plotly.
COUNT_DRAWS_JS = """(() => {
  window.__sopDraws = []; let n = 0;
  Object.defineProperty(window, 'Plotly', { configurable: true, get() { return undefined; }, set(lib) {
    for (const name of ['newPlot', 'react']) {
      const original = lib[name];
      lib[name] = function (gd, ...rest) {
        gd.__sopId = gd.__sopId || ++n;
        window.__sopDraws.push([name, gd.__sopId]);
        return original.call(this, gd, ...rest);
      };
    }
    Object.defineProperty(window, 'Plotly', { value: lib, writable: true, configurable: true });
  } });
})();"""

FIRST_DRAWN_JS = """(css) => {
  const el = document.querySelector('.sop-first-view ' + css + ' .js-plotly-plot');
  return !!(el && el.data && el.querySelector('.trace, .slice, .sankey-node, .hm image'));
}"""
LIVE_JS = "() => !!window.__sopLiveAt && !document.querySelector('.sop-first-view') && !!document.querySelector('.sop-page')"
BOX_JS = "(css) => { const b = document.querySelector(css).getBoundingClientRect(); return {x: b.x, y: b.y, width: b.width, height: b.height}; }"


def hold_front_end(page) -> list:
    """Hold voila.js back; returns the list its held request lands in (release with ``release``)."""
    held: list = []
    page.route(VOILA_JS, lambda route: held.append(route))
    return held


def release(page, held: list) -> None:
    page.wait_for_function("() => true")  # let Playwright dispatch the route handler
    assert held, "voila.js was never requested"
    held.pop().continue_()
    page.unroute(VOILA_JS)


def settled(page) -> None:
    """Two animation frames: whatever the last task changed is painted."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_the_first_view_is_drawn_from_the_page_and_taken_over_in_place(page, voila_url, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.add_init_script(COUNT_DRAWS_JS)
    held = hold_front_end(page)
    page.goto(f"{voila_url}/voila/render/options.ipynb", wait_until="commit", timeout=LOAD_MS)
    page.wait_for_function(FIRST_DRAWN_JS, arg=".sop-hierarchy", timeout=LOAD_MS)
    for chart in CHARTS["options"]:
        page.wait_for_function(FIRST_DRAWN_JS, arg=f".sop-{chart}", timeout=LOAD_MS)
    # Before the live page: the page's own view, the loading screen gone, controls marked as not yet live.
    assert page.evaluate("() => !document.querySelector('.sop-page:not(.sop-first-view)')")
    assert page.locator("#loading").is_hidden()
    assert page.locator(".sop-first-view h1").inner_text() == t("options.title", "en")
    status = page.locator(".sop-first-view-status").inner_text()
    assert t("first_view.starting", "en") in status and t("first_view.starting", "zh") in status
    assert page.evaluate("() => getComputedStyle(document.querySelector('.sop-first-view .sop-option select')).opacity") == "0.6"
    assert page.locator(".sop-first-view .sop-compare table.sop-data").count() == 1  # tables as HTML
    page.evaluate("() => { window.__sopFirstPlot = document.querySelector('.sop-hierarchy .js-plotly-plot'); }")
    # The note sits over the chart's corner on a phone and goes at the hand-over: not the chart's.
    page.evaluate("() => { document.querySelector('.sop-first-view-status').style.visibility = 'hidden'; }")
    settled(page)
    box = page.evaluate(BOX_JS, ".sop-hierarchy .js-plotly-plot")
    clip = {k: round(v) for k, v in box.items()}
    before = page.screenshot(clip=clip)

    release(page, held)
    page.wait_for_function(LIVE_JS, timeout=LOAD_MS)
    for chart in CHARTS["options"]:
        wait_drawn(page, f".sop-{chart}")
    settled(page)
    after = page.screenshot(clip=clip)

    # In place: the same plot element, now in the live page, at the same place, looking the same.
    assert page.evaluate("() => document.querySelector('.sop-hierarchy .js-plotly-plot') === window.__sopFirstPlot")
    assert page.evaluate("() => !!window.__sopFirstPlot.closest('.sop-page:not(.sop-first-view)')")
    assert page.evaluate(BOX_JS, ".sop-hierarchy .js-plotly-plot") == box
    share = differing_share(before, after)
    assert share == 0.0, f"{share:.2%} of the chart region changed at the hand-over"
    # Every chart drawn once: by the first view, then adopted by the live chart widget.
    draws = page.evaluate("() => window.__sopDraws")
    assert len(draws) == len(CHARTS["options"]) and len({gd for _, gd in draws}) == len(draws), draws
    assert page.locator(".js-plotly-plot").count() == len(CHARTS["options"])
    assert page.locator(".sop-first-view-status").count() == 0
    assert not page.js_errors


def test_a_choice_made_before_the_page_is_live_is_applied_when_it_is(page, voila_url):
    held = hold_front_end(page)
    page.goto(f"{voila_url}/voila/render/coverage.ipynb", wait_until="commit", timeout=LOAD_MS)
    page.wait_for_function(FIRST_DRAWN_JS, arg=".sop-coverage", timeout=LOAD_MS)
    page.evaluate("() => { window.__sopFirstPlot = document.querySelector('.sop-coverage .js-plotly-plot'); }")
    data = page.evaluate("() => JSON.stringify(window.__sopFirstPlot.data)")
    page.locator(".sop-first-view .sop-variant button", has_text="5").click()
    status = page.locator(".sop-first-view-status").inner_text()
    assert t("first_view.wait", "en") in status and t("first_view.wait", "zh") in status
    assert page.locator(".sop-first-view .sop-variant .mod-active").inner_text() == "5"

    release(page, held)
    page.wait_for_function(LIVE_JS, timeout=LOAD_MS)
    # The live toggle took the choice; the chart it drives was redrawn in place, for 5 priorities.
    page.wait_for_function("() => (document.querySelector('.sop-variant .mod-active') || {}).textContent === '5'")
    page.wait_for_function("() => document.querySelector('.sop-coverage .js-plotly-plot').dataset.sopDrawn === '2'")
    assert page.evaluate("() => document.querySelector('.sop-coverage .js-plotly-plot') === window.__sopFirstPlot")
    assert page.evaluate("() => JSON.stringify(window.__sopFirstPlot.data)") != data
    assert not page.js_errors


def test_a_chinese_address_gets_the_chinese_first_view_and_a_chinese_hand_over(page, voila_url):
    # A Chinese-reading delegate's link: Chinese from the first paint (before, the English page
    # showed for seconds, until the live page had heard the address and relabelled).
    page.add_init_script(COUNT_DRAWS_JS)
    held = hold_front_end(page)
    page.goto(f"{voila_url}/voila/render/options.ipynb?lang=zh", wait_until="commit", timeout=LOAD_MS)
    for chart in CHARTS["options"]:
        page.wait_for_function(FIRST_DRAWN_JS, arg=f".sop-{chart}", timeout=LOAD_MS)
    assert page.locator(".sop-first-view").count() == 1  # the English snapshot went
    assert page.locator(".sop-first-view h1").inner_text() == t("options.title", "zh")
    assert page.evaluate("() => document.documentElement.lang") == "zh-Hans"
    assert page.title().startswith(t("options.title", "zh"))
    assert page.locator("#loading").is_hidden()
    assert page.locator(".sop-first-view-status").inner_text().startswith(t("first_view.starting", "zh"))
    page.evaluate("() => { window.__sopFirstPlot = document.querySelector('.sop-hierarchy .js-plotly-plot'); }")
    title = page.evaluate("() => window.__sopFirstPlot.layout.title.text")

    release(page, held)
    page.wait_for_function(LIVE_JS, timeout=LOAD_MS)
    # Handed over once the live page was in Chinese: its plots are the ones drawn here, each drawn once.
    assert page.locator(".sop-page h1").first.inner_text() == t("options.title", "zh")
    assert page.evaluate("() => document.querySelector('.sop-hierarchy .js-plotly-plot') === window.__sopFirstPlot")
    assert page.evaluate("() => document.querySelector('.sop-hierarchy .js-plotly-plot').layout.title.text") == title
    draws = page.evaluate("() => window.__sopDraws")
    assert len(draws) == len(CHARTS["options"]) and len({gd for _, gd in draws}) == len(draws), draws
    assert page.locator(".js-plotly-plot").count() == len(CHARTS["options"])
    assert not page.js_errors


def test_an_address_asking_for_another_view_gets_no_first_view(page, voila_url):
    held = hold_front_end(page)
    page.goto(f"{voila_url}/voila/render/options.ipynb?lang=zh&option=atu-7", wait_until="commit", timeout=LOAD_MS)
    page.wait_for_selector('script[src$="/voila.js"]', state="attached", timeout=LOAD_MS)  # the whole page's HTML is in
    # The kernel hears the address only once the page is live: no snapshot of another view.
    assert page.locator(".sop-first-view").count() == 0
    assert page.locator("#loading").is_visible()
    release(page, held)
    page.wait_for_function("() => document.documentElement.lang === 'zh-Hans'", timeout=LOAD_MS)
    wait_drawn(page, ".sop-hierarchy", timeout=LOAD_MS)
    assert page.locator(".sop-page h1").first.inner_text() == t("options.title", "zh")
    assert not page.js_errors
