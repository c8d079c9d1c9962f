#!/usr/bin/env python
"""The server's CPU for a first visit (what gzip costs, what caching it saves).

    .venv/bin/python benchmarks/first_visit_cpu.py [--visits 8] [--root CHECKOUT ...] [--flag=--X.y=z ...] [--out FILE]

For each checkout (default: this one; pass an older worktree to compare in the same run), a
sopkit-serve started from it on loopback; after one discarded visit, ``--visits`` first visits to
the overview page, each in a fresh chromium context (empty cache: every script is fetched), one
after another, each until its chart is drawn and its tab closed. Reported per visit: the server
process's CPU-seconds (user + system; kernels are other processes and are not counted) and the
bytes the browser received (as transferred: encoded, with headers; Resource Timing).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import psutil
from _harness import CHROMIUM, CHROMIUM_ARGS, checkout_server, compare_checkouts, median

DRAWN = "() => !!document.querySelector('.sop-timeline .js-plotly-plot .main-svg')"
# Bytes as transferred (encoded, with headers) of the page and everything it fetched so far.
TRANSFERRED_JS = "() => performance.getEntries().reduce((n, e) => n + (e.transferSize || 0), 0)"


def measure(root: Path, visits: int, flags: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    cpu, received = [], []
    with checkout_server(root, flags, log_name="first-visit") as server:
        process = psutil.Process(server.process.pid)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            for n in range(visits + 1):
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                page = context.new_page()
                time.sleep(1)  # the pool's refill after the previous visit, outside the measurement
                before = sum(process.cpu_times()[:2])
                page.goto(server.url + "/voila/render/overview.ipynb", timeout=90_000)
                page.wait_for_function(DRAWN, timeout=90_000)
                got = page.evaluate(TRANSFERRED_JS)
                page.close(run_before_unload=True)
                context.close()
                spent = sum(process.cpu_times()[:2]) - before
                if n:  # the first visit warms the server's caches: discarded
                    cpu.append(spent)
                    received.append(got)
            browser.close()
    return {
        "flags": flags,
        "visits": visits,
        "server_cpu_s_median": round(median(cpu), 3),
        "server_cpu_s": sorted(round(c, 3) for c in cpu),
        "received_mb_median": round(median(received) / 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=8)
    parser.add_argument("--root", action="append", type=Path, help="a checkout to serve from (repeatable; default: this one)")
    parser.add_argument("--flag", action="append", default=[], help="a server flag for every run, e.g. --flag=--SopkitVoila.compress_responses=False")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    compare_checkouts(lambda root: measure(root, args.visits, args.flag), args.root, args.out, {})


if __name__ == "__main__":
    main()
