"""Problems with data files and uploads, and the error that carries them.

One ``Problem`` type for every check (the data folder, the cross-table rules,
uploaded mappings and survey responses): where it sits (file, row, column) and
what is wrong as a stable ``code`` with ``params``. The text is rendered from
the code through ``messages/{en,zh}.json`` (key ``problem.<code>``): English for
the command line and for ``str()``, the visitor's language on the pages.

The helpers every reader of a CSV shares live here too: ``shown`` (a value as it
appears in a message), ``strip_bom``, ``not_text`` (what a file that is not
text is, from its first bytes), ``check_header`` and the ``Problems`` collector.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SHOWN_CHARS = 40  # a value quoted in a message
COLUMN_CHARS = 60  # a column name taken from a user's header, in a message

# Every problem code and the parameters its message takes. ``tests/test_messages.py``
# checks that en.json and zh.json hold ``problem.<code>`` with exactly these fields.
CODES: dict[str, tuple[str, ...]] = {
    # a whole file
    "file_missing": ("folder",),
    "file_unreadable": ("reason",),
    "too_large": ("limit",),
    "empty": (),
    "no_rows": (),
    "no_answers": (),
    "not_utf8": (),
    "binary": (),
    "not_csv": (),
    "excel": (),
    "excel_legacy": (),
    "pdf": (),
    "image": ("format",),
    "utf16": (),
    "package_missing": ("folder",),
    "package_unreadable": ("reason",),
    "tables_undescribed": ("tables",),
    # the header
    "unknown_column": ("expected",),
    "missing_column": (),
    "duplicate_column": (),
    # a row or a cell
    "row_length": ("cells", "header"),
    "required": (),
    "not_integer": ("value",),
    "below_minimum": ("value", "minimum"),
    "not_boolean": ("value",),
    "not_date": ("value",),
    "not_time": ("value",),
    "enum": ("value", "allowed"),
    "pattern": ("value", "field"),
    "duplicate_key": ("key", "first"),
    "foreign_key": ("value", "table", "columns"),
    # rules across tables
    "id_objective": ("value", "objective"),
    "alt_text_blank": (),
    "alt_text_unexpected": (),
    "output_is_outcome": ("value",),
    "mapping_item": ("value", "kind", "table"),
    "mapping_theme": ("theme", "variant"),
    "rank_repeated": ("rank", "survey", "first"),
    "rank_beyond": ("rank", "count", "survey"),
    "fit_target": (),
    "landing_target": ("value", "option"),
    "theme_inferred": ("theme", "expected"),
    "label_id": ("label", "id"),
    "meeting_times": ("start", "end"),
    # survey responses
    "unknown_item": ("value", "items"),
    "rank_range": ("value", "count"),
    "item_ranked_twice": ("respondent", "item", "first"),
    "rank_given_twice": ("respondent", "rank", "first", "item"),
    # the end of a capped list
    "more_problem": (),
    "more_problems": ("count",),
}


def shown(value: object, limit: int = SHOWN_CHARS) -> str:
    """A value as quoted in a message: ``repr`` of at most *limit* characters, so control
    characters, bytes that were not text and very long cells never reach the reader as is."""
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def clip(text: str, limit: int = COLUMN_CHARS) -> str:
    """*text* printable and at most *limit* characters (a column name from a user's header)."""
    text = "".join(ch if ch.isprintable() else "\N{REPLACEMENT CHARACTER}" for ch in str(text))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def size_text(n: int) -> str:
    """A byte limit as people say it: ``1 MB``, ``20 MB``, ``500 KB``, ``100 bytes``."""
    for unit, name in ((2**20, "MB"), (10**6, "MB"), (1000, "KB")):
        if n >= unit and n % unit == 0:
            return f"{n // unit} {name}"
    return f"{n} bytes"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in one file.

    ``row`` counts records as a spreadsheet does (the header is row 1), so it
    matches the row number an analyst sees in Excel. ``row`` is ``None`` for a
    problem with the whole file, ``column`` is ``None`` for a whole row.
    ``code`` is one of ``CODES``; ``params`` fill its message.
    """

    file: str
    row: int | None
    column: str | None
    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}")
        if set(self.params) != set(CODES[self.code]):
            raise ValueError(f"problem {self.code!r} takes {CODES[self.code]}, not {tuple(self.params)}")

    @property
    def message(self) -> str:
        """What is wrong, in English."""
        return self.text("en")

    def text(self, lang: str = "en", *, public: bool = False) -> str:
        """What is wrong, in *lang* (``messages/<lang>.json``, key ``problem.<code>``).
        *public*: for a page's visitors, a folder is named without the server's path to it."""
        from .i18n import t  # i18n needs pandas; errors stays importable without it

        params = self.params
        if public and "folder" in params:
            params = {**params, "folder": Path(str(params["folder"])).name or "data"}
        return t(f"problem.{self.code}", lang, **params)

    def where(self, *, limit: int | None = None) -> str:
        """``file:row: column`` (``-`` for no column); *limit* clips the column name."""
        place = self.file if self.row is None else f"{self.file}:{self.row}"
        column = self.column or "-"
        return f"{place}: {clip(column, limit) if limit else column}"

    def line(self, lang: str = "en") -> str:
        """One line: ``file:row: column: message`` (column names clipped for display)."""
        return f"{self.where(limit=COLUMN_CHARS)}: {self.text(lang, public=True)}"

    def __str__(self) -> str:
        return f"{self.where()}: {self.message}"


class Problems:
    """Collects the problems of one file, in order; keeps the first *cap* (all if ``None``)
    and ends the list with "... and N more problems" when some were left out."""

    def __init__(self, file: str, cap: int | None = None):
        self.file, self.cap = file, cap
        self.kept: list[Problem] = []
        self.dropped = 0

    def add(self, row: int | None, column: str | None, code: str, /, **params: Any) -> None:
        problem = Problem(self.file, row, column, code, params)
        if self.cap is None or len(self.kept) < self.cap:
            self.kept.append(problem)
        else:
            self.dropped += 1

    def extend(self, problems: Iterable[Problem]) -> None:
        for p in problems:
            if self.cap is None or len(self.kept) < self.cap:
                self.kept.append(p)
            else:
                self.dropped += 1

    def __bool__(self) -> bool:
        return bool(self.kept)

    def __len__(self) -> int:
        return len(self.kept) + self.dropped

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.list())

    def list(self) -> list[Problem]:
        if not self.dropped:
            return list(self.kept)
        more = (
            Problem(self.file, None, None, "more_problem")
            if self.dropped == 1
            else Problem(self.file, None, None, "more_problems", {"count": self.dropped})
        )
        return [*self.kept, more]

    def raise_if_any(self) -> None:
        if self.kept:
            raise DataError(self.list())


# --- reading a CSV: what every reader shares ------------------------------------------------------------

BOM = b"\xef\xbb\xbf"
_SIGNATURES: tuple[tuple[bytes, str, dict[str, str]], ...] = (
    (b"PK\x03\x04", "excel", {}),  # xlsx, docx, any zip
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "excel_legacy", {}),  # OLE: .xls, .doc
    (b"%PDF", "pdf", {}),
    (b"\x89PNG\r\n\x1a\n", "image", {"format": "PNG"}),
    (b"\xff\xd8\xff", "image", {"format": "JPEG"}),
    (b"GIF87a", "image", {"format": "GIF"}),
    (b"GIF89a", "image", {"format": "GIF"}),
    (b"\xff\xfe", "utf16", {}),
    (b"\xfe\xff", "utf16", {}),
)


def not_text(raw: bytes) -> tuple[str, dict[str, str]] | None:
    """(code, params) when the first bytes say the file is not UTF-8 text (a workbook, PDF,
    image or UTF-16 text), else ``None``."""
    for signature, code, params in _SIGNATURES:
        if raw.startswith(signature):
            return code, dict(params)
    return None


def strip_bom(raw: bytes) -> bytes:
    """*raw* without a UTF-8 byte-order mark (Excel's "CSV UTF-8" writes one)."""
    return raw[len(BOM) :] if raw.startswith(BOM) else raw


def check_header(header: Sequence[str], expected: Sequence[str], found: Problems, *, row: int = 1) -> None:
    """Unknown, missing and repeated columns of *header* (already normalised) against *expected*."""
    listed = ", ".join(expected)
    for col in header:
        if col not in expected:
            found.add(row, col or "(blank)", "unknown_column", expected=listed)
    for col in expected:
        if col not in header:
            found.add(row, col, "missing_column")
    for col in dict.fromkeys(c for c in header if header.count(c) > 1):
        found.add(row, col, "duplicate_column")


class DataError(ValueError):
    """Invalid framework data: carries every problem found, the first one in front.

    ``file``, ``row`` and ``column`` repeat the first problem's location so a
    caller can point at it without looking into ``problems``.
    """

    def __init__(self, problems: list[Problem]):
        if not problems:
            raise ValueError("DataError needs at least one problem")
        self.problems = list(problems)
        first = self.problems[0]
        self.file, self.row, self.column = first.file, first.row, first.column
        more = len(self.problems) - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        super().__init__(f"{first}{tail}")
