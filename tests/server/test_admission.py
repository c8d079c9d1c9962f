"""The cap is a cap, and one client cannot lock the others out."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .conftest import NOTEBOOKS

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
    assert peak[0] <= cap, f"{peak[0]} kernels alive with a cap of {cap}"


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
