"""A proposal is a link, and nothing a delegate made is lost (issue 19), in chromium.

- a 3-move proposal made on the options page opens identically from its link in a fresh browser,
  and can be compared with the project's proposal there;
- a tampered and a stale token are refused with one bilingual notice, the page still opens;
- two what-if moves and uploaded responses come back after the kernel is killed, culled while
  the page is disconnected (a closed lid), or the server restarted (the replica case is in
  test_replicas.py).
"""

from __future__ import annotations

import hashlib
import time
from urllib.parse import parse_qs, urlparse

import psutil
import pytest

from sopkit import proposal
from sopkit.i18n import t
from sopkit.model import load_framework
from sopkit.serve.local import free_port

from .browser_helpers import ACTION_MS, CHARTS, LOAD_MS, open_workbook, table_rows, throttle, upload, wait_drawn, wait_value

pytestmark = pytest.mark.browser

RESPONSES = b"respondent,item,rank\nr1,ITU-D.4,1\nr1,ITU-D.3,2\nr2,ITU-D.3,1\nr2,ITU-D.4,2\nr3,ITU-D.2,1\n"
NOTICE = ".sop-reload-notice"
# Every websocket the page opens, so that a test can cut them as a closed lid does.
SOCKETS_JS = """(() => { const Orig = window.WebSocket; window.__sopSockets = [];
  function Kept(url, protocols) { const ws = protocols === undefined ? new Orig(url) : new Orig(url, protocols); window.__sopSockets.push(ws); return ws; }
  Kept.prototype = Orig.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Kept[k] = Orig[k];
  window.WebSocket = Kept; })();"""


def mapping_of(url: str) -> str:
    return parse_qs(urlparse(url).query).get("mapping", [""])[0]


def move(page, item: str, theme: str) -> None:
    """A what-if move on the options page, as a visitor makes it: the item, then its new priority."""
    status_before = page.inner_text(".sop-whatif-status")
    for css, prefix in ((".sop-whatif-item", f"{item} "), (".sop-whatif-theme", f"{theme} ")):
        labels = page.eval_on_selector(f"{css} select", "s => Array.from(s.options).map(o => o.value || o.textContent)")
        label = next(text for text in labels if text.startswith(prefix))
        page.locator(f"{css} select").select_option(label=label)
    page.wait_for_function("(before) => document.querySelector('.sop-whatif-status').innerText !== before", arg=status_before)


def expected_token(*moves: tuple[str, str]) -> str:
    """The token the address must carry after *moves* on the 4-priority mapping."""
    from sopkit.whatif import WhatIf

    wi = WhatIf(load_framework(), 4)
    for item, theme in moves:
        wi.move(item, theme)
    return wi.token


ADDRESS_TOKEN_JS = "() => new URLSearchParams(location.search).get('mapping')"


def coverage_rows(page) -> list[list[str]]:
    return table_rows(page, ".sop-whatif-coverage")


def make_work(context, url: str):
    """Two what-if moves on the options page and uploaded responses on the rankings page, in two
    tabs of one browser. Returns (options tab, rankings tab, the options address, its coverage rows)."""
    options = context.new_page()
    options.set_default_timeout(ACTION_MS)
    open_workbook(options, url, "options")
    moves = (("D.1-a", "T2"), ("D.6-a", "T1"))
    for item, theme in moves:
        move(options, item, theme)
    wait_value(options, ADDRESS_TOKEN_JS, expected_token(*moves))  # the address follows the page a moment after
    rows = coverage_rows(options)
    rankings = context.new_page()
    rankings.set_default_timeout(ACTION_MS)
    open_workbook(rankings, url, "rankings")
    upload(rankings, ".sop-responses-upload", "our-answers.csv", RESPONSES)
    rankings.wait_for_selector(".sop-responses-message:has-text('kept in this browser only')")
    wait_drawn(rankings, ".sop-distribution")
    return options, rankings, options.url, rows


