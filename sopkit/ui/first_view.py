"""The first view of a served page, in the page's HTML: what the visitor sees before the live
widgets are ready (issue 20).

When Voila renders a page (a preheated kernel runs the notebook), ``show_first_view`` puts one
display output before the page's widget: the page's widget tree written as the HTML that
ipywidgets itself would make of it (the same elements and classes, so the same layout), each
chart as its figure JSON, drawn by plotly.js as soon as the page has it, tables as the HTML they
already are. The page's template (sopkit-serve's ``sopkit``) writes that output into the page
as it is (``MIME``), not as a cell output for Voila's front end to render later.

In the browser (``first_view.js``, inlined): the snapshot is shown at once, its controls marked
as not yet live (a discreet bilingual "starting" note); a choice made on it is recorded and
applied to the live control when the page is live. The live page renders hidden underneath;
when it is complete, it takes over in one step: each live chart adopts the plot the snapshot
already drew (``chart.js``: no chart drawn twice), the snapshot goes.

The page carries two snapshots: the view the kernel ran (the notebook's language, the default
view) and the same view in the other language, shown only to an address that asks for it
(``?lang=zh``: a Chinese-reading delegate sees Chinese from the first paint, not the English page
for the seconds until the live page has heard the address). The live page hands over once it is
in the snapshot's language. The other language's snapshot costs a relabel and a redraw of the
whole page and back (0.4-1.6 s of a kernel's CPU), so it is made once and kept on disk
(``cached_other_language``) for the kernels that follow. An address asking for another view
(``?option=...``, a proposal) or a browser that kept uploads for the page gets no snapshot
(Voila's loading screen, as before): the kernel hears the address only once the page is live.

Only under Voila (``VOILA_KERNEL_ID`` in the kernel's environment): nbval and JupyterLab see
no such output, and the stored notebooks stay as light as they were. ``SOPKIT_FIRST_VIEW=0``
turns it off (benchmarks compare). ``SOPKIT_FIRST_VIEW_CACHE`` names the folder of the kept
snapshots (default: ``sopkit-first-view-<uid>`` in the temporary folder; ``0`` keeps none).
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w
from IPython.display import display

from .. import paths
from ..i18n import other_language, t
from .bridge import Bridge
from .chart import PlotlyChart

if TYPE_CHECKING:
    from .common import Page

log = logging.getLogger("sopkit.ui")

MIME = "application/vnd.sopkit.first-view+html"
HERE = Path(__file__).parent
# ipywidgets' and Lumino's own stylesheets, as the live page loads them (with the widget
# manager, seconds later): the snapshot is laid out exactly as the live widgets will be.
WIDGETS_CSS = HERE / "widgets.css"
SCRIPT = HERE / "first_view.js"
# What marks the snapshot as not yet live (no layout change: the hand-over must not move anything);
# the background of Voila's page shell; the live page hidden underneath until it takes over.
OWN_CSS = """
.sop-first-view .widget-dropdown select, .sop-first-view .widget-toggle-button, .sop-first-view .widget-checkbox input,
.sop-first-view .widget-button, .sop-first-view .widget-upload, .sop-first-view .widget-text input { opacity: 0.6; cursor: progress; }
.sop-first-view-status { position: fixed; right: 12px; bottom: 12px; z-index: 1000; max-width: calc(100% - 24px); box-sizing: border-box;
  padding: 6px 12px; border-radius: 14px; background: #1A1A1A; color: #FFF;
  font: 13px/1.4 'Noto Sans', 'Noto Sans CJK SC', 'Microsoft YaHei', Arial, sans-serif;
  opacity: 0.85; pointer-events: none; }
