"""The built static site (dist/) in Debian's chromium, served on loopback with every other
host cut off: each page runs Python in the browser and draws its first chart.

One browser context for the four pages, in the order a visitor follows them: the first page
is a cold visit, the others reuse the browser's cache. Marker ``static``: run by
scripts/test-static.sh, which builds dist/ first.
"""

from __future__ import annotations

import urllib.request

import pytest

from browser.browser_helpers import CHARTS, DRAWN_JS, SUMMARY_MARKER, upload
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


def test_pages_are_static_files_with_a_bilingual_loading_screen(site_url):
    for name in PAGES:
        with urllib.request.urlopen(f"{site_url}/voici/render/{name}.html") as response:
            html = response.read().decode()
        assert 'id="loading_text"' in html
        assert "runs Python in your browser" in html and "在您的浏览器中运行 Python" in html
        assert "../../static/pyodide/pyodide.js" in html and '"./static/pyodide/' not in html
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
    # The last page opens in Chinese by its address, as links between pages carry it.
    lang = "zh" if name == "rankings" else "en"
    # The options page opens a proposal from its link, compared with the project's (issue 19).
    extra = f"&mapping={PROPOSAL}&compare=project" if name == "options" else ""
    try:
        page.goto(f"{site_url}/voici/render/{name}.html?lang={lang}{extra}", wait_until="domcontentloaded")
        # The bilingual loading screen is what the visitor sees (not covered by Voici's shell).
        page.wait_for_function(LOADING_SHOWN_JS, timeout=LOAD_MS)
        page.wait_for_selector(f".sop-page-{name}", timeout=LOAD_MS)
        page.wait_for_function(DRAWN_JS, arg=f".sop-{CHARTS[name][0]}", timeout=LOAD_MS)
        page.wait_for_selector(f'[data-sop-lang="{lang}"]', state="attached", timeout=LOAD_MS)
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
