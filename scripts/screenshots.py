"""Take the README's screenshots: each page in English (and the options page in Chinese).

    .venv/bin/python scripts/screenshots.py      # writes docs/screenshots/*.png
Starts sopkit-serve on a free loopback port, drives Debian's chromium, stops both.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import sync_playwright

from sopkit.serve.local import CHROMIUM, CHROMIUM_ARGS, running

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 1100}, {"width": 390, "height": 844}
# (page, language, viewport, file name)
SHOTS = [
    ("overview", "en", DESKTOP, "overview"),
    ("options", "en", DESKTOP, "options"),
    ("coverage", "en", DESKTOP, "coverage"),
    ("rankings", "en", DESKTOP, "rankings"),
    ("options", "zh", DESKTOP, "options-zh"),
    ("rankings", "zh", DESKTOP, "rankings-zh"),
    ("options", "en", PHONE, "options-phone"),
    ("coverage", "zh", PHONE, "coverage-phone-zh"),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with running("workbooks", cwd=ROOT) as server:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for name, lang, viewport, shot in SHOTS:
                page = browser.new_page(viewport=viewport, device_scale_factor=2 if viewport is PHONE else 1)
                page.goto(f"{server.url}/voila/render/{name}.ipynb?lang={lang}", timeout=120_000)
                page.wait_for_selector(f".sop-page-{name} .js-plotly-plot .trace, .sop-page-{name} .js-plotly-plot .slice", timeout=120_000)
                if lang == "zh":  # ?lang=zh switches the page once it is drawn
                    page.wait_for_function("() => document.documentElement.lang === 'zh-Hans'", timeout=60_000)
                page.wait_for_timeout(1500)  # let plotly finish its transitions
                path = OUT / f"{shot}.png"
                page.screenshot(path=str(path))
                print(f"wrote {path.relative_to(ROOT)}")
                page.close(run_before_unload=True)
            browser.close()


if __name__ == "__main__":
    main()
