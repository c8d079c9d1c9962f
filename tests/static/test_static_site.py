"""The built static site (dist/) in Debian's chromium, served on loopback with every other
host cut off: each page shows its first view (in English or Chinese, from its HTML) and draws
its first chart before Python has started, then runs Python in the browser and takes over: no
chart drawn twice, a choice made before Python is live applied when it is.

One browser context for the four pages, in the order a visitor follows them: the first page
is a cold visit, the others reuse the browser's cache. Marker ``static``: run by
scripts/test-static.sh, which builds dist/ first.
"""

from __future__ import annotations

import urllib.request

import pytest

from browser.browser_helpers import CHARTS, DRAWN_JS, SUMMARY_MARKER, upload
from browser.png import differing_share
from browser.test_first_view import BOX_JS, COUNT_DRAWS_JS, FIRST_DRAWN_JS, LIVE_JS
from sopkit import load_framework, survey
from sopkit.i18n import t
from sopkit.plotlyjs import LIBRARY_PATH

pytestmark = pytest.mark.static

PAGES = ["overview", "options", "coverage", "rankings"]


def three_moves() -> str:
    from sopkit.whatif import WhatIf

    wi = WhatIf(load_framework(), 4)
    for item, theme in (("D.1-a", "T2"), ("D.3-c", "X"), ("D.6-a", "T1")):
        wi.move(item, theme)
    return wi.token


PROPOSAL = three_moves()
# Python, pandas and plotly start in the page before anything is drawn: on a busy 2-core
# machine a cold first visit took up to 100 s. A bound for a hung page, not a speed check.
LOAD_MS = 300_000

# JS: the loading text is on top at its own centre, in English and Chinese.
LOADING_SHOWN_JS = """() => {
    const t = document.getElementById('loading_text');
    if (!t || !t.innerText.includes('Python') || !t.innerText.includes('正在')) return false;
    const r = t.getBoundingClientRect();
    const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return !!top && t.contains(top);
}"""


# JS: the page's first view is shown, in *lang*, with its discreet note on the start of Python
# (page's language first); the full-page loading screen is not.
FIRST_VIEW_SHOWN_JS = """(lang) => {
    const views = document.querySelectorAll('.sop-first-view');
    const loading = document.getElementById('loading');
    const note = document.querySelector('.sop-first-view-status');
    if (views.length !== 1 || !views[0].querySelector(`[data-sop-lang="${lang}"]`) || !note) return false;
    if (loading && getComputedStyle(loading).display !== 'none') return false;
    const text = note.textContent;
    return /[\u4e00-\u9fff]/.test(text) && /[A-Za-z]/.test(text) && (lang === 'zh') === /^[^A-Za-z]*[\u4e00-\u9fff]/.test(text);
}"""
VOICI_JS = "**/voici/build/voici.js"


def held_visitor(offline_browser, width: int = 1280):
    """A new visitor's page (a new browser: in one that has opened a page of the site, the site's
    service worker fetches voici.js, which a page's route never sees), its draws counted and
    Voici's front end held back: (page, its script errors, release() to let the front end go)."""
    new_context, _aborted = offline_browser
    page = new_context(width).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(COUNT_DRAWS_JS)
    held: list = []
    page.route(VOICI_JS, lambda route: held.append(route))

    def release() -> None:
        page.wait_for_function("() => true")  # let Playwright dispatch the route handler
        assert held, "voici.js was never requested"
        held.pop().continue_()
        page.unroute(VOICI_JS)

    return page, errors, release


# JS: every plot on the page: [its number (COUNT_DRAWS_JS), drawn by the first view?]
PLOTS_JS = "() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(e => [e.__sopId, e.classList.contains('sop-first-plot')])"


