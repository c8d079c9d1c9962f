"""The overview (landing) page in a real browser: it opens at /, shows the key figures and
the timeline, and its links open every other page."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

import sopkit
from sopkit import analysis
from sopkit.i18n import t

from .browser_helpers import CHARTS, LOAD_MS, open_workbook, summary_marker, wait_drawn

pytestmark = pytest.mark.browser


def test_root_opens_the_overview(page, voila_url):
    page.goto(voila_url + "/", timeout=LOAD_MS, wait_until="domcontentloaded")
    page.wait_for_selector(".sop-page-overview", timeout=LOAD_MS)
    assert urlparse(page.url).path.endswith("/voila/render/overview.ipynb")
    wait_drawn(page, ".sop-timeline", timeout=LOAD_MS)
    assert page.locator(".voila-error").count() == 0
    text = page.inner_text("body")
    assert "Traceback" not in text
    assert summary_marker("overview") not in text  # summary cells are removed by voila.json
    assert t("overview.figures") in text  # the page's own key figures, unlike the options page


def test_key_figures_come_from_the_data(page, voila_url):
    open_workbook(page, voila_url, "overview")
    figures = analysis.key_figures(sopkit.load_framework()).set_index("figure")["value"]
    shown = {key: page.inner_text(f".sop-card-{key} .sop-card-value") for key in ("objectives", "outcomes", "outputs")}
    assert shown == {"objectives": str(figures["objectives"]), "outcomes": str(figures["outcomes"]), "outputs": str(figures["outputs"])}


@pytest.mark.parametrize("target", ["options", "coverage", "rankings"])
def test_links_open_the_other_pages(page, voila_url, target):
    open_workbook(page, voila_url, "overview")
    page.click(f".sop-link-{target}")
    page.wait_for_selector(f".sop-page-{target}", timeout=LOAD_MS)
    assert urlparse(page.url).path.endswith(f"/voila/render/{target}.ipynb")
    for chart in CHARTS[target]:
        wait_drawn(page, f".sop-{chart}", timeout=LOAD_MS)
