"""A kernel handed to a page is not culled before the page has had a fair chance to
connect, however long the pool kept it; a page that never connects gives its kernel back."""

import time

import websocket

from .conftest import BOTH_LAUNCHES, NOTEBOOKS

pytestmark = BOTH_LAUNCHES

FAST_CULL = ["--MappingKernelManager.cull_idle_timeout=2", "--MappingKernelManager.cull_interval=1"]
POOL = ["--VoilaConfiguration.preheat_kernel=True", "--VoilaConfiguration.default_pool_size=1"]


def connect(server, page):
    return websocket.create_connection(
        f"{server.url.replace('http', 'ws')}/api/kernels/{page.kernel_id}/channels",
        origin=server.url,
        timeout=10,
        cookie=f"sopkit_browser={page.cookie}",
    )


def test_pooled_kernel_after_a_quiet_spell_survives_until_its_slow_page_connects(start):
    server = start(NOTEBOOKS, *POOL, *FAST_CULL, "--MappingKernelManager.connect_grace=30")
    server.wait_for(lambda: "is filled with 1 kernel" in server.log_text(), 60, "the pool to fill")
    time.sleep(4)  # the pooled kernel is now idle for longer than cull_idle_timeout
    page = server.page("/voila/render/tiny.ipynb")
    assert page.status == 200 and page.kernel_id
    time.sleep(5)  # a slow link: the front end is still loading, five cull rounds pass
    ended = [line for line in server.log_text().splitlines() if page.kernel_id in line and ("Culling" in line or "Stopping" in line)]
    assert not ended, ended
    ws = connect(server, page)  # the page finally connects: its kernel is there
    ws.close()


def test_a_page_that_never_connects_gives_its_kernel_back(start):
    server = start(NOTEBOOKS, "--VoilaConfiguration.preheat_kernel=False", *FAST_CULL, "--MappingKernelManager.connect_grace=3")
    page = server.page("/voila/render/tiny.ipynb")
    assert page.status == 200 and len(server.kernels()) == 1
    server.wait_for(lambda: not server.kernels(), 30, "the never-connected kernel to be reclaimed")
    assert "never connected" in server.log_text()
