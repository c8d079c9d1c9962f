"""Helpers for the widget-layer tests (no browser, no kernel).

Pages are built directly (``OptionsPage()``, ``CoveragePage()``); outside a
kernel ``ChartView`` draws nothing but keeps ``.figure`` and ``.table``, and
every HTML widget keeps its ``.value``, so the tests read what a visitor sees
from there.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import html
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

_HREF = re.compile(r'<a class="(?P<cls>[^"]+)"[^>]*href="data:(?P<mime>[^;,]+)(?:;[^,;]*)*;base64,(?P<payload>[^"]+)"')


def top_level_count(figure) -> int:
    """Number of nodes directly under the treemap's root (the option's top-level items)."""
    trace = figure.data[0]
    root = trace["ids"][0]
    return sum(1 for parent in trace["parents"] if parent == root)


def child_ids(figure) -> set[str]:
    """Item ids under the treemap's top-level nodes (``T4/D.1-a`` -> ``D.1-a``)."""
    trace = figure.data[0]
    return {i.split("/", 1)[1] for i in trace["ids"] if "/" in i}


def download(markup: str, css_class: str = "sop-download-csv") -> bytes:
    """Bytes of the first data-URI link with *css_class* in *markup*."""
    for m in _HREF.finditer(markup):
        if css_class in m["cls"].split():
            return base64.b64decode(m["payload"])
    raise AssertionError(f"no <a class={css_class!r}> with a base64 data URI in the markup")


def csv_frame(payload: bytes) -> pd.DataFrame:
    """A downloaded CSV as a DataFrame (UTF-8 with BOM, as the workbook writes it)."""
    return pd.read_csv(io.StringIO(payload.decode("utf-8-sig")), keep_default_na=False, dtype=str)


class _TableParser(HTMLParser):
    """Rows of the tables in an HTML fragment, as lists of cell texts (stdlib only)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self._cell: list[str] | None = None
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"caption": "", "rows": [], "classes": (dict(attrs).get("class") or "").split()})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "caption":
            self._in_caption = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "caption":
            self._in_caption = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._in_caption and self.tables:
            self.tables[-1]["caption"] += data


def html_tables(markup: str) -> list[pd.DataFrame]:
    """Every ``table.sop-data`` of *markup* as a DataFrame of strings (header row = columns)."""
    parser = _TableParser()
    parser.feed(markup)
    frames = []
    for table in parser.tables:
        if "sop-data" not in table["classes"] or not table["rows"]:
            continue
        header, *body = table["rows"]
        frame = pd.DataFrame(body, columns=header)
        frame.attrs["caption"] = table["caption"]
        frames.append(frame)
    return frames


def html_table(markup: str) -> pd.DataFrame:
    """The first ``table.sop-data`` of *markup*."""
    tables = html_tables(markup)
    assert tables, "no table.sop-data in the markup"
    return tables[0]


def text_of(markup: str) -> str:
    """Visible text of an HTML fragment (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def upload_value(name: str, content: bytes, mime: str = "text/csv") -> tuple[dict, ...]:
    """What ipywidgets 8 ``FileUpload.value`` holds after a browser upload."""
    return (
        {
            "name": name,
            "type": mime,
            "size": len(content),
            "content": memoryview(content),
            "last_modified": dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        },
    )


MAPPING = Path(__file__).resolve().parents[1] / "data" / "mapping.csv"


def without_column(content: bytes, column: str) -> bytes:
    """A CSV without one of its columns (e.g. a mapping without ``rationale_zh``, as older files are)."""
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    i = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([r[:i] + r[i + 1 :] for r in rows])
    return out.getvalue().encode("utf-8")


def edited_mapping(theme: str = "T1") -> bytes:
    """data/mapping.csv with objective D.1 and its items moved to *theme* in the 4-priority variant."""
    rows = list(csv.reader(io.StringIO(MAPPING.read_text(encoding="utf-8"))))
    header = rows[0]
    v, item, th = header.index("variant"), header.index("item"), header.index("theme")
    for row in rows[1:]:
        if row[v] == "4" and (row[item] == "D.1" or row[item].startswith("D.1-")):
            row[th] = theme
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")
