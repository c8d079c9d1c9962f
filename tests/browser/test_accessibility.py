"""Accessibility of every page in both languages: axe-core (the copy bundled with the
axe-playwright-python package, injected into the page) finds no serious or critical
violation, and every control shows a visible focus mark when reached with the keyboard.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from .browser_helpers import CHARTS, open_workbook
from .layout_helpers import switch_to_chinese

pytestmark = pytest.mark.browser

AXE = Axe()
BLOCKING = ("serious", "critical")


def violations(page, impacts=BLOCKING) -> list[str]:
    result = AXE.run(page).response
    return [
        f"{v['id']} ({v['impact']}): {len(v['nodes'])} node(s), e.g. {v['nodes'][0]['target']}"
        for v in result["violations"]
        if v["impact"] in impacts
    ]


@pytest.mark.parametrize("name", list(CHARTS))
def test_no_serious_or_critical_axe_violation_in_either_language(page, voila_url, name):
    open_workbook(page, voila_url, name)
    found = {"en": violations(page)}
    switch_to_chinese(page)
    found["zh"] = violations(page)
    assert found == {"en": [], "zh": []}


@pytest.mark.parametrize("name", ["rankings"])
def test_all_content_inside_landmarks(page, voila_url, name):
    """axe's `region` rule (moderate): the served template puts the page in a <main>."""
    open_workbook(page, voila_url, name)
    assert [v for v in violations(page, impacts=("moderate",)) if v.startswith("region")] == []


# ---- focus -------------------------------------------------------------------------------------

FOCUSED_JS = """() => {
    const el = document.activeElement;
    if (!el || !el.closest('.sop-page')) return null;
    const cs = getComputedStyle(el);
    let kind = el.tagName.toLowerCase();
    if (kind === 'input') kind += ':' + el.type;
    if (el.closest('.widget-toggle-buttons')) kind = 'toggle button';
    if (el.closest('.widget-upload') || el.classList.contains('widget-upload')) kind = 'file upload';
    return {kind, text: (el.textContent || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 30),
            style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), color: cs.outlineColor};
}"""

# What each page must offer the keyboard (the walk below must reach at least these).
EXPECTED = {
    "overview": {"a", "summary", "toggle button"},
    "options": {"select", "input:checkbox", "toggle button", "button", "summary", "a"},
    "coverage": {"input:checkbox", "toggle button", "file upload", "button", "input:text", "summary"},
    "rankings": {"select", "toggle button", "file upload", "button", "summary"},
}


def _luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_on_white(css_colour: str) -> float:
    rgb = tuple(int(x) for x in re.findall(r"[\d.]+", css_colour)[:3])
    return 1.05 / (_luminance(rgb) + 0.05)


@pytest.mark.parametrize("name", list(CHARTS))
def test_every_control_shows_a_focus_mark_from_the_keyboard(page, voila_url, name):
    open_workbook(page, voila_url, name)
    page.locator(".sop-page h1").click()  # start the walk at the top of the page
    seen, weak = set(), []
    for _ in range(120):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:
            if seen:
                break  # left the page's controls
            continue
        seen.add(focused["kind"])
        if focused["style"] in ("none", "hidden") or focused["width"] < 3 or contrast_on_white(focused["color"]) < 3:
            weak.append(focused)
    assert EXPECTED[name] <= seen, f"the keyboard walk reached only {sorted(seen)}"
    assert weak == []
