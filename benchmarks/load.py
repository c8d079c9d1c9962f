#!/usr/bin/env python
"""20 visitors at once against one server with the repo's configuration (one bounded round).

    .venv/bin/python benchmarks/load.py [--visitors 20] [--timeout 120] [--out FILE.json]

One ``python -m sopkit.server workbooks`` on a free loopback port, started from the repo root
with no extra flags (voila.json as is). Once its preheat pool (if any) is filled and it is quiet,
one chromium opens N pages at once, each in a fresh context, round-robin over the workbooks.
Each visitor waits at most --timeout seconds for its first drawn chart, then stays on the page
until every visitor is done (they are all "there at once"), then leaves (goto about:blank: the
page's beforeunload beacon asks Voila to shut its kernel down).

Reported: p50/p95 time to first chart (successful visitors), outcomes (chart / busy = the
server's 503 "busy" page / error = .voila-error or "Traceback" on the page / no chart within the
timeout), peak RSS of server + kernels (sampled every 0.5 s; RSS sums count shared pages more than
once), peak number of kernel processes, and the live kernels with every visitor still on the page
and a few seconds after they all left. A visitor left without a chart also gets ``page_state`` in the
JSON (what the page showed instead). The script stops by itself: a hard deadline covers the round.

The browsers share the server's CPUs here (real visitors bring their own), so first-chart times
overstate what visitors would see; the page-HTML times are the server's part.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from _harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_CHART_JS,
    NAV_TIMING_JS,
    SLOW_RESOURCES_JS,
    ForeignCpu,
    Server,
    environment,
    executor_timeout,
    is_kernel,
    percentile,
    pool_total,
    settle,
    sigterm_as_interrupt,
    source_fingerprint,
    voila_json,
)

WORKBOOKS = ["overview.ipynb", "options.ipynb", "coverage.ipynb", "rankings.ipynb"]
LEAVE_WAIT_S = 10

# JS: what a page without a chart shows (for the report of a failed visitor).
PAGE_STATE_JS = """() => ({
    readyState: document.readyState,
    outputs: document.querySelectorAll('.jp-OutputArea-output').length,
    widget_views: document.querySelectorAll('.jupyter-widgets, .widget-vbox').length,
    sop_page: !!document.querySelector('.sop-page'),
    plots: document.querySelectorAll('.js-plotly-plot').length,
    spinner: !!document.querySelector('#loading, .voila-spinner, #rendered_cells[hidden]'),
    text: (document.body ? document.body.innerText : '').trim().slice(0, 200),
})"""


class Sampler(threading.Thread):
    """Every 0.5 s: RSS of the server + all its descendants, and the number of kernel processes."""

    def __init__(self, server: Server, interval: float = 0.5):
        super().__init__(daemon=True)
        self.server, self.interval = server, interval
        self.samples: list[dict] = []
        self.stop_event = threading.Event()
        self.t0 = time.monotonic()

    def run(self) -> None:
        while not self.stop_event.is_set():
            rss = 0
            kernels = 0
            for p in self.server.tree():
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
                    kernels += is_kernel(p)
            self.samples.append(
                {"t": round(time.monotonic() - self.t0, 2), "rss_mb": round(rss / 2**20, 1), "kernels": kernels, "cpu_percent": psutil.cpu_percent()}
            )
            self.stop_event.wait(self.interval)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=5)


async def visitor(index: int, browser, url: str, timeout_s: float) -> tuple[dict, object]:
    record: dict = {"visitor": index, "page": url.rsplit("/", 1)[-1].removesuffix(".ipynb")}
    context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    record["js_errors"] = errors
    start = time.perf_counter()
    try:
        response = await page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
        record["http_status"] = response.status if response else None
        left_ms = max(1.0, timeout_s - (time.perf_counter() - start)) * 1000
        handle = await page.wait_for_function(FIRST_CHART_JS, timeout=left_ms, polling=100)
        first = await handle.json_value()
        record["outcome"] = first["kind"]  # chart / busy / error / traceback
        record["first_chart_s"] = first["t"] / 1000 if first["kind"] == "chart" else None
        record["slow_resources"] = await page.evaluate(SLOW_RESOURCES_JS)
        nav = await page.evaluate(NAV_TIMING_JS)
        record["html_done_s"] = nav["responseEnd"] / 1000 if nav.get("responseEnd") else None
    except Exception as exc:  # noqa: BLE001 - Playwright timeout or a broken page: a recorded outcome
        timed_out = "Timeout" in type(exc).__name__
        record["outcome"] = "no chart (timeout)" if timed_out else "exception"
        record["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        with contextlib.suppress(Exception):  # what the visitor was looking at instead
            record["page_state"] = await page.evaluate(PAGE_STATE_JS)
            nav = await page.evaluate(NAV_TIMING_JS)
            record["html_done_s"] = nav["responseEnd"] / 1000 if nav.get("responseEnd") else None
    record["wall_s"] = round(time.perf_counter() - start, 3)
    return record, context


async def leave(context) -> None:
    with contextlib.suppress(Exception):
        for page in context.pages:
            await page.goto("about:blank", timeout=10_000)  # beforeunload: Voila's shutdown beacon
    with contextlib.suppress(Exception):
        await context.close()


async def round_of_visits(server: Server, visitors: int, timeout_s: float, result: dict) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        result["environment"] = environment(browser.version)
        contexts = []
        try:
            urls = [server.url(WORKBOOKS[i % len(WORKBOOKS)]) for i in range(visitors)]
            t0 = time.perf_counter()
            foreign = ForeignCpu().start()
            done = await asyncio.gather(*(visitor(i, browser, url, timeout_s) for i, url in enumerate(urls)))
            result["round_s"] = round(time.perf_counter() - t0, 2)
            result["other_processes_cpu"] = foreign.stop()  # work on the machine not started by this script
            result["visitors"] = [record for record, _ in done]
            contexts = [context for _, context in done]
            result["kernels_with_visitors_on_page"] = len(server.kernels())
            await asyncio.gather(*(leave(c) for c in contexts))
            contexts = []
            await asyncio.sleep(LEAVE_WAIT_S)
            result["kernels_after_visitors_left"] = len(server.kernels())
        finally:
            for context in contexts:
                with contextlib.suppress(Exception):
                    await context.close()
            await browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per visitor for its first chart")
    parser.add_argument("--out", type=Path, default=None, help="also write everything as JSON")
    parser.add_argument(
        "--server-arg",
        action="append",
        default=[],
        metavar="FLAG",
        help="extra Voila flag to try a configuration change (repeatable), e.g. --server-arg=--VoilaExecutor.iopub_timeout=60",
    )
    args = parser.parse_args(argv)

    config = voila_json()
    result: dict = {"visitors_requested": args.visitors, "timeout_s": args.timeout}
    with sigterm_as_interrupt():
        server = Server("workbooks", args.server_arg, Path(tempfile.mkdtemp(prefix="sopkit-load-")), "load-workbooks")
        sampler = None
        try:
            server.wait_ready()
            pool = pool_total(config, args.server_arg, server.notebooks)
            settle([server], {server.label: pool}, timeout=300)
            result["server"] = {
                "command": server.command,
                "log": str(server.log_path),
                "pooled_kernels": pool,
                "max_kernels": config.get("SopkitVoila", {}).get("max_kernels"),
            }
            print(f"server {server.base} ready, {pool} pooled kernel(s); {args.visitors} visitors at once...", flush=True)
            sampler = Sampler(server)
            sampler.start()
            hard_deadline = args.timeout + 60 + LEAVE_WAIT_S + 30
            asyncio.run(asyncio.wait_for(round_of_visits(server, args.visitors, args.timeout, result), hard_deadline))
        finally:
            if sampler is not None:
                sampler.stop()
                result["samples"] = sampler.samples
            server.stop()
            with contextlib.suppress(OSError):
                log = server.log_path.read_text(errors="replace")
                access = r" \([^)]*\) [0-9.]+ms$"  # tornado's access-log line: one per request
                result["server_log_counts"] = {
                    "kernel_started": log.count("Kernel started"),
                    "kernel_shutdown": log.count("Kernel shutdown"),  # includes the shutdown when the server stops
                    "shutdown_beacon_403": len(re.findall(r"(?m)^403 POST /voila/api/shutdown/\S+" + access, log)),
                    "busy_503": len(re.findall(r"(?m)^503 GET \S+" + access, log)),
                    "iopub_timeout_warnings": log.count("Timeout waiting for IOPub output"),
                    "cell_timeouts": log.count("Timeout waiting for execute reply") + log.count("Cell execution timed out"),
                }

    result.setdefault("environment", {})["source_fingerprint_at_end"] = source_fingerprint()
    if result["environment"].get("source_fingerprint_at_start") not in (None, result["environment"]["source_fingerprint_at_end"]):
        print("WARNING: sopkit, the notebooks, the data or voila.json changed during this run.")
    visits = result.get("visitors", [])
    ok = [v["first_chart_s"] for v in visits if v["outcome"] == "chart"]
    outcomes: dict[str, int] = {}
    for v in visits:
        outcomes[v["outcome"]] = outcomes.get(v["outcome"], 0) + 1
    samples = result.get("samples", [])
    peak = max(samples, key=lambda s: s["rss_mb"]) if samples else None
    html = [v["html_done_s"] for v in visits if v.get("html_done_s") is not None]
    result["summary"] = {
        "first_chart_p50_s": percentile(ok, 50),
        "first_chart_p95_s": percentile(ok, 95),
        "html_done_p50_s": percentile(html, 50),
        "html_done_p95_s": percentile(html, 95),
        "first_chart_max_s": max(ok) if ok else None,
        "outcomes": outcomes,
        "errors": len(visits) - len(ok),
        "peak_rss_mb": peak["rss_mb"] if peak else None,
        "peak_kernels": max((s["kernels"] for s in samples), default=None),
        "kernels_with_visitors_on_page": result.get("kernels_with_visitors_on_page"),
        "kernels_after_visitors_left": result.get("kernels_after_visitors_left"),
    }
    timeout = executor_timeout(config)
    result["summary"]["stalled_at_executor_timeout"] = sum(1 for v in visits if timeout and (v.get("html_done_s") or 0) >= timeout - 1)
    s = result["summary"]
    fmt = lambda v, f=".2f": "-" if v is None else format(v, f)  # noqa: E731
    print(
        f"\n{len(visits)} visitors at once, round-robin over {', '.join(w.removesuffix('.ipynb') for w in WORKBOOKS)} "
        f"(round {fmt(result.get('round_s'), '.1f')} s; {psutil.cpu_count()} cpus)"
    )
    print(
        f"first chart  p50 {fmt(s['first_chart_p50_s'])} s   p95 {fmt(s['first_chart_p95_s'])} s   "
        f"max {fmt(s['first_chart_max_s'])} s   ({len(ok)} visitors with a chart)"
    )
    print(
        f"page HTML    p50 {fmt(s['html_done_p50_s'])} s   p95 {fmt(s['html_done_p95_s'])} s   (server side: kernel start + "
        f"notebook run, ~0 for a pooled kernel; the rest of the first chart is the browsers, which share these CPUs here)"
    )
    print(
        f"outcomes     {', '.join(f'{k}: {v}' for k, v in sorted(outcomes.items()))}   -> errors {s['errors']}; "
        f"pages whose HTML took >= VoilaExecutor.timeout (stall or queue): {s['stalled_at_executor_timeout']}"
    )
    other = result.get("other_processes_cpu", {}).get("foreign_cpu_share")
    print(f"other work   processes not started by this script used {fmt(other and 100 * other, '.0f')}% of the CPUs during the round")
    print(f"peak RSS     {fmt(s['peak_rss_mb'], '.0f')} MB (server + kernels)   peak kernel processes {s['peak_kernels']}")
    print(
        f"live kernels {s['kernels_with_visitors_on_page']} with every visitor on the page, "
        f"{s['kernels_after_visitors_left']} {LEAVE_WAIT_S} s after they all left"
    )
    if "server_log_counts" in result:
        print(f"server log   {result['server_log_counts']}")
    by_page: dict[str, list[str]] = {}
    for v in visits:
        by_page.setdefault(v["page"], []).append(f"{v['first_chart_s']:.1f}" if v["outcome"] == "chart" else v["outcome"])
    for page, values in by_page.items():
        print(f"  {page:9s} {' '.join(values)}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0 if visits and len(ok) == len(visits) else 1


if __name__ == "__main__":
    sys.exit(main())
