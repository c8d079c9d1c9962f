"""The page shell shared by every page: frame, language switch, the view in the address, notices,
charts with their table alternative, uploads and downloads through the bridge. Pure HTML and
bytes are in ``tables``, whose mapping is shown in ``wording``. Only this package knows ipywidgets."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ipywidgets as w
import pandas as pd
from IPython import get_ipython
from IPython.display import display
from traitlets import Bool, HasTraits

from .. import brief, proposal
from ..errors import DataError, Problem, size_text
from ..figures import Figure, plotly_config
from ..i18n import other_language, t
from ..limits import MAX_UPLOAD_BYTES
from ..model import Framework, load_framework
from ..view import MAX_VIEW_QUERY_CHARS, ViewField
from ..whatif import WhatIf
from .bridge import Bridge
from .chart import PlotlyChart
from .state import Binding, PageState
from .tables import XLSX_MIME, ShownTables, localise_columns, problems_html, table_block, xlsx_download

log = logging.getLogger("sopkit.ui")

# The pages' stylesheet (package data), read once and injected in each page as a <style>.
CSS = f"<style>\n{(Path(__file__).parent / 'style.css').read_text(encoding='utf-8')}</style>\n"

# A notice to give: (message key, its fields).
Notices = list[tuple[str, dict[str, Any]]]


def uploaded_file(change: dict) -> tuple[str, bytes] | None:
    """(file name, content) of a FileUpload change, or None when the value was emptied."""
    files = change["new"]
    if not files:
        return None
    upload = files[0]
    name = Path(str(upload["name"])).name[:80] or "upload.csv"
    return name, bytes(upload["content"])


class Upload:
    """An upload control of a page and its message area, under one rule for every page: a file
    is taken once (the control is emptied, so choosing the same file again is a new upload),
    refused unread over the size limit, checked by *parse(name, content)*; a file it cannot use
    (DataError) has its problems said beside the control, in the page's language, scrolled into
    view, and what was in use stays (*refused(name)* redraws what says so); a file it can is
    handed to *accepted(name, content, parsed)*. Classes: ``.sop-<name>-upload``,
    ``.sop-<name>-message``."""

    def __init__(
        self,
        page: Page,
        name: str,
        *,
        parse: Callable[[str, bytes], Any],
        accepted: Callable[[str, bytes, Any], None],
        refused_title: str,
        refused: Callable[[str], None] | None = None,
    ) -> None:
        self.page, self.parse, self.accepted, self.refused_title, self.refused = page, parse, accepted, refused_title, refused
        self.widget = w.FileUpload(accept=".csv,text/csv", multiple=False, layout=w.Layout(width="auto"))  # a fixed width cut the label
        self.widget.add_class(f"sop-{name}-upload")
        self.note = page.upload_message(name)
        self.css = f".sop-{name}-message"
        self.widget.observe(page.guard(self.on_change), "value")
        page.on_too_large(self.widget, self.note, self.css)

    def on_change(self, change: dict) -> None:
        received = uploaded_file(change)
        if received is None:
            return
        self.widget.value = ()  # the same file chosen again is a new upload; this observer sees no file then
        name, content = received
        self.page.say("")
        try:
            if len(content) > MAX_UPLOAD_BYTES:
                raise DataError([Problem(name, None, None, "too_large", {"limit": size_text(MAX_UPLOAD_BYTES)})])
            parsed = self.parse(name, content)
        except DataError as exc:
            self.page.say_problems(self.page.t(self.refused_title, name=name), exc, where=self.note)
            if self.refused is not None:
                self.refused(name)
            self.page.scroll_into_view(self.css)
            return
        self.accepted(name, content, parsed)


class FilterTraits(HasTraits):
    """The two filters the options and coverage pages share (state traits)."""

    include_discussion = Bool(True)  # items under discussion shown too
    include_proposed = Bool(True)  # proposed additions shown too


class FilterControls:
    """The filters' checkboxes, bound to ``FilterTraits`` of the page's state."""

    def __init__(self, bind: Binding) -> None:
        self.state = bind.state
        self.include_discussion = bind.bind(w.Checkbox(indent=False), "include_discussion")
        self.include_discussion.add_class("sop-include-discussion")
        self.include_proposed = bind.bind(w.Checkbox(indent=False), "include_proposed")
        self.include_proposed.add_class("sop-include-proposed")
        self.controls = (self.include_discussion, self.include_proposed)
        self.widget = w.HBox(list(self.controls), layout=w.Layout(flex_flow="row wrap"))

    def relabel(self, lang: str) -> None:
        self.include_discussion.description = t("filter.include_discussion", lang)
        self.include_proposed.description = t("filter.include_proposed", lang)

    def filters(self) -> dict[str, bool]:
        """Keyword arguments for the analysis functions (``include_discussion``, ``include_proposed``)."""
        return {"include_discussion": self.state.include_discussion, "include_proposed": self.state.include_proposed}


class ChartView:
    """A plotly chart, its data as a table (the chart's text alternative) and downloads.

    ``figure`` and ``table`` keep what is shown, so tests can check them without a browser.
    """

    def __init__(self, name: str, shown: ShownTables):
        self.name = name
        self.shown = shown  # the page's tables on show: the Excel link of this chart's table
        self.figure: Figure | None = None
        self.table: pd.DataFrame | None = None
        self.caption = ""
        self.plot = PlotlyChart()
        self.plot.add_class("sop-chart")
        self.alternative = w.HTML()
        self.widget = w.VBox([self.plot, self.alternative])
        self.widget.add_class(f"sop-{name}")

    def update(self, figure: Figure, table: pd.DataFrame, lang: str, *, caption: str = "") -> None:
        self.figure, self.table, self.caption = figure, table, caption
        if get_ipython() is None:
            return  # no kernel (tests, scripts): keep figure and table, draw nothing
        # The figure is plotly's JSON already (sopkit.figures.Figure): no plotly in a kernel.
        spec = figure.to_dict()
        spec["config"] = plotly_config(lang, self.name)
        self.plot.figure = spec  # one message; the browser redraws in place
        self.alternative.value = table_block(
            table, lang, f"sopkit-{self.name}", shown=self.shown, caption=caption, summary=t("table.alternative", lang)
        )


class Page:
    """Frame of a workbook page: title, language switch, notices, message line, body.

    The page's state is ``self.state`` (a ``PageState`` from ``make_state()``: its view and
    what the visitor chose); widgets are bound to it (``self.bind``) and the page's callbacks
    observe the state. Subclasses implement ``make_state()``, ``build()`` (make and bind
    widgets, once), ``relabel()`` (texts in the current language) and ``redraw()`` (charts and
    tables). Every callback runs through ``guard`` so a visitor sees a message, never a traceback.
    """

    key = "page"

    def __init__(
        self,
        fw: Framework | None = None,
        lang: str = "en",
        *,
        data: str | Path | None = None,
        mapping: str | Path | None = None,
        view: str = "",
    ):
        """*fw* (or the data folder *data* with the mapping file *mapping*; default: the bundled
        data) shown in *lang*, in the *view* given as a query string (``option=themes-5&variant=5``,
        as in a shared link)."""
        self.shown_tables: ShownTables = {}  # what the Excel links can ask for
        self.chart_views: list[ChartView] = []  # every chart of the page (``chart()``), in the order made
        self._notices: Notices | None = None  # notices gathered while a view is applied (one message)
        self.live_url = ""  # the page's address without its query, as the browser reported it
        self.share = w.HTML()  # "link to this view", print
        self.share.add_class("sop-share-links")
        self.brief_button = w.Button(icon="download", layout=w.Layout(width="auto"))
        self.brief_button.add_class("sop-brief")
        self.share_note = w.HTML()
        self.share_note.add_class("sop-share-note")
        self.print_footer = w.HTML()  # shown on paper only
        self.bridge = Bridge(page=self.key, layout=w.Layout(display="none"))  # the one channel to the browser
        self.title = w.HTML()
        self.document = w.HTML()  # a hidden marker for the page sentinel (language, title, upload limit)
        self.document.add_class("sop-document-marker")
        self.intro = w.HTML()
        self.message = w.HTML()
        self.message.add_class("sop-message")
        self.scrolled_to: list[str] = []  # what scroll_into_view was asked for (tests read it)
        self.downloads: list[str] = []  # file names sent to the browser (tests read them)
        self.kept_uploads: dict[str, str] = {}  # slot -> name of the upload kept in the browser
        try:
            self.fw = fw if fw is not None else load_framework(data, mapping=mapping)
        except (DataError, OSError) as exc:
            self.fw = None
            self.state = PageState(lang=lang)
            # Whatever went wrong reading the data, the visitor gets the same short notice (and
            # no server path): an unreadable folder is a data error like a broken CSV.
            self.load_error = (
                exc
                if isinstance(exc, DataError)
                else DataError([Problem("data", None, None, "file_unreadable", {"reason": exc.strerror or type(exc).__name__})])
            )
            self.body = w.HTML()  # filled by refresh(), in the visitor's language
        else:
            self.state = self.make_state()
            self.state.lang = lang
        self.bind = Binding(self.state)
        self.lang_switch = self.bind.bind(w.ToggleButtons(options=[("English", "en"), ("中文", "zh")], style={"button_width": "80px"}), "lang")
        self.lang_switch.add_class("sop-lang")
        header = w.HBox([self.title, self.lang_switch], layout=w.Layout(justify_content="space-between", align_items="center"))
        if self.fw is not None:
            self.body = self.build()
        share = w.HBox([self.share, self.brief_button], layout=w.Layout(flex_flow="row wrap", align_items="center"))
        share_box = w.VBox([share, self.share_note])
        share_box.add_class("sop-share")
        self.widget = w.VBox(
            [
                w.HTML(CSS),
                self.document,
                header,
                share_box,
                self.intro,
                self.message,
                self.body,
                self.print_footer,
                self.bridge,
            ]
        )
        self.widget.add_class("sop-page")
        self.widget.add_class(f"sop-page-{self.key}")
        self.state.observe(self.guard(self._on_lang), "lang")
        self.bridge.listen(self.guard(self.on_browser_request))
        self.guard(self.refresh)()
        # The view as the page opened is the default a link leaves out; from now on the page
        # publishes its view (for the address bar) whenever a part of it changes: after the
        # page's own callbacks (observers run in the order they were registered).
        self.state.settle()
        self.state.observe(lambda _change: self.publish_view(), self.state.view_names)
        self.brief_button.on_click(self.guard(self.on_brief))
        if view:
            self.guard(self.apply_view)(view)
        self.publish_view()

    # subclass hooks
    def make_state(self) -> PageState:
        """The page's state, its choices taken from ``self.fw``."""
        return PageState()

    def build(self) -> w.Widget:
        raise NotImplementedError

    def relabel(self) -> None:
        pass

    def redraw(self) -> None:
        pass

    def refresh(self) -> None:
        self.title.value = f"<h1>{t(f'{self.key}.title', self.lang)}</h1>"
        self.publish_view()  # the language is part of the view
        self.relabel_share()
        self.intro.value = t(f"{self.key}.intro", self.lang)
        if self.fw is None:
            self.body.value = problems_html(self.t("error.data"), self.load_error, self.lang)
            return
        self.relabel()
        self.redraw()

    @property
    def lang(self) -> str:
        """The page's language (``state.lang``)."""
        return self.state.lang

    def _document_marker(self) -> str:
        """What the page sentinel (the served template's sentinel.js) reads: the page's language
        (its notices' language) and the upload limit it enforces before a file is sent."""
        return f'<span hidden class="sop-document" data-sop-lang="{self.lang}" data-sop-max-upload="{MAX_UPLOAD_BYTES}"></span>'

    def document_title(self) -> str:
        return f"{t(f'{self.key}.title', self.lang)} · TDAG-WG-SOP"

    # ---- the view in a link ---------------------------------------------------------------------------

    def view_fields(self) -> list[ViewField]:
        """The page's view as fields for ``sopkit.view`` (the language first)."""
        return self.state.view_fields()

    def view_values(self) -> dict[str, Any]:
        """The current view: query key -> value."""
        return self.state.view_values()

    def view_query(self) -> str:
        """The current view as a query string (what a link to this view carries)."""
        return self.state.view_query()

    def publish_view(self) -> None:
        """Tell the browser the current view (the bridge mirrors it into the address bar)."""
        self.document.value = self._document_marker()
        with self.bridge.hold_sync():
            self.bridge.view, self.bridge.lang, self.bridge.title = self.view_query(), self.lang, self.document_title()

    def apply_view(self, query: str) -> list[str]:
        """Show the view *query* asks for (untrusted: from a link). Valid parts are applied as
        if the visitor had chosen them; the rest is ignored with a short bilingual notice.
        Returns the ignored keys."""
        self._notices = []
        try:
            ignored = self.state.apply_query(query)
        finally:
            notices, self._notices = self._notices, None
        if ignored:
            notices.insert(0, ("view.ignored", {"keys": ", ".join(ignored)}))
        self.say_both(notices)
        return ignored

    def say_both(self, notices: Notices) -> None:
        """Notices in the page's language, then the other one (a link may be read by either).
        While a view is applied, they are gathered and given as one message at its end."""
        if self._notices is not None:
            self._notices += notices
            return
        if not notices:
            return
        first, other = self.lang, other_language(self.lang)
        self.say(" / ".join(" ".join(t(key, lang, **fields) for key, fields in notices) for lang in (first, other)))

    def read_proposal(self, token: str, whatif: WhatIf | None = None) -> tuple[WhatIf, Notices]:
        """The proposal in a link's *token* (untrusted) put into *whatif* (a new one if None), and
        the notices it needs: refused whole (damaged, another version, an impossible mapping) or
        item by item (stale data, entries that cannot apply); "the proposal from the link" when
        it moved anything."""
        whatif = WhatIf(self.fw) if whatif is None else whatif
        decoded = proposal.decode(token, self.fw)
        notices: Notices = [(f"proposal.refused.{decoded.problem}", {})] if decoded.problem else []
        if decoded.refused:
            notices.append(("proposal.refused.items", {"items": ", ".join(decoded.refused[:12]) + (" …" if len(decoded.refused) > 12 else "")}))
        try:
            whatif.apply(decoded.placements)
        except (DataError, ValueError):
            whatif.reset()
            notices.append(("proposal.refused.unreadable", {}))
        if whatif.edited:
            notices.insert(0, ("proposal.linked", {"count": sum(whatif.edit_count(v) for v in self.fw.variants)}))
        return whatif, notices

    def on_browser_request(self, kind: str, content: dict, buffers: list[bytes]) -> None:
        """What the bridge heard from the browser: ``hello`` when the page opens, ``xlsx`` for an Excel link."""
        if kind == "xlsx":
            self.on_download_request(str(content.get("name", "")))
        elif kind == "hello":
            self.on_hello(content, buffers)

    def on_hello(self, content: dict, buffers: list[bytes]) -> None:
        """The browser's hello, ``{"n": 1, "href": "<the page's address>", "uploads": [...]}``:
        apply the view in the address's query (or the view this browser kept, for a reload
        that lost it), bring back the uploads it kept, and say that hello *n* was heard."""
        href = content.get("href")
        try:
            n, parts = int(content["n"]), urlsplit(href[: 2 * MAX_VIEW_QUERY_CHARS])
        except (ValueError, TypeError, KeyError, AttributeError):
            return
        if n <= self.bridge.heard:
            return  # a repeat of a hello already handled
        if parts.scheme in ("http", "https") and parts.netloc:
            self.live_url = f"{parts.scheme}://{parts.netloc}{parts.path}"
        query = parts.query or str(content.get("view") or "")[:MAX_VIEW_QUERY_CHARS]
        try:
            self.apply_view(query)
            uploads = content.get("uploads")
            if isinstance(uploads, list) and self.fw is not None:
                for meta, payload in zip(uploads[: len(buffers)], buffers):
                    if isinstance(meta, dict):
                        self.guard(self.restore_upload)(str(meta.get("slot", "")), str(meta.get("name", ""))[:80], payload, meta.get("meta") or {})
        finally:
            self.bridge.heard = n
            self.publish_view()

    def restore_upload(self, slot: str, name: str, payload: bytes, meta: dict) -> None:
        """An upload this browser kept for the page (``keep_upload``), brought back by a reload."""

    def view_url(self) -> str:
        """The address of the current view (empty when the page was never seen in a browser)."""
        return f"{self.live_url}?{self.view_query()}" if self.live_url else ""

    # ---- share, print, brief ----------------------------------------------------------------------------

    def relabel_share(self) -> None:
        copied, failed = html.escape(self.t("share.copied"), quote=True), html.escape(self.t("share.copy_failed"), quote=True)
        self.share.value = (
            f'<button type="button" class="sop-copy-link" data-sop-copied="{copied}" data-sop-copy-failed="{failed}">{self.t("share.link")}</button>'
            f'<button type="button" class="sop-print">{self.t("share.print")}</button>'
            '<span class="sop-copy-status" role="status"></span>'
        )
        self.brief_button.description = self.t("share.brief")
        self.brief_button.tooltip = self.t("share.brief_help")
        self.share_note.value = f"<small>{self.t('share.note')}</small>"
        today = date.today().isoformat()
        footer = self.t("print.footer", date=today)
        # A CSS string inside <style> (raw text: no HTML escapes; "<" written as a CSS escape).
        css_text = footer.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ").replace("\n", " ")
        self.print_footer.value = (
            f'<style>@media print {{ @page {{ @bottom-left {{ content: "{css_text}"; }} }} }}</style>'
            f'<div class="sop-print-footer">{html.escape(footer)} <span class="sop-print-url"></span></div>'
        )

    def chart(self, name: str) -> ChartView:
        """A chart of this page (``.sop-<name>``), its table's Excel link served by the page."""
        view = ChartView(name, self.shown_tables)
        self.chart_views.append(view)
        return view

    def table_block(self, df: pd.DataFrame, name: str, **kwargs: Any) -> str:
        """``table_block`` in the page's language, its Excel link served by the page."""
        return table_block(df, self.lang, name, shown=self.shown_tables, **kwargs)

    def charts(self) -> list[ChartView]:
        """The page's charts that show something, in the order they were made."""
        return [v for v in self.chart_views if v.figure is not None and v.widget.layout.display != "none"]

    def brief_html(self) -> str:
        """A self-contained HTML brief of the current view (see ``sopkit.brief``)."""
        sections = [
            brief.BriefChart(
                figure=v.figure,
                table=localise_columns(v.table, self.lang) if v.table is not None else None,
                caption=v.caption,
                config=plotly_config(self.lang, v.name),
            )
            for v in self.charts()
        ]
        return brief.brief_html(
            title=self.t(f"{self.key}.title"),
            lang=self.lang,
            charts=sections,
            live_url=self.view_url(),
            view_query=self.view_query(),
        )

    def on_brief(self, _button=None) -> None:
        """Make the brief now (not before: pages open faster) and hand it to the browser as a file."""
        text = self.brief_html()
        name = f"sopkit-{self.key}-{self.lang}-{date.today().isoformat()}.html"
        self.say(self.t("share.brief_ready", name=name))
        self.hand_to_browser(name, "text/html;charset=utf-8", text.encode("utf-8"))

    def _on_lang(self, _change: dict) -> None:
        self.say("")
        self.refresh()

    def t(self, key: str, **fields: object) -> str:
        return t(key, self.lang, **fields)

    @staticmethod
    def _error_html(title: str, detail: str) -> str:
        return f'<div class="sop-message-error" role="alert"><b>{html.escape(title)}</b><br>{html.escape(detail)}</div>'

    def say(self, text: str, *, error: bool = False) -> None:
        """Show a one-line message above the page body (empty text clears it)."""
        if not text:
            self.message.value = ""
        elif error:
            self.message.value = self._error_html(self.t("error.title"), text)
        else:
            self.message.value = f'<div class="sop-message-info" role="status">{html.escape(text)}</div>'

    def say_problems(self, title: str, error: DataError, *, where: w.HTML | None = None) -> None:
        """Show a data error as a title and one line per problem (file:row: column: what), in the
        visitor's language, in *where* (an upload's own message area) or the page's message line."""
        (where or self.message).value = problems_html(title, error, self.lang)

    def upload_message(self, name: str) -> w.HTML:
        """The message area of an upload control, to sit right below it (``.sop-<name>-message``)."""
        area = w.HTML()
        area.add_class("sop-upload-message")
        area.add_class(f"sop-{name}-message")
        return area

    def say_at(self, where: w.HTML, text: str, *, error: bool = False) -> None:
        """A one-line message in an upload's message area (empty text clears it)."""
        if not text:
            where.value = ""
        elif error:
            where.value = self._error_html(self.t("error.title"), text)
        else:
            where.value = f'<div class="sop-message-info" role="status">{html.escape(text)}</div>'

    def scroll_into_view(self, css: str) -> None:
        """Ask the browser to scroll the element *css* of this page into view (a message the
        visitor must see where they are looking)."""
        self.scrolled_to.append(css)
        self.bridge.scroll_to(f".sop-page-{self.key} {css}")

    def hand_to_browser(self, filename: str, mime: str, payload: bytes) -> None:
        """Give the visitor *payload* as a downloaded file (the delivery widget sends the bytes;
        the page saves them as a Blob). ``downloads`` keeps the file names, for tests."""
        self.downloads.append(filename)
        self.bridge.save(filename, mime, payload)

    def keep_upload(self, slot: str, name: str, payload: bytes, **meta: str) -> None:
        """Keep an accepted upload in the visitor's browser (only there: never in a link), so
        that a reload after any loss of the kernel brings it back (``restore_upload``)."""
        self.kept_uploads[slot] = name
        self.bridge.keep(slot, name, payload, **meta)

    def forget_upload(self, slot: str) -> None:
        """Forget the upload kept in the browser (the visitor cleared it)."""
        self.kept_uploads.pop(slot, None)
        self.bridge.forget(slot)

    def on_download_request(self, name: str) -> None:
        """Make the Excel file the visitor asked for and hand it to the browser."""
        made = xlsx_download(self.shown_tables, name)
        if made is None:
            return  # a table no longer (or never) shown: nothing to send
        filename, payload = made
        self.hand_to_browser(filename, XLSX_MIME, payload)

    def on_too_large(self, upload: w.FileUpload, where: w.HTML, css: str) -> None:
        """Say "larger than ..." beside *upload* when the server stopped a file too large to
        pass (sopkit.serve.protocol sends the widget ``{"sopkit": "too-large", "bytes": N}``
        instead of the file; the served page normally refuses such files before sending)."""

        upload.on_msg(self.guard(lambda _widget, content, _buffers: self.too_large_heard(content, where, css)))

    def too_large_heard(self, content: Any, where: w.HTML, css: str) -> None:
        """What the server sent an upload control instead of a file too large to pass."""
        if not isinstance(content, dict) or content.get("sopkit") != "too-large":
            return
        problem = Problem(self.t("upload.file"), None, None, "too_large", {"limit": size_text(MAX_UPLOAD_BYTES)})
        self.say_problems(self.t("upload.refused"), DataError([problem]), where=where)
        self.scroll_into_view(css)

    def guard(self, fn: Callable[..., None]) -> Callable[..., None]:
        """Wrap a callback: turn any error into a readable message."""

        def run(*args: Any) -> None:
            try:
                fn(*args)
            except DataError as exc:
                self.say_problems(self.t("error.title"), exc)
            except Exception:  # noqa: BLE001 - a visitor must never see a traceback
                log.exception("callback failed")
                self.say(self.t("error.unexpected"), error=True)

        return run

    def show(self) -> "Page":
        self._ipython_display_()
        return self

    def _ipython_display_(self) -> None:
        from .first_view import show_first_view  # the view in the page's HTML, under Voila only

        show_first_view(self)
        display(self.widget)