def check_work_came_back(options, rankings, address: str, rows) -> None:
    """After a reload: the same moves (address, table, status) and the same responses (notice, chart)."""
    for tab, name in ((options, "options"), (rankings, "rankings")):
        tab.reload(wait_until="domcontentloaded", timeout=LOAD_MS)
        tab.wait_for_selector(f".sop-page-{name}", timeout=LOAD_MS)
        for chart in CHARTS[name]:
            wait_drawn(tab, f".sop-{chart}", timeout=LOAD_MS)
    wait_value(options, "() => document.querySelector('.sop-whatif-status').innerText.trim()", t("whatif.edits", "en", count=2), timeout=LOAD_MS)
    wait_value(options, ADDRESS_TOKEN_JS, mapping_of(address))
    assert coverage_rows(options) == rows
    rankings.wait_for_selector(".sop-responses-message:has-text('our-answers.csv')", timeout=LOAD_MS)
    assert "brought back" in rankings.inner_text(".sop-responses-message")
    wait_drawn(rankings, ".sop-distribution", timeout=LOAD_MS)
    for tab in (options, rankings):
        assert tab.locator(NOTICE).count() == 0 and "Traceback" not in tab.inner_text("body")


@pytest.fixture
def context(browser):
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.add_init_script(SOCKETS_JS)
    yield context
    context.close()


def page_kernels(server, *tabs) -> list[psutil.Process]:
    procs = psutil.Process(server.process.pid).children(recursive=True)
    found = []
    for tab in tabs:
        kernel_id = tab.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        found += [p for p in procs if any(kernel_id in part for part in p.cmdline())]
    assert len(found) == len(tabs)
    return found


# ---- the link -------------------------------------------------------------------------------------


def test_a_three_move_proposal_opens_identically_in_a_fresh_browser(page, browser, voila_url):
    open_workbook(page, voila_url, "options")
    moves = (("D.1-a", "T2"), ("D.3-c", "X"), ("D.6-a", "T1"))
    for item, theme in moves:
        move(page, item, theme)
    wait_value(page, "() => document.querySelector('.sop-whatif-status').innerText.trim()", t("whatif.edits", "en", count=3))
    token = expected_token(*moves)
    wait_value(page, ADDRESS_TOKEN_JS, token)
    assert len(f"mapping={token}") < 60, token
    rows, link = coverage_rows(page), page.url
    assert t("derived.short_user", "en") in page.inner_text(".sop-flow")

    fresh_context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        fresh = fresh_context.new_page()
        fresh.set_default_timeout(ACTION_MS)
        fresh.goto(link, timeout=LOAD_MS, wait_until="domcontentloaded")
        fresh.wait_for_selector(".sop-page-options", timeout=LOAD_MS)
        for chart in CHARTS["options"]:
            wait_drawn(fresh, f".sop-{chart}", timeout=LOAD_MS)
        wait_value(fresh, "() => document.querySelector('.sop-whatif-status').innerText.trim()", t("whatif.edits", "en", count=3), timeout=LOAD_MS)
        assert coverage_rows(fresh) == rows
        wait_value(fresh, ADDRESS_TOKEN_JS, token)
        flow = fresh.inner_text(".sop-flow")
        assert t("derived.short_linked", "en") in flow and t("derived.short", "en") not in flow
        fresh.wait_for_selector(".sop-message:has-text('the proposal from the link')")  # its widget message may come last
        # Side by side with the project's proposal: the three moves, one Sankey
        fresh.locator(".sop-compare-with select").select_option(label=t("compare.bundled", "en"))
        wait_drawn(fresh, ".sop-moves")
        fresh.wait_for_selector(".sop-moves table.sop-data", state="attached")  # the chart's table follows the chart
        summary = fresh.inner_text(".sop-compare-summary")
        assert summary.startswith("3 item(s) placed differently"), summary
        moved = [r[0] for r in table_rows(fresh, ".sop-moves")[1:]]
        assert moved == ["D.1-a", "D.3-c", "D.6-a"]
        wait_value(fresh, "() => new URLSearchParams(location.search).get('compare')", "project")
    finally:
        fresh_context.close()


def signed(head: str, body: str) -> str:
    return proposal.VERSION + head + proposal._check(head + body) + body


