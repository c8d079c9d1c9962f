"""N ``sopkit-serve`` replicas behind HAProxy, on one machine or on other hosts.

``python -m sopkit.serve.replicas N`` (``scripts/replicas.sh N``) starts N replicas on free
loopback ports and HAProxy in front of them on ``--port`` (8866), with the template
``deploy/haproxy/haproxy.cfg``: cookie stickiness, health checks on ``/sopkit/health``, the
server's bilingual busy page as the balancer's 503. ``--hosts h1:p1,h2:p2`` starts no replica and
points HAProxy at replicas already running there (production); ``--write DIR`` only writes the
filled configuration and the busy page for a system HAProxy. Ctrl-C stops everything it started.

The tests use :func:`running`, which does the same as a context manager.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .admission import Verdict
from .handlers import BUSY_PAGE, BUSY_TEXT
from .local import LocalServer, free_port, launch

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
COMMITTED_ERRORFILE = ROOT / "deploy" / "haproxy" / "errors" / "503-busy.http"
HAPROXY = os.environ.get("SOPKIT_HAPROXY") or shutil.which("haproxy") or "/usr/sbin/haproxy"
COOKIE = "SOPKIT_REPLICA"
REPLICA_HEADER = "X-Sopkit-Replica"
RETRY_SECONDS = 30


@dataclass(frozen=True)
class Backend:
    """One replica as the balancer sees it."""

    name: str
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def busy_response(retry: int = RETRY_SECONDS) -> bytes:
    """The server's busy page (HTTP 503, bilingual) as a raw HTTP response: HAProxy's errorfile."""
    en, zh = BUSY_TEXT[Verdict.BUSY]
    body = BUSY_PAGE.format(retry=retry, reason=Verdict.BUSY.value, en=en, zh=zh).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        f"Retry-After: {retry}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n\r\n"
    )
    return head.encode() + body


def render_config(backends: Sequence[Backend], bind: str, errorfile: Path, template: Path = TEMPLATE) -> str:
    """The template with its markers filled."""
    servers = "\n".join(f"    server {b.name} {b.host}:{b.port} cookie {b.name}" for b in backends)
    if not template.is_file():
        raise FileNotFoundError(f"{template}: the HAProxy template ships with the sopkit checkout (deploy/haproxy/), not with the wheel")
    lines = template.read_text(encoding="utf-8").splitlines()
    for marker, value in (("@BIND@", bind), ("@ERRORFILE@", str(errorfile)), ("@SERVERS@", servers)):
        # Comment lines name the markers too: fill the settings only.
        found = [i for i, line in enumerate(lines) if marker in line and not line.lstrip().startswith("#")]
        if not found:
            raise ValueError(f"{template}: marker {marker} missing")
        for i in found:
            lines[i] = lines[i].replace(marker, value)
    return "\n".join(lines) + "\n"


def write_config(directory: Path, backends: Sequence[Backend], bind: str, template: Path = TEMPLATE) -> Path:
    """Write haproxy.cfg and its busy page into *directory*; the config's path."""
    directory.mkdir(parents=True, exist_ok=True)
    errorfile = directory / "503-busy.http"
    errorfile.write_bytes(busy_response())
    config = directory / "haproxy.cfg"
    config.write_text(render_config(backends, bind, errorfile.resolve(), template), encoding="utf-8")
    return config


def check_config(config: Path) -> subprocess.CompletedProcess:
    """``haproxy -c``: HAProxy's own validation of a written config."""
    return subprocess.run([HAPROXY, "-c", "-f", str(config)], capture_output=True, text=True)


def parse_hosts(text: str) -> list[Backend]:
    backends = []
    for i, item in enumerate(p.strip() for p in text.split(",") if p.strip()):
        host, _, port = item.rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"not host:port: {item!r}")
        backends.append(Backend(f"r{i + 1}", host, int(port)))
    if not backends:
        raise ValueError("no hosts given")
    return backends


@dataclass
class Cluster:
    """A running balancer and the replicas this process started (none with ``--hosts``)."""

    url: str
    port: int
    backends: list[Backend]
    balancer: subprocess.Popen
    replicas: dict[str, LocalServer] = field(default_factory=dict)
    directory: Path = Path()

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.balancer.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.balancer.wait(10)
        if self.balancer.poll() is None:
            self.balancer.kill()
            self.balancer.wait(5)
        # Signal every replica first, then wait: they shut their kernels down in parallel.
        for replica in self.replicas.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(replica.process.pid, signal.SIGTERM)
        for replica in self.replicas.values():
            replica.stop()


def _wait_listening(host: str, port: int, process: subprocess.Popen, log: Path, timeout: float = 20) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"haproxy exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"haproxy not listening on {port} after {timeout:.0f} s")


