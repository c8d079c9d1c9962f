"""A delegate's visit survives what real visits meet: a server quiet for a while and a
slow link, a kernel that dies under an open page, a server restarted under it, networks
that drop traffic to other hosts. Each failure ends in a bilingual notice with a reload
button, never in a dead page or a Python repr of widgets."""

from __future__ import annotations

import time
from urllib.parse import urlparse

import psutil
import pytest

from sopkit.serve.local import free_port

from .browser_helpers import CHARTS, LOAD_MS, open_workbook, throttle, wait_drawn

pytestmark = pytest.mark.browser

NOTICE = ".sop-reload-notice"


def page_kernel(server, page) -> psutil.Process:
    kernel_id = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    for proc in psutil.Process(server.process.pid).children(recursive=True):
        if any(kernel_id in part for part in proc.cmdline()):
            return proc
    raise AssertionError(f"no process for kernel {kernel_id}")


def assert_notice(page, timeout: float = 40_000) -> None:
    page.wait_for_selector(NOTICE, timeout=timeout)
    text = page.inner_text(NOTICE)
    assert "Reload" in text and "重新加载" in text
    assert "VBox(" not in page.inner_text("body")


def test_slow_link_after_a_quiet_spell_still_gets_its_page(own_server, page):
    # The pool's kernel has been idle past the cull timeout when the visitor arrives on a slow link.
    server = own_server(
        "--MappingKernelManager.cull_idle_timeout=2", "--MappingKernelManager.cull_interval=1", "--MappingKernelManager.connect_grace=120"
    )
    time.sleep(8)  # the pool fills, then stays quiet past cull_idle_timeout
    throttle(page, 1_000_000)
    open_workbook(page, server.url, "options")
    assert page.locator(NOTICE).count() == 0
    assert "VBox(" not in page.inner_text("body")


def test_a_kernel_killed_under_an_open_page_gives_a_notice_and_reload_works(own_server, page):
    server = own_server()
    open_workbook(page, server.url, "overview")
    page_kernel(server, page).kill()
    assert_notice(page)
    assert page.evaluate("() => document.activeElement.classList.contains('sop-reload')")
    page.click(".sop-reload")
    page.wait_for_selector(".sop-page-overview", timeout=LOAD_MS)
    wait_drawn(page, f".sop-{CHARTS['overview'][0]}", timeout=LOAD_MS)
    assert page.locator(NOTICE).count() == 0


def test_a_server_restarted_under_an_open_page_gives_a_notice(own_server, page):
    port = free_port()
    first = own_server(port=port)
    open_workbook(page, first.url, "overview")
    first.stop()
    own_server(port=port)  # the operator restarts it: the page's kernel is gone
    assert_notice(page, timeout=90_000)
    page.click(".sop-reload")
    page.wait_for_selector(".sop-page-overview", timeout=LOAD_MS)


def test_no_request_leaves_the_server_and_black_holed_hosts_do_not_delay_pages(voila_url, page):
    here = urlparse(voila_url).netloc
    foreign: list[str] = []
    page.on(
        "request", lambda r: foreign.append(r.url) if urlparse(r.url).netloc not in (here, "") and not r.url.startswith(("data:", "blob:")) else None
    )
    # Networks that silently drop outside traffic: such a request would hang forever.
    page.route(lambda url: urlparse(url).netloc not in (here, ""), lambda route: None)
    for name in CHARTS:
        open_workbook(page, voila_url, name)
    assert foreign == []


def live_kernels(server) -> int:
    count = 0
    for proc in psutil.Process(server.process.pid).children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(proc.cmdline()):
                count += 1
        except psutil.Error:
            continue
    return count


def test_quick_reloads_leave_no_orphaned_kernels(own_server, page):
    # No per-browser limit here: only the early unload beacon and the server noticing a page
    # view that was abandoned free the kernels of pages reloaded as soon as they start.
    server = own_server("--SopkitVoila.max_kernels_per_browser=0")
    pool = 4  # one preheated kernel per workbook
    page.goto(f"{server.url}/voila/render/overview.ipynb", timeout=LOAD_MS, wait_until="domcontentloaded")
    for _ in range(5):
        page.wait_for_selector("#jupyter-config-data", state="attached", timeout=LOAD_MS)
        page.reload(timeout=LOAD_MS, wait_until="domcontentloaded")
    page.wait_for_selector(".sop-page-overview", timeout=LOAD_MS)
    deadline = time.monotonic() + 40
    while live_kernels(server) > pool + 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert live_kernels(server) <= pool + 2


@pytest.mark.parametrize("megabytes", [30])
def test_a_file_far_over_the_limit_is_refused_beside_its_button_and_the_page_lives_on(voila_url, page, megabytes):
    from .browser_helpers import upload

    open_workbook(page, voila_url, "coverage")
    closed: list[int] = []
    page.on("websocket", lambda ws: ws.on("close", lambda _: closed.append(1)))
    upload(page, ".sop-mapping-upload", "huge.csv", b"x" * (megabytes * 2**20))
    note = page.locator(".sop-upload-too-large")
    note.wait_for(timeout=10_000)
    text = note.inner_text()
    assert "huge.csv" in text and "1000 kB" in text or "1.0 MB" in text or "977" in text
    assert "未上传" in text and "Nothing was uploaded" in text
    box, button = note.bounding_box(), page.locator(".sop-mapping-upload").bounding_box()
    assert 0 <= box["y"] - (button["y"] + button["height"]) < 200, "the note must sit right under its button"
    page.click(".sop-lang button:has-text('中文')")  # the kernel still answers
    page.wait_for_function("() => document.querySelector('.sop-page h1').textContent.includes('成果')", timeout=30_000)
    assert closed == []
