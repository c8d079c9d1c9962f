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
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil

HERE = Path(__file__).resolve().parent
DRAWN = "() => !!document.querySelector('.sop-timeline .js-plotly-plot .main-svg')"
# Bytes as transferred (encoded, with headers) of the page and everything it fetched so far.
TRANSFERRED_JS = "() => performance.getEntries().reduce((n, e) => n + (e.transferSize || 0), 0)"


def measure(root: Path, visits: int, flags: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    from sopkit.serve.local import CHROMIUM, CHROMIUM_ARGS, launch

    env = {k: v for k, v in os.environ.items() if k not in ("SOPKIT_DATA", "PYTHONPATH")} | {"PYTHONPATH": str(root)}
    server = launch("workbooks", flags, log=Path(f"/tmp/sopkit-first-visit-{os.getpid()}.log"), cwd=root, env=env)
    server.wait_ready(60)
    process = psutil.Process(server.process.pid)
    cpu, received = [], []
    try:
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
    finally:
        server.stop()
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    cpu.sort()
    return {
        "root": str(root),
        "commit": commit,
        "flags": flags,
        "visits": visits,
        "server_cpu_s_median": round(cpu[len(cpu) // 2], 3),
        "server_cpu_s": [round(c, 3) for c in cpu],
        "received_mb_median": round(sorted(received)[len(received) // 2] / 1e6, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=8)
    parser.add_argument("--root", action="append", type=Path, help="a checkout to serve from (repeatable; default: this one)")
    parser.add_argument("--flag", action="append", default=[], help="a server flag for every run, e.g. --flag=--SopkitVoila.compress_responses=False")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE.parent))
    results = {"started_unix": int(time.time()), "cores": os.cpu_count(), "runs": []}
    for root in args.root or [HERE.parent]:
        row = measure(root.resolve(), args.visits, args.flag)
        print(json.dumps(row), flush=True)
        results["runs"].append(row)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
