"""Start sopkit-serve (Voila + the project's handlers) on a free loopback port, with the
repo's voila.json and per-test flags, and tell how many kernels it keeps alive."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]
collect_ignore_glob = ["notebooks/*"]  # test fixtures served by Voila, some fail on purpose: not for nbval
NOTEBOOKS = Path(__file__).resolve().parent / "notebooks"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def get(self, path: str, timeout: float = 60) -> tuple[int, dict, str]:
        """GET without following redirects: (status, headers, body)."""

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(self.url + path, timeout=timeout) as r:
                return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode("utf-8", "replace")

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

    def wait_for(self, condition, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            time.sleep(0.25)
        raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{self.log.read_text()[-3000:]}")


@contextlib.contextmanager
def serve(directory: Path, *flags: str, tmp_path: Path):
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sopkit.server", str(directory), "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", *flags],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    try:
        def up() -> bool:
            assert process.poll() is None, f"server exited:\n{log.read_text()}"
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
            return False

        server.wait_for(up, 60, "the server to listen")
        yield server
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture
def start(tmp_path):
    """start(directory, *flags) -> Server; stopped at the end of the test."""
    with contextlib.ExitStack() as stack:
        yield lambda directory=NOTEBOOKS, *flags: stack.enter_context(serve(directory, *flags, tmp_path=tmp_path))
