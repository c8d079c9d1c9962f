#!/usr/bin/env python
"""What a fresh kernel pays before the first chart: import and data-loading wall time.

    .venv/bin/python benchmarks/import_time.py [--runs N] [--no-extras] [--out FILE.json]

Median of N fresh interpreters (one discarded first run per case, so the OS file cache is warm) for

* ``sopkit``: ``import sopkit; sopkit.load_framework()``
* ``stack``:  ``import pandas, plotly.graph_objects, ipywidgets`` (what any such workbook imports)
* ``pandas``: ``import pandas``

and their ratios. Times are measured inside the interpreter (perf_counter around the statement:
interpreter start-up excluded); ``process_s`` is the whole subprocess for reference.
``python -X importtime`` explains a number (the top modules by cumulative time are printed); it
adds its own overhead, so the table reports wall time only.

Extras (not part of the ratios; ``--no-extras`` skips them): ``import sopkit.ui`` (the notebooks'
one import), building each page object outside a kernel (data, analysis and plotly figures; no
display, no widget sync), and an ipykernel started with jupyter_client until it answers
kernel_info (the fixed cost of every Voila page view before any cell runs).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CASES = {
    "sopkit": "import sopkit; sopkit.load_framework()",
    "stack": "import pandas, plotly.graph_objects, ipywidgets",
    "pandas": "import pandas",
}
EXTRAS = {
    "sopkit.ui": "import sopkit.ui",
    **{
        f"build {name}": f"from sopkit.ui import {cls}; {cls}()"
        for name, cls in (("overview", "OverviewPage"), ("options", "OptionsPage"), ("coverage", "CoveragePage"), ("rankings", "RankingsPage"))
    },
}

TIMER = """import time, json
_t0 = time.perf_counter()
{stmt}
print("__T__" + json.dumps(time.perf_counter() - _t0))
"""


def env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("SOPKIT_DATA", "PYTHONSTARTUP")}


def time_statement(stmt: str) -> tuple[float, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", TIMER.format(stmt=stmt)], cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300)
    process_s = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{stmt!r} failed:\n{done.stderr[-2000:]}")
    line = next(row for row in done.stdout.splitlines() if row.startswith("__T__"))
    return json.loads(line[5:]), process_s


def time_kernel_start() -> tuple[float, float]:
    from jupyter_client.manager import start_new_kernel

    start = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="python3", startup_timeout=120, cwd=str(ROOT), env=env(), stderr=subprocess.DEVNULL)
    ready = time.perf_counter() - start  # start_new_kernel waits for the kernel_info reply
    kc.stop_channels()
    km.shutdown_kernel(now=False)
    return ready, time.perf_counter() - start


def median(values: list[float]) -> float:
    vals = sorted(values)
    mid = len(vals) // 2
    return vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2


def importtime_top(stmt: str, top: int) -> list[tuple[str, float]]:
    """Top-level packages (no dot in the name) by cumulative import time under ``-X importtime``.
    Cumulative times overlap (ipywidgets imports IPython, sopkit imports pandas...)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", stmt], cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300)
    best: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _self_us, cum_us, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if "." not in name:
            best[name] = max(best.get(name, 0.0), int(cum_us) / 1e6)
    return sorted(best.items(), key=lambda kv: -kv[1])[:top]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-extras", dest="extras", action="store_false")
    parser.add_argument("--out", type=Path, default=None, help="also write the samples and medians as JSON")
    args = parser.parse_args(argv)

    cases = dict(CASES, **(EXTRAS if args.extras else {}))
    samples: dict[str, list[dict]] = {name: [] for name in cases}
    if args.extras:
        samples["ipykernel start->ready"] = []
    for stmt in cases.values():  # discarded warm-up run per case
        time_statement(stmt)
    for _ in range(args.runs):  # interleaved: drift in machine load spreads over every case
        for name, stmt in cases.items():
            t, p = time_statement(stmt)
            samples[name].append({"s": t, "process_s": p})
        if args.extras:
            t, p = time_kernel_start()
            samples["ipykernel start->ready"].append({"s": t, "process_s": p})

    med = {name: {"s": median([x["s"] for x in xs]), "process_s": median([x["process_s"] for x in xs])} for name, xs in samples.items()}
    print(f"Import / load wall time, median of {args.runs} fresh interpreters (cpu count {os.cpu_count()}, load avg {os.getloadavg()[0]:.2f})")
    print(f"{'case':24s} {'in-process s':>12s} {'process s':>10s}  statement")
    for name in samples:
        stmt = cases.get(name, "jupyter_client.start_new_kernel('python3') until kernel_info reply")
        if name == "sopkit.ui":
            print("-- extras (not in the ratios)")
        print(f"{name:24s} {med[name]['s']:12.3f} {med[name]['process_s']:10.3f}  {stmt}")
    s, st, pd_ = med["sopkit"]["s"], med["stack"]["s"], med["pandas"]["s"]
    ratios = {"sopkit/stack": s / st, "sopkit/pandas": s / pd_, "stack/pandas": st / pd_}
    print("ratios: " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()))

    print("\n`python -X importtime -c 'import sopkit.ui'`: top-level packages by cumulative time (overlapping)")
    top = importtime_top("import sopkit.ui", 10)
    for name, cum_s in top:
        print(f"  {name:28s} {cum_s:7.3f} s")
    print("(import time adds its own overhead; the numbers above the table are the wall times to trust)")

    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps(
                {
                    "runs": args.runs,
                    "cpu_count": os.cpu_count(),
                    "python": sys.version.split()[0],
                    "statements": cases,
                    "samples": samples,
                    "medians": med,
                    "ratios": ratios,
                    "importtime_top": top,
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