.sop-first-view-status.sop-first-view-wait { background: #0057A0; opacity: 1; }
body.sop-first-view-on { background: var(--jp-layout-color2); }
body.sop-first-view-on .jp-OutputArea { position: relative; }
body.sop-first-view-on .jp-OutputArea-child:not(.sop-first-view-child) { position: absolute; top: 0; left: 0; right: 0; visibility: hidden; }
@media print { .sop-first-view-status { display: none; } }
"""


def wanted() -> bool:
    """Is this kernel rendering a page for Voila (and the first view not turned off)?"""
    return "VOILA_KERNEL_ID" in os.environ and os.environ.get("SOPKIT_FIRST_VIEW", "1") != "0"


def show_first_view(page: Page) -> None:
    """Display the page's first view, in its language and in the other one (under Voila only;
    see the module's docstring)."""
    if not wanted():
        return
    own = first_view_html(page)
    display({MIME: own}, raw=True)
    if page.fw is not None:
        other = cached_other_language(page, own)
        if other:
            display({MIME: other}, raw=True)


def other_language_html(page: Page) -> str | None:
    """The page's current view in the other language, for an address that asks for it; the page
    is switched there and back (None, and the page as it was, if that fails)."""
    own_lang = page.lang
    other = other_language(own_lang)
    message = page.message.value
    try:
        page.state.lang = other
        if page.message.value != message:  # the page's guard turned a failure into a message
            return None
        return first_view_html(page, address={"lang": other})
    finally:
        page.state.lang = own_lang
        page.message.value = message


def cache_folder() -> Path | None:
    """Where the other language's snapshots are kept (``SOPKIT_FIRST_VIEW_CACHE``), or None: no
    cache. The default folder is this user's own (made private); one owned by another user is
    not used."""
    setting = os.environ.get("SOPKIT_FIRST_VIEW_CACHE", "")
    if setting == "0":
        return None
    folder = Path(setting) if setting else Path(tempfile.gettempdir()) / f"sopkit-first-view-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not setting and (folder.is_symlink() or folder.stat().st_uid != os.getuid()):
            return None
    except OSError:
        return None
    return folder


def cache_key(page: Page, own_html: str) -> str:
    """What the other language's snapshot depends on: the page, its snapshot in its own language
    (the view, the data as shown, the code's output), the data files' bytes and sopkit's files
    (sizes and times: its code, messages and templates)."""
    digest = hashlib.sha256(f"{page.key}\0{page.lang}\0".encode())
    digest.update(own_html.encode("utf-8"))
    folder = getattr(page.fw, "data_dir", None)
    if folder and Path(folder).is_dir():
        digest.update(paths.fingerprint(folder).encode())
    digest.update(paths.fingerprint(paths.PACKAGE_DIR, read=False).encode())
    return digest.hexdigest()[:40]


CACHE_ENTRIES = 64  # the folder keeps this many snapshots, the newest


def cached_other_language(page: Page, own_html: str) -> str | None:
    """``other_language_html``, made once per key and kept in ``cache_folder()``: the kernels
    that follow read it (about a millisecond) instead of relabelling and redrawing the page."""
    folder = cache_folder()
    key = None
    if folder is not None:
        try:
            key = cache_key(page, own_html)
            return (folder / f"{page.key}-{key}.html").read_text(encoding="utf-8")
        except OSError:
            pass
    text = other_language_html(page)
    if text is None or folder is None or key is None:
        return text
    try:  # written whole, then renamed: a kernel reading at the same moment never sees half
        part = folder / f".{page.key}-{key}.{os.getpid()}.part"
        part.write_text(text, encoding="utf-8")
        part.replace(folder / f"{page.key}-{key}.html")
        kept = sorted(folder.glob("*.html"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in kept[CACHE_ENTRIES:]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("first view cache not written: %s", exc)
    return text


def _css(text: str) -> str:
    return "<style>" + text.replace("</", "<\\/") + "</style>"


def _json(value: Any) -> str:
    """JSON for a <script> element: "</" cannot end it early."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/")


def first_view_html(page: Page, *, address: dict[str, str] | None = None) -> str:
    """The page's current view as HTML: its widget tree as ipywidgets would draw it, charts as
    figure JSON with the script that draws them and hands the page over to the live widgets.

    *address*: query keys the page's address must carry for this snapshot to be shown (a page
    carries a snapshot per language: ``{"lang": "zh"}`` for the other one, which an address
    without ``lang`` must not get)."""
    writer = _Writer()
    body = writer.widget(page.widget, [])
    langs = (page.lang, other_language(page.lang))
    texts = {key: " / ".join(t(f"first_view.{key}", lang) for lang in langs) for key in ("starting", "wait", "upload")}
    info: dict[str, Any] = {"page": page.key, "view": page.view_query(), "lang": page.lang, "title": page.document_title(), "texts": texts}
    if address:
        info["address"] = address
    figures = "".join(f'<script type="application/json" class="sop-first-figure">{_json(spec)}</script>' for spec in writer.figures)
    # The page's own element, marked: the snapshot's root (no wrapper: the layout stays the live one's).
    body = body.replace('class="', 'class="sop-first-view ', 1).replace(
        "<div ", f'<div data-sop-first-view="{html.escape(_json(info), quote=True)}" ', 1
    )
    return f"{_css(WIDGETS_CSS.read_text(encoding='utf-8'))}{_css(OWN_CSS)}{body}{figures}<script>{SCRIPT.read_text(encoding='utf-8')}</script>"


def _layout_style(widget: w.Widget) -> str:
    """The inline style ipywidgets' LayoutView gives the widget's element."""
    layout = getattr(widget, "layout", None)
    if layout is None:
        return ""
    parts = []
    for name in layout.keys:
        if name.startswith("_") or name == "keys":
            continue
        value = getattr(layout, name)
        if value is not None and not isinstance(value, (dict, list, tuple)) and value != "":
            parts.append(f"{name.replace('_', '-')}: {value};")
    return " ".join(parts)


def _attrs(classes: list[str], widget: w.Widget, path: list[int], extra: str = "", style: str = "") -> str:
    style = " ".join(s for s in (style, _layout_style(widget)) if s)
    out = f'class="{html.escape(" ".join(classes + list(widget._dom_classes)), quote=True)}" data-sop-path="{".".join(map(str, path))}"'
    if style:
        out += f' style="{html.escape(style, quote=True)}"'
    return out + extra


def _label(description: str, style: Any = None, *, indent_hidden: bool = False) -> str:
    width = getattr(style, "description_width", "") if style is not None else ""
    css = "" if description and not indent_hidden else "display: none;"
    if width and not css:
        css = f"width: {width};"
    return f'<label class="widget-label" style="{css}">{html.escape(description)}</label>'


def _spaces(text: str) -> str:
    return html.escape(text).replace(" ", "&nbsp;")  # as ipywidgets writes option labels


class _Writer:
    """Writes a widget tree as ipywidgets 8's DOM; collects the charts' figures."""

    def __init__(self) -> None:
        self.figures: list[dict] = []

    def widget(self, widget: w.Widget, path: list[int], hidden: bool = False) -> str:
        hidden = hidden or getattr(getattr(widget, "layout", None), "display", None) == "none"
        if isinstance(widget, w.Box):
            kind = "widget-hbox" if isinstance(widget, w.HBox) else "widget-vbox"
            children = "".join(self.widget(child, [*path, i], hidden) for i, child in enumerate(widget.children))
            classes = ["lm-Widget", "lm-Panel", "jupyter-widgets", "widget-container", "widget-box", kind]
            return f"<div {_attrs(classes, widget, path)}>{children}</div>"
        if isinstance(widget, w.HTML):
            classes = ["lm-Widget", "jupyter-widgets", "widget-inline-hbox", "widget-html"]
            return f'<div {_attrs(classes, widget, path)}>{_label(widget.description)}<div class="widget-html-content">{widget.value}</div></div>'
        if isinstance(widget, w.Dropdown):
            options = "".join(
                f'<option value="{html.escape(label, quote=True)}"{" selected" if i == widget.index else ""}>{_spaces(label)}</option>'
                for i, label in enumerate(widget._options_labels)
            )
            classes = ["lm-Widget", "jupyter-widgets", "widget-inline-hbox", "widget-dropdown"]
            return f"<div {_attrs(classes, widget, path)}>{_label(widget.description, widget.style)}<select>{options}</select></div>"
        if isinstance(widget, w.ToggleButtons):
            width = getattr(widget.style, "button_width", "") or ""
            style = f' style="width: {html.escape(width, quote=True)};"' if width else ""
            buttons = "".join(
                f'<button type="button" class="widget-toggle-button jupyter-button{" mod-active" if i == widget.index else ""}"{style}>'
                f"{html.escape(label)}<i></i></button>"
                for i, label in enumerate(widget._options_labels)
            )
            classes = ["lm-Widget", "widget-toggle-buttons"]
            return f"<div {_attrs(classes, widget, path)}>{_label(widget.description, widget.style)}<div>{buttons}</div></div>"
        if isinstance(widget, w.Checkbox):
            classes = ["lm-Widget", "jupyter-widgets", "widget-inline-hbox", "widget-checkbox"]
            label = (
                '<label class="widget-label" style="display: none;">\u200b</label>'
                if not widget.indent
                else '<label class="widget-label">\u200b</label>'
            )
            desc = html.escape(widget.description)
            checked = " checked" if widget.value else ""
            return (
                f'<div {_attrs(classes, widget, path)}>{label}<label class="widget-label-basic"><input type="checkbox"{checked}>'
                f'<span title="{html.escape(widget.description, quote=True)}">{desc}</span></label></div>'
            )
        if isinstance(widget, (w.Button, w.FileUpload)):
            upload = isinstance(widget, w.FileUpload)
            classes = ["lm-Widget", "jupyter-widgets", *(["widget-upload", "jupyter-button"] if upload else ["jupyter-button", "widget-button"])]
            icon = f'<i class="fa fa-{html.escape(widget.icon, quote=True)}"></i>' if widget.icon else ""
            text = f"{widget.description} ({len(widget.value)})" if upload else widget.description
            title = f' title="{html.escape(widget.tooltip, quote=True)}"' if getattr(widget, "tooltip", None) else ""
            return f"<button {_attrs(classes, widget, path, title)}>{icon}{html.escape(text)}</button>"
        if isinstance(widget, w.Text):
            classes = ["lm-Widget", "jupyter-widgets", "widget-inline-hbox", "widget-text"]
            placeholder = html.escape(widget.placeholder or "", quote=True)
            value = html.escape(widget.value or "", quote=True)
            field = f'<input type="text" class="widget-input" placeholder="{placeholder}" value="{value}">'
            return f"<div {_attrs(classes, widget, path)}>{_label(widget.description, widget.style)}{field}</div>"
        if isinstance(widget, PlotlyChart):
            figure = widget.figure or {}
            plot = ""
            if figure.get("data") and not hidden:
                self.figures.append(figure)
                plot = f'<div class="sop-plot sop-first-plot" data-sop-figure="{len(self.figures) - 1}"></div>'
            return f"<div {_attrs(['lm-Widget'], widget, path)}>{plot}</div>"
        if isinstance(widget, Bridge):
            return f"<div {_attrs(['lm-Widget', 'sop-bridge'], widget, path, ' hidden')}></div>"
        return f"<div {_attrs(['lm-Widget'], widget, path)}></div>"
