"""Widget plumbing shared by every page: the page frame, language switch, charts with
their table alternative, and download links. Only this package knows ipywidgets."""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w
import pandas as pd
from IPython import get_ipython
from IPython.display import display

from .. import analysis
from ..errors import DataError
from ..figures import plotly_config
from ..i18n import messages, pick, t
from ..model import Framework, load_framework

log = logging.getLogger("sopkit.ui")

MAX_UPLOAD_BYTES = 1_000_000  # uploads (mappings, survey responses); the served pages refuse larger files before sending

# The pages' stylesheet (package data), read once and injected in each page as a <style>.
CSS = f"<style>\n{(Path(__file__).parent / 'style.css').read_text(encoding='utf-8')}</style>\n"

PLOTLY_MIME = "application/vnd.plotly.v1+json"
CSV_MIME = "text/csv;charset=utf-8"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def data_uri(payload: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def csv_bytes(df: pd.DataFrame) -> bytes:
    # UTF-8 with BOM: Excel then opens Chinese text correctly; sopkit accepts the BOM back.
    return df.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "data") -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        df.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()


def download_links(df: pd.DataFrame, name: str, lang: str, *, xlsx: bool = True) -> str:
    """HTML links that download *df* as CSV (and XLSX), made in the browser from data URIs."""
    links = [f'<a class="sop-download-csv" download="{name}.csv" href="{data_uri(csv_bytes(df), CSV_MIME)}">{t("download.csv", lang)}</a>']
    if xlsx:
        links.append(f'<a class="sop-download-xlsx" download="{name}.xlsx" href="{data_uri(xlsx_bytes(df), XLSX_MIME)}">{t("download.xlsx", lang)}</a>')
    return f'<div class="sop-downloads">{"".join(links)}</div>'


