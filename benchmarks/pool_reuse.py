#!/usr/bin/env python
"""Can a pooled kernel made for one page serve another page cheaper than a cold start?

    .venv/bin/python benchmarks/pool_reuse.py [--runs 3] [--page overview] [--donor coverage] [--out FILE.json]

No server, no browser: jupyter_client kernels run the workbooks' cells as Voila does (tagged
``summary`` cells removed). Per run, in the same order each time:

- ``cold``: a new kernel (spawn until it answers ``kernel_info``), then the page's cells;
- ``reused``: a kernel that has already run the *donor* page (what the pool keeps ready for
  it), its widgets closed (``Widget.close_all()``) and its namespace reset, then the page's cells.

Reported: wall seconds of the start and of the cells, the kernel's CPU seconds for the page
(start included for ``cold``), and its RSS and USS afterwards. The machine's load average is
recorded: the figures are only comparable within a run.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import psutil
from jupyter_client.manager import KernelManager

ROOT = Path(__file__).resolve().parents[1]
# What a reused kernel runs before the page's cells: the donor page's widgets go (their comms
# close; no page holds them), its names go, the modules and their caches stay.
RESET = "import ipywidgets\nipywidgets.Widget.close_all()\nget_ipython().reset(new_session=False)\nimport gc\ngc.collect()"


def cells(page: str) -> list[str]:
    nb = json.loads((ROOT / "workbooks" / f"{page}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code" and "summary" not in c.get("metadata", {}).get("tags", [])]


def run(kc, code: str, timeout: float = 120) -> None:
    msg_id = kc.execute(code, store_history=False)
    deadline = time.monotonic() + timeout
    while True:
        reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == msg_id:
            if reply["content"]["status"] != "ok":
                raise RuntimeError(f"{code[:60]!r}: {reply['content'].get('ename')} {reply['content'].get('evalue')}")
            return


def cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def start() -> tuple[KernelManager, object, psutil.Process, float]:
    t0 = time.monotonic()
    km = KernelManager(kernel_name="python3")
    env = {k: v for k, v in os.environ.items() if k != "SOPKIT_DATA"}
    km.start_kernel(cwd=str(ROOT / "workbooks"), env=env)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    return km, kc, psutil.Process(km.provisioner.process.pid), time.monotonic() - t0


def stop(km, kc) -> None:
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def page_run(kc, proc, code: list[str]) -> tuple[float, float]:
    c0, t0 = cpu(proc), time.monotonic()
    for source in code:
        run(kc, source)
    return time.monotonic() - t0, cpu(proc) - c0


def memory(proc: psutil.Process) -> dict:
    full = proc.memory_full_info()
    return {"rss_mb": round(full.rss / 2**20, 1), "uss_mb": round(full.uss / 2**20, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--page", default="overview")
    ap.add_argument("--donor", default="coverage")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    page, donor = cells(args.page), cells(args.donor)
    samples = []
    for i in range(args.runs):
        km, kc, proc, start_s = start()
        try:
            run_s, cpu_s = page_run(kc, proc, page)
            samples.append(
                {
                    "run": i,
                    "kind": "cold",
                    "start_s": round(start_s, 3),
                    "page_s": round(run_s, 3),
                    "total_s": round(start_s + run_s, 3),
                    "cpu_s": round(cpu(proc), 3),
                    **memory(proc),
                }
            )
        finally:
            stop(km, kc)
        km, kc, proc, _ = start()
        try:
            page_run(kc, proc, donor)  # the pool's kernel for the donor page
            time.sleep(0.5)
            c0, t0 = cpu(proc), time.monotonic()
            run(kc, RESET)
            for source in page:
                run(kc, source)
            run_s, cpu_s = time.monotonic() - t0, cpu(proc) - c0
            samples.append(
                {
                    "run": i,
                    "kind": "reused",
                    "start_s": 0.0,
                    "page_s": round(run_s, 3),
                    "total_s": round(run_s, 3),
                    "cpu_s": round(cpu_s, 3),
                    **memory(proc),
                }
            )
        finally:
            stop(km, kc)
        print(json.dumps(samples[-2:]), flush=True)

    def med(kind, key):
        vals = sorted(s[key] for s in samples if s["kind"] == kind)
        return vals[len(vals) // 2]

    summary = {k: {key: med(k, key) for key in ("start_s", "page_s", "total_s", "cpu_s", "rss_mb", "uss_mb")} for k in ("cold", "reused")}
    result = {
        "page": args.page,
        "donor": args.donor,
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "median": summary,
        "samples": samples,
    }
    print(json.dumps(result["median"], indent=1))
    print("load average", result["loadavg"])
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
