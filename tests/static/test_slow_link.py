"""A new visitor of the static site on a slow link (hotel Wi-Fi: 2 MB/s shared by all of the
page's requests, 150 ms before each answer): the page's own view and its charts come with its
HTML and plotly.js, long before Python's 37 MB have arrived; a choice made meanwhile is kept; Python then starts and the
page goes live with no error, the choice applied. Marker ``static`` (scripts/test-static.sh).

The link is made by the test's own server (dist/ on loopback): CDP's network conditions apply to
the page, not to the kernel's worker, which fetches Python's packages."""

from __future__ import annotations

import threading
import time

import pytest

from browser.browser_helpers import CHARTS
from browser.test_first_view import FIRST_DRAWN_JS, LIVE_JS
from sopkit.i18n import t

from .conftest import QuietHandler, served_site
from .test_static_site import FIRST_VIEW_SHOWN_JS, LOAD_MS

pytestmark = pytest.mark.static

SLOW = 2_000_000  # bytes per second, for all requests together
LATENCY_S = 0.15
CHUNK = 64 * 1024


class Link:
    """One slow link: every chunk of every answer waits its turn (a shared budget of bytes)."""

    def __init__(self, rate: int) -> None:
        self.rate, self.free_at, self.lock = rate, time.monotonic(), threading.Lock()

    def send(self, size: int) -> None:
        with self.lock:
            self.free_at = max(self.free_at, time.monotonic()) + size / self.rate
            due = self.free_at
        time.sleep(max(0.0, due - time.monotonic()))


class SlowHandler(QuietHandler):
    link: Link

    def send_head(self):
        time.sleep(LATENCY_S)
        return super().send_head()

    def copyfile(self, source, outputfile) -> None:
        try:
            while chunk := source.read(CHUNK):
                self.link.send(len(chunk))
                outputfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed while this came


@pytest.fixture
def slow_site_url():
    with served_site(type("Handler", (SlowHandler,), {"link": Link(SLOW)})) as url:
        yield url


def test_a_new_visitor_on_a_slow_link_reads_and_chooses_while_python_arrives(offline_browser, slow_site_url):
    new_context, aborted = offline_browser
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    pandas: list = []  # the pandas wheel's request, once it has arrived (the kernel's worker fetches it)
    page.on("requestfinished", lambda r: pandas.append(r) if "/pandas-" in r.url and r.url.endswith(".whl") else None)
    try:
        page.goto(f"{slow_site_url}/voici/render/coverage.html?lang=zh", wait_until="commit")
        page.wait_for_function(FIRST_VIEW_SHOWN_JS, arg="zh", timeout=LOAD_MS)
        for chart in CHARTS["coverage"]:
            page.wait_for_function(FIRST_DRAWN_JS, arg=f".sop-{chart}", timeout=LOAD_MS)
        assert not pandas, "the first view waited for Python's packages"
        page.locator(".sop-first-view .sop-variant button", has_text="5").click()
        note = page.locator(".sop-first-view-status").inner_text()
        assert t("first_view.wait", "zh") in note and t("first_view.wait", "en") in note

        page.wait_for_function(LIVE_JS, timeout=LOAD_MS)
        page.wait_for_function("() => (document.querySelector('.sop-variant .mod-active') || {}).textContent === '5'", timeout=LOAD_MS)
        assert page.locator(".sop-page h1").inner_text() == t("coverage.title", "zh")
        assert "Traceback" not in page.inner_text("body") and page.query_selector(".voila-error") is None
        # The link was slow for the kernel's worker too (5.7 MB, sharing 2 MB/s), or this tested nothing.
        timing = pandas[0].timing
        assert timing["responseEnd"] - timing["requestStart"] > 2000, timing
        assert aborted == [] and errors == [], (aborted, errors)
    finally:
        page.close()
