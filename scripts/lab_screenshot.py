"""Screenshot of Voila's preview inside JupyterLab (docs/screenshots/lab-preview.png).

Starts ``scripts/lab.sh`` on a free port (no token, loopback only), opens workbooks/options.ipynb
in Lab, renders it with Voila's preview and waits for the page's charts. Run after a change to
the pages: ``.venv/bin/python scripts/lab_screenshot.py``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

from sopkit.serve.local import CHROMIUM, CHROMIUM_ARGS, free_port

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots" / "lab-preview.png"


def main() -> None:
    notebook = ROOT / "workbooks" / "options.ipynb"
    saved = notebook.read_bytes()  # Lab rewrites the kernel's display name on opening: put it back
    port = free_port()
    workspaces = tempfile.mkdtemp(prefix="sopkit-lab-")  # a fresh workspace: no tabs of an earlier run
    env = {**os.environ, "PORT": str(port)}
    lab = subprocess.Popen(
        [
            str(ROOT / "scripts" / "lab.sh"),
            "--no-browser",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--LabApp.workspaces_dir={workspaces}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):  # scripts/setup.sh runs first (pip, about a minute)
            try:
                urllib.request.urlopen(f"{url}/api", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(f"{url}/lab/tree/workbooks/options.ipynb")
            page.wait_for_selector(".jp-NotebookPanel-toolbar")
            for _ in range(3):  # any dialog Lab opens (kernel choice, a workspace of an earlier run)
                if page.locator(".jp-Dialog").count():
                    page.keyboard.press("Escape")
            page.evaluate("() => document.querySelectorAll('.jp-Notification-Toast-Close').forEach(b => b.click())")
            try:
                page.locator(".jp-NotebookPanel-toolbar .voilaRender").first.click(timeout=20_000)
            except Exception:
                page.screenshot(path="/tmp/sopkit-lab-dialog.png")
                raise
            render_anyway = page.locator(".jp-Dialog button:has-text('Render anyway')")
            try:  # Lab asks before rendering a notebook it has not trusted yet
                render_anyway.wait_for(timeout=10_000)
                render_anyway.click()
            except Exception:
                pass
            frame = page.frame_locator("iframe[src*='voila/render']")
            try:
                frame.locator(".sop-page-options .sop-hierarchy .js-plotly-plot .main-svg").first.wait_for()
                frame.locator(".sop-page-options .sop-flow .js-plotly-plot .main-svg").first.wait_for()
            finally:
                page.screenshot(path=str(OUT))
            browser.close()
        print(f"wrote {OUT.relative_to(ROOT)}")
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(30)
        notebook.write_bytes(saved)


if __name__ == "__main__":
    main()