def test_a_tampered_and_a_stale_token_are_refused_with_one_bilingual_notice(page, voila_url):
    fw = load_framework()
    good = signed(proposal.fingerprint(fw), "~5sT2D.1-a")
    tampered = good.replace("T2D.1-a", "T3D.1-a")
    other_data = hashlib.sha256(b"an older data version").hexdigest()[:4]
    stale = signed(other_data, "~5sT2D.1-a_T1D.7-z")
    for token, expected in ((tampered, "damaged"), (stale, "stale")):
        page.goto(f"{voila_url}/voila/render/options.ipynb?lang=zh&option=themes-5&mapping={token}", timeout=LOAD_MS, wait_until="domcontentloaded")
        page.wait_for_selector(".sop-page-options", timeout=LOAD_MS)
        for chart in CHARTS["options"]:
            wait_drawn(page, f".sop-{chart}", timeout=LOAD_MS)
        message = page.locator(".sop-message")
        message.wait_for(timeout=LOAD_MS)
        page.wait_for_function("() => document.querySelector('.sop-message').innerText.includes(' / ')", timeout=LOAD_MS)
        text = message.inner_text()
        assert t(f"proposal.refused.{expected}", "zh") in text and t(f"proposal.refused.{expected}", "en") in text
        assert "Traceback" not in page.inner_text("body")
        # the rest of the view opened
        assert parse_qs(urlparse(page.url).query)["option"] == ["themes-5"]
        status = page.inner_text(".sop-whatif-status").strip()
        if expected == "damaged":
            assert status == t("whatif.no_edits", "zh") and "mapping" not in parse_qs(urlparse(page.url).query)
        else:  # applied where the items still exist; D.7-z refused by name
            assert "D.7-z" in text and status == t("whatif.edits", "zh", count=1)


# ---- nothing is lost ---------------------------------------------------------------------------------


def test_moves_and_uploads_come_back_after_the_kernel_is_killed(own_server, context):
    server = own_server()
    options, rankings, address, rows = make_work(context, server.url)
    for kernel in page_kernels(server, options, rankings):
        kernel.kill()
    options.wait_for_selector(NOTICE, timeout=40_000)
    assert "your mapping and your uploads come back" in options.inner_text(NOTICE)
    check_work_came_back(options, rankings, address, rows)


def test_moves_and_uploads_come_back_after_a_closed_lid_let_the_kernel_be_culled(own_server, context):
    server = own_server(
        "--MappingKernelManager.cull_idle_timeout=2", "--MappingKernelManager.cull_interval=1", "--MappingKernelManager.connect_grace=20"
    )
    options, rankings, address, rows = make_work(context, server.url)
    kernels = page_kernels(server, options, rankings)
    # The lid closes: the network goes and the page's sockets with it.
    context.set_offline(True)
    for tab in (options, rankings):
        tab.evaluate("() => window.__sopSockets.forEach(ws => ws.close())")
    deadline = time.monotonic() + 60
    while any(k.is_running() and k.status() != psutil.STATUS_ZOMBIE for k in kernels) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not any(k.is_running() and k.status() != psutil.STATUS_ZOMBIE for k in kernels), "the kernels were not culled"
    context.set_offline(False)  # the lid opens
    check_work_came_back(options, rankings, address, rows)


def test_moves_and_uploads_come_back_after_the_server_restarts(own_server, context):
    port = free_port()
    first = own_server(port=port)
    options, rankings, address, rows = make_work(context, first.url)
    first.stop()
    own_server(port=port)
    check_work_came_back(options, rankings, address, rows)


def test_moves_and_uploads_come_back_on_a_slow_link(own_server, context):
    # Hotel Wi-Fi: 250 kB/s each way, 150 ms; the kernels die and both tabs reload on that link.
    server = own_server()
    options, rankings, address, rows = make_work(context, server.url)
    for tab in (options, rankings):
        throttle(tab, 250_000, latency_ms=150)
    for kernel in page_kernels(server, options, rankings):
        kernel.kill()
    options.wait_for_selector(NOTICE, timeout=40_000)
    check_work_came_back(options, rankings, address, rows)
