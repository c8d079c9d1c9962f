"""The static site (dist/, scripts/build-static.sh) against the served pages (sopkit-serve),
in the same run: page weight (bytes, requests) and the first chart, cold and with a warm cache.

    .venv/bin/python benchmarks/static.py                  # the four pages, one visit of each kind
    .venv/bin/python benchmarks/static.py --pages overview  # fewer pages
    .venv/bin/python benchmarks/static.py --pages overview --no-served --output benchmarks/results/static-overview.json

For each page:
- static, cold: a fresh browser profile (empty cache, no service worker) opens the page;
- static, warm: the same profile opens it again (files from the browser's cache; Python still
  starts afresh in the tab);
- served, cold / warm: sopkit-serve with the project's voila.json (preheated kernels: what
  visitors get), a fresh profile, then the same profile again.

Page weight = every response the tab (and its workers) received: bytes of the bodies as sent
(no compression: python's http.server and Voila send none), and for the static site also the
gzip -6 size of the same files (what a host with compression would send). What dominates: the
largest files and a breakdown by kind. Results: benchmarks/results/static.json, with the
machine's load (other processes compete for the 2 cores).
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
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _harness import CHROMIUM, CHROMIUM_ARGS, FIRST_CHART_JS, Server, sigterm_as_interrupt, voila_json, warm_flags  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"
RESULTS = ROOT / "benchmarks" / "results" / "static.json"
PAGES = ["overview", "options", "coverage", "rankings"]
LOAD_MS = 400_000


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
    if "/extensions/jupyterlab-plotly/" in path:
        return "plotly front end (labextension)"  # sites built before the chart widget
    if path.startswith("/sopkit/plotly-"):
        return "plotly.js (sopkit/, the chart widget's)"
    if "/extensions/" in path:
        return "other labextensions (widgets, kernel)"
    if "/build/" in path:
        return "voici / jupyterlite front end"
    return "pages and configuration"


def gzip_size(path: Path) -> int:
    if path.suffix in (".whl", ".zip", ".png", ".ico", ".woff", ".woff2"):
        return path.stat().st_size  # already compressed: a host should not compress again
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


def visit(context, url: str, site_root: Path | None) -> dict:
    """Open *url* in *context*; first chart time and what was transferred."""
    page = context.new_page()
    responses: list[dict] = []
    console: list[tuple[float, str]] = []
    t0 = time.perf_counter()

    def finished(request):
        with contextlib.suppress(Exception):
            response = request.response()
            # The site's service worker passes the page's fetches on: count the network side only.
            if response is None or response.from_service_worker:
                return
            responses.append({"url": request.url, "status": response.status, "bytes": max(0, request.sizes()["responseBodySize"])})

    def failed(request):
        responses.append({"url": request.url, "status": None, "bytes": 0, "failed": request.failure})

    context.on("requestfinished", finished)
    context.on("requestfailed", failed)
    page.on("console", lambda m: console.append((time.perf_counter() - t0, m.text[:200])))
    sample: dict = {"url": url}
    try:
        page.goto(url, wait_until="commit", timeout=LOAD_MS)
        first = page.wait_for_function(FIRST_CHART_JS, timeout=LOAD_MS, polling=200).json_value()
        sample["kind"] = first["kind"]
        sample["first_chart_s"] = round(first["t"] / 1000, 2)
        sample["wall_s"] = round(time.perf_counter() - t0, 2)
        sample["load_avg_1m"] = round(os.getloadavg()[0], 2)
    except Exception as exc:  # a benchmark reports a failed visit and goes on
        sample["error"] = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        context.remove_listener("requestfinished", finished)
        context.remove_listener("requestfailed", failed)
        page.close()
    # Responses from the browser's cache (or 304) have no body: bytes = what crossed the wire.
    sample["requests"] = len(responses)
    sample["requests_with_body"] = sum(1 for r in responses if r["bytes"])
    sample["bytes"] = sum(r["bytes"] or 0 for r in responses)
    marks = {"python_packages_loaded_s": "Loaded", "first_package_load_s": "Loading"}
    for key, word in marks.items():
        hits = [t for t, text in console if text.startswith(word)]
        if hits:
            sample[key] = round(hits[-1] if word == "Loaded" else hits[0], 2)
    if site_root is not None:
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
        sample["largest_files"] = [{"file": f, "bytes": b} for b, f in sorted(files, reverse=True)[:12]]
        sample["unique_files"] = len({f for _, f in files})
    return sample


def report(kind: str, name: str, cold: dict, warm: dict) -> None:
    weight = f"{cold['bytes'] / 1e6:.1f} MB / {cold['requests']} requests cold, {warm['bytes'] / 1e6:.1f} MB / {warm['requests']} warm"
    print(f"{kind} {name}: first chart cold {cold.get('first_chart_s')} s, warm {warm.get('first_chart_s')} s; {weight}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", nargs="+", default=PAGES, choices=PAGES)
    parser.add_argument("--no-served", action="store_true", help="the static site only")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"where the results go (default: {RESULTS.relative_to(ROOT)})")
    args = parser.parse_args()
    if not (DIST / "voici" / "render" / "overview.html").is_file():
        print("no dist/: run scripts/build-static.sh first", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    result: dict = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu_count": os.cpu_count(),
        "uptime_load_at_start": [round(x, 2) for x in os.getloadavg()],
        "static": {},
        "served": {},
    }
    files = [p for p in DIST.rglob("*") if p.is_file()]
    result["dist"] = {"files": len(files), "bytes": sum(p.stat().st_size for p in files)}
    log_dir = Path(tempfile.mkdtemp(prefix="sopkit-bench-static-"))  # the server's log, kept for a look
    with sigterm_as_interrupt(), sync_playwright() as pw, static_server(DIST) as site:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        result["chromium"] = browser.version
        for name in args.pages:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
            url = f"{site}/voici/render/{name}.html"
            cold = visit(context, url, DIST)
            warm = visit(context, url, DIST)
            context.close()
            result["static"][name] = {"cold": cold, "warm": warm}
            report("static", name, cold, warm)
        if not args.no_served:
            flags, how = warm_flags(voila_json())
            server = Server("workbooks", flags, log_dir, "served")
            try:
                server.wait_ready()
                result["served_setup"] = how
                time.sleep(10)  # the preheated pool fills after start (Voila's fill_delay)
                for name in args.pages:
                    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
                    # Voila's leave beacon needs an _xsrf cookie no page sets (see run.py): kernels are released.
                    context.add_cookies([{"name": "_xsrf", "value": secrets.token_hex(16), "url": server.base}])
                    url = server.url(f"{name}.ipynb")
                    cold = visit(context, url, None)
                    time.sleep(5)  # let the pool refill before the second visit
                    warm = visit(context, url, None)
                    context.close()
                    result["served"][name] = {"cold": cold, "warm": warm}
                    report("served", name, cold, warm)
            finally:
                server.stop()
        browser.close()
    result["uptime_load_at_end"] = [round(x, 2) for x in os.getloadavg()]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1))
    print(f"-> {args.output}; load average at start {result['uptime_load_at_start']}, at end {result['uptime_load_at_end']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
