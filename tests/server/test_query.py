"""Visitors choose no server setting through the query string, and no request can hold a
run slot forever: two bad URLs cannot stop every page."""

import asyncio
import socket
import time

import pytest

from sopkit.serve.kernels import PageKernels

from .conftest import NOTEBOOKS, run_coroutine

NO_POOL = "--VoilaConfiguration.preheat_kernel=False"
ONE_SLOT = "--SopkitVoila.concurrent_runs=1"


def test_template_and_theme_in_the_query_are_ignored(start):
    server = start(NOTEBOOKS, NO_POOL, "--SopkitVoila.concurrent_runs=2")
    for bad in ("template=nonexistent", "template=nonexistent", "template=base", "template=python", "theme=../../x"):
        reply = server.page(f"/voila/render/tiny.ipynb?{bad}", timeout=30)
        assert reply.status == 200 and "tiny-output-ok" in reply.body, bad
    # Every page still loads at once afterwards.
    started = time.monotonic()
    assert "tiny-output-ok" in server.page("/voila/render/tiny.ipynb", timeout=30).body
    assert time.monotonic() - started < 20


def test_a_client_that_goes_away_mid_page_frees_its_slot(start):
    server = start(NOTEBOOKS, NO_POOL, ONE_SLOT)
    # Holds the only run slot: slow.ipynb sleeps 30 s in its first cell.
    s = socket.create_connection(("127.0.0.1", server.local.port))
    s.sendall(b"GET /voila/render/slow.ipynb HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    server.wait_for(lambda: len(server.kernels()) == 1, 30, "the slow page's kernel")
    s.close()  # the visitor closes the tab
    started = time.monotonic()
    reply = server.page("/voila/render/tiny.ipynb", timeout=60)
    assert reply.status == 200 and "tiny-output-ok" in reply.body
    assert time.monotonic() - started < 20, "the slot of the closed connection was not released"
    server.wait_for(lambda: len(server.kernels()) == 1, 30, "the abandoned page's kernel to stop")


def test_a_page_view_cancelled_while_its_kernel_starts_stops_that_kernel_once_started():
    # A tab closed within the kernel's start cancels the page view. Cancelling the start with it
    # left a kernel half registered (seen in CI under load: in the kernel list, owned by no page,
    # no last_activity, so the culler raised on it every round and it never went).
    started = asyncio.Event()
    release = asyncio.Event()

    class Start:
        async def start_kernel(self, *args, **kwargs):
            started.set()
            await release.wait()  # the kernel process is up, not yet ready
            return "k1"

    class Kernels(PageKernels, Start):
        stopped: list[str]

        async def stop_kernel(self, kernel_id, code=0, why=""):
            self.stopped.append(kernel_id)

    async def scenario():
        km = Kernels()
        km.stopped = []
        view = asyncio.ensure_future(km.start_kernel(kernel_name="python3"))
        await started.wait()
        view.cancel()  # the visitor went away
        with pytest.raises(asyncio.CancelledError):
            await view
        assert km.stopped == []  # the start goes on
        release.set()
        for _ in range(10):
            await asyncio.sleep(0)
        assert km.stopped == ["k1"]

    run_coroutine(scenario())


def test_a_page_past_its_deadline_ends_and_frees_its_slot(start):
    # slow.ipynb sleeps 30 s; the deadline leaves a busy machine time to run tiny.ipynb after it.
    server = start(NOTEBOOKS, NO_POOL, ONE_SLOT, "--SopkitVoila.page_deadline=12")
    started = time.monotonic()
    slow = server.page("/voila/render/slow.ipynb", timeout=60)
    assert time.monotonic() - started < 25
    assert "slow-done" not in slow.body and "sopkitSentinel.notice" in slow.body
    assert "tiny-output-ok" in server.page("/voila/render/tiny.ipynb", timeout=30).body


def test_missing_template_assets_and_logout_are_not_found(start):
    server = start(NOTEBOOKS, NO_POOL)
    for path in ("/voila/templates/nothing", "/voila/templates/lab/static/nothing.js", "/voila/templates/x/y/z", "/logout"):
        assert server.page(path).status == 404, path


def test_a_kernel_without_last_activity_is_culled_in_time_not_raised_on():
    from datetime import datetime

    from traitlets import HasTraits, Instance

    class Kernel(HasTraits):  # as jupyter_server's ServerKernelManager: no default
        last_activity = Instance(datetime)

    class Cull:
        async def cull_kernel_if_idle(self, kernel_id):
            return self._kernels[kernel_id].last_activity  # what jupyter_server reads first

    class Kernels(PageKernels, Cull):
        pass

    km = Kernels()
    km._kernels = {"k1": Kernel()}
    assert isinstance(run_coroutine(km.cull_kernel_if_idle("k1")), datetime)
