"""The language travels with the address: ?lang=zh opens a page in Chinese, the address
and the document's title and language follow the switch, links carry it to the next page,
and the loading texts are bilingual."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from sopkit.i18n import t

from .browser_helpers import CHARTS, LOAD_MS, open_workbook, wait_drawn, wait_value

pytestmark = pytest.mark.browser

H1 = "() => document.querySelector('.sop-page h1').textContent"


def test_lang_in_the_address_opens_the_page_in_chinese_with_title_and_lang(page, voila_url):
    page.goto(f"{voila_url}/voila/render/options.ipynb?lang=zh", timeout=LOAD_MS, wait_until="domcontentloaded")
    page.wait_for_selector(".sop-page-options", timeout=LOAD_MS)
    wait_value(page, H1, t("options.title", "zh"))
    wait_value(page, "() => document.documentElement.lang", "zh-Hans")
    assert t("options.title", "zh") in page.title()
    page.click(".sop-lang button:has-text('English')")
    wait_value(page, H1, t("options.title", "en"))
    wait_value(page, "() => new URLSearchParams(location.search).get('lang')", "en")
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert t("options.title", "en") in page.title()
    page.reload(wait_until="domcontentloaded", timeout=LOAD_MS)  # a reload keeps the language
    page.wait_for_selector(".sop-page-options", timeout=LOAD_MS)
    wait_value(page, H1, t("options.title", "en"))


def test_a_link_carries_the_language_to_the_next_page(page, voila_url):
    open_workbook(page, voila_url, "overview")
    page.click(".sop-lang button:has-text('中文')")
    wait_value(page, H1, t("overview.title", "zh"))
    page.click(".sop-link-coverage")
    page.wait_for_selector(".sop-page-coverage", timeout=LOAD_MS)
    assert parse_qs(urlparse(page.url).query).get("lang") == ["zh"]
    wait_value(page, H1, t("coverage.title", "zh"), timeout=LOAD_MS)
    for chart in CHARTS["coverage"]:
        wait_drawn(page, f".sop-{chart}", timeout=LOAD_MS)


def test_loading_text_is_bilingual(page, voila_url):
    # Our loading text as soon as it is written: the page may remove it (the first view, then
    # the live page) before a test could read it.
    page.add_init_script(
        "new MutationObserver(() => { const el = document.getElementById('loading_text');"
        " if (el && el.textContent.includes('Preparing') && !window.__sopLoading) window.__sopLoading = el.textContent; })"
        ".observe(document, {subtree: true, childList: true, characterData: true});"
    )
    page.goto(f"{voila_url}/voila/render/rankings.ipynb", timeout=LOAD_MS, wait_until="commit")
    text = page.wait_for_function("() => window.__sopLoading", timeout=LOAD_MS).json_value()
    assert "Preparing the page" in text and "正在准备页面" in text
    page.wait_for_selector(".sop-page-rankings", timeout=LOAD_MS)