def test_pages_are_static_files_with_a_bilingual_loading_screen(site_url):
    for name in PAGES:
        with urllib.request.urlopen(f"{site_url}/voici/render/{name}.html") as response:
            html = response.read().decode()
        # The first view in both languages, plotly.js loaded with the page to draw it.
        assert html.count('data-sop-first-view-lang="en"') == 1 and html.count('data-sop-first-view-lang="zh"') == 1
        assert f'<script async id="sop-plotly" src="../../{LIBRARY_PATH}"' in html
        # the Chinese snapshot: from its wrapper to the script that follows the snapshots
        chinese = html.split('data-sop-first-view-lang="zh"')[1].split("window.update_loading_text && ")[0]
        assert f"<h1>{t(f'{name}.title', 'zh')}</h1>" in chinese and t(f"{name}.title", "en") not in chinese
        assert 'id="loading_text"' in html
        assert "runs Python in your browser" in html and "在您的浏览器中运行 Python" in html
        assert "../../static/pyodide/sopkit-pyodide.js" in html and '"./static/pyodide/' not in html
        assert "cdn.jsdelivr.net" not in html and "fontawesome" not in html
        assert SUMMARY_MARKER not in html
    with urllib.request.urlopen(f"{site_url}/") as response:
        assert "voici/render/overview.html" in response.read().decode()


@pytest.mark.parametrize("name", PAGES)
def test_page_draws_its_first_chart_offline(offline_context, site_url, name):
    context, aborted = offline_context
    page = context.new_page()
    failed: list[str] = []
    errors: list[str] = []
    plotly_js: list[tuple[str, int, str]] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def heard(response):
        if "plotly" in response.url and response.url.endswith(".js"):
            plotly_js.append((response.url, response.status, response.header_value("content-type") or ""))

    page.on("response", heard)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(COUNT_DRAWS_JS)
    # The last page opens in Chinese by its address, as links between pages carry it.
    lang = "zh" if name == "rankings" else "en"
    # The options page opens a proposal from its link, compared with the project's (issue 19):
    # a view no first view shows (it is made at build time, of the default view).
    extra = f"&mapping={PROPOSAL}&compare=project" if name == "options" else ""
    first_view = not extra
    try:
        page.goto(f"{site_url}/voici/render/{name}.html?lang={lang}{extra}", wait_until="domcontentloaded")
        if first_view:
            # The page's own view at once, in the address's language, its first chart drawn,
            # while Python starts (a discreet bilingual note, no full-page screen).
            page.wait_for_function(FIRST_VIEW_SHOWN_JS, arg=lang, timeout=LOAD_MS)
            page.wait_for_function(FIRST_DRAWN_JS, arg=f".sop-{CHARTS[name][0]}", timeout=LOAD_MS)
            assert page.locator(".sop-first-view h1").inner_text() == t(f"{name}.title", lang)
        else:
            # The bilingual loading screen is what the visitor sees (not covered by Voici's shell).
            page.wait_for_function(LOADING_SHOWN_JS, timeout=LOAD_MS)
            assert page.locator(".sop-first-view").count() == 0
        page.wait_for_selector(f".sop-page-{name}", timeout=LOAD_MS)
        page.wait_for_function(DRAWN_JS, arg=f".sop-{CHARTS[name][0]}", timeout=LOAD_MS)
        page.wait_for_selector(f'[data-sop-lang="{lang}"]', state="attached", timeout=LOAD_MS)
        if first_view:
            page.wait_for_function(LIVE_JS, timeout=LOAD_MS)
        # No chart drawn twice: every plot ever drawn is still on the page; with a first view,
        # each was drawn once, by it, and adopted by the live chart.
        draws = page.evaluate("() => window.__sopDraws")
        plots = page.evaluate(PLOTS_JS)
        assert {gd for _, gd in draws} == {gd for gd, _ in plots}, (draws, plots)
        if first_view:
            assert len(draws) == len(plots) and all(how == "newPlot" for how, _ in draws), draws
            assert all(adopted for _, adopted in plots), plots
        text = page.inner_text("body")
        assert "Traceback" not in text and page.query_selector(".voila-error") is None
        assert SUMMARY_MARKER not in text
        assert page.query_selector("#loading") is None, "the loading screen stayed after the page was drawn"
        assert page.query_selector(".sop-static-edition") is not None
        if name == "overview":
            # The chart widget's plotly.js, once, from the site's root (the pages' baseUrl), as a
            # script; not jupyterlab-plotly's labextension (left out) nor the kernel (slimmed out).
            assert [(u, s) for u, s, _ in plotly_js] == [(f"{site_url}/{LIBRARY_PATH}", 200)], plotly_js
            assert "javascript" in plotly_js[0][2]
            # sopkit.runtime under Pyodide: the links lead to the built pages, not to notebooks
            hrefs = page.eval_on_selector_all(".sop-page a[class^='sop-link-']", "els => els.map(e => e.getAttribute('href'))")
            assert hrefs == ["options.html", "coverage.html", "rankings.html"]
        if name == "options":
            status = "() => document.querySelector('.sop-whatif-status').innerText.trim()"
            page.wait_for_function(f"() => ({status})() === {t('whatif.edits', 'en', count=3)!r}", timeout=LOAD_MS)
            page.wait_for_function(DRAWN_JS, arg=".sop-moves", timeout=LOAD_MS)
            page.wait_for_function(f"() => new URLSearchParams(location.search).get('mapping') === {PROPOSAL!r}", timeout=LOAD_MS)
        if lang == "zh":
            page.wait_for_function("() => document.documentElement.lang === 'zh-Hans'", timeout=LOAD_MS)

        if name == "rankings":
            # An upload is read in the browser (ipywidgets under Voici, sopkit.survey under pandas 2.2).
            items = survey.survey_items(load_framework(), "itu-d-objectives")
            content = survey.synthetic_responses(items, 9, seed=3).to_csv(index=False).encode()
            upload(page, ".sop-responses-upload", "synthetic.csv", content)
            page.wait_for_function(DRAWN_JS, arg=".sop-distribution", timeout=LOAD_MS)
            assert "synthetic.csv" in page.inner_text(".sop-responses-status")
            # A file the kernel makes (the delivery widget's binary message) arrives as a download.
            page.click(".sop-rank-order details.sop-table > summary")
            with page.expect_download(timeout=LOAD_MS) as table:
                page.click(".sop-rank-order a.sop-download-xlsx")
            with open(table.value.path(), "rb") as f:
                assert f.read(2) == b"PK"
        assert failed == [], failed
        assert aborted == [], f"requests to other hosts: {aborted}"
        assert errors == [], errors
    finally:
        page.close()


