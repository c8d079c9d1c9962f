#!/usr/bin/env python
"""A plenary, simulated at the protocol level: N delegates open one page within T seconds.

    .venv/bin/python benchmarks/plenary.py [--visitors 100] [--window 60] [--page overview.ipynb]
        [--root CHECKOUT ...] [--flag=--meeting ...] [--replicas 3] [--browsers 2] [--hold 10] [--out FILE.json]

Each visitor is a delegate's browser reduced to what crosses the wire (issue 21, part 1), from
its own loopback address (127.1.x.y) with its own cookies:

1. ``GET`` the page (``html_s``: request to the last byte; 503 = the busy page), then the
   scripts and styles it names, gzipped, as a first visit without a cache (``assets_s``;
   ``--no-assets`` to skip; the widget extensions voila.js loads afterwards are not fetched);
2. the kernel websocket as the front end opens it: ``kernel_info_request``, the widget control
   comm (``jupyter.widget.control``) and ``request_states`` (``ready_s``: request start to the
   widget states received, i.e. the page could draw), then the bridge's ``hello`` (the page's
   address, as ``bridge.js`` sends it);
3. one click a delegate makes: the language switch (``.sop-lang``, index 1 = 中文), timed to
   the timeline chart's new figure arriving (``click_s``);
4. keeps the page open until every visitor has arrived and clicked (plus ``--hold`` s), then
   leaves with the unload beacon (``POST /voila/api/shutdown/<kernel>``, its cookies).

Outcomes: ``ready`` (states and the click answered), ``busy`` (503), ``error`` (another status,
no kernel, a refused socket, no chart update), ``timed out`` (no states within ``--timeout``).
Reported per server: outcomes, p50/p95/p99/max of html_s, ready_s and click_s, peak kernels
(processes, and ``/sopkit/health``'s counts where it has them) against the cap, peak RSS of server
+ kernels (a sum: shared pages counted in each), the server's and the kernels' CPU seconds, the
load average. ``--browsers K`` real chromium visits of the same page on the same server, spread
over the window, give the browser's first chart beside the protocol's ready (what the simulator
leaves out is the browser's own rendering).

Servers: ``sopkit-serve workbooks`` started from each ``--root`` (default: this checkout) with
``--flag``s (default ``--meeting --SopkitVoila.max_kernels_per_address=-1``: the chair's set-up
behind a NAT), one after another (``--replicas N``: N replicas of it behind HAProxy,
``sopkit.serve.replicas``; health and processes summed over them), each left to fill its pool (quiet for 3 s, at most
``--fill-timeout``). Bounded: at most 400 visitors, every wait has a timeout, loopback only;
every server, kernel and browser it starts is stopped on every exit path.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import re
import socket
import struct
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import websocket
from _harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_CHART_JS,
    ROOT,
    checkout_server,
    compare_checkouts,
    cpu_seconds,
    is_kernel,
    is_template,
    sigterm_as_interrupt,
    time_stats,
)

MAX_VISITORS = 400
KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]{36})"')
ASSET = re.compile(r'(?:src|href)="(/[^"]+\.(?:js|css)(?:\?[^"]*)?)"')
DEFAULT_FLAGS = ["--meeting", "--SopkitVoila.max_kernels_per_address=-1"]


def address(i: int) -> str:
    return f"127.1.{i // 250}.{i % 250 + 1}"


# ---- the kernel protocol, as the front end speaks it ----------------------------------------------


def message(msg_type: str, content: dict, session: str, channel: str = "shell", metadata: dict | None = None) -> str:
    return json.dumps(
        {
            "header": {
                "msg_id": uuid.uuid4().hex,
                "msg_type": msg_type,
                "session": session,
                "username": "delegate",
                "version": "5.3",
                "date": "2026-01-01T00:00:00Z",
            },
            "parent_header": {},
            "metadata": metadata or {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
    )


V1 = "v1.kernel.websocket.jupyter.org"  # the protocol browsers speak (JupyterLab services), default


class KernelSocket:
    """The kernel websocket in either protocol: ``v1`` (binary frames: offsets, channel, header,
    parent, metadata, content, buffers; the server passes kernel messages through without
    parsing them) or ``legacy`` (JSON text: the server parses and re-serialises every message)."""

    def __init__(self, ws, v1: bool):
        self.ws, self.v1 = ws, v1

    def send(self, text: str) -> None:
        if not self.v1:
            self.ws.send(text)
            return
        m = json.loads(text)
        parts = [json.dumps(m[k]).encode() for k in ("header", "parent_header", "metadata", "content")]
        channel = m["channel"].encode()
        offsets = [8 * (1 + 1 + len(parts) + 1)]
        offsets.append(offsets[-1] + len(channel))
        for part in parts:
            offsets.append(offsets[-1] + len(part))
        head = len(offsets).to_bytes(8, "little") + b"".join(o.to_bytes(8, "little") for o in offsets)
        self.ws.send_binary(head + channel + b"".join(parts))

    def recv(self):
        frame = self.ws.recv()
        return ("v1", frame) if self.v1 and isinstance(frame, bytes) and frame else frame

    def settimeout(self, t: float) -> None:
        self.ws.settimeout(t)

    def close(self) -> None:
        self.ws.close()


def decode(frame) -> dict | None:
    """A text frame, or a binary one (a message with buffers: jupyter_server's legacy layout),
    or a v1 frame (``("v1", bytes)``): header and content parsed, the rest left."""
    if isinstance(frame, tuple):
        data = frame[1]
        n = int.from_bytes(data[:8], "little")
        offsets = [int.from_bytes(data[8 * (i + 1) : 8 * (i + 2)], "little") for i in range(n)]
        parts = [data[offsets[i] : offsets[i + 1]] for i in range(1, n - 1)]
        return {"channel": data[offsets[0] : offsets[1]].decode(), "header": json.loads(parts[0]), "content": json.loads(parts[3])}
    if isinstance(frame, str):
        return json.loads(frame) if frame else None
    nbufs = struct.unpack("!i", frame[:4])[0]
    offsets = list(struct.unpack("!" + "I" * nbufs, frame[4 : 4 * (nbufs + 1)]))
    end = offsets[1] if len(offsets) > 1 else None
    return json.loads(frame[offsets[0] : end].decode("utf-8"))


def receive_until(ws, until, deadline: float) -> dict | None:
    while time.monotonic() < deadline:
        ws.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            frame = ws.recv()
        except websocket.WebSocketTimeoutException:
            return None
        msg = decode(frame)
        if msg is None:
            return None  # closed
        if until(msg):
            return msg
    return None


# A click: (the control's class, its model, the index chosen, the class of the chart it redraws).
Click = tuple[str, str, int, str]
LANG_ON_OVERVIEW: list[Click] = [("sop-lang", "ToggleButtonsModel", 1, "sop-timeline")]
# What a delegate does on the options page: another option (atu-7), then 中文.
OPTION_AND_LANG: list[Click] = [("sop-option", "DropdownModel", 1, "sop-hierarchy"), ("sop-lang", "ToggleButtonsModel", 1, "sop-hierarchy")]
BURST_CLICKS = {"options.ipynb": OPTION_AND_LANG, "overview.ipynb": LANG_ON_OVERVIEW}


class Burst:
    """Pages already open that click at one moment (``--burst K``): each clicker, once ready,
    waits for ``go``; the main thread sets it at ``at`` s, all clickers send at once."""

    def __init__(self, at: float, clicks: list[Click]):
        self.at, self.clicks = at, clicks
        self.go = threading.Event()
        self.fired: float | None = None  # monotonic time go was set


class Visitor:
    def __init__(
        self,
        i: int,
        port: int,
        page: str,
        timeout: float,
        assets: bool = True,
        clicks: list[Click] | None = None,
        burst: Burst | None = None,
        protocol: str = "v1",
    ):
        self.i, self.port, self.page, self.timeout, self.assets = i, port, page, timeout, assets
        self.v1 = protocol == "v1"
        self.clicks = LANG_ON_OVERVIEW if clicks is None else clicks
        self.burst = burst  # a burst clicker: no click on arrival, the burst's clicks at its moment
        self.address = address(i)
        self.cookies: dict[str, str] = {}
        self.record: dict = {"visitor": i, "address": self.address, "page": page, "outcome": None}
        if burst is not None:
            self.record["burst_clicker"] = True
        self.ws = None
        self.kernel_id: str | None = None

    def _conn(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout + 60, source_address=(self.address, 0))

    def _request(self, method: str, path: str, decode: bool = True) -> tuple[int, str]:
        conn = self._conn()
        try:
            headers = {"Accept-Encoding": "gzip"} if method == "GET" else {}
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, headers=headers)
            reply = conn.getresponse()
            body = reply.read()
            if not decode:
                return reply.status, body
            if reply.getheader("Content-Encoding") == "gzip":
                import gzip

                body = gzip.decompress(body)
            for name, value in reply.getheaders():
                if name.lower() == "set-cookie":
                    found = re.match(r"\s*([^=;]+)=([^;]*)", value)
                    if found:
                        self.cookies[found.group(1)] = found.group(2)
            return reply.status, body.decode("utf-8", "replace")
        finally:
            conn.close()

    def visit(self, t0: float) -> None:
        r = self.record
        r["arrived_s"] = round(time.monotonic() - t0, 3)
        start = time.monotonic()
        try:
            status, html = self._request("GET", f"/voila/render/{self.page}")
        except (OSError, http.client.HTTPException) as exc:
            r.update(outcome="error", why=f"GET: {exc!r}")
            return
        r["html_s"], r["status"] = round(time.monotonic() - start, 3), status
        if status == 503:
            r.update(outcome="busy", reason=(re.search(r'data-reason="([^"]+)"', html) or [None, None])[1])
            return
        found = KERNEL_ID.search(html)
        if status != 200 or not found:
            r.update(outcome="error", why=f"status {status}, kernel id {'found' if found else 'missing'}")
            return
        self.kernel_id = found.group(1)
        deadline = start + self.timeout
        if self.assets:
            # A first visit's scripts and styles, as a browser without a cache fetches them
            # (those the page names; not the widget extensions voila.js loads after).
            fetched = 0
            for path in dict.fromkeys(ASSET.findall(html)):
                with contextlib.suppress(OSError, http.client.HTTPException):
                    fetched += len(self._request("GET", path, decode=False)[1])
            r["assets_s"], r["asset_bytes"] = round(time.monotonic() - start - r["html_s"], 3), fetched
        try:
            self._socket()
            session = uuid.uuid4().hex
            self.ws.send(message("kernel_info_request", {}, session))
            if not receive_until(self.ws, lambda m: m["header"]["msg_type"] == "kernel_info_reply", deadline):
                r.update(outcome="timed out", why="no kernel_info_reply")
                return
            r["kernel_info_s"] = round(time.monotonic() - start, 3)
            control = uuid.uuid4().hex
            self.ws.send(
                message(
                    "comm_open", {"comm_id": control, "target_name": "jupyter.widget.control", "data": {}}, session, metadata={"version": "1.0.0"}
                )
            )
            self.ws.send(message("comm_msg", {"comm_id": control, "data": {"method": "request_states"}}, session))
            states = receive_until(
                self.ws, lambda m: m["header"]["msg_type"] == "comm_msg" and m["content"].get("data", {}).get("method") == "update_states", deadline
            )
            if states is None:
                r.update(outcome="timed out", why="no widget states")
                return
            r["ready_s"] = round(time.monotonic() - start, 3)
            models = states["content"]["data"]["states"]
            r["widgets"] = len(models)
            self.models, self.session = models, session  # for clicks after the visit (click_burst.py)
            self._hello(models, session)
            if self.burst is None:
                self._clicks(models, session, self.clicks, deadline + 30)
                return
            r["outcome"] = "ready"  # until the burst's clicks say otherwise
            r["ready_for_burst"] = not self.burst.go.is_set()
            if not self.burst.go.wait(self.burst.at + self.timeout + 60):
                return
            r["burst_sent_after_s"] = round(time.monotonic() - self.burst.fired, 4)  # how far from "at once"
            self._clicks(models, session, self.burst.clicks, time.monotonic() + self.timeout)
        except (OSError, websocket.WebSocketException) as exc:
            r.update(outcome="error", why=f"socket: {exc!r}")

    def _socket(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.address, 0))
        sock.settimeout(30)
        sock.connect(("127.0.0.1", self.port))
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{self.port}/api/kernels/{self.kernel_id}/channels?session_id={uuid.uuid4().hex}",
            socket=sock,
            origin=f"http://127.0.0.1:{self.port}",
            cookie="; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            timeout=30,
            subprotocols=[V1] if self.v1 else None,
        )
        self.record["protocol"] = ws.getsubprotocol() or "legacy"
        self.ws = KernelSocket(ws, self.record["protocol"] == V1)

    def _hello(self, models: dict, session: str) -> None:
        bridge = next((cid for cid, m in models.items() if "heard" in m.get("state", {}) and "view" in m.get("state", {})), None)
        if bridge:
            href = f"http://127.0.0.1:{self.port}/voila/render/{self.page}"
            self.ws.send(
                message(
                    "comm_msg",
                    {"comm_id": bridge, "data": {"method": "custom", "content": {"type": "hello", "n": 1, "href": href, "uploads": []}}},
                    session,
                )
            )

    def _clicks(self, models: dict, session: str, clicks: list[Click], deadline: float) -> None:
        """Each click in turn, timed from the message sent to its chart's new figure: ``click_s``
        (the first) and ``clicks_s`` (all, in order)."""
        r = self.record
        times = []
        for control_class, model_name, index, chart_class in clicks:
            control = next(
                (
                    cid
                    for cid, m in models.items()
                    if model_name in (m.get("model_name"), m["state"].get("_model_name")) and control_class in m["state"].get("_dom_classes", [])
                ),
                None,
            )
            box = next((m for m in models.values() if chart_class in m["state"].get("_dom_classes", [])), None)
            chart = box["state"]["children"][0].removeprefix("IPY_MODEL_") if box and box["state"].get("children") else None
            if not control or not chart:
                r.update(outcome="error", why=f"no {control_class} ({control}) or {chart_class} chart ({chart}) among {len(models)} widgets")
                return
            clicked = time.monotonic()
            update = {"method": "update", "state": {"index": index}, "buffer_paths": []}
            self.ws.send(message("comm_msg", {"comm_id": control, "data": update}, session))
            drawn = receive_until(
                self.ws,
                lambda m, chart=chart: (
                    m["header"]["msg_type"] == "comm_msg"
                    and m["content"].get("comm_id") == chart
                    and "figure" in m["content"].get("data", {}).get("state", {})
                ),
                deadline,
            )
            if drawn is None:
                r.update(outcome="error", why=f"no chart update after the {control_class} click")
                return
            times.append(round(time.monotonic() - clicked, 3))
            r["click_s"], r["clicks_s"] = times[0], times
        r["outcome"] = "ready"

    def leave(self) -> None:
        with contextlib.suppress(Exception):
            if self.ws is not None:
                self.ws.close()
        if self.kernel_id:
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = self._request("POST", f"/voila/api/shutdown/{self.kernel_id}")
                self.record["beacon_status"] = status


# ---- the server's side ---------------------------------------------------------------------------


def health(port: int) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/sopkit/health")
        return json.loads(conn.getresponse().read())
    except (OSError, ValueError, http.client.HTTPException):
        return {}
    finally:
        conn.close()


def tree(pid: int) -> list[psutil.Process]:
    with contextlib.suppress(psutil.Error):
        server = psutil.Process(pid)
        return [server, *server.children(recursive=True)]
    return []


@dataclass
class Target:
    """Where the delegates go (a server, or the balancer in front of replicas) and the servers."""

    port: int
    servers: list[tuple[int, int]]  # (pid, port) of each sopkit-serve
    logs: list[Path]

    def processes(self) -> tuple[list[psutil.Process], list[psutil.Process]]:
        """(server processes and their kernel templates, kernel processes)."""
        servers, kernels = [], []
        for pid, _ in self.servers:
            procs = tree(pid)
            servers += procs[:1] + [p for p in procs[1:] if is_template(p)]
            kernels += [p for p in procs[1:] if is_kernel(p)]
        return servers, kernels

    def health(self) -> dict:
        """Each server's /sopkit/health, the counts summed (the cap too)."""
        total: dict = {}
        for _, port in self.servers:
            for k, v in health(port).items():
                if isinstance(v, int):
                    total[k] = total.get(k, 0) + v
        return total

    def log_text(self) -> str:
        return "\n".join(Path(p).read_text(errors="replace") for p in self.logs if p and Path(p).exists())


class Sampler(threading.Thread):
    """Peak kernels (processes and health counts) and peak RSS of server + kernels, every 0.5 s."""

    def __init__(self, target: Target):
        super().__init__(daemon=True)
        self.target, self.stop_event = target, threading.Event()
        self.peak = {"kernel_processes": 0, "rss_mb": 0.0, "in_use": 0, "pooled": 0, "starting": 0, "kernels": 0, "server_fds": 0}
        self.series: list[dict] = []

    def run(self) -> None:
        t0 = time.monotonic()
        while not self.stop_event.is_set():
            servers, kernels = self.target.processes()
            rss, fds = 0, 0
            for p in servers + kernels:
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            for p in servers:  # the servers' open files (openfiles.py: what limits kernels per process)
                with contextlib.suppress(psutil.Error):
                    fds += p.num_fds()
            state = self.target.health()
            row = {"t": round(time.monotonic() - t0, 1), "kernel_processes": len(kernels), "rss_mb": round(rss / 2**20), "server_fds": fds}
            row.update({k: state[k] for k in ("kernels", "in_use", "pooled", "starting", "cap") if k in state})
            self.series.append(row)
            for k in self.peak:
                if k in row:
                    self.peak[k] = max(self.peak[k], row[k])
            self.stop_event.wait(0.5)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(10)


def wait_filled(target: Target, timeout: float) -> dict:
    """Until the server and its kernels are quiet (< 5 % of a core) for 3 s with the kernel count
    unchanged: the pool is full. Returns what it waited for."""
    start, quiet, last = time.monotonic(), 0, None
    while time.monotonic() - start < timeout:
        servers, kernels = target.processes()
        before = cpu_seconds(servers + kernels)
        time.sleep(1.0)
        count = len(kernels)
        used = cpu_seconds(servers + kernels) - before
        quiet = quiet + 1 if used < 0.05 and count == last and count > 0 else 0
        last = count
        if quiet >= 3:
            break
    return {"fill_s": round(time.monotonic() - start, 1), "pool_kernels": last, "health": target.health()}


async def browser_visits(url: str, times: list[float], t0: float, timeout: float, release: threading.Event) -> list[dict]:
    """Real chromium visits of *url* at *times* (s after t0): first chart (navigation start to the
    first drawn chart), kept open until *release*, then left (the page's unload beacon)."""
    import asyncio

    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        contexts = []

        async def one(k: int, at: float) -> dict:
            await asyncio.sleep(max(0.0, t0 + at - time.monotonic()))
            context = await browser.new_context(viewport={"width": 1280, "height": 900})
            contexts.append(context)
            tab = await context.new_page()
            rec = {"browser_visit": k, "arrived_s": round(time.monotonic() - t0, 3)}
            try:
                await tab.goto(url, wait_until="commit", timeout=timeout * 1000)
                got = await tab.wait_for_function(FIRST_CHART_JS, timeout=timeout * 1000)
                value = await got.json_value()
                rec.update(outcome=value["kind"], first_chart_s=round(value["t"] / 1000, 3))
                timing = await tab.evaluate("() => performance.getEntriesByType('navigation')[0].responseEnd")
                rec["html_s"] = round(timing / 1000, 3)
            except Exception as exc:  # noqa: BLE001 - a timeout or a page that failed: recorded
                rec.update(outcome="timed out" if "Timeout" in type(exc).__name__ else "error", why=repr(exc)[:200])
            return rec

        try:
            records = await asyncio.gather(*(one(k, at) for k, at in enumerate(times)))
            while not release.is_set():
                await asyncio.sleep(0.2)
            for context in contexts:
                with contextlib.suppress(Exception):
                    for tab in context.pages:
                        await tab.goto("about:blank")  # the unload beacon
                    await context.close()
        finally:
            await browser.close()
    return records


def burst_summary(records: list[dict], burst: Burst, t0: float) -> dict:
    """The burst's clicks (each kind, and every click of it) and the ready times of the delegates
    who arrived before it, while it was being answered, and after."""
    at = burst.at
    clickers = [r for r in records if r.get("burst_clicker")]
    answered = [r for r in clickers if r.get("clicks_s")]
    # Until the last click of the burst was answered (s after t0): the arrivals in that span met it.
    end = at + max((sum(r["clicks_s"]) + r.get("burst_sent_after_s", 0) for r in answered), default=0.0)
    arrivals = [r for r in records if not r.get("burst_clicker") and r.get("ready_s") is not None]
    kinds = {}
    for k, (control_class, *_rest) in enumerate(burst.clicks):
        kinds[control_class] = time_stats([r["clicks_s"][k] for r in answered if len(r["clicks_s"]) > k])
    return {
        "clickers": len(clickers),
        "page": clickers[0]["page"] if clickers else None,
        "at_s": at,
        "fired_at_s": round(burst.fired - t0, 3) if burst.fired else None,
        "ready_before_burst": sum(bool(r.get("ready_for_burst")) for r in clickers),
        "outcomes": {o: sum(r["outcome"] == o for r in clickers) for o in {r["outcome"] for r in clickers}},
        "sent_spread_s": max((r.get("burst_sent_after_s", 0) for r in clickers), default=None),
        "clicks": kinds,
        "all_clicks_s": time_stats([t for r in answered for t in r["clicks_s"]]),
        "per_clicker_total_s": time_stats([sum(r["clicks_s"]) for r in answered]),
        "answered_by_s": round(end, 2),
        "arrivals_ready_s": {
            "before_burst": time_stats([r["ready_s"] for r in arrivals if r["arrived_s"] < at]),
            "during_burst": time_stats([r["ready_s"] for r in arrivals if at <= r["arrived_s"] <= end]),
            "after_burst": time_stats([r["ready_s"] for r in arrivals if r["arrived_s"] > end]),
        },
        "arrivals_click_s_during_burst": time_stats(
            [r["click_s"] for r in records if not r.get("burst_clicker") and r.get("click_s") is not None and at <= r["arrived_s"] <= end]
        ),
    }


def memory_stats(servers: list[psutil.Process], kernels: list[psutil.Process]) -> dict:
    """RSS, USS (only that process's) and PSS (its share of what it shares) of each kernel, as
    medians and maxima, their sums, and those of the kernel templates (forked kernels share their
    pages), while the pages are open."""
    rows = []
    for p in kernels:
        with contextlib.suppress(psutil.Error):
            m = p.memory_full_info()
            rows.append((m.rss / 2**20, m.uss / 2**20, m.pss / 2**20))
    out: dict = {"kernels": len(rows)}
    for i, key in enumerate(("rss_mb", "uss_mb", "pss_mb")):
        values = sorted(r[i] for r in rows)
        if values:
            out[key] = {"median": round(values[len(values) // 2], 1), "max": round(values[-1], 1), "sum": round(sum(values))}
    templates = []
    for p in servers:
        if is_template(p):
            with contextlib.suppress(psutil.Error):
                m = p.memory_full_info()
                templates.append({"rss_mb": round(m.rss / 2**20, 1), "uss_mb": round(m.uss / 2**20, 1), "pss_mb": round(m.pss / 2**20, 1)})
    out["templates"] = templates
    return out


def run_plenary(target: Target, args) -> dict:
    n, window = min(args.visitors, MAX_VISITORS), args.window
    burst, clickers = None, set()
    if args.burst:
        # K of the delegates who arrived before the burst's moment, spread over them, have the
        # burst's page open; at the moment all of them click (while the others keep arriving).
        at = args.burst_at if args.burst_at is not None else window * 2 / 3
        before = [i for i in range(n) if window * i / max(1, n) < at - args.burst_margin]
        if len(before) < args.burst:
            raise SystemExit(f"--burst {args.burst}: only {len(before)} delegates arrive {args.burst_margin} s before the burst at {at} s")
        clickers = {before[round(k * (len(before) - 1) / max(1, args.burst - 1))] for k in range(args.burst)}
        burst = Burst(at, BURST_CLICKS[args.burst_page])
    visitors = [
        Visitor(i, target.port, args.burst_page, args.timeout, not args.no_assets, burst=burst, protocol=args.protocol)
        if i in clickers
        else Visitor(i, target.port, args.page, args.timeout, not args.no_assets, protocol=args.protocol)
        for i in range(n)
    ]
    sampler = Sampler(target)
    release = threading.Event()
    servers, kernels = target.processes()
    server_cpu0 = cpu_seconds(servers)
    kernel_cpu0 = cpu_seconds(kernels)
    load0 = os.getloadavg()
    sampler.start()
    t0 = time.monotonic() + 1.0
    browser_records: list[dict] = []
    browser_thread = None
    if args.browsers:
        import asyncio

        times = [window * (k + 1) / (args.browsers + 1) for k in range(args.browsers)]

        def drive():
            browser_records.extend(
                asyncio.run(browser_visits(f"http://127.0.0.1:{target.port}/voila/render/{args.page}", times, t0, args.timeout, release))
            )

        browser_thread = threading.Thread(target=drive, daemon=True)
        browser_thread.start()

    def arrive(v: Visitor) -> None:
        time.sleep(max(0.0, t0 + window * v.i / max(1, n) - time.monotonic()))
        v.visit(t0)

    def fire() -> None:
        time.sleep(max(0.0, t0 + burst.at - time.monotonic()))
        burst.fired = time.monotonic()
        burst.go.set()

    burst_thread = None
    if burst is not None:
        burst_thread = threading.Thread(target=fire, daemon=True)
        burst_thread.start()
    try:
        with ThreadPoolExecutor(max_workers=n) as pool:
            list(pool.map(arrive, visitors))
        arrived_all = time.monotonic() - t0
        time.sleep(args.hold)  # pages kept open
        at_peak = target.health()
        servers, kernels = target.processes()
        kernels_open = len(kernels)
        memory_open = memory_stats(servers, kernels)
        server_cpu = cpu_seconds(servers) - server_cpu0
        kernel_cpu = cpu_seconds(kernels) - kernel_cpu0  # kernels alive now (left ones not counted)
    finally:
        release.set()
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(Visitor.leave, visitors))
        if browser_thread is not None:
            browser_thread.join(60)
        sampler.stop()
    records = [v.record for v in visitors]
    outcomes: dict[str, int] = {}
    for r in records:
        outcomes[r["outcome"] or "error"] = outcomes.get(r["outcome"] or "error", 0) + 1
    busy_from = next((r["visitor"] for r in records if r["outcome"] == "busy"), None)
    result = {
        "visitors": n,
        "window_s": window,
        "page": args.page,
        "outcomes": outcomes,
        "first_busy_visitor": busy_from,
        "html_s": time_stats([r["html_s"] for r in records if r.get("html_s") is not None and r["outcome"] != "busy"]),
        "ready_s": time_stats([r["ready_s"] for r in records if r.get("ready_s") is not None]),
        "click_s": time_stats([r["click_s"] for r in records if r.get("click_s") is not None and not r.get("burst_clicker")]),
        "burst": burst_summary(records, burst, t0) if burst is not None else None,
        "peak": sampler.peak,
        "cap": at_peak.get("cap"),
        "health_while_open": at_peak,
        "kernel_processes_while_open": kernels_open,
        "memory_while_open": memory_open,
        "server_cpu_s": round(server_cpu, 1),
        "kernel_cpu_s_alive": round(kernel_cpu, 1),
        "last_arrival_done_s": round(arrived_all, 1),
        "loadavg_start": [round(x, 2) for x in load0],
        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        "browser_visits": browser_records,
        "protocol_ready_near_browser_visits": [
            min((r for r in records if r.get("ready_s") is not None), key=lambda r: abs(r["arrived_s"] - b["arrived_s"]), default={}).get("ready_s")
            for b in browser_records
        ],
        "samples": records,
        "series": sampler.series,
    }
    return result


def main() -> None:
    import faulthandler
    import signal

    faulthandler.register(signal.SIGUSR1)  # kill -USR1 <pid>: where it waits
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--visitors", type=int, default=100)
    ap.add_argument("--window", type=float, default=60.0, help="seconds over which the visitors arrive (evenly)")
    ap.add_argument("--page", default="overview.ipynb")
    ap.add_argument("--timeout", type=float, default=90.0, help="seconds a visitor waits for its page's widget states")
    ap.add_argument("--hold", type=float, default=10.0, help="seconds the pages stay open after the last visitor's click")
    ap.add_argument("--browsers", type=int, default=2, help="real chromium visits in the same run (0 for none)")
    ap.add_argument("--fill-timeout", type=float, default=300.0)
    ap.add_argument("--no-assets", action="store_true", help="skip the page's scripts and styles (a browser with them cached)")
    ap.add_argument("--protocol", choices=["v1", "legacy"], default="v1", help="kernel websocket protocol (browsers: v1; before 2026-12: legacy)")
    ap.add_argument("--burst", type=int, default=0, help="K delegates who arrived before --burst-at click at once at --burst-at (0: no burst)")
    ap.add_argument("--burst-page", default="options.ipynb", choices=sorted(BURST_CLICKS), help="the clickers' page (options: option + language)")
    ap.add_argument("--burst-at", type=float, help="seconds after the first arrival (default: 2/3 of the window)")
    ap.add_argument("--burst-margin", type=float, default=5.0, help="clickers arrived at least this long before the burst")
    ap.add_argument("--replicas", type=int, default=0, help="N replicas behind HAProxy (sopkit.serve.replicas) instead of one server")
    ap.add_argument("--root", type=Path, action="append", help="checkout to serve from (repeatable: before and after in one run)")
    ap.add_argument("--flag", action="append", help=f"server flag (repeatable; default {' '.join(DEFAULT_FLAGS)})")
    ap.add_argument("--also-flag", action="append", help="also measure each checkout with this server flag added (repeatable), same run")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.visitors > MAX_VISITORS:
        raise SystemExit(f"at most {MAX_VISITORS} visitors")
    flags = args.flag or DEFAULT_FLAGS

    @contextlib.contextmanager
    def serving(root: Path):
        if not args.replicas:
            with checkout_server(root, flags, log_name=f"plenary-{root.name}") as server:
                yield Target(server.port, [(server.process.pid, server.port)], [server.log])
            return
        from sopkit.serve import replicas  # noqa: PLC0415 - the checkout's own is run by the replicas

        env = {k: v for k, v in os.environ.items() if k not in ("SOPKIT_DATA", "PYTHONPATH")} | {"PYTHONPATH": str(root)}
        with tempfile.TemporaryDirectory(prefix="sopkit-plenary-") as run_dir:
            with replicas.running(args.replicas, directory=root / "workbooks", flags=flags, run_dir=Path(run_dir), env=env) as cluster:
                replica_servers = list(cluster.replicas.values())
                yield Target(cluster.port, [(r.process.pid, r.port) for r in replica_servers], [r.log for r in replica_servers])

    def measure(root: Path) -> dict:
        with serving(root) as target:
            filled = wait_filled(target, args.fill_timeout)
            print(f"{root}: pool filled: {filled}", flush=True)
            result = run_plenary(target, args)
            result["filled"] = filled
            result["replicas"] = args.replicas
            log = target.log_text()
            result["meeting_plan"] = next((line for line in log.splitlines() if "Meeting setting" in line), None)
            result["log_refusals"] = log.count("Page view refused")
            result["log_reuses"] = log.count("re-using the pooled kernel")
        summary = {
            k: result[k]
            for k in (
                *("outcomes", "first_busy_visitor", "html_s", "ready_s", "click_s", "burst"),
                *("peak", "cap", "server_cpu_s", "loadavg_start", "loadavg_end"),
            )
        }
        print(
            json.dumps(
                {
                    "root": str(root),
                    **summary,
                    "browsers": result["browser_visits"],
                    "protocol_near_browsers": result["protocol_ready_near_browser_visits"],
                }
            ),
            flush=True,
        )
        return result

    header = {"benchmark": "plenary", "protocol": args.protocol, "flags": flags, "visitors": args.visitors, "window_s": args.window}
    with sigterm_as_interrupt():
        if not args.also_flag:
            compare_checkouts(measure, args.root or [ROOT], args.out, header)
            return
        # Each checkout with the flags, then with the flags and --also-flag: before and after in one run.
        also = {f.split("=", 1)[0] for f in args.also_flag}
        variants = [flags, [*(f for f in flags if f.split("=", 1)[0] not in also), *args.also_flag]]  # --also-flag replaces a flag of the same name

        def each(root: Path) -> dict:
            nonlocal flags
            rows = []
            for variant in variants:
                flags = variant
                rows.append({"flags": variant, **measure(root)})
            return {"variants": rows}

        compare_checkouts(each, args.root or [ROOT], args.out, header | {"also_flag": args.also_flag})


if __name__ == "__main__":
    main()
