#!/usr/bin/env python
"""Benchmark the workbook pages against the bare Voila floor (benchmarks/bare.ipynb).

    .venv/bin/python benchmarks/run.py [--runs N] [--out benchmarks/results/latest.json]

Two set-ups, each with its own pair of servers on free loopback ports, started from the repo
root so voila.json applies to both (workbooks: ``python -m sopkit.server workbooks``; bare:
``python -m voila benchmarks``):

* ``cold``: ``--VoilaConfiguration.preheat_kernel=False``: every page load starts a kernel and
  runs the notebook while the visitor waits.
* ``warm``: voila.json as is when it preheats; otherwise preheat with a pool of 1 per notebook.

Per page and set-up, N visits (fresh browser context each: no cache shared), median of:
first_chart_s (navigation start -> first plotly chart with a drawn trace, performance.now() in the
page), click_s (a control change dispatched in the page -> the chart it drives redrawn: a new plot, or
the same plot drawn again in place),
kernel_mb (RSS of the kernel serving the page, found by the kernel id in the page, once servers and
kernels are quiet), server_mb (RSS of the server process). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import secrets
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

import psutil
from _harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COLD_FLAGS,
    DRAWN_FN,
    FIRST_CHART_JS,
    KERNEL_ID_JS,
    NAV_TIMING_JS,
    ROOT,
    SLOW_RESOURCES_JS,
    ForeignCpu,
    Server,
    create_time_offset,
    environment,
    executor_timeout,
    is_alive,
    median,
    pool_total,
    rss_mb,
    settle,
    sigterm_as_interrupt,
    source_fingerprint,
    voila_json,
    wait_machine_idle,
    warm_flags,
)

LOAD_MS = 120_000
ACTION_MS = 60_000
# Set in main(): psutil's create_time() offset from time.time(), and voila.json's cell timeout.
CLOCK: dict = {"create_time_offset": 0.0, "executor_timeout": None}
LEAVE_S = 20  # a visitor leaving: the page's beforeunload beacon asks Voila to shut its kernel down


@dataclass
class PageSpec:
    name: str
    server: str  # "workbooks" or "bare"
    notebook: str
    control_kind: str  # "select" (a <select> in control) or "click" (a <button> in control)
    control: str  # CSS of the control's widget
    label: str  # option label / button text to choose
    chart: str  # CSS of the container of the chart the control drives


def before_specs(specs: list[PageSpec]) -> list[PageSpec]:
    """The workbook pages again, served from the --before checkout (``<page>@before``)."""
    return [PageSpec(f"{s.name}@before", "before", s.notebook, s.control_kind, s.control, s.label, s.chart) for s in specs if s.server == "workbooks"]


def page_specs(lang: str = "en") -> list[PageSpec]:
    """The pages and the click measured on each; with *lang* ``zh`` the workbooks open as a
    Chinese link does (``?lang=zh``) and the overview's click is the switch to English."""
    from sopkit.i18n import t  # only the message files: no pandas import needed here

    with open(ROOT / "data" / "surveys.csv", encoding="utf-8-sig", newline="") as fh:
        surveys = {row["id"]: row[f"name_{lang}"] for row in csv.DictReader(fh)}
    query = "" if lang == "en" else f"?lang={lang}"
    return [
        PageSpec("bare", "bare", "bare.ipynb", "select", ".widget-dropdown", "B", "body"),
        # The floor for memory: bare plus pandas and the framework data, as the workbooks load them.
        PageSpec("bare-data", "bare", "bare_data.ipynb", "select", ".widget-dropdown", "B", "body"),
        PageSpec("overview", "workbooks", f"overview.ipynb{query}", "click", ".sop-lang", "中文" if lang == "en" else "English", ".sop-timeline"),
        PageSpec("options", "workbooks", f"options.ipynb{query}", "select", ".sop-option", t("option.atu-7", lang), ".sop-hierarchy"),
        PageSpec("coverage", "workbooks", f"coverage.ipynb{query}", "click", ".sop-variant", "5", ".sop-coverage"),
        PageSpec("rankings", "workbooks", f"rankings.ipynb{query}", "select", ".sop-survey", surveys["strategic-goals"], ".sop-rank-order"),
    ]


