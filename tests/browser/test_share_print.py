"""Share a view, print it, take it away (issue 10), in Debian's chromium.

Each page is opened once from a link in Chinese that sets a view (and carries a bad parameter),
and checked for: the view applied, the notice about the bad part, the address, the "link to
this view" button, printing (A4 PDF, every chart, within the paper's width, no controls, a
footer), the brief (downloaded, then opened with the network off: every chart drawn). Then the
page switches to English and its copied link is opened in a fresh browser context: same view.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from urllib.parse import urlparse

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from sopkit.i18n import t

from .browser_helpers import ACTION_MS, CHARTS, LOAD_MS, wait_drawn, wait_value

pytestmark = pytest.mark.browser

PRINT_WIDTH_PX = 703  # A4 (210 mm) less the print margins (2 x 12 mm), at 96 px per inch

# page -> (query of the link, what the page must publish as its view, a visible check:
# (CSS, JS property, expected), the keys the notice must name)
CASES = {
    "overview": ("lang=zh&option=nope", "lang=zh", None, ["option"]),
    "options": (
        "lang=zh&option=themes-5&discussion=0&objective=D.3&strength=7",
        "lang=zh&option=themes-5&variant=5&discussion=0&objective=D.3",
        (".sop-variant button.mod-active", "textContent", "5"),
        ["strength"],
    ),
    "coverage": (
        "lang=zh&proposed=0&variant=5&q=skills&junk=" + "x" * 10_000,
        "lang=zh&proposed=0&variant=5&q=skills",
        (".sop-search input", "value", "skills"),
        ["junk"],
    ),
    "rankings": (
        "lang=zh&strength=0.25&method=copeland&survey=S9",
        "lang=zh&strength=0.25&method=copeland",
        (".sop-strength button.mod-active", "textContent", "0.25"),
        ["survey"],
    ),
}

VIEW_JS = "() => { const m = document.querySelector('[data-sop-view]'); return m && m.getAttribute('data-sop-view'); }"
QUERY_JS = "() => location.search.slice(1)"
H1_JS = "() => document.querySelector('.sop-page h1').textContent"


def property_js(css: str, prop: str) -> str:
    return f"() => {{ const el = document.querySelector({css!r}); return el ? el[{prop!r}].trim() : null; }}"


def open_link(page, url: str, name: str, view: str) -> None:
    page.goto(url, timeout=LOAD_MS, wait_until="domcontentloaded")
    page.wait_for_selector(f".sop-page-{name}", timeout=LOAD_MS)
    wait_value(page, VIEW_JS, view, timeout=LOAD_MS)
    for chart in CHARTS[name]:
        wait_drawn(page, f".sop-{chart}", timeout=LOAD_MS)


def copied_link(page) -> str:
    page.evaluate("() => { document.querySelector('.sop-copy-status').textContent = ''; }")
    page.click(".sop-copy-link")
    page.wait_for_function("() => document.querySelector('.sop-copy-status').textContent !== ''")
    return page.evaluate("() => navigator.clipboard.readText()")


def check_print(page, name: str) -> None:
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages > (0 if name == "overview" else 1), f"{name}: {pages} page(s)"
    # The page is in Chinese: its text is set in an embedded CJK font (no boxes for missing glyphs).
    fonts = set(re.findall(rb"/BaseFont\s*/([A-Za-z0-9+_-]+)", pdf))
    assert any(b"WenQuanYi" in f or b"CJK" in f for f in fonts), fonts
    # What the paper shows, at the paper's width: every chart, nothing past the right edge,
    # no controls, the footer.
    page.set_viewport_size({"width": PRINT_WIDTH_PX, "height": 1000})
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll('.sop-page .js-plotly-plot')).map(p => {
            const r = p.getBoundingClientRect(); return [r.height > 50, Math.round(r.right), p.querySelectorAll('.main-svg').length > 0]; })"""
    )
    assert len(shown) == len(CHARTS[name]) and all(h and svg for h, _, svg in shown), shown
    assert all(right <= PRINT_WIDTH_PX for _, right, _ in shown), shown
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PRINT_WIDTH_PX
    hidden = page.evaluate(
        "() => ['.sop-share', '.sop-lang', '.sop-page .modebar-container'].map(css => Array.from(document.querySelectorAll(css)).every(el => !el.offsetParent))"
    )
    assert all(hidden), hidden
    footer = page.evaluate("() => { const f = document.querySelector('.sop-print-footer'); return f && f.offsetParent ? f.textContent : ''; }")
    assert "TDAG-WG-SOP" in footer and date.today().isoformat() in footer and "lang=zh" in footer
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 1280, "height": 900})


