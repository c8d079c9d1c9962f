#!/usr/bin/env python
"""A soak of one server: does its memory level off over many views? (issue 21, part 2)

    .venv/bin/python benchmarks/soak.py [--views 1000] [--concurrency 2] [--sample-every 50]
        [--root CHECKOUT ...] [--flag=--Some.flag=value ...] [--debug off|counts|tracemalloc]
        [--lock /tmp/sopkit-bench.lock --chunk 250] [--out FILE.json]

Each view is one delegate of ``plenary.py`` (its own loopback address and cookies, the protocol a
browser speaks): the page and its scripts and styles, the kernel websocket, the widget states, the
bridge's hello, the language switch timed to a chart's new figure, then the page left with the
unload beacon (its kernel shut down). Round-robin over the four workbooks, ``--concurrency`` at
a time, the repo's configuration as served (``voila.json``: a preheated pool of one per page).

Every ``--sample-every`` views (and at 0) the views pause until the server and its kernels are
quiet and the kernel count is back to the pool (bounded), then the **server process's** RSS and
USS are read (psutil; the kernels are not counted), with ``/sopkit/health``. ``--debug counts``
starts the server with ``SOPKIT_DEBUG_MEMORY=1`` and also records ``/sopkit/debug/memory`` at
each sample (sizes of the kernel manager's, the admission's and the gzip cache's containers,
live objects per type, growth since the sample at ``--baseline-at`` views: the first views
fill caches once); ``--debug tracemalloc`` adds the
allocations that grew most (slower, and tracemalloc's own memory counts in the RSS: use it to
find what grows, not for the curve).

Several ``--root``s: one server per checkout, all running at once, views alternating between them
(same load for before and after). ``--lock FILE``: the benchmark lock (flock) is taken for each
``--chunk`` views and released between chunks (the servers idle meanwhile), so a long soak does
not hold it for long. Bounded: at most 5,000 views per server, every wait has a timeout,
loopback only; the servers and their kernels are stopped on every exit path.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import http.client
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
from _harness import ROOT, checkout_server, commit_of, cpu_seconds, is_kernel, sigterm_as_interrupt, time_stats
from plenary import Visitor, health

MAX_VIEWS = 5000
PAGES = {
    "overview.ipynb": [("sop-lang", "ToggleButtonsModel", 1, "sop-timeline")],
    "options.ipynb": [("sop-lang", "ToggleButtonsModel", 1, "sop-hierarchy")],
    "coverage.ipynb": [("sop-lang", "ToggleButtonsModel", 1, "sop-coverage")],
    "rankings.ipynb": [("sop-lang", "ToggleButtonsModel", 1, "sop-rank-order")],
}


def debug_state(port: int, baseline: bool = False) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request("GET", "/sopkit/debug/memory?top=30" + ("&baseline=1" if baseline else ""))
        reply = conn.getresponse()
        body = reply.read()
        return json.loads(body) if reply.status == 200 else {"status": reply.status}
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return {"error": repr(exc)}
    finally:
        conn.close()


class Soaked:
    """One server under soak: its views so far and its samples."""

    def __init__(self, label: str, server, debug: str):
        self.label, self.server, self.debug = label, server, debug
        self.proc = psutil.Process(server.process.pid)
        self.records: list[dict] = []
        self.samples: list[dict] = []
        self.pool: int | None = None
        self.baseline_at = 0  # the debug growth is counted from the sample at this many views

    def kernels(self) -> list[psutil.Process]:
        with contextlib.suppress(psutil.Error):
            return [p for p in self.proc.children(recursive=True) if is_kernel(p) and p.status() != psutil.STATUS_ZOMBIE]
        return []

    def quiet(self, timeout: float) -> float:
        """Until server + kernels use < 5 % of a core for 3 windows of 1 s with the kernel count
        back to the pool (when known) and unchanged. Returns the seconds waited."""
        start, calm, last = time.monotonic(), 0, None
        while time.monotonic() - start < timeout:
            procs = [self.proc, *self.kernels()]
            before = cpu_seconds(procs)
            time.sleep(1.0)
            count = len(self.kernels())
            used = cpu_seconds(procs) - before
            ok = used < 0.05 and count == last and (self.pool is None or count <= self.pool)
            calm = calm + 1 if ok else 0
            last = count
            if calm >= 3:
                break
        return round(time.monotonic() - start, 1)

    def sample(self, views: int) -> dict:
        waited = self.quiet(120)
        info = self.proc.memory_full_info()
        row = {
            "views": views,
            "server_rss_mb": round(info.rss / 2**20, 1),
            "server_uss_mb": round(info.uss / 2**20, 1),
            "kernels": len(self.kernels()),
            "health": health(self.server.port),
            "quiet_wait_s": waited,
            "server_cpu_s": round(cpu_seconds([self.proc]), 1),
            "loadavg": [round(x, 2) for x in os.getloadavg()],
            "t_unix": round(time.time(), 1),
        }
        if self.debug != "off":
            state = debug_state(self.server.port, baseline=views == self.baseline_at or not self.samples)
            row["debug"] = {k: state.get(k) for k in ("containers", "container_growth", "type_growth", "objects", "modules", "traced_mb")}
            if "allocation_growth" in state:
                row["debug"]["allocation_growth"] = state["allocation_growth"]
        self.samples.append(row)
        print(
            f"[{self.label}] {views} views: server RSS {row['server_rss_mb']} MB, USS {row['server_uss_mb']} MB, "
            f"{row['kernels']} kernels, load {row['loadavg'][0]}",
            flush=True,
        )
        return row


@contextlib.contextmanager
def bench_lock(path: str | None):
    if not path:
        yield
        return
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_views(soaked: list[Soaked], first: int, count: int, concurrency: int, timeout: float) -> None:
    """Views first..first+count-1 of every server, alternating, *concurrency* at a time per server."""
    jobs = [(s, i) for i in range(first, first + count) for s in soaked]
    pages = list(PAGES)
    t0 = time.monotonic()

    def one(job) -> None:
        s, i = job
        page = pages[i % len(pages)]
        v = Visitor(i, s.server.port, page, timeout, True, clicks=PAGES[page])
        try:
            v.visit(t0)
        finally:
            v.leave()
        s.records.append(v.record)

    with ThreadPoolExecutor(max_workers=concurrency * len(soaked)) as pool:
        list(pool.map(one, jobs))


def summary(s: Soaked) -> dict:
    outcomes: dict[str, int] = {}
    for r in s.records:
        outcomes[r["outcome"] or "error"] = outcomes.get(r["outcome"] or "error", 0) + 1
    first = s.samples[0] if s.samples else {}
    return {
        "views": len(s.records),
        "outcomes": outcomes,
        "beacons": {str(k): sum(r.get("beacon_status") == k for r in s.records) for k in {r.get("beacon_status") for r in s.records}},
        "ready_s": time_stats([r["ready_s"] for r in s.records if r.get("ready_s") is not None]),
        "click_s": time_stats([r["click_s"] for r in s.records if r.get("click_s") is not None]),
        "curve_rss_mb": {row["views"]: row["server_rss_mb"] for row in s.samples},
        "curve_uss_mb": {row["views"]: row["server_uss_mb"] for row in s.samples},
        "kb_per_view_after": {
            str(v0): round((s.samples[-1]["server_uss_mb"] - row["server_uss_mb"]) * 1024 / (s.samples[-1]["views"] - v0), 1)
            for row in s.samples
            if (v0 := row["views"]) in (0, 100, 300) and s.samples[-1]["views"] > v0
        },
        "rss_at_start_mb": first.get("server_rss_mb"),
    }


def main() -> None:
    import faulthandler
    import signal

    faulthandler.register(signal.SIGUSR1)
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--views", type=int, default=1000, help="views per server")
    ap.add_argument("--concurrency", type=int, default=2, help="views at a time per server")
    ap.add_argument("--sample-every", type=int, default=50)
    ap.add_argument("--timeout", type=float, default=90.0)
    ap.add_argument("--baseline-at", type=int, default=50, help="views after which the debug growth is counted")
    ap.add_argument("--debug", choices=["off", "counts", "tracemalloc"], default="counts")
    ap.add_argument("--root", type=Path, action="append", help="checkout to serve from (repeatable: servers side by side)")
    ap.add_argument("--label", action="append", help="a label per --root (default: its commit)")
    ap.add_argument("--flag", action="append", default=[], help="server flag (repeatable)")
    ap.add_argument("--lock", help="flock this file for each chunk of views (e.g. /tmp/sopkit-bench.lock)")
    ap.add_argument("--chunk", type=int, default=250, help="views per server between lock releases")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    if args.views > MAX_VIEWS:
        raise SystemExit(f"at most {MAX_VIEWS} views")
    roots = [r.resolve() for r in (args.root or [ROOT])]
    labels = args.label or [commit_of(r) or r.name for r in roots]
    if args.debug != "off":
        os.environ["SOPKIT_DEBUG_MEMORY"] = "tracemalloc" if args.debug == "tracemalloc" else "1"
    result = {"benchmark": "soak", "views": args.views, "concurrency": args.concurrency, "flags": args.flag, "debug": args.debug}
    result["started_unix"], result["cores"] = int(time.time()), os.cpu_count()
    soaked: list[Soaked] = []

    def write() -> None:
        result["servers"] = [{"label": s.label, "summary": summary(s), "samples": s.samples, "records": s.records} for s in soaked]
        if args.out:
            args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")

    with sigterm_as_interrupt(), contextlib.ExitStack() as stack:
        with bench_lock(args.lock):  # the servers start and fill their pools under the lock too
            for root, label in zip(roots, labels, strict=True):
                server = stack.enter_context(checkout_server(root, args.flag, log_name=f"soak-{label}"))
                soaked.append(Soaked(label, server, args.debug))
                soaked[-1].baseline_at = args.baseline_at
            for s in soaked:
                s.quiet(300)  # the pool filled
                s.pool = len(s.kernels())
            for s in soaked:
                s.sample(0)
        done = 0
        try:
            while done < args.views:
                with bench_lock(args.lock):
                    chunk_end = min(args.views, done + args.chunk)
                    while done < chunk_end:
                        step = min(args.sample_every - done % args.sample_every, chunk_end - done)
                        run_views(soaked, done, step, args.concurrency, args.timeout)
                        done += step
                        if done % args.sample_every == 0 or done == args.views:
                            threads = [threading.Thread(target=s.sample, args=(done,)) for s in soaked]
                            for t in threads:
                                t.start()
                            for t in threads:
                                t.join()
                            write()
        finally:
            write()
            for s in soaked:
                print(json.dumps({"label": s.label, **summary(s)}), flush=True)


if __name__ == "__main__":
    main()
