"""Start sopkit-serve (Voila + the project's handlers) on a free loopback port, with the
project's configuration and per-test flags; speak HTTP to it from chosen source addresses
(127.0.0.2 and 127.0.0.3 reach a loopback server too) with or without a browser cookie;
tell how many kernels it keeps alive."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from sopkit.serve.local import LocalServer, launch

ROOT = Path(__file__).resolve().parents[2]
collect_ignore_glob = ["notebooks/*"]  # test fixtures served by Voila, some fail on purpose: not for nbval
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"
KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]{36})"')
# How the servers start their kernels: "classic" (a new Python each) or "forked" (from the kernel
# template, SopkitVoila.fork_kernels). SOPKIT_TEST_KERNELS=forked runs every server test so; the
# modules about kernels' lives run both (`pytestmark = BOTH_LAUNCHES`).
LAUNCH = os.environ.get("SOPKIT_TEST_KERNELS", "classic")
BOTH_LAUNCHES = pytest.mark.parametrize("kernel_launch", ["classic", "forked"], indirect=True)


def run_coroutine(coro):
    """asyncio.run(coro) in a thread of its own: in the full suite a worker that ran browser tests
    before has Playwright's event loop running in its main thread, where asyncio.run refuses."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


@dataclass
class Reply:
    status: int
    headers: dict
    body: str
    cookie: str | None  # the browser cookie the server set, if any

    @property
    def kernel_id(self) -> str | None:
        found = KERNEL_ID.search(self.body)
        return found.group(1) if found else None


@dataclass
class Server:
    local: LocalServer
    log: Path

    @property
    def url(self) -> str:
        return self.local.url

    @property
    def process(self):
        return self.local.process

    def request(
        self,
        method: str,
        path: str,
        *,
        source: str = "127.0.0.1",
        cookie: str | None = None,
        body: bytes | None = None,
        timeout: float = 60,
        headers: dict | None = None,
    ) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.local.port, timeout=timeout, source_address=(source, 0))
        try:
            h = dict(headers or {})
            if cookie:
                h["Cookie"] = f"sopkit_browser={cookie}"
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            text = r.read().decode("utf-8", "replace")
            set_cookie = " ".join(v for k, v in r.getheaders() if k.lower() == "set-cookie")
            found = re.search(r"sopkit_browser=([0-9a-f]{32})", set_cookie)
            return Reply(r.status, dict(r.getheaders()), text, found.group(1) if found else cookie)
        finally:
            conn.close()

    def page(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def get(self, path: str, timeout: float = 60) -> tuple[int, dict, str]:
        """GET without following redirects: (status, headers, body)."""
        r = self.request("GET", path, timeout=timeout)
        return r.status, r.headers, r.body

    def kernels(self) -> list[psutil.Process]:
        """Live kernel processes (a kernel being culled may vanish or be a zombie meanwhile)."""
        alive = []
        for p in psutil.Process(self.process.pid).children(recursive=True):
            try:
                if p.status() != psutil.STATUS_ZOMBIE and "ipykernel" in " ".join(p.cmdline()):
                    alive.append(p)
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
        return alive

    def rss_mb(self) -> float:
        total = 0
        for p in [psutil.Process(self.process.pid), *self.kernels()]:
            try:
                total += p.memory_info().rss
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                continue
        return total / 2**20

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.25)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{self.log_text()[-3000:]}")


def launch_flags(kernels: str) -> tuple[str, ...]:
    return (f"--SopkitVoila.fork_kernels={kernels == 'forked'}",)


@contextlib.contextmanager
def serve(directory: Path | None, *flags: str, tmp_path: Path, cwd: Path = ROOT, kernels: str = LAUNCH, **kwargs):
    log = tmp_path / f"server-{time.monotonic_ns()}.log"
    local = launch(directory, (*launch_flags(kernels), *flags), log=log, cwd=cwd, **kwargs)
    try:
        local.wait_ready(90)
        yield Server(local, log)
    finally:
        local.stop()
    # A server told to fork its kernels falls back to the classic launch when it cannot: a test
    # of forked kernels that got classic ones has tested nothing.
    if kernels == "forked":
        fallbacks = [line for line in log.read_text(errors="replace").splitlines() if "started the classic way" in line]
        assert not fallbacks, f"kernels not forked: {fallbacks[:3]}"


@pytest.fixture
def kernel_launch(request) -> str:
    """How kernels start: the test's parameter, else SOPKIT_TEST_KERNELS (classic)."""
    return getattr(request, "param", LAUNCH)


@pytest.fixture
def start(tmp_path, kernel_launch):
    """start(directory, *flags, cwd=ROOT) -> Server; stopped at the end of the test."""
    with contextlib.ExitStack() as stack:
        yield lambda directory=NOTEBOOKS, *flags, **kw: stack.enter_context(serve(directory, *flags, tmp_path=tmp_path, kernels=kernel_launch, **kw))
