"""Take the README's screenshots: each page in English (and the options page in Chinese).

    .venv/bin/python scripts/screenshots.py      # writes docs/screenshots/*.png
Starts sopkit-serve on a free loopback port, drives Debian's chromium, stops both.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = [("overview", "en"), ("options", "en"), ("coverage", "en"), ("rankings", "en"), ("options", "zh")]


def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "sopkit.server", "workbooks", "--no-browser", f"--port={port}",
                               "--Voila.ip=127.0.0.1"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        deadline = time.monotonic() + 120
        while True:  # until the server listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("sopkit-serve did not start")
                time.sleep(0.3)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for name, lang in SHOTS:
                page = browser.new_page(viewport={"width": 1280, "height": 1100})
                page.goto(f"http://127.0.0.1:{port}/voila/render/{name}.ipynb", timeout=120_000)
                page.wait_for_selector(f".sop-page-{name} .js-plotly-plot .trace, .sop-page-{name} .js-plotly-plot .slice", timeout=120_000)
                if lang == "zh":
                    page.click(".sop-lang button:has-text('中文')")
                    page.wait_for_function("() => document.querySelector('.sop-page h1').textContent !== 'Framework options'")
                page.wait_for_timeout(1500)  # let plotly finish its transitions
                path = OUT / f"{name}{'-zh' if lang == 'zh' else ''}.png"
                page.screenshot(path=str(path))
                print(f"wrote {path.relative_to(ROOT)}")
                page.close(run_before_unload=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(15)


if __name__ == "__main__":
    main()
