#!/usr/bin/env python
"""What one visitor costs the server, measured on the served pages, and the sizing table it gives.

    .venv/bin/python benchmarks/capacity.py [--views 300] [--keep 8] [--out FILE.json]

One sopkit-serve with the repo's configuration (voila.json as is: a preheated pool of one kernel
per page). ``--views`` visits, one after the other, round-robin over the four workbooks, each in a
fresh chromium context: open, wait for the first chart, then stay (up to ``--keep`` pages stay open
at once; the oldest leaves when another arrives), so kernels, websockets and the server's per-page
state are all there as with real visitors. Per view, once its chart is drawn: the page's kernel RSS
and USS (memory only it uses) and CPU seconds (its whole life: pool start, notebook run, page
connection), the server's RSS, the page HTML time (navigation start to its last byte: the server's
part) and the load average; the result has p50 / p95 / p99 / max of page HTML and first chart and
the views held at the executor's timeout (>= 50 s, `_harness.HELD_S`). Every 50 views: the server's RSS with every page closed and the
pool refilled, to see whether it grows with the views served or levels off.

The sizing table in the README comes from the medians here (sopkit/serve/capacity.py holds them)
and ``capacity.arrivals_table``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
from _harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_CHART_JS,
    KERNEL_ID_JS,
    NAV_TIMING_JS,
    ROOT,
    Server,
    environment,
    pool_total,
    rss_mb,
    settle,
    time_stats,
    voila_json,
)

sys.path.insert(0, str(ROOT))
from sopkit.serve import capacity  # noqa: E402

WORKBOOKS = ["overview.ipynb", "options.ipynb", "coverage.ipynb", "rankings.ipynb"]


def kernel_costs(proc: psutil.Process | None) -> dict:
    if proc is None:
        return {}
    with contextlib.suppress(psutil.Error):
        info = proc.memory_full_info()
        t = proc.cpu_times()
        return {"kernel_rss_mb": round(info.rss / 2**20, 1), "kernel_uss_mb": round(info.uss / 2**20, 1), "kernel_cpu_s": round(t.user + t.system, 2)}
    return {}


async def visits(server: Server, count: int, keep: int, pool: int, record: list, idle: list) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        open_contexts: list = []
        try:
            for i in range(count):
                context = await browser.new_context(viewport={"width": 1280, "height": 900})
                page = await context.new_page()
                row: dict = {"view": i, "page": WORKBOOKS[i % 4]}
                try:
                    await page.goto(server.url(WORKBOOKS[i % 4]), wait_until="commit", timeout=150_000)
                    first = await (await page.wait_for_function(FIRST_CHART_JS, timeout=150_000, polling=100)).json_value()
                    row["outcome"], row["first_chart_s"] = first["kind"], first["t"] / 1000
                    nav = await page.evaluate(NAV_TIMING_JS)
                    row["html_done_s"] = nav["responseEnd"] / 1000 if nav["responseEnd"] else None
                    row["load_avg_1m"] = round(psutil.getloadavg()[0], 2)
                    kernel_id = await page.evaluate(KERNEL_ID_JS)
                    await asyncio.sleep(1)  # the page's widget state requests settle
                    row.update(kernel_costs(server.kernel_for(kernel_id)))
                except Exception as exc:  # noqa: BLE001 - a failed view is a recorded outcome
                    row["outcome"] = f"{type(exc).__name__}"
                row["server_rss_mb"] = rss_mb(server.proc)
                row["open_pages"] = len(open_contexts) + 1
                record.append(row)
                open_contexts.append(context)
                if len(open_contexts) > keep:
                    old = open_contexts.pop(0)
                    with contextlib.suppress(Exception):
                        await old.pages[0].goto("about:blank", timeout=10_000)
                    await old.close()
                if (i + 1) % 50 == 0:
                    for c in open_contexts:
                        with contextlib.suppress(Exception):
                            await c.pages[0].goto("about:blank", timeout=10_000)
                        await c.close()
                    open_contexts = []
                    settle([server], {server.label: pool}, timeout=300)
                    idle.append({"after_views": i + 1, "server_rss_mb": rss_mb(server.proc)})
                    print(f"  {i + 1}/{count} views: idle server {idle[-1]['server_rss_mb']:.0f} MB", flush=True)
        finally:
            await browser.close()


def median_of(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if r.get(key) is not None]
    return round(statistics.median(values), 2) if values else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--views", type=int, default=300)
    parser.add_argument("--keep", type=int, default=8, help="pages open at once")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    config = voila_json()
    server = Server("workbooks", [], Path(tempfile.mkdtemp(prefix="sopkit-capacity-")), "capacity")
    record: list[dict] = []
    idle: list[dict] = []
    try:
        server.wait_ready()
        pool = pool_total(config, [], server.notebooks)
        settle([server], {server.label: pool}, timeout=300)
        idle.append({"after_views": 0, "server_rss_mb": rss_mb(server.proc)})
        t0 = time.perf_counter()
        try:
            asyncio.run(visits(server, args.views, args.keep, pool, record, idle))
        except Exception as exc:  # noqa: BLE001 - keep and report what was measured before it
            print(f"stopped after {len(record)} views: {type(exc).__name__}: {exc}", flush=True)
        duration = time.perf_counter() - t0
    finally:
        server.stop()
    ok = [r for r in record if r.get("outcome") == "chart"]
    per_page = {
        nb: {k: median_of([r for r in ok if r["page"] == nb], k) for k in ("kernel_rss_mb", "kernel_uss_mb", "kernel_cpu_s")} for nb in WORKBOOKS
    }
    open_growth = [r["server_rss_mb"] for r in ok]
    result = {
        "benchmark": "capacity",
        "views": len(record),
        "charts": len(ok),
        "duration_s": round(duration, 1),
        "medians": {k: median_of(ok, k) for k in ("kernel_rss_mb", "kernel_uss_mb", "kernel_cpu_s", "first_chart_s")},
        "per_page": per_page,
        "page_html_s": time_stats([r["html_done_s"] for r in ok if r.get("html_done_s") is not None]),
        "first_chart_s": time_stats([r["first_chart_s"] for r in ok]),
        "server_idle_rss_mb": idle,
        "server_rss_mb_open_pages": {"min": min(open_growth, default=None), "max": max(open_growth, default=None)},
        "environment": environment(),
        "samples": record,
    }
    m = result["medians"]
    print(json.dumps({k: v for k, v in result.items() if k not in ("samples", "environment")}, indent=1))
    if m["kernel_rss_mb"]:
        print("\nprojected with capacity.arrivals_table (constants in sopkit/serve/capacity.py), no pool / half of them ready:")
        for visitors in (50, 200, 500):
            for cores in (2, 8):
                cold, warm = capacity.arrivals_table(visitors, cores, pool=0), capacity.arrivals_table(visitors, cores, pool=visitors // 2)
                print(f"  {visitors} visitors, {cores} cores: {cold} / {warm}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