def localise_columns(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Column headers in *lang* (``col.<name>`` messages; unknown columns keep their name),
    and yes/no in *lang* for boolean columns."""
    table = messages(lang)
    yes_no = {True: t("bool.true", lang), False: t("bool.false", lang)}
    bools = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c])]
    shown = df.assign(**{c: df[c].map(yes_no) for c in bools}) if bools else df
    return shown.rename(columns={c: table.get(f"col.{c}", c) for c in df.columns})


def table_html(df: pd.DataFrame, lang: str, *, caption: str = "") -> str:
    shown = localise_columns(df, lang)
    body = shown.to_html(index=False, escape=True, border=0, classes="sop-data", na_rep="")
    if caption:
        body = body.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
    # A box that scrolls sideways when the table is wider than the screen; focusable so a
    # keyboard can scroll it too.
    label = html.escape(caption or t("table.scroll", lang), quote=True)
    return f'<div class="sop-scroll" tabindex="0" role="group" aria-label="{label}">{body}</div>'


def table_block(df: pd.DataFrame, lang: str, name: str, *, caption: str = "", summary: str | None = None, open_: bool = False) -> str:
    """A table with its downloads; folded in a <details> (keyboard-operable) when *summary* is given."""
    inner = download_links(localise_columns(df, lang), name, lang) + table_html(df, lang, caption=caption)
    if summary is None:
        return inner
    return f'<details class="sop-table"{" open" if open_ else ""}><summary>{html.escape(summary)}</summary>{inner}</details>'


COVERAGE_COLUMNS = ["theme", "name", "objectives", "outcomes agreed", "outcomes discussion",
                    "outputs agreed", "outputs discussion", "items", "share"]


def coverage_tables(fw: Framework, variant: int, lang: str, filters: dict[str, bool]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Theme coverage with names in *lang*: (full table for the figure, columns shown to visitors)."""
    cov = analysis.theme_coverage(fw, variant, **filters)
    cov = cov.assign(name=[pick(r, "name", lang) for _, r in cov.iterrows()])
    return cov, cov[COVERAGE_COLUMNS]


class ChartView:
    """A plotly chart, its data as a table (the chart's text alternative) and downloads.

    ``figure`` and ``table`` keep what is shown, so tests can check them without a browser.
    """

    def __init__(self, name: str):
        self.name = name
        self.figure: Any = None
        self.table: pd.DataFrame | None = None
        self.output = w.Output()
        self.output.add_class("sop-chart")
        self.alternative = w.HTML()
        self.widget = w.VBox([self.output, self.alternative])
        self.widget.add_class(f"sop-{name}")

    def update(self, figure: Any, table: pd.DataFrame, lang: str, *, caption: str = "") -> None:
        self.figure, self.table = figure, table
        if get_ipython() is None:
            return  # no kernel (tests, scripts): keep figure and table, draw nothing
        # The plotly mime bundle, displayed directly: fig.show() would first import nbformat
        # to check its version, and with it jsonschema's format checkers (rfc3987-syntax
        # builds a grammar on import): about 1.3 s before the first chart of every kernel.
        spec = json.loads(figure.to_json())
        spec["config"] = plotly_config(lang, self.name)
        self.output.clear_output(wait=True)
        with self.output:
            display({PLOTLY_MIME: spec}, raw=True)
        self.alternative.value = table_block(table, lang, f"sopkit-{self.name}", caption=caption, summary=t("table.alternative", lang))


class Page:
    """Frame of a workbook page: title, language switch, notices, message line, body.

    Subclasses implement ``build()`` (make widgets, once), ``relabel()`` (texts
    in the current language) and ``redraw()`` (charts and tables). Every
    callback runs through ``guard`` so a visitor sees a message, never a traceback.
    """

    key = "page"

    def __init__(self, fw: Framework | None = None, lang: str = "en"):
        self.lang = lang
        self._busy = False
        self.title = w.HTML()
        self.document = w.HTML()  # a hidden marker for the page sentinel (language, title, upload limit)
        self.document.add_class("sop-document-marker")
        self.intro = w.HTML()
        self.message = w.HTML()
        self.message.add_class("sop-message")
        self.lang_switch = w.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value=lang, style={"button_width": "80px"})
        self.lang_switch.add_class("sop-lang")
        header = w.HBox([self.title, self.lang_switch], layout=w.Layout(justify_content="space-between", align_items="center"))
        try:
            self.fw = fw if fw is not None else load_framework()
        except DataError as exc:
            self.fw = None
            self.load_error = exc
            self.body = w.HTML()  # filled by refresh(), in the visitor's language
        else:
            self.body = self.build()
        self.widget = w.VBox([w.HTML(CSS), self.document, header, self.intro, self.message, self.body])
        self.widget.add_class("sop-page")
        self.widget.add_class(f"sop-page-{self.key}")
        self.lang_switch.observe(self.guard(self._on_lang), "value")
        self.guard(self.refresh)()

    # subclass hooks
    def build(self) -> w.Widget:
        raise NotImplementedError

    def relabel(self) -> None:
        pass

    def redraw(self) -> None:
        pass

    def refresh(self) -> None:
        self.title.value = f"<h1>{t(f'{self.key}.title', self.lang)}</h1>"
        self.document.value = self._document_marker()
        self.intro.value = t(f"{self.key}.intro", self.lang)
        if self.fw is None:
            self.body.value = self._error_html(self.t("error.data"), str(self.load_error))
            return
        with self.quiet():
            self.relabel()
        self.redraw()

    def _document_marker(self) -> str:
        """What the page sentinel (the served template's sentinel.js) reads: the document's
        language and title, and the upload limit it enforces before a file is sent."""
        title = html.escape(f"{t(f'{self.key}.title', self.lang)} · TDAG-WG-SOP", quote=True)
        return (f'<span hidden class="sop-document" data-sop-lang="{self.lang}" data-sop-title="{title}" '
                f'data-sop-max-upload="{MAX_UPLOAD_BYTES}"></span>')

    @contextlib.contextmanager
    def quiet(self):
        """Change widgets without their callbacks firing (relabelling, syncing a control)."""
        self._busy = True
        try:
            yield
        finally:
            self._busy = False

    def _on_lang(self, change: dict) -> None:
        self.lang = change["new"]
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

    def say_problems(self, title: str, error: DataError) -> None:
        """Show a data error as a title and one line per problem (file:row: column: what)."""
        lines = "".join(f"<li>{html.escape(str(p))}</li>" for p in error.problems)
        self.message.value = f'<div class="sop-message-error" role="alert"><b>{html.escape(title)}</b><ul>{lines}</ul></div>'

    def guard(self, fn: Callable[..., None]) -> Callable[..., None]:
        """Wrap a callback: skip while relabelling; turn any error into a readable message."""

        def run(*args: Any) -> None:
            if self._busy:
                return
            try:
                fn(*args)
            except DataError as exc:
                self.say(str(exc), error=True)
            except Exception:  # noqa: BLE001 - a visitor must never see a traceback
                log.exception("callback failed")
                self.say(self.t("error.unexpected"), error=True)

        return run

    def set_options(self, widget: w.Widget, options: list[tuple[str, Any]]) -> None:
        """Replace a selection widget's (label, value) options, keeping its value."""
        value = widget.value
        widget.options = options
        values = [v for _, v in options]
        if value in values:
            widget.value = value
        elif values and widget.value is None:
            widget.value = values[0]

    def show(self) -> "Page":
        display(self.widget)
        return self

    def _ipython_display_(self) -> None:
        display(self.widget)