TARGET_DRAWN_JS = f"""(container) => {{
    {DRAWN_FN}
    const root = document.querySelector(container);
    const el = root && root.querySelector('.js-plotly-plot');
    if (!sopDrawn(el)) return false;
    if (window.__sopTarget === undefined) window.__sopTarget = performance.now();
    return window.__sopTarget;
}}"""

# When the live page took over from the page's first view (sopkit/ui/first_view.js sets
# __sopLiveAt at the hand-over); null for a page without a first view.
LIVE_JS = """() => {
    if (window.__sopLiveAt !== undefined) return {t: window.__sopLiveAt};
    return document.querySelector('.sop-first-view') ? false : {t: null};
}"""

CHANGE_JS = """([container, kind, control, label]) => {
    const root = document.querySelector(container);
    window.__sopOld = root ? root.querySelector('.js-plotly-plot') : null;
    window.__sopOldDrawn = window.__sopOld ? window.__sopOld.dataset.sopDrawn : undefined;
    window.__sopRedrawn = undefined;
    let fire;
    if (kind === 'select') {
        const sel = document.querySelector(control + ' select');
        if (!sel) return {error: 'no <select> under ' + control};
        const text = (o) => o.textContent.replace(/\u00a0/g, ' ').trim();  // ipywidgets writes spaces as NBSP
        const opt = Array.from(sel.options).find(o => text(o) === label);
        if (!opt) return {error: 'no option "' + label + '" in ' + control + ': '
                          + Array.from(sel.options).map(text).join(' | ')};
        fire = () => { sel.value = opt.value; sel.dispatchEvent(new Event('change', {bubbles: true})); };
    } else {
        const btn = Array.from(document.querySelectorAll(control + ' button'))
            .find(b => b.textContent.replace(/\u00a0/g, ' ').trim() === label);
        if (!btn) return {error: 'no button "' + label + '" in ' + control};
        fire = () => btn.click();
    }
    const t0 = performance.now();
    fire();
    return {t0: t0};
}"""

REDRAWN_JS = f"""(container) => {{
    {DRAWN_FN}
    const root = document.querySelector(container);
    const el = root && root.querySelector('.js-plotly-plot');
    // A new plot (the Output route: bare), or the same one redrawn in place (sopkit's chart
    // widget counts its draws in data-sop-drawn).
    const again = el && el === window.__sopOld && el.dataset.sopDrawn !== window.__sopOldDrawn;
    if (!el || (el === window.__sopOld && !again) || !sopDrawn(el)) return false;
    if (window.__sopRedrawn === undefined) window.__sopRedrawn = performance.now();
    return window.__sopRedrawn;
}}"""


def seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


