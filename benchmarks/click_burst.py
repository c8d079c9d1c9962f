#!/usr/bin/env python
"""Clicks of many open pages at once: what they do to the server, kernels at two priorities.

    .venv/bin/python benchmarks/click_burst.py [--pages 40] [--rounds 6] [--nice 10] [--out FILE.json]

One ``sopkit-serve`` with ``--pages`` options pages open (``plenary.py``'s delegates: the kernel
websocket in the v1 protocol, widget states received) and one more page that never clicks (the
"bystander": an arriving delegate's kernel, idle). Then ``--rounds`` bursts, the kernels' nice
value alternating between 0 and ``--nice`` from one round to the next (set by this script on
every kernel process and, where the scheduler groups sessions, its autogroup; the server stays
at 0): in each burst every open page changes its option and then switches the language at the
same moment, as a delegate does, each timed to the hierarchy chart's new figure; meanwhile the
server's own answer (``GET /sopkit/health``, the event loop and nothing else) and a round trip
through the server to the bystander's kernel (``kernel_info``: what an arriving delegate's page
does first) are timed every 0.1 s. Alternating rounds on one server under one load are the
before and after of the kernels' priority (``PageKernels.kernel_nice``). Bounded: at most 100
pages, every wait has a timeout; the server and its kernels are stopped on every exit path.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
from _harness import ROOT, checkout_server, commit_of, cpu_seconds, is_kernel, sigterm_as_interrupt, time_stats
from plenary import Visitor, message, receive_until

MAX_PAGES = 100


def set_nice(pids: list[int], nice: int) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, nice)
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/autogroup").write_text(str(nice))


def probe(port: int, bystander: Visitor, stop: threading.Event, out: dict) -> None:
    """Every 0.1 s: /sopkit/health and a kernel_info round trip to the bystander's kernel."""
    while not stop.is_set():
        t = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        with contextlib.suppress(OSError, http.client.HTTPException):
            conn.request("GET", "/sopkit/health")
            conn.getresponse().read()
            out["health_s"].append(time.monotonic() - t)
        conn.close()
        t = time.monotonic()
        bystander.ws.send(message("kernel_info_request", {}, bystander.session))
        if receive_until(bystander.ws, lambda m: m["header"]["msg_type"] == "kernel_info_reply", t + 60):
            out["kernel_info_s"].append(time.monotonic() - t)
        stop.wait(0.1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--nice", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    n = min(args.pages, MAX_PAGES)
    flags = [
        "--SopkitVoila.max_kernels_per_address=-1",
        f"--SopkitVoila.max_kernels={n + 12}",
        "--MappingKernelManager.kernel_nice=0",  # this script sets the priorities
        '--VoilaKernelManager.kernel_pools_config={"default": {"pool_size": 1}, "options.ipynb": {"pool_size": 4}}',
    ]
    result = {"benchmark": "click_burst", "pages": n, "commit": commit_of(ROOT), "flags": flags, "rounds": []}
    with sigterm_as_interrupt(), checkout_server(ROOT, flags, log_name="click-burst") as server:
        proc = psutil.Process(server.process.pid)
        pages = [Visitor(i, server.port, "options.ipynb", args.timeout, False, clicks=[]) for i in range(n + 1)]
        t0 = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:  # opened a few at a time: the pool refills
            list(pool.map(lambda v: v.visit(t0), pages))
        bystander, clickers = pages[-1], [v for v in pages[:-1] if getattr(v, "models", None)]
        result["opened"] = len(clickers)
        result["open_s"] = round(time.monotonic() - t0, 1)
        try:
            for k in range(args.rounds):
                nice = 0 if k % 2 == 0 else args.nice
                kernels = [p.pid for p in proc.children(recursive=True) if is_kernel(p)]
                set_nice(kernels, nice)
                time.sleep(3)  # quiet before the burst
                index = 2 if k % 2 == 0 else 1  # a different option each round
                spec = [("sop-option", "DropdownModel", index, "sop-hierarchy"), ("sop-lang", "ToggleButtonsModel", (k + 1) % 2, "sop-hierarchy")]
                probes = {"health_s": [], "kernel_info_s": []}
                stop = threading.Event()
                prober = threading.Thread(target=probe, args=(server.port, bystander, stop, probes), daemon=True)
                go = threading.Event()
                server_cpu0 = cpu_seconds([proc])

                def click(v, spec=spec, go=go):
                    go.wait(30)
                    v.record.pop("clicks_s", None)
                    v._clicks(v.models, v.session, spec, time.monotonic() + args.timeout)
                    return v.record.get("clicks_s")

                load = os.getloadavg()[0]
                with ThreadPoolExecutor(max_workers=len(clickers)) as pool:
                    futures = [pool.submit(click, v) for v in clickers]
                    prober.start()
                    time.sleep(0.3)
                    start = time.monotonic()
                    go.set()
                    answered = [f.result() for f in futures]
                took = time.monotonic() - start
                stop.set()
                prober.join(70)
                done = [a for a in answered if a and len(a) == 2]
                row = {
                    "round": k,
                    "kernel_nice": nice,
                    "answered": len(done),
                    "option_s": time_stats([a[0] for a in done]),
                    "lang_s": time_stats([a[1] for a in done]),
                    "both_s": time_stats([a[0] + a[1] for a in done]),
                    "burst_s": round(took, 2),
                    "health_s": time_stats(probes["health_s"]),
                    "kernel_info_s": time_stats(probes["kernel_info_s"]),
                    "server_cpu_s": round(cpu_seconds([proc]) - server_cpu0, 2),
                    "loadavg_before": round(load, 2),
                    "loadavg_after": round(os.getloadavg()[0], 2),
                }
                result["rounds"].append(row)
                print(json.dumps(row), flush=True)
        finally:
            for v in pages:
                v.leave()
            if args.out:
                args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