def start(
    count: int = 0,
    *,
    hosts: Sequence[Backend] = (),
    directory: str | Path | None = None,
    flags: Sequence[str] = (),
    port: int | None = None,
    bind_host: str = "127.0.0.1",
    run_dir: Path | None = None,
    template: Path = TEMPLATE,
    env: dict | None = None,
) -> Cluster:
    """Start *count* local replicas (or use *hosts*) and HAProxy in front; ready when it returns."""
    run_dir = Path(run_dir or tempfile.mkdtemp(prefix="sopkit-replicas-"))
    run_dir.mkdir(parents=True, exist_ok=True)
    if shutil.which(HAPROXY) is None:
        raise RuntimeError(f"{HAPROXY} not found: install Debian's haproxy (scripts/setup.sh --browser does)")
    replicas: dict[str, LocalServer] = {}
    backends = list(hosts)
    try:
        if not backends:
            # The balancer reaches local replicas from 127.0.0.1: they believe its X-Forwarded-For.
            # (Their kernels talk over Unix sockets, voila.json's KernelManager.transport: replicas
            # on one machine cannot hand two kernels the same TCP port.)
            own = ["--SopkitVoila.trusted_proxies=['127.0.0.1']", *flags]
            for i in range(count):
                name = f"r{i + 1}"
                replicas[name] = launch(directory, own, log=run_dir / f"{name}.log", env=env, module="sopkit.server")
                backends.append(Backend(name, "127.0.0.1", replicas[name].port))
            for replica in replicas.values():
                replica.wait_ready(120)
        port = port or free_port()
        config = write_config(run_dir, backends, f"{bind_host}:{port}", template)
        log = run_dir / "haproxy.log"
        with open(log, "wb") as out:
            balancer = subprocess.Popen([HAPROXY, "-db", "-f", str(config)], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        host = "127.0.0.1" if bind_host in ("0.0.0.0", "*") else bind_host  # all addresses: ask on loopback
        cluster = Cluster(f"http://{host}:{port}", port, backends, balancer, replicas, run_dir)
        try:
            _wait_listening(host, port, balancer, log)
        except BaseException:
            cluster.stop()
            raise
        return cluster
    except BaseException:
        for replica in replicas.values():
            replica.stop()
        raise


@contextlib.contextmanager
def running(count: int = 0, **kwargs) -> Iterator[Cluster]:
    """:func:`start`, stopped on exit."""
    cluster = start(count, **kwargs)
    try:
        yield cluster
    finally:
        cluster.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/replicas.sh",
        description="N sopkit-serve replicas behind HAProxy (cookie stickiness, health checks, the busy page).",
        epilog="Arguments after -- go to every local replica, e.g. -- --SopkitVoila.max_kernels=24.",
    )
    parser.add_argument("count", type=int, nargs="?", default=2, help="local replicas to start (ignored with --hosts)")
    parser.add_argument("--hosts", help="h1:p1,h2:p2: replicas already running elsewhere; start none here")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8866)), help="balancer port (8866)")
    parser.add_argument("--bind", default=os.environ.get("HOST", "127.0.0.1"), help="balancer address (127.0.0.1; 0.0.0.0 for others)")
    parser.add_argument("--dir", type=Path, help="where config and logs go (a new temporary folder)")
    parser.add_argument("--write", type=Path, metavar="DIR", help="only write haproxy.cfg and the busy page into DIR, check them, and exit")
    parser.add_argument("--busy-page", action="store_true", help="print the busy page HAProxy answers with (an HTTP response) and exit")
    args, rest = parser.parse_known_args(argv)
    if args.busy_page:
        sys.stdout.buffer.write(busy_response())
        return 0
    flags = rest[1:] if rest[:1] == ["--"] else rest
    hosts = parse_hosts(args.hosts) if args.hosts else []

    if args.write:
        if not hosts:
            parser.error("--write needs --hosts (the replicas the balancer sends to)")
        config = write_config(args.write, hosts, f"{args.bind}:{args.port}")
        checked = check_config(config) if shutil.which(HAPROXY) else None
        print(f"wrote {config} and {config.parent / '503-busy.http'}")
        if checked is not None:
            print(checked.stdout + checked.stderr, end="")
            return checked.returncode
        return 0

    if not hosts and args.count < 1:
        parser.error("start at least one replica, or name them with --hosts")

    def interrupt(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt  # SIGTERM too: stop what was started, as for Ctrl-C

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)  # also when started in the background, where SIGINT is ignored
    try:
        # Local replicas serve the workbooks (sopkit-serve's default folder, also from a wheel).
        cluster = start(args.count, hosts=hosts, flags=flags, port=args.port, bind_host=args.bind, run_dir=args.dir)
    except KeyboardInterrupt:
        return 130  # start() has stopped whatever it had started
    reported: set[str] = set()
    try:
        for b in cluster.backends:
            print(f"replica {b.name}: {b.url}")
        print(f"balancer: http://{args.bind}:{args.port}/  (config and logs in {cluster.directory}; Ctrl-C stops)", flush=True)
        if hosts:
            print("the replicas must trust this machine's address: --SopkitVoila.trusted_proxies=\"['<this address>']\"", flush=True)
        while True:
            if cluster.balancer.poll() is not None:
                print(f"haproxy exited with {cluster.balancer.returncode}; see {cluster.directory / 'haproxy.log'}", file=sys.stderr)
                return 1
            for name, replica in cluster.replicas.items():
                if name not in reported and replica.process.poll() is not None:
                    reported.add(name)
                    print(f"replica {name} exited with {replica.process.returncode}; the balancer sends its visitors elsewhere", file=sys.stderr)
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        print("stopping the balancer and the replicas", flush=True)
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
