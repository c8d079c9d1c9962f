#!/usr/bin/env python
"""A brief downloaded on a slow link, and the click that follows it.

    .venv/bin/python benchmarks/throttled_download.py [--root CHECKOUT ...] [--out FILE]

For each checkout given (default: this one; pass an older worktree to compare before and after
in the same run), a sopkit-serve started from it on loopback, the rankings page in Debian's
chromium, then the link throttled through CDP (download 2 Mbit/s, upload 1 Mbit/s, 100 ms):
``brief_s`` is the click on "Download a brief" to the file saved; ``click_after_brief_s`` the
click on a weight strength, right after, to the weighted chart redrawn. A page that sends what it
received back to the kernel (the ipywidgets ``Output`` route before the delivery widget) holds
every later click behind that upload.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from _harness import CHROMIUM, CHROMIUM_ARGS, checkout_server, compare_checkouts

THROTTLE = {"offline": False, "latency": 100, "downloadThroughput": 2_000_000 / 8, "uploadThroughput": 1_000_000 / 8}
WEIGHTED = ".sop-weighted .js-plotly-plot"


def measure(root: Path) -> dict:
    """One visit against a server run from the checkout *root* (its sopkit, on PYTHONPATH)."""
    from playwright.sync_api import sync_playwright

    with checkout_server(root, log_name="throttled") as server:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
            page = context.new_page()
            page.goto(server.url + "/voila/render/rankings.ipynb", timeout=90_000)
            page.wait_for_function(f"() => !!document.querySelector('{WEIGHTED} .main-svg')", timeout=90_000)
            page.wait_for_timeout(2000)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", THROTTLE)
            started = time.monotonic()
            with page.expect_download(timeout=300_000) as download:
                page.click(".sop-brief")
            size = os.path.getsize(download.value.path())
            brief_s = time.monotonic() - started
            drawn = page.evaluate(f"() => document.querySelector('{WEIGHTED}').dataset.sopDrawn")
            started = time.monotonic()
            page.click(".sop-strength button:has-text('0.25')")
            page.wait_for_function(f"(n) => document.querySelector('{WEIGHTED}').dataset.sopDrawn !== n", arg=drawn, timeout=300_000)
            click_s = time.monotonic() - started
            browser.close()
    return {"brief_bytes": size, "brief_s": round(brief_s, 1), "click_after_brief_s": round(click_s, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", action="append", type=Path, help="a checkout to serve from (repeatable; default: this one)")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    compare_checkouts(measure, args.root, args.out, {"throttle": THROTTLE})


if __name__ == "__main__":
    main()
