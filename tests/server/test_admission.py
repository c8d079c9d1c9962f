"""The cap is a cap, and one client cannot lock the others out."""

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import websocket

from .conftest import NOTEBOOKS
from .test_kernel_socket import frames, message

POOL = ["--VoilaConfiguration.preheat_kernel=True", "--VoilaConfiguration.default_pool_size=1", "--VoilaKernelManager.fill_delay=1"]


def test_waves_of_page_views_never_exceed_the_cap_with_a_pool(start):
    cap = 6
    server = start(
        NOTEBOOKS, *POOL, f"--SopkitVoila.max_kernels={cap}", "--SopkitVoila.max_kernels_per_address=-1", "--SopkitVoila.concurrent_runs=3"
    )
    server.wait_for(lambda: "is filled with 1 kernel" in server.log_text(), 60, "the pool to fill")
    peak, stop = [0], threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], len(server.kernels()))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(3):  # waves: each takes pooled kernels, whose refills start after fill_delay
                statuses = list(pool.map(lambda _: server.page("/voila/render/tiny.ipynb", timeout=90).status, range(8)))
                assert set(statuses) <= {200, 503}
                time.sleep(1.2)
        time.sleep(3)  # refills that were about to start have started
    finally:
        stop.set()
        sampler.join()
    placements = "\n".join(line for line in server.log_text().splitlines() if "Page view" in line or "Kernel started" in line or "shutdown" in line)
    assert peak[0] <= cap, f"{peak[0]} kernels alive with a cap of {cap}\n{placements}"


def test_one_address_holding_its_share_leaves_room_for_another(start):
    server = start(NOTEBOOKS, "--VoilaConfiguration.preheat_kernel=False", "--SopkitVoila.max_kernels=6", "--SopkitVoila.max_kernels_per_address=3")
    # 127.0.0.2 loads pages over and over without cookies (curl in a loop).
    flood = [server.page("/voila/render/tiny.ipynb", source="127.0.0.2").status for _ in range(8)]
    assert flood.count(200) == 3 and flood.count(503) == 5
    refused = server.page("/voila/render/tiny.ipynb", source="127.0.0.2")
    assert refused.status == 503 and "your network" in refused.body and "您所在网络" in refused.body
    # Meanwhile another delegate gets a page.
    other = server.page("/voila/render/tiny.ipynb", source="127.0.0.3")
    assert other.status == 200 and "tiny-output-ok" in other.body


def test_a_browser_reloading_in_a_loop_replaces_its_own_kernels(start):
    server = start(
        NOTEBOOKS,
        "--VoilaConfiguration.preheat_kernel=False",
        "--SopkitVoila.max_kernels=8",
        "--SopkitVoila.max_kernels_per_browser=2",
        "--SopkitVoila.max_kernels_per_address=-1",
    )
    cookie = server.page("/voila/render/tiny.ipynb").cookie
    for _ in range(10):  # reloads that never get to send the unload beacon
        assert server.page("/voila/render/tiny.ipynb", cookie=cookie).status == 200
    assert len(server.kernels()) <= 2
    assert server.page("/voila/render/tiny.ipynb", source="127.0.0.3").status == 200


def test_a_trusted_proxy_speaks_for_its_clients_and_no_one_else_does(start):
    server = start(
        NOTEBOOKS,
        "--VoilaConfiguration.preheat_kernel=False",
        "--SopkitVoila.max_kernels=6",
        "--SopkitVoila.max_kernels_per_address=2",
        "--SopkitVoila.trusted_proxies=['127.0.0.5']",
    )
    # Through the proxy, two clients each get their own share.
    for client in ("10.0.0.1", "10.0.0.2"):
        got = [server.page("/voila/render/tiny.ipynb", source="127.0.0.5", headers={"X-Forwarded-For": client}).status for _ in range(2)]
        assert got == [200, 200], client
    # An untrusted peer cannot pretend to be many clients.
    spoofed = [server.page("/voila/render/tiny.ipynb", source="127.0.0.6", headers={"X-Forwarded-For": f"10.1.0.{i}"}).status for i in range(3)]
    assert spoofed == [200, 200, 503]


def pool_of(notebook: str, size: int) -> list[str]:
    return [
        "--VoilaConfiguration.preheat_kernel=True",
        f'--VoilaKernelManager.kernel_pools_config={{"default": {{"pool_size": 0}}, "{notebook}": {{"pool_size": {size}}}}}',
    ]


def test_at_the_cap_the_pool_gives_way_to_delegates(start):
    # Issue 24: cap 6, a pool of 3 for the page. Before, the pool kept refilling inside the cap
    # and only 3 delegates got a page; now all 6 are served, the 7th gets the busy page.
    server = start(NOTEBOOKS, *pool_of("tiny.ipynb", 3), "--SopkitVoila.max_kernels=6", "--SopkitVoila.max_kernels_per_address=-1")
    server.wait_for(lambda: "is filled with 3 kernel" in server.log_text(), 60, "the pool to fill")
    for i in range(6):
        page = server.page("/voila/render/tiny.ipynb", source=f"127.0.0.{10 + i}", timeout=90)
        assert page.status == 200 and "tiny-output-ok" in page.body, (i, server.log_text()[-2000:])
        assert len(server.kernels()) <= 6
    refused = server.page("/voila/render/tiny.ipynb", source="127.0.0.20")
    assert refused.status == 503 and 'class="sop-busy"' in refused.body
    state = json.loads(server.request("GET", "/sopkit/health").body)
    assert state["in_use"] == 6 and state["pooled"] == 0 and state["starting"] == 0 and state["kernels"] == 6
    assert "6 in use, 0 pooled, 0 starting, cap 6" in server.log_text()
    time.sleep(2)  # no refill squeezes in after the rush: delegates' kernels fill the cap
    assert len(server.kernels()) == 6


def test_a_pooled_kernel_of_another_page_serves_a_page_without_its_widgets(start):
    server = start(NOTEBOOKS, *pool_of("echo.ipynb", 2), "--SopkitVoila.max_kernels=4")
    server.wait_for(lambda: json.loads(server.request("GET", "/sopkit/health").body)["pooled"] == 2, 60, "the pool to have run its notebook")
    pooled = {p.pid for p in server.kernels()}
    page = server.page("/voila/render/tiny.ipynb")
    assert page.status == 200 and "tiny-output-ok" in page.body
    assert "re-using the pooled kernel" in server.log_text()
    [mine] = [p for p in server.kernels() if any(page.kernel_id in part for part in p.cmdline())]
    assert mine.pid in pooled, "a new kernel was started although a pooled one was idle"
    # The echo page's widget was closed: the tiny page's front end gets no widget of another page.
    ws = websocket.create_connection(
        f"{server.url.replace('http', 'ws')}/api/kernels/{page.kernel_id}/channels",
        origin=server.url,
        timeout=10,
        cookie=f"sopkit_browser={page.cookie}",
    )
    try:
        ws.send(message("comm_info_request", {"target_name": "jupyter.widget"}))
        reply = frames(ws, 20, until=lambda m: m["header"]["msg_type"] == "comm_info_reply")[-1]
        assert reply["content"]["comms"] == {}
    finally:
        ws.close()
    # The echo page's pool refills (there is room), and its own visitors still get its pooled kernel.
    server.wait_for(lambda: len(server.kernels()) == 3, 60, "the echo pool to refill")
    echo = server.page("/voila/render/echo.ipynb", source="127.0.0.3")
    assert echo.status == 200 and "Using pre-heated kernel" in server.log_text()
