"""Geometry checks for the layout tests: what overlaps or is cut off in a drawn page.

The JS below reads bounding boxes of the texts plotly draws (titles, axis titles, legends,
subplot titles, tick labels, Sankey node labels, heatmap cell texts) and of the page's own
controls, and reports overlaps and cut-offs as short readable strings (empty = all good).
"""

from __future__ import annotations

# JS: problems in every plotly chart under `root` (a CSS selector): texts of different kinds
# that intersect, and texts cut by the edge of the chart. Tick labels are checked against the
# titles, legends and subplot titles, and with each other (wrapped labels need room).
CHART_PROBLEMS_JS = """(root) => {
    const SLACK = 1;  // px: antialiasing and rounding
    const problems = [];
    const name = (el) => (el.textContent || '').trim().slice(0, 40);
    const box = (el) => { const r = el.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width, h: r.height}; };
    const hit = (a, b) => a.l < b.r - SLACK && b.l < a.r - SLACK && a.t < b.b - SLACK && b.t < a.b - SLACK;
    for (const plot of document.querySelectorAll(root + ' .js-plotly-plot')) {
        if (!plot.offsetParent) continue;  // hidden chart
        let where = 'chart';
        for (let el = plot; el; el = el.parentElement) {
            const own = Array.from(el.classList || []).find(c => c.startsWith('sop-') && !['sop-chart', 'sop-plot', 'sop-first-plot'].includes(c));
            if (own) { where = own; break; }
        }
        const svg = box(plot.querySelector('.main-svg'));
        const pick = (css, kind) => Array.from(plot.querySelectorAll(css))
            .filter(el => (el.textContent || '').trim() && box(el).w > 0)
            .map(el => ({el, kind, b: box(el)}));
        const titles = [
            ...pick('.gtitle', 'title'),
            ...pick('[class^="g-x"][class$="title"], [class^="g-y"][class$="title"]', 'axis title'),
            ...pick('.annotation-text', 'subplot title'),
        ];
        const legends = Array.from(plot.querySelectorAll('.legend')).map(el => ({el, kind: 'legend', b: box(el.querySelector('.bg') || el)}));
        const ticks = pick('.xtick text, .ytick text, .x2tick text, .x3tick text', 'tick label');
        const nodes = pick('.node-label', 'node label');
        const cells = pick('.hm text, .heatmaplayer text, .textpoint text', 'cell text');
        // plotly's toolbar: invisible until a hover or a tap, then over whatever is under it.
        const toolbar = Array.from(plot.querySelectorAll('.modebar')).map(el => ({el, kind: 'toolbar', b: box(el)}));
        const big = [...titles, ...legends];
        const pairs = (list, other, label) => {
            for (let i = 0; i < list.length; i++) {
                const from = other ? other : list.slice(i + 1);
                for (const b of from) {
                    if (list[i].el === b.el || list[i].el.contains(b.el) || b.el.contains(list[i].el)) continue;
                    if (hit(list[i].b, b.b)) problems.push(`${where}: ${list[i].kind} "${name(list[i].el)}" overlaps ${b.kind} "${name(b.el)}"`);
                }
            }
        };
        pairs(big, null);
        pairs(ticks, big);
        pairs(toolbar, [...big, ...ticks, ...cells]);
        pairs(ticks, null);
        pairs(nodes, null);
        pairs(cells, null);
        for (const item of [...titles, ...ticks, ...nodes, ...cells, ...legends]) {
            const b = item.b;
            if (b.l < svg.l - SLACK || b.r > svg.r + SLACK || b.t < svg.t - SLACK || b.b > svg.b + SLACK)
                problems.push(`${where}: ${item.kind} "${name(item.el)}" is cut by the chart's edge`);
        }
    }
    return problems;
}"""

# JS: the page's controls and blocks whose right edge passes the viewport, controls that cover
# one another, and whether the page scrolls sideways.
OVERFLOW_JS = """() => {
    const width = document.documentElement.clientWidth;
    const problems = [];
    const scroller = document.querySelector('#rendered_cells') || document.documentElement;
    if (document.documentElement.scrollWidth > width + 1) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${width}`);
    if (scroller.scrollWidth > scroller.clientWidth + 1) problems.push(`content scrolls sideways: ${scroller.scrollWidth} > ${scroller.clientWidth}`);
    const css = '.sop-page select, .sop-page input, .sop-page button, .sop-page .widget-slider, .sop-page .widget-toggle-buttons, '
              + '.sop-page .js-plotly-plot, .sop-page h1, .sop-page h2, .sop-page h3, .sop-page p, .sop-page .sop-notice, .sop-page .sop-card';
    for (const el of document.querySelectorAll(css)) {
        if (!el.offsetParent) continue;
        if (el.closest('.sop-scroll')) continue;  // wide tables scroll inside their own box
        const r = el.getBoundingClientRect();
        if (r.width === 0 && el.matches('.widget-slider, .widget-slider *')) problems.push(`slider ${el.className} is 0 px wide`);
        if (r.right > width + 1) problems.push(`${el.tagName.toLowerCase()}.${String(el.className).split(' ').filter(c => c.startsWith('sop-') || c.startsWith('widget-')).join('.')} "${(el.textContent || el.value || '').trim().slice(0, 30)}" ends at ${Math.round(r.right)} > ${width}`);
    }
    // The page's own controls (sop-* classes) must not cover one another (fixed heights do, once labels wrap).
    const controls = Array.from(document.querySelectorAll('.sop-page .widget-inline-hbox[class*="sop-"], .sop-page .widget-button[class*="sop-"], .sop-page .widget-upload[class*="sop-"]'))
        .filter(el => el.offsetParent).map(el => [Array.from(el.classList).find(c => c.startsWith('sop-')), el.getBoundingClientRect()]);
    for (let i = 0; i < controls.length; i++) for (let j = i + 1; j < controls.length; j++) {
        const [an, a] = controls[i], [bn, b] = controls[j];
        if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1) problems.push(`control ${an} overlaps control ${bn}`);
    }
    return problems;
}"""


# JS: is every drawn chart title of the page in Chinese (the redraw after switching to 中文 is done)?
CHARTS_IN_CHINESE_JS = """() => {
    const titles = Array.from(document.querySelectorAll('.sop-page .js-plotly-plot'))
        .filter(p => p.offsetParent).map(p => p.querySelector('.gtitle'));
    return titles.length > 0 && titles.every(t => t && /[\\u4e00-\\u9fff]/.test(t.textContent));
}"""


def switch_to_chinese(page) -> None:
    """Switch the page to 中文 with its own control; wait until the heading and every chart are redrawn."""
    page.locator(".sop-lang").get_by_role("button", name="中文").click()
    page.wait_for_function("() => /[\\u4e00-\\u9fff]/.test(document.querySelector('.sop-page h1').textContent)")
    page.wait_for_function(CHARTS_IN_CHINESE_JS)


def full_screenshot(page, path) -> None:
    """The whole page. Voila scrolls #rendered_cells, not the document: the window is made as
    tall as the content for the shot (same width, so the same layout), then put back."""
    size = page.viewport_size
    height = page.evaluate("() => (document.querySelector('#rendered_cells') || document.documentElement).scrollHeight")
    page.set_viewport_size({"width": size["width"], "height": max(height, size["height"])})
    try:
        page.screenshot(path=str(path))
    finally:
        page.set_viewport_size(size)