def check_brief(page, browser, tmp_path, name: str, live_url: str) -> None:
    with page.expect_download(timeout=LOAD_MS) as download:
        page.click(".sop-brief")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name.startswith(f"sopkit-{name}-zh-")
    offline = browser.new_context()
    try:
        offline.set_offline(True)
        requests: list[str] = []
        offline.route(re.compile(r"^(?!file:)"), lambda route: (requests.append(route.request.url), route.abort()))
        tab = offline.new_page()
        tab.goto(path.as_uri())
        count = len(CHARTS[name])
        tab.wait_for_function(
            "(n) => document.querySelectorAll('.js-plotly-plot').length === n && Array.from(document.querySelectorAll('.js-plotly-plot')).every(p => p.querySelector('.main-svg'))",
            arg=count,
            timeout=LOAD_MS,
        )
        assert tab.evaluate("() => document.documentElement.lang") == "zh-Hans"
        assert tab.evaluate("() => document.querySelectorAll('table.sop-data').length") == count
        assert tab.evaluate("() => document.querySelector('.sop-brief-live').href") == live_url
        assert t("brief.source", "zh") in tab.evaluate("() => document.body.textContent")
        assert requests == []
    finally:
        offline.close()


@pytest.mark.parametrize("name", list(CASES))
def test_a_link_reopens_the_view_prints_and_takes_away(page, browser, voila_url, tmp_path, name):
    query, view, visible, ignored = CASES[name]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    open_link(page, f"{voila_url}/voila/render/{name}.ipynb?{query}", name, view)
    wait_value(page, H1_JS, t(f"{name}.title", "zh"))
    if visible:
        wait_value(page, property_js(visible[0], visible[1]), visible[2])
    # The workbook's parameters cell (for JupyterLab and papermill) is not on the page.
    assert "papermill" not in page.evaluate("() => document.body.innerText")
    # The notice comes after the language switch has redrawn the page (the heading changes first).
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(
            "(keys) => keys.every(k => ((document.querySelector('.sop-message') || {}).textContent || '').includes(k))", arg=list(ignored)
        )
    notice = page.evaluate("() => document.querySelector('.sop-message').textContent")
    assert all(key in notice for key in ignored) and "x" * 100 not in notice, notice
    wait_value(page, QUERY_JS, view)  # the address bar shows the view, the bad part gone
    link = copied_link(page)
    assert link == page.url and urlparse(link).query == view

    check_print(page, name)
    check_brief(page, browser, tmp_path, name, link)

    # The same view in English, from its copied link, in a fresh browser context.
    page.click(".sop-lang button:has-text('English')")
    english = view.replace("lang=zh", "lang=en")
    wait_value(page, QUERY_JS, english)
    link = copied_link(page)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        fresh = context.new_page()
        fresh.set_default_timeout(ACTION_MS)
        open_link(fresh, link, name, english)
        wait_value(fresh, H1_JS, t(f"{name}.title", "en"))
        if visible:
            wait_value(fresh, property_js(visible[0], visible[1]), visible[2])
        assert urlparse(fresh.url).query == english
        if name == "options":  # a reload keeps the view
            fresh.reload(wait_until="domcontentloaded", timeout=LOAD_MS)
            fresh.wait_for_selector(f".sop-page-{name}", timeout=LOAD_MS)
            wait_value(fresh, VIEW_JS, english, timeout=LOAD_MS)
            wait_value(fresh, property_js(visible[0], visible[1]), visible[2], timeout=LOAD_MS)
            assert urlparse(fresh.url).query == english
        fresh.close(run_before_unload=True)
    finally:
        context.close()