def new_context(browser, server: Server, xsrf_cookie: bool):
    """A fresh browser context (no cache, no cookies shared with other visits).

    With *xsrf_cookie*, the context starts with an ``_xsrf`` cookie for the server: Voila's leave
    beacon (POST /voila/api/shutdown/<kernel>) sends document.cookie's _xsrf, but no Voila page sets
    that cookie, so without it the beacon gets 403 and the kernel stays until culled (voila #1458).
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    if xsrf_cookie:
        context.add_cookies([{"name": "_xsrf", "value": secrets.token_hex(16), "url": server.base}])
    return context


def visit(
    browser,
    spec: PageSpec,
    server: Server,
    servers: list[Server],
    base: dict[str, int],
    setup: str,
    run: int,
    warmup: bool = False,
    xsrf_cookie: bool = True,
    idle_cpu: float = 0.0,
) -> dict:
    """One visitor: load the page, wait for the first chart, settle, change the control, wait for the
    redraw, settle, leave (beforeunload -> kernel shutdown), wait for the pool/servers to settle."""
    sample: dict = {"page": spec.name, "setup": setup, "run": run, "warmup": warmup, "ok": False}
    open_counts = {s.label: base[s.label] + (1 if s is server else 0) for s in servers}
    context = new_context(browser, server, xsrf_cookie)
    page = context.new_page()
    js_errors: list[str] = []
    page.on("pageerror", lambda exc: js_errors.append(str(exc)))
    kernel = None
    try:
        sample["waited_for_idle_machine_s"] = round(wait_machine_idle(idle_cpu, max_wait_s=60), 2)
        sample["load_avg_1m"] = round(psutil.getloadavg()[0], 2)
        foreign = ForeignCpu().start()
        t0 = time.perf_counter()
        response = page.goto(server.url(spec.notebook), wait_until="commit", timeout=LOAD_MS)
        sample["http_status"] = response.status if response else None
        first = page.wait_for_function(FIRST_CHART_JS, timeout=LOAD_MS, polling="raf").json_value()
        sample["first_chart_wall_s"] = time.perf_counter() - t0
        sample.update(foreign.stop())  # other processes' CPU while this page loaded
        if first["kind"] != "chart":
            sample["error"] = f"page shows {first['kind']}"
            return sample
        sample["first_chart_s"] = seconds(first["t"])
        target = page.wait_for_function(TARGET_DRAWN_JS, arg=spec.chart, timeout=ACTION_MS, polling="raf").json_value()
        sample["target_chart_s"] = seconds(target)
        live = page.wait_for_function(LIVE_JS, timeout=LOAD_MS, polling="raf").json_value()
        sample["live_s"] = seconds(live["t"])
        nav = page.evaluate(NAV_TIMING_JS)
        sample["slow_resources"] = page.evaluate(SLOW_RESOURCES_JS)
        sample["ttfb_s"] = seconds(nav["responseStart"])
        sample["html_done_s"] = seconds(nav["responseEnd"])
        sample["dom_content_loaded_s"] = seconds(nav["domContentLoaded"])
        sample["front_end_s"] = sample["first_chart_s"] - sample["html_done_s"] if nav["responseEnd"] else None
        kernel_id = page.evaluate(KERNEL_ID_JS)
        kernel = server.kernel_for(kernel_id)
        sample["kernel_id"] = kernel_id
        sample["kernel_found_by"] = "kernel id" if kernel_id and kernel is not None and kernel_id in " ".join(kernel.cmdline()) else "newest"
        if kernel is not None:
            # Negative for a pooled kernel: it was started before this visit.
            sample["kernel_spawn_s"] = kernel.create_time() - CLOCK["create_time_offset"] - nav["timeOrigin"] / 1000
        timeout = CLOCK["executor_timeout"]
        # The page's HTML took at least the executor's cell timeout although no cell runs that long:
        # the kernel's execute_reply was only picked up when the executor's wait timed out.
        sample["stalled_at_executor_timeout"] = bool(timeout and sample["html_done_s"] and sample["html_done_s"] >= timeout - 1)

        sample["settle_after_load_s"] = settle(servers, open_counts)
        sample["kernel_mb"] = rss_mb(kernel)
        sample["server_mb"] = rss_mb(server.proc)
        if kernel is not None:
            times = kernel.cpu_times()
            sample["kernel_cpu_s"] = times.user + times.system

        change = page.evaluate(CHANGE_JS, [spec.chart, spec.control_kind, spec.control, spec.label])
        if "error" in change:
            sample["error"] = change["error"]
            return sample
        t_click = time.perf_counter()
        redrawn = page.wait_for_function(REDRAWN_JS, arg=spec.chart, timeout=ACTION_MS, polling="raf").json_value()
        sample["click_wall_s"] = time.perf_counter() - t_click
        sample["click_s"] = seconds(redrawn - change["t0"])
        settle(servers, open_counts)
        sample["kernel_mb_after_click"] = rss_mb(kernel)
        sample["js_errors"] = list(js_errors)
        sample["ok"] = True
        return sample
    except Exception as exc:  # noqa: BLE001 - one failed visit is a recorded sample, not the end of the run
        sample["error"] = f"{type(exc).__name__}: {exc}".splitlines()[0][:400]
        return sample
    finally:
        pid = kernel.pid if kernel is not None else None
        try:
            page.goto("about:blank", timeout=10_000)  # fires beforeunload: Voila's shutdown beacon
        except Exception:  # noqa: BLE001
            pass
        context.close()
        if pid is not None:
            deadline = time.monotonic() + LEAVE_S
            while is_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            alive = is_alive(pid)
            sample["kernel_shut_down_on_leave"] = not alive
            if alive:  # not shut down by the beacon: it stays (until culled); count it from now on
                base[server.label] += 1
        try:
            sample["settle_after_leave_s"] = settle(servers, base)
        except TimeoutError as exc:
            sample["settle_error"] = str(exc)
            for s in servers:  # resynchronise: whatever is alive now is the new baseline
                base[s.label] = len(s.kernels())


def run_setup(
    browser,
    setup: str,
    flags: list[str],
    specs: list[PageSpec],
    runs: int,
    warmups: int,
    log_dir: Path,
    config: dict,
    note: str,
    xsrf_cookie: bool,
    idle_cpu: float,
    before: Path | None = None,
) -> tuple[list[dict], dict]:
    servers = {kind: Server(kind, flags, log_dir, f"{setup}-{kind}") for kind in ("workbooks", "bare")}
    if before is not None:  # the same pages from another checkout, in the same run
        servers["before"] = Server("workbooks", flags, log_dir, f"{setup}-before", root=before)
    info = {
        "flags": flags,
        "note": note,
        "commands": {k: s.command for k, s in servers.items()},
        "logs": {k: str(s.log_path) for k, s in servers.items()},
    }
    samples: list[dict] = []
    try:
        for s in servers.values():
            s.wait_ready()
        base = {s.label: pool_total(config, flags, s.notebooks) for s in servers.values()}
        info["pool_kernels"] = dict(base)
        t0 = time.monotonic()
        settle(list(servers.values()), base, timeout=300)  # warm: every pool filled, every pooled notebook run
        info["startup_settle_s"] = round(time.monotonic() - t0, 2)
        print(
            f"[{setup}] servers up: {', '.join(s.base for s in servers.values())}; pooled kernels {base}; settled in {info['startup_settle_s']} s",
            flush=True,
        )
        all_servers = list(servers.values())
        for i in range(warmups):  # first visit to each server: one-time costs (templates, file cache), not kept
            firsts = {spec.server: spec for spec in reversed(specs)}  # the first page of each server
            for spec in (firsts[s] for s in dict.fromkeys(spec.server for spec in specs)):
                sample = visit(browser, spec, servers[spec.server], all_servers, base, setup, -1 - i, True, xsrf_cookie, idle_cpu)
                samples.append(sample)
                print(f"[{setup}] warm-up {spec.name}: {_brief(sample)}", flush=True)
        for run in range(runs):
            order = specs[run % len(specs) :] + specs[: run % len(specs)]  # rotate: no page always first
            for spec in order:
                sample = visit(browser, spec, servers[spec.server], all_servers, base, setup, run, False, xsrf_cookie, idle_cpu)
                samples.append(sample)
                print(f"[{setup}] run {run + 1}/{runs} {spec.name:16s} {_brief(sample)}", flush=True)
    finally:
        for s in servers.values():
            s.stop()
    return samples, info


def _brief(sample: dict) -> str:
    if not sample["ok"]:
        return f"FAILED: {sample.get('error')}"
    return (
        f"first chart {sample['first_chart_s']:.2f} s, click {sample['click_s']:.3f} s, "
        f"kernel {sample['kernel_mb']:.0f} MB, server {sample['server_mb']:.0f} MB; "
        f"other processes used {100 * (sample.get('foreign_cpu_share') or 0):.0f}% of the CPUs during the load"
    )


METRICS = [
    "first_chart_s",
    "first_chart_wall_s",
    "target_chart_s",
    "live_s",
    "click_s",
    "click_wall_s",
    "kernel_mb",
    "kernel_mb_after_click",
    "server_mb",
    "kernel_cpu_s",
    "ttfb_s",
    "kernel_spawn_s",
    "html_done_s",
    "front_end_s",
    "dom_content_loaded_s",
    "foreign_cpu_s",
    "foreign_cpu_share",
]
RATIO_METRICS = ["first_chart_s", "click_s", "kernel_mb"]


def summarise(samples: list[dict], specs: list[PageSpec], setups: list[str]) -> dict:
    medians: dict = {}
    for setup in setups:
        for spec in specs:
            kept = [s for s in samples if s["setup"] == setup and s["page"] == spec.name and not s["warmup"]]
            ok = [s for s in kept if s["ok"]]
            row = {m: median([s.get(m) for s in ok]) for m in METRICS}
            # The same medians without the visits that stalled at the executor timeout (a serving
            # fault, counted in "stalls"): what the page itself costs. The ratios use these.
            clean = [s for s in ok if not s.get("stalled_at_executor_timeout")]
            row["without_stalls"] = {m: median([s.get(m) for s in clean]) for m in METRICS}
            row["n_ok"], row["n_failed"] = len(ok), len(kept) - len(ok)
            row["kernels_not_shut_down"] = sum(1 for s in kept if s.get("kernel_shut_down_on_leave") is False)
            row["stalls"] = sum(1 for s in kept if s.get("stalled_at_executor_timeout"))
            medians.setdefault(setup, {})[spec.name] = row
    ratios: dict = {}
    for setup, pages in medians.items():
        bare = pages.get("bare", {}).get("without_stalls", {})
        bare_data = pages.get("bare-data", {}).get("without_stalls", {})
        for name, row in pages.items():
            if name.startswith("bare"):
                continue
            mine = row["without_stalls"]
            ratios.setdefault(setup, {})[name] = {m: (mine[m] / bare[m]) if mine.get(m) is not None and bare.get(m) else None for m in RATIO_METRICS}
            ok = mine.get("kernel_mb") is not None and bare_data.get("kernel_mb")
            ratios[setup][name]["kernel_mb_vs_bare_data"] = mine["kernel_mb"] / bare_data["kernel_mb"] if ok else None
    return {"medians": medians, "ratios_vs_bare": ratios}


def fmt(value: float | None, spec: str) -> str:
    width = int(spec.split(".")[0] or 0)
    return "-".rjust(width) if value is None else format(value, spec)


def print_tables(summary: dict, specs: list[PageSpec], setups: list[str], runs: int) -> None:
    med, ratios = summary["medians"], summary["ratios_vs_bare"]
    print(f"\nMedians of {runs} runs (ratios: workbook / bare, same set-up, same run of this script, medians without stalled visits)")
    header = (
        f"{'page':16s} {'setup':5s} {'first_chart_s':>13s} {'click_s':>8s} {'kernel_mb':>9s} {'server_mb':>9s}   "
        f"{'first×':>6s} {'click×':>6s} {'kernel×':>7s} {'k×data':>6s}  ok  stalls {'first_no_stall_s':>16s}"
    )
    print(header)
    print("-" * len(header))
    for setup in setups:
        for spec in specs:
            row = med[setup][spec.name]
            r = ratios.get(setup, {}).get(spec.name, {})
            print(
                f"{spec.name:16s} {setup:5s} {fmt(row['first_chart_s'], '13.2f')} {fmt(row['click_s'], '8.3f')} "
                f"{fmt(row['kernel_mb'], '9.0f')} {fmt(row['server_mb'], '9.0f')}   "
                f"{fmt(r.get('first_chart_s'), '6.2f')} {fmt(r.get('click_s'), '6.2f')} {fmt(r.get('kernel_mb'), '7.2f')} "
                f"{fmt(r.get('kernel_mb_vs_bare_data'), '6.2f')}"
                f"  {row['n_ok']}/{row['n_ok'] + row['n_failed']}  {row['stalls']:6d} "
                f"{fmt(row['without_stalls']['first_chart_s'], '16.2f')}"
            )
    print("k×data: kernel memory / that of bare-data (bare plus pandas, sopkit and the loaded data: the floor for memory)")
    print(
        "stalls: visits whose HTML took at least VoilaExecutor.timeout although the notebook had finished; "
        "first_chart_s keeps them, first_no_stall_s and the ratios leave them out"
    )
    print("\nWhere the first-chart time goes (medians without stalled visits, s since navigation start; kernel_spawn < 0: pooled kernel)")
    header = (
        f"{'page':16s} {'setup':5s} {'kernel_spawn':>12s} {'ttfb':>6s} {'html_done':>9s} {'first_chart':>11s} "
        f"{'front_end':>9s} {'live':>6s} {'kernel_cpu':>10s} {'other_cpu':>9s}"
    )
    print(header)
    print("-" * len(header))
    for setup in setups:
        for spec in specs:
            row = med[setup][spec.name]["without_stalls"]
            print(
                f"{spec.name:16s} {setup:5s} {fmt(row['kernel_spawn_s'], '12.2f')} {fmt(row['ttfb_s'], '6.2f')} "
                f"{fmt(row['html_done_s'], '9.2f')} {fmt(row['first_chart_s'], '11.2f')} {fmt(row['front_end_s'], '9.2f')} "
                f"{fmt(row['live_s'], '6.2f')} "
                f"{fmt(row['kernel_cpu_s'], '10.2f')} {fmt(row['foreign_cpu_share'], '9.2f')}"
            )
    print(
        "html_done = the page's HTML fully received (cold: kernel started and every cell run); "
        "front_end = first_chart - html_done (scripts, kernel websocket, widget state, plotly; with a first view: plotly.js and the drawing); "
        "live = the live widgets took over from the page's first view (- without one); "
        "kernel_cpu = CPU seconds of the page's kernel once settled; "
        "other_cpu = share of all CPUs used by processes not started by this script while the page loaded."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="visits per page and set-up (median is reported)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    parser.add_argument("--setups", default="cold,warm", help="comma-separated subset of cold,warm")
    parser.add_argument("--pages", default="", help="comma-separated subset of the pages (default: all)")
    parser.add_argument("--lang", default="en", choices=["en", "zh"], help="zh: the workbooks opened as a Chinese link (?lang=zh)")
    parser.add_argument("--warmup", type=int, default=1, help="discarded first visits per server and set-up")
    parser.add_argument(
        "--before",
        type=Path,
        default=None,
        help="another checkout (e.g. a worktree of main): its workbooks served too, as <page>@before, in the same run",
    )
    parser.add_argument(
        "--idle-cpu",
        type=float,
        default=30.0,
        help="before each visit wait (at most 60 s) until total CPU use is below this percent, to wait out other work on the machine; 0 disables",
    )
    parser.add_argument(
        "--no-xsrf-cookie",
        dest="xsrf_cookie",
        action="store_false",
        help="do not give visitors an _xsrf cookie: Voila's leave beacon then fails (403) and every "
        "visit's kernel stays until culled, as for real visitors today (voila issue 1458)",
    )
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    config = voila_json()
    CLOCK["create_time_offset"] = create_time_offset()
    CLOCK["executor_timeout"] = executor_timeout(config)
    specs = page_specs(args.lang)
    if args.pages:
        wanted = set(args.pages.split(","))
        specs = [s for s in specs if s.name in wanted or s.name.startswith("bare")]
    if args.before is not None:
        specs += before_specs(specs)
    setups = [s for s in args.setups.split(",") if s]
    warm, warm_note = warm_flags(config)
    plan = {"cold": (COLD_FLAGS, "voila.json + preheat_kernel=False (flag)"), "warm": (warm, warm_note)}
    log_dir = Path(tempfile.mkdtemp(prefix="sopkit-bench-"))  # server logs, kept for a look
    samples: list[dict] = []
    setup_info: dict = {}
    started = time.time()
    with sigterm_as_interrupt(), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        env = environment(browser.version)
        try:
            for setup in setups:
                flags, note = plan[setup]
                try:
                    got, info = run_setup(
                        browser, setup, flags, specs, args.runs, args.warmup, log_dir, config, note, args.xsrf_cookie, args.idle_cpu, args.before
                    )
                except (RuntimeError, TimeoutError) as exc:
                    print(f"[{setup}] set-up failed: {exc}", file=sys.stderr)
                    traceback.print_exc()
                    got, info = [], {"flags": flags, "note": note, "error": str(exc)}
                samples += got
                setup_info[setup] = info
        finally:
            browser.close()
    summary = summarise(samples, specs, setups)
    print_tables(summary, specs, setups, args.runs)
    env["loadavg_at_end"] = [round(x, 2) for x in psutil.getloadavg()]
    env["source_fingerprint_at_end"] = source_fingerprint()
    if env["source_fingerprint_at_end"] != env["source_fingerprint_at_start"]:
        print("\nWARNING: sopkit, the notebooks, the data or voila.json changed during this run: its samples mix two versions. Run it again.")
    result = {
        "benchmark": "sopkit pages vs bare Voila (benchmarks/run.py)",
        "started_unix": round(started),
        "duration_s": round(time.time() - started, 1),
        "runs": args.runs,
        "lang": args.lang,
        "warmup_visits_per_server": args.warmup,
        "xsrf_cookie_for_leave_beacon": args.xsrf_cookie,
        "idle_cpu_percent_gate": args.idle_cpu,
        "setups": setup_info,
        "environment": env,
        "clock": CLOCK,
        **summary,
        "samples": samples,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(args.out.suffix + ".tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(args.out)
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    failed = [s for s in samples if not s["ok"] and not s["warmup"]]
    return 1 if failed or not samples else 0


if __name__ == "__main__":
    sys.exit(main())
