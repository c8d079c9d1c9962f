"""The static site (scripts/build-static.sh) before and after a change, against its bare floor, in
one run: first chart, first click answered, page weight (bytes, requests), for a new and a
returning visitor, on a desktop and on a phone-sized, CPU-throttled browser.

    .venv/bin/python benchmarks/static.py --before build/dist-before      # builds the site under test
    .venv/bin/python benchmarks/static.py --site dist --no-phone           # a site already built
    .venv/bin/python benchmarks/static.py --served                         # also sopkit-serve's pages

The site under test (``--site``, default: built here into build/bench-static from this checkout
with ``--bare benchmarks/bare_static.ipynb``) and ``--before`` (a dist/ built from an older
checkout: ``git worktree add /tmp/before <commit> && /tmp/before/scripts/build-static.sh
--output ...``) are served by Python's http.server on loopback (no compression: what a bare static
host sends). ``bare`` = benchmarks/bare_static.ipynb in the site under test: Pyodide, ipywidgets,
anywidget and plotly.js, one dropdown and one chart (its figure a dict: no plotly wheel since the
figures are plain JSON); the floor of "Python in the browser draws a chart".

Per site and page:
- new visitor: a fresh browser profile (a real one on disk, ``launch_persistent_context``: disk
  cache, service workers) opens the page; returning: the same profile, browser restarted, opens it
  again (what a delegate gets the next day; Python still starts afresh in the tab).
- ``first_chart_s``: navigation start to the first drawn plotly chart (a page's first view, or
  the live page); ``live_s``: when the live page took over (first_view.js's ``__sopLiveAt``;
  before the first view: the first chart); ``first_click_s``: the page's control is changed the
  moment the first chart is drawn (as an eager visitor would), navigation start to the chart it
  drives drawn with new data (before the page is live the first view records the choice and the
  live page applies it: run.py's clicks, ``click_wait_s`` = first_click_s - first_chart_s).
- ``python``: how the page's Python started (sopkit's loader, scripts/static/sopkit-pyodide.js,
  says so in the console): ``fresh`` or ``snapshot`` (restored from the memory snapshot this
  profile kept), and the loader's own seconds. After a fresh start the visit stays open until the
  loader has kept its snapshot (``snapshot_kept_s``, ``snapshot_mb``), as a visitor who reads
  the page for half a minute would: the returning visit then restores it.
- phone (``--no-phone`` skips it): 390x844 CSS px, touch, and the CPU slowed 4x
  (CDP Emulation.setCPUThrottlingRate 4: a mid-range phone), new and returning visitor.
Load average and the CPU used by other processes (``foreign_cpu_share``) are recorded with each
visit: the machine is shared. Results: benchmarks/results/static.json.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import http.server
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    DRAWN_FN,
    FIRST_CHART_JS,
    ForeignCpu,
    Server,
    sigterm_as_interrupt,
    voila_json,
    warm_flags,
)
from run import CHANGE_JS, page_specs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "static.json"
BENCH_SITE = ROOT / "build" / "bench-static"
PAGES = ["bare", "overview", "options", "coverage", "rankings"]
STATIC_NAMES = {"bare": "bare_static"}
LOAD_MS = 400_000
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE_CPU_SLOWDOWN = 4

# The chart the change drives, drawn with other data than when the change was made (the first
# view's plot is adopted by the live chart and redrawn in place; a new plot counts only with new data).
REDRAWN_JS = f"""(container) => {{
    {DRAWN_FN}
    const root = document.querySelector(container);
    const el = root && root.querySelector('.js-plotly-plot');
    if (!sopDrawn(el) || JSON.stringify(el.data) === window.__sopOldData) return false;
    if (window.__sopRedrawn === undefined) window.__sopRedrawn = performance.now();
    return window.__sopRedrawn;
}}"""
KEEP_OLD_JS = """(container) => {
    const root = document.querySelector(container);
    const el = root && root.querySelector('.js-plotly-plot');
    window.__sopOldData = el && el.data ? JSON.stringify(el.data) : null;
}"""
LIVE_AT_JS = "() => window.__sopLiveAt === undefined ? null : window.__sopLiveAt"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def static_server(directory: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def kind_of(path: str) -> str:
    """Which part of the site a file belongs to (for 'what dominates')."""
    name = path.rsplit("/", 1)[-1]
    if "/static/pyodide/" in path:
        if name.endswith((".whl", ".zip")) and name != "python_stdlib.zip":
            return "python packages (wheels)"
        return "python itself (pyodide core, stdlib)"
    if path.startswith("/sopkit/plotly-"):
        return "plotly.js (sopkit/, the chart widget's)"
    if "/extensions/" in path:
        return "labextensions (widgets, kernel)"
    if "/build/" in path:
        return "voici / jupyterlite front end"
    return "pages and configuration"


def gzip_size(path: Path) -> int:
    if path.suffix in (".whl", ".zip", ".png", ".ico", ".woff", ".woff2"):
        return path.stat().st_size  # already compressed: a host should not compress again
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def visit(context, url: str, site_root: Path, spec, *, phone: bool, wait_snapshot: bool = False) -> dict:
    """Open *url* in *context*: first chart, live, the first click answered, what was transferred."""
    page = context.new_page()
    if phone:
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": PHONE_CPU_SLOWDOWN})
    responses: list[dict] = []
    errors: list[str] = []

    def finished(request):
        with contextlib.suppress(Exception):
            response = request.response()
            if response is None or response.from_service_worker:
                return  # the site's service worker passes fetches on: count the network side only
            responses.append({"url": request.url, "status": response.status, "bytes": max(0, request.sizes()["responseBodySize"])})

    def failed(request):
        responses.append({"url": request.url, "status": None, "bytes": 0, "failed": request.failure})

    context.on("requestfinished", finished)
    context.on("requestfailed", failed)
    page.on("pageerror", lambda e: errors.append(str(e)[:200]))
    loader: list[tuple[float, str]] = []  # sopkit's Pyodide loader's console lines (the kernel's worker)
    started = time.monotonic()
    page.on("console", lambda m: loader.append((time.monotonic() - started, m.text)) if m.text.startswith(LOADER_MARK) else None)
    sample: dict = {"url": url, "load_avg_1m_before": round(os.getloadavg()[0], 2)}
    foreign = ForeignCpu().start()
    try:
        page.goto(url, wait_until="commit", timeout=LOAD_MS)
        first = page.wait_for_function(FIRST_CHART_JS, timeout=LOAD_MS, polling=100).json_value()
        sample["kind"] = first["kind"]
        sample["first_chart_s"] = round(first["t"] / 1000, 2)
        page.evaluate(KEEP_OLD_JS, spec.chart)
        change = page.evaluate(CHANGE_JS, [spec.chart, spec.control_kind, spec.control, spec.label])
        if "error" in change:
            raise RuntimeError(change["error"])
        redrawn = page.wait_for_function(REDRAWN_JS, arg=spec.chart, timeout=LOAD_MS, polling=100).json_value()
        sample["first_click_s"] = round(redrawn / 1000, 2)
        sample["click_wait_s"] = round((redrawn - change["t0"]) / 1000, 2)
        live = page.evaluate(LIVE_AT_JS)
        sample["live_s"] = round(live / 1000, 2) if live is not None else sample["first_chart_s"]
        sample["first_view"] = live is not None
        sample["traceback"] = "Traceback" in page.inner_text("body")
        sample.update(python_start(page, loader, wait_snapshot=wait_snapshot))
    except Exception as exc:  # a benchmark reports a failed visit and goes on
        sample["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        sample.update(foreign.stop())
        sample["load_avg_1m"] = round(os.getloadavg()[0], 2)
        context.remove_listener("requestfinished", finished)
        context.remove_listener("requestfailed", failed)
        page.close()
    sample["page_errors"] = errors
    # Responses from the browser's cache (or 304) have no body: bytes = what crossed the wire.
    sample["requests"] = len(responses)
    sample["requests_with_body"] = sum(1 for r in responses if r["bytes"])
    sample["bytes"] = sum(r["bytes"] or 0 for r in responses)
    by_kind: dict[str, int] = defaultdict(int)
    gz = 0
    files = []
    for r in responses:
        rel = urlparse(r["url"]).path.lstrip("/")
        path = site_root / rel
        if r.get("bytes") and path.is_file():
            by_kind[kind_of("/" + rel)] += r["bytes"]
            gz += gzip_size(path)
            files.append((r["bytes"], rel))
    sample["gzip_bytes"] = gz
    sample["bytes_by_kind"] = dict(sorted(by_kind.items(), key=lambda kv: -kv[1]))
    sample["largest_files"] = [{"file": f, "bytes": b} for b, f in sorted(files, reverse=True)[:8]]
    return sample


LOADER_MARK = "[sopkit python]"
SNAPSHOT_WAIT_S = 120


def python_start(page, loader: list[tuple[float, str]], *, wait_snapshot: bool) -> dict:
    """How the page's Python started (sopkit's loader's console lines); after a fresh start, wait
    for the loader to keep its snapshot, so that the returning visit can restore it."""
    said = lambda word: next(((t, text) for t, text in loader if word in text), None)  # noqa: E731
    if not page.evaluate("() => (document.getElementById('jupyter-config-data') || {textContent: ''}).textContent.includes('sopkit-pyodide')"):
        return {"python": None}  # Pyodide's own loader (the floor, an older site): it says nothing
    deadline = time.monotonic() + SNAPSHOT_WAIT_S
    while not (said("started afresh") or said("restored from")) and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    start = said("started afresh") or said("restored from")
    if start is None:
        return {"python": None}
    out = {"python": "fresh" if "afresh" in start[1] else "snapshot", "python_loader": start[1].removeprefix(LOADER_MARK).strip()}
    # Python ready, from navigation (the loader's own seconds run from the worker's start): what
    # comes before it (the front end), and after it (the kernel, the page's run, the hand-over)
    out["python_ready_s"] = round(start[0], 2)
    if out["python"] == "fresh" and wait_snapshot:
        while not (said("snapshot kept") or said("no snapshot") or said("not kept")) and time.monotonic() < deadline:
            page.wait_for_timeout(500)
        kept = said("snapshot kept")
        out["snapshot_kept_s"] = round(kept[0], 1) if kept else None
        out["snapshot_mb"] = float(kept[1].split("(")[1].split(" MB")[0]) if kept else None
    return out


def profile_visits(pw, url: str, site_root: Path, spec, *, phone: bool) -> dict:
    """A new visitor, then the same browser profile again after a browser restart."""
    profile = Path(tempfile.mkdtemp(prefix="sopkit-bench-profile-"))
    kw = dict(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, locale="en-GB", **(PHONE if phone else DESKTOP))
    out: dict = {}
    try:
        for kind in ("new", "returning"):
            context = pw.chromium.launch_persistent_context(str(profile), **kw)
            try:
                out[kind] = visit(context, url, site_root, spec, phone=phone, wait_snapshot=kind == "new")
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    return out


def line(label: str, s: dict) -> str:
    if "error" in s:
        return f"{label}: ERROR {s['error']}"
    return (
        f"{label}: first chart {s['first_chart_s']} s, live {s['live_s']} s, first click {s['first_click_s']} s"
        f"{', python ' + s['python'] if s.get('python') else ''}; "
        f"{s['bytes'] / 1e6:.1f} MB / {s['requests']} requests (load {s['load_avg_1m_before']}-{s['load_avg_1m']}, "
        f"others {s['foreign_cpu_share']:.0%} of the CPUs)"
    )


def save(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))


def build_site(out: Path) -> None:
    bare = ROOT / "benchmarks" / "bare_static.ipynb"
    subprocess.run([str(ROOT / "scripts" / "build-static.sh"), "--output", str(out), "--bare", str(bare)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="+", default=PAGES, choices=PAGES)
    parser.add_argument("--site", type=Path, help=f"the site under test (default: built into {BENCH_SITE.relative_to(ROOT)} from this checkout)")
    parser.add_argument("--before", type=Path, help="a static site built from an older checkout, measured in the same run")
    parser.add_argument("--no-phone", action="store_true", help="skip the phone-sized, CPU-throttled visits")
    parser.add_argument("--served", action="store_true", help="also sopkit-serve's pages (preheated), for comparison")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"where the results go (default: {RESULTS.relative_to(ROOT)})")
    args = parser.parse_args()
    site = args.site
    if site is None:
        site = BENCH_SITE
        build_site(site)
    sites = {"after": site.resolve()}
    if args.before:
        sites["before"] = args.before.resolve()
    for label, root in sites.items():
        if not (root / "voici" / "render" / "overview.html").is_file():
            print(f"no static site in {root} ({label})", file=sys.stderr)
            return 2
    from playwright.sync_api import sync_playwright

    specs = {s.name: s for s in page_specs()}
    result: dict = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu_count": os.cpu_count(),
        "uptime_load_at_start": [round(x, 2) for x in os.getloadavg()],
        "sites": {k: str(v) for k, v in sites.items()},
        "phone": None if args.no_phone else {**PHONE, "cpu_slowdown": PHONE_CPU_SLOWDOWN},
        "desktop": {},
        "phone_visits": {},
        "served": {},
    }
    for label, root in sites.items():
        files = [p for p in root.rglob("*") if p.is_file()]
        result.setdefault("dist", {})[label] = {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    with sigterm_as_interrupt(), sync_playwright() as pw:
        servers = {label: contextlib.ExitStack() for label in sites}
        bases = {label: servers[label].enter_context(static_server(root)) for label, root in sites.items()}
        try:
            rounds = [("desktop", False)] + ([] if args.no_phone else [("phone_visits", True)])
            for key, phone in rounds:
                for name in args.pages:
                    for label, root in sites.items():
                        html = STATIC_NAMES.get(name, name)
                        if not (root / "voici" / "render" / f"{html}.html").is_file():
                            continue  # the before site has no bare page: the floor is measured once
                        spec = specs["bare" if name == "bare" else name]
                        url = f"{bases[label]}/voici/render/{html}.html"
                        got = profile_visits(pw, url, root, spec, phone=phone)
                        result[key].setdefault(name, {})[label] = got
                        save(args.output, result)  # a run cut short keeps what it measured
                        for kind, sample in got.items():
                            print(line(f"{'phone' if phone else 'desktop'} {name} {label} {kind}", sample), flush=True)
        finally:
            for stack in servers.values():
                stack.close()
        if args.served:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            log_dir = Path(tempfile.mkdtemp(prefix="sopkit-bench-static-"))
            flags, how = warm_flags(voila_json())
            server = Server("workbooks", flags, log_dir, "served")
            try:
                server.wait_ready()
                result["served_setup"] = how
                time.sleep(10)  # the preheated pool fills after start (Voila's fill_delay)
                for name in [p for p in args.pages if p != "bare"]:
                    context = browser.new_context(locale="en-GB", **DESKTOP)
                    context.add_cookies([{"name": "_xsrf", "value": secrets.token_hex(16), "url": server.base}])
                    sample = visit(context, server.url(f"{name}.ipynb"), Path("/nonexistent"), specs[name], phone=False)
                    context.close()
                    result["served"][name] = sample
                    print(line(f"served {name}", sample), flush=True)
                    time.sleep(5)  # let the pool refill
            finally:
                server.stop()
                browser.close()
    result["uptime_load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    save(args.output, result)
    print(f"-> {args.output}; load average at start {result['uptime_load_at_start']}, at end {result['uptime_load_at_end']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
