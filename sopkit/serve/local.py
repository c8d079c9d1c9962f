"""Start ``sopkit-serve`` on a free loopback port: one helper for tests, scripts and
benchmarks, plus the flags Debian's chromium needs on these machines."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

CHROMIUM = os.environ.get("SOPKIT_CHROMIUM", "/usr/bin/chromium")
# Playwright's own browser download cannot work here; Debian's chromium does, with these
# flags (without the background-networking ones it keeps dialling hosts it cannot reach).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class LocalServer:
    url: str
    port: int
    process: subprocess.Popen
    log: Path | None
    command: list[str]

    def bound_port(self) -> int | None:
        """The port the server process itself listens on, or None (not yet, or gone). Voila
        moves to another port when the one asked for was taken in the meantime (another
        process's kernel, say, on a busy machine): a connection to the port asked for could then
        reach that other process (seen: a test read a ZeroMQ greeting as an HTTP answer)."""
        try:
            process = psutil.Process(self.process.pid)
            connections = process.net_connections(kind="tcp") if hasattr(process, "net_connections") else process.connections(kind="tcp")
        except psutil.Error:
            return None
        ports = {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}
        if not ports:
            return None
        return self.port if self.port in ports else min(ports)

    def listening(self) -> bool:
        """Is the server listening? Follows it to the port it took (``port`` and ``url``)."""
        port = self.bound_port()
        if port is None:
            return False
        if port != self.port:
            self.port, self.url = port, f"http://127.0.0.1:{port}"
        return True

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not self.listening():
            if self.process.poll() is not None or time.monotonic() > deadline:
                why = f"exited with {self.process.returncode}" if self.process.poll() is not None else f"no answer in {timeout:.0f} s"
                tail = self.log.read_text(errors="replace")[-3000:] if self.log and self.log.exists() else ""
                raise RuntimeError(f"sopkit-serve {why}: {' '.join(self.command)}\n{tail}")
            time.sleep(0.2)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def launch(
    directory: str | Path | None = None,
    flags: Sequence[str] = (),
    *,
    log: Path | None = None,
    cwd: str | Path | None = None,
    env: dict | None = None,
    python: str = sys.executable,
    module: str = "sopkit.server",
    port: int | None = None,
) -> LocalServer:
    """Start a server in its own process group (stop it with ``.stop()``); not yet ready."""
    port = port or free_port()
    command = [python, "-m", module, *([str(directory)] if directory else []), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", *flags]
    out = open(log, "wb") if log else subprocess.DEVNULL
    try:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        if log:
            out.close()
    return LocalServer(f"http://127.0.0.1:{port}", port, process, log, command)


@contextlib.contextmanager
def running(directory: str | Path | None = None, flags: Sequence[str] = (), **kwargs) -> Iterator[LocalServer]:
    """``launch`` + ``wait_ready``, stopped on exit."""
    server = launch(directory, flags, **kwargs)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
