#!/usr/bin/env python
"""Page time over many views, with and without the fix for held pages (same run).

    .venv/bin/python benchmarks/held_pages.py [--views 200] [--before 100] [--concurrency 2]
                                              [--setup warm|cold] [--out FILE.json]

A held page: a page view whose HTML takes the executor's cell timeout (60 s) although its
notebook has finished (sopkit/serve/channels.py explains the cause). It shows up in 1 of 10-30
views, so it takes hundreds of views to measure. Per configuration one sopkit-serve (the
repo's voila.json; ``--setup cold`` turns the preheat pool off, so every view runs its notebook),
then ``--views`` visits, ``--concurrency`` at a time, round-robin over the four workbooks, each in
a fresh chromium context that waits for its first chart and leaves (its kernel is shut down by
the page's unload beacon). ``--before N`` first runs N views with
``--SopkitVoila.sliced_channel_reads=False`` (jupyter_client's own channel read).

Reported per configuration: p50 / p95 / p99 / max of the page HTML time (navigation start to
the last byte: the server's part) and of the first chart, and the views whose HTML took at least
50 s ("held").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path

from _harness import CHROMIUM, CHROMIUM_ARGS, Server, environment, pool_total, settle, sigterm_as_interrupt, time_stats, voila_json
from load import WORKBOOKS, leave, visitor


async def views(server: Server, count: int, concurrency: int, timeout_s: float, pages: list[str]) -> list[dict]:
    from playwright.async_api import async_playwright

    records: list[dict] = []
    queue = list(range(count))
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        async def worker() -> None:
            while queue:
                i = queue.pop(0)
                record, context = await visitor(i, browser, server.url(pages[i % len(pages)]), timeout_s)
                await leave(context)
                records.append(record)
                if len(records) % 20 == 0:  # progress, with the figures so far (a run can be cut short)
                    so_far = summary(records)
                    print(f"  {len(records)}/{count} views: held {so_far['held']}, html {so_far['html_s']}", flush=True)

        try:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
        finally:
            await browser.close()
    return sorted(records, key=lambda r: r["visitor"])


def summary(records: list[dict]) -> dict:
    html = [r["html_done_s"] for r in records if r.get("html_done_s") is not None]
    chart = [r["first_chart_s"] for r in records if r.get("first_chart_s") is not None]

    html_s = time_stats(html)
    return {
        "views": len(records),
        "charts": len(chart),
        "held": html_s["held"],
        "html_s": html_s,
        "first_chart_s": time_stats(chart),
        "outcomes": {o: sum(r.get("outcome") == o for r in records) for o in sorted({str(r.get("outcome")) for r in records})},
    }


def run(label: str, flags: list[str], count: int, concurrency: int, timeout_s: float, log_dir: Path, bare: bool = False) -> dict:
    config = voila_json()
    server = Server("bare-sopkit" if bare else "workbooks", flags, log_dir, label)
    pages = ["bare.ipynb"] if bare else WORKBOOKS
    try:
        server.wait_ready()
        settle([server], {server.label: pool_total(config, flags, server.notebooks)}, timeout=300)
        print(f"{label}: {count} views, {concurrency} at a time ({' '.join(flags) or 'voila.json as is'})", flush=True)
        t0 = time.perf_counter()
        records = asyncio.run(views(server, count, concurrency, timeout_s, pages))
        result = {"flags": flags, "duration_s": round(time.perf_counter() - t0, 1), **summary(records), "samples": records}
        print(f"{label}: " + json.dumps({k: v for k, v in result.items() if k != "samples"}), flush=True)
        return result
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--before", type=int, default=100, help="views without the fix first (0: skip)")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--setup", choices=["warm", "cold"], default="warm")
    parser.add_argument("--timeout", type=float, default=150.0)
    parser.add_argument("--bare", action="store_true", help="benchmarks/bare.ipynb through sopkit-serve instead of the workbooks")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    base = ["--VoilaConfiguration.preheat_kernel=False"] if args.setup == "cold" else []
    log_dir = Path(tempfile.mkdtemp(prefix="sopkit-held-"))
    result: dict = {
        "benchmark": "held_pages",
        "pages": "bare" if args.bare else "workbooks",
        "setup": args.setup,
        "concurrency": args.concurrency,
        "started_unix": time.time(),
    }

    def save() -> None:
        if args.out:
            args.out.write_text(json.dumps(result, indent=1))

    with sigterm_as_interrupt():
        if args.before:
            unfixed = [*base, "--SopkitVoila.sliced_channel_reads=False"]
            result["before"] = run("before", unfixed, args.before, args.concurrency, args.timeout, log_dir, args.bare)
            save()
        result["after"] = run("after", base, args.views, args.concurrency, args.timeout, log_dir, args.bare)
    result["environment"] = environment()
    save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