def test_a_choice_made_on_the_first_view_is_applied_when_python_is_live(offline_browser, site_url):
    """Voici's front end (which starts Python) is held back until the choice is made: the
    moment before Python is live is certain, not a race. A new visitor's browser: in one that
    has opened a page of the site, the site's service worker (JupyterLite's) fetches voici.js,
    which a page's route never sees."""
    page, errors, release = held_visitor(offline_browser)
    aborted = offline_browser[1]
    try:
        page.goto(f"{site_url}/voici/render/coverage.html", wait_until="commit")  # its DOMContentLoaded waits for voici.js
        for chart in CHARTS["coverage"]:
            page.wait_for_function(FIRST_DRAWN_JS, arg=f".sop-{chart}", timeout=LOAD_MS)
        page.evaluate("() => { window.__sopFirstPlot = document.querySelector('.sop-coverage .js-plotly-plot'); }")
        data = page.evaluate("() => JSON.stringify(window.__sopFirstPlot.data)")
        page.locator(".sop-first-view .sop-variant button", has_text="5").click()
        note = page.locator(".sop-first-view-status").inner_text()
        assert t("first_view.wait", "en") in note and t("first_view.wait", "zh") in note  # "one moment", both languages
        release()

        page.wait_for_function(LIVE_JS, timeout=LOAD_MS)
        # The live toggle took the choice; the first view's plot, adopted, was redrawn in place for 5 priorities.
        page.wait_for_function("() => (document.querySelector('.sop-variant .mod-active') || {}).textContent === '5'", timeout=LOAD_MS)
        page.wait_for_function("() => document.querySelector('.sop-coverage .js-plotly-plot').dataset.sopDrawn === '2'", timeout=LOAD_MS)
        assert page.evaluate("() => document.querySelector('.sop-coverage .js-plotly-plot') === window.__sopFirstPlot")
        assert page.evaluate("() => JSON.stringify(window.__sopFirstPlot.data)") != data
        draws = page.evaluate("() => window.__sopDraws")
        first = page.evaluate("() => window.__sopFirstPlot.__sopId")
        assert [how for how, _ in draws] == ["newPlot"] * len(CHARTS["coverage"]) + ["react"], draws
        assert draws[-1][1] == first and len({gd for _, gd in draws}) == len(CHARTS["coverage"]), draws
        assert "Traceback" not in page.inner_text("body")
        assert aborted == [] and errors == [], (aborted, errors)
    finally:
        page.close()


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_a_page_opened_in_chinese_is_taken_over_in_place(offline_browser, site_url, width):
    """The static hand-over where it differs from the served one: the live page starts in English
    and switches to the address's language before it takes over. Voici's front end is held back
    until the first view is drawn and photographed, so the moment is certain. The first chart's
    region looks the same to the pixel after the hand-over, every chart drawn once (by the first
    view, then adopted), nothing ever shown in English. On a desktop and on a phone-wide window
    (where the first view once sat 10 px right of the live page: the notebook's padding)."""
    page, errors, release = held_visitor(offline_browser, width)
    aborted = offline_browser[1]
    first = f".sop-{CHARTS['rankings'][0]} .js-plotly-plot"
    try:
        page.goto(f"{site_url}/voici/render/rankings.html?lang=zh", wait_until="commit")  # its DOMContentLoaded waits for voici.js
        page.wait_for_function(FIRST_VIEW_SHOWN_JS, arg="zh", timeout=LOAD_MS)
        for chart in CHARTS["rankings"]:
            page.wait_for_function(FIRST_DRAWN_JS, arg=f".sop-{chart}", timeout=LOAD_MS)
        page.evaluate(f"() => {{ window.__sopFirstPlot = document.querySelector({first!r}); }}")
        # The note sits over the chart's corner on a phone and goes at the hand-over: not the chart's.
        page.evaluate("() => { document.querySelector('.sop-first-view-status').style.visibility = 'hidden'; }")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        box = page.evaluate(BOX_JS, first)
        clip = {k: round(v) for k, v in box.items()}
        before = page.screenshot(clip=clip)
        release()

        page.wait_for_function(LIVE_JS, timeout=LOAD_MS)
        for chart in CHARTS["rankings"]:
            page.wait_for_function(DRAWN_JS, arg=f".sop-{chart}", timeout=LOAD_MS)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        after = page.screenshot(clip=clip)
        assert page.evaluate(f"() => document.querySelector({first!r}) === window.__sopFirstPlot")
        assert page.evaluate("() => !!window.__sopFirstPlot.closest('.sop-page:not(.sop-first-view)')")
        assert page.evaluate(BOX_JS, first) == box
        share = differing_share(before, after)
        assert share == 0.0, f"{share:.2%} of the first chart's region changed at the hand-over"
        assert page.locator(".sop-page h1").inner_text() == t("rankings.title", "zh")
        draws = page.evaluate("() => window.__sopDraws")
        plots = page.evaluate(PLOTS_JS)
        assert len(draws) == len(plots) and all(how == "newPlot" for how, _ in draws), draws
        assert {gd for _, gd in draws} == {gd for gd, _ in plots} and all(adopted for _, adopted in plots), (draws, plots)
        assert page.locator(".sop-first-view-status").count() == 0
        assert aborted == [] and errors == [], (aborted, errors)
    finally:
        page.close()
