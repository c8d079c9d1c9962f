"""Tables as a page shows them, as pure HTML and bytes (no widgets): headers and codes in the
page's language, CSV and Excel downloads, the problems of a refused file, the coverage table."""

from __future__ import annotations

import base64
import html
import io

import pandas as pd

from .. import analysis
from ..errors import DataError
from ..i18n import messages, pick, t
from ..limits import MAX_PROBLEMS
from ..model import Framework

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


# A page's tables on show, by download name (Page.shown_tables): an Excel file is made from
# there when asked for (Page.on_download_request), not for every table at every redraw
# (openpyxl takes 20-50 ms a table, and most tables are never downloaded).
ShownTables = dict[str, pd.DataFrame]


# The Excel link asks the kernel for its file: it raises "sopkit-request" on its page, which the
# page's bridge (bridge.js) sends on. Inline, so it works wherever the page is shown (Voila, its
# JupyterLab preview, the static edition), not only under the served template.
REQUEST_JS = (
    "event.preventDefault();"
    "this.dispatchEvent(new CustomEvent('sopkit-request',{bubbles:true,detail:{type:'xlsx',name:this.getAttribute('data-sop-download')}}));"
    "return false;"
)


def download_links(df: pd.DataFrame, name: str, lang: str, *, shown: ShownTables) -> str:
    """HTML links that download *df* as CSV (a data URI, made now) and as an Excel file
    (made by the kernel when the link is clicked, from *shown*, where *df* is kept)."""
    shown[name] = df
    return (
        '<div class="sop-downloads">'
        f'<a class="sop-download-csv" download="{name}.csv" href="{data_uri(csv_bytes(df), CSV_MIME)}">{t("download.csv", lang)}</a>'
        f'<a class="sop-download-xlsx" href="#" role="button" data-sop-download="{html.escape(name, quote=True)}" '
        f'onclick="{html.escape(REQUEST_JS, quote=True)}">{t("download.xlsx", lang)}</a></div>'
    )


def xlsx_download(shown: ShownTables, name: str) -> tuple[str, bytes] | None:
    """(file name, XLSX bytes) of the table shown under *name*, or None for a name never shown."""
    df = shown.get(name)
    return None if df is None else (f"{name}.xlsx", xlsx_bytes(df))


# Columns whose values are codes of a vocabulary (``status`` = agreed/discussion ...): message prefix.
VALUE_MESSAGES = {"item_type": "kind", "status": "status", "option": "option", "fit": "fit", "issue": "issue"}


def localise_values(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Vocabulary codes in *lang* (``status.agreed`` ...) for a language other than English;
    English tables keep the data's own codes, as in its CSV files. Unknown values stay."""
    if lang == "en":
        return df
    table = messages(lang)
    names = [c for c in df.columns if c in VALUE_MESSAGES]
    return df.assign(**{c: df[c].map(lambda v, p=VALUE_MESSAGES[c]: table[f"{p}.{v}"] if f"{p}.{v}" in table else v) for c in names}) if names else df


def localise_columns(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Column headers in *lang* (``col.<name>`` messages; unknown columns keep their name),
    vocabulary codes in *lang* (``localise_values``) and yes/no in *lang* for boolean columns."""
    table = messages(lang)
    yes_no = {True: t("bool.true", lang), False: t("bool.false", lang)}
    bools = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c])]
    shown = df.assign(**{c: df[c].map(yes_no) for c in bools}) if bools else df
    shown = localise_values(shown, lang)
    return shown.rename(columns={c: table.get(f"col.{c}", c) for c in df.columns})


# A notice to give: (message key, its fields).
def problems_html(title: str, error: DataError, lang: str, *, limit: int = MAX_PROBLEMS) -> str:
    """A title and one line per problem (``file:row: column: what``) in *lang*, escaped, at most *limit*."""
    problems = error.problems
    lines = [p.line(lang) for p in problems[:limit]]
    if len(problems) > limit:
        lines.append(t("problem.more_problems", lang, count=len(problems) - limit))
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<div class="sop-message-error" role="alert"><b>{html.escape(title)}</b><ul>{items}</ul></div>'


def table_html(df: pd.DataFrame, lang: str, *, caption: str = "") -> str:
    shown = localise_columns(df, lang)
    body = shown.to_html(index=False, escape=True, border=0, classes="sop-data", na_rep="–")  # a missing value: a dash
    if caption:
        body = body.replace(">", f"><caption>{html.escape(caption)}</caption>", 1)
    # A box that scrolls sideways when the table is wider than the screen; focusable so a
    # keyboard can scroll it too.
    label = html.escape(caption or t("table.scroll", lang), quote=True)
    return f'<div class="sop-scroll" tabindex="0" role="group" aria-label="{label}">{body}</div>'


def table_block(
    df: pd.DataFrame, lang: str, name: str, *, shown: ShownTables, caption: str = "", summary: str | None = None, open_: bool = False
) -> str:
    """A table with its downloads (kept in *shown* for the Excel link); folded in a <details>
    (keyboard-operable) when *summary* is given."""
    inner = download_links(localise_columns(df, lang), name, lang, shown=shown) + table_html(df, lang, caption=caption)
    if summary is None:
        return inner
    return f'<details class="sop-table"{" open" if open_ else ""}><summary>{html.escape(summary)}</summary>{inner}</details>'


COVERAGE_COLUMNS = ["theme", "name", "objectives", "outcomes agreed", "outcomes discussion", "outputs agreed", "outputs discussion", "items", "share"]


def coverage_tables(fw: Framework, variant: int, lang: str, filters: dict[str, bool]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Theme coverage with names in *lang*: (full table for the figure, columns shown to visitors)."""
    cov = analysis.theme_coverage(fw, variant, **filters)
    cov = cov.assign(name=[pick(r, "name", lang) for r in cov.to_dict("records")])
    return cov, cov[COVERAGE_COLUMNS]
