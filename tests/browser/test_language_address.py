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
    page.route("**/voila/render/**", lambda route: route.continue_())
    page.goto(f"{voila_url}/voila/render/rankings.ipynb", timeout=LOAD_MS, wait_until="commit")
    page.wait_for_selector("#loading_text", state="attached", timeout=LOAD_MS)
    text = page.evaluate("() => document.getElementById('loading_text').textContent")
    assert "Preparing the page" in text and "正在准备页面" in text
    page.wait_for_selector(".sop-page-rankings", timeout=LOAD_MS)
