"""Kernels are bounded: a cap on live kernels with a readable 'busy' page, idle culling,
and a bounded cell execution time."""

import time

from .conftest import BOTH_LAUNCHES

pytestmark = BOTH_LAUNCHES  # forked kernels keep every bound too
NO_POOL = "--VoilaConfiguration.preheat_kernel=False"
# These tests are about the cap: all their page views come from one address.
NO_SHARE = "--SopkitVoila.max_kernels_per_address=-1"


def test_kernel_cap_gives_a_busy_page(start):
    server = start(*_dir(), NO_POOL, NO_SHARE, "--SopkitVoila.max_kernels=2")
    for _ in range(2):
        assert server.get("/voila/render/tiny.ipynb")[0] == 200
    status, headers, body = server.get("/voila/render/tiny.ipynb")
    assert status == 503
    assert headers.get("Retry-After")
    assert "busy" in body and "繁忙" in body
    assert len(server.kernels()) == 2


def test_sixty_reloads_leave_bounded_kernels_and_memory(start):
    server = start(*_dir(), NO_POOL, NO_SHARE, "--SopkitVoila.max_kernels=3")
    for _ in range(3):
        server.get("/voila/render/tiny.ipynb")
    baseline = server.rss_mb()
    started = time.monotonic()
    statuses = [server.get("/voila/render/tiny.ipynb")[0] for _ in range(60)]
    assert set(statuses) == {503}
    assert time.monotonic() - started < 30, "a visitor over the cap must get an answer, not a hang"
    assert len(server.kernels()) == 3
    assert server.rss_mb() < baseline + 60


def test_idle_kernels_are_culled_and_free_places(start):
    server = start(
        *_dir(),
        NO_POOL,
        NO_SHARE,
        "--SopkitVoila.max_kernels=1",
        "--MappingKernelManager.cull_idle_timeout=2",
        "--MappingKernelManager.cull_interval=1",
        "--MappingKernelManager.connect_grace=8",  # long enough for the second request on a busy machine
    )
    assert server.get("/voila/render/tiny.ipynb")[0] == 200
    assert server.get("/voila/render/tiny.ipynb")[0] == 503
    server.wait_for(lambda: not server.kernels(), 30, "the idle kernel to be culled")
    # Its process ends a moment before the kernel manager lets go of it.
    server.wait_for(lambda: server.get("/voila/render/tiny.ipynb")[0] == 200, 10, "a place for a new page")


def test_cell_timeout_ends_a_runaway_cell(start):
    server = start(*_dir(), NO_POOL, "--VoilaExecutor.timeout=2")
    started = time.monotonic()
    status, _, body = server.get("/voila/render/slow.ipynb", timeout=60)
    assert time.monotonic() - started < 25  # the cell sleeps 30 s
    assert status == 200
    assert "slow-done" not in body and "after-slow" not in body


def _dir():
    from .conftest import NOTEBOOKS

    return (NOTEBOOKS,)


def test_page_unload_shuts_its_kernel_down(start):
    """The front end's beacon (a POST without the _xsrf token, with the page's cookie) ends
    the page's kernel; the same beacon from anyone else does not."""
    server = start(*_dir(), NO_POOL)
    page = server.page("/voila/render/tiny.ipynb")
    assert page.kernel_id and page.cookie
    assert len(server.kernels()) == 1
    stranger = server.request("POST", f"/voila/api/shutdown/{page.kernel_id}", body=b"")
    assert stranger.status == 404
    other_browser = server.request("POST", f"/voila/api/shutdown/{page.kernel_id}", body=b"", cookie="0" * 32)
    assert other_browser.status == 404
    assert len(server.kernels()) == 1
    owner = server.request("POST", f"/voila/api/shutdown/{page.kernel_id}", body=b"", cookie=page.cookie)
    assert owner.status == 204
    server.wait_for(lambda: not server.kernels(), 30, "the kernel to shut down")


def test_the_cap_holds_for_simultaneous_page_views(start):
    """Page views arriving together are counted before their kernels exist: no overshoot."""
    from concurrent.futures import ThreadPoolExecutor

    server = start(*_dir(), NO_POOL, NO_SHARE, "--SopkitVoila.max_kernels=3", "--SopkitVoila.concurrent_runs=2")
    with ThreadPoolExecutor(max_workers=7) as pool:
        statuses = sorted(pool.map(lambda _: server.get("/voila/render/tiny.ipynb", timeout=90)[0], range(7)))
    assert statuses == [200, 200, 200, 503, 503, 503, 503]
    assert len(server.kernels()) <= 3
