"""Uploaded survey responses: a CSV of answers -> the tidy responses frame, and the small
model of one upload the rankings page holds.

Responses frame: one row per answer, ``respondent`` (str), ``item`` (str, one of
the survey's items), ``rank`` (int, 1 = top priority, at most the number of
items). A respondent may rank only some items (a *partial ranking*); each item
at most once, each rank at most once. A respondent's ranks run 1..k: ranks with gaps
(``r1,A,3`` alone) are read by their order and renumbered (``ballots.renumber_ranks``),
once, here, before any method sees them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from ..errors import DataError, Problem, Problems, check_header, not_text, shown, size_text, strip_bom
from ..limits import MAX_PROBLEMS, MAX_UPLOAD_BYTES
from .ballots import COLUMNS, _norm, check_items, renumber_ranks
from .voting import aggregate, rank_distribution

__all__ = ["COLUMNS", "UploadedResponses", "check_items", "parse_responses", "synthetic_responses"]

_WHOLE = re.compile(r"-?[0-9]+(?:\.0+)?")
_MARK = "\ue000"  # private-use character: marks where a decoding error sits


def _delimiter(first_line: str) -> str:
    """Comma, unless the header has none and is split by ';' or a tab (Excel in many locales)."""
    if "," not in first_line:
        for candidate in (";", "\t"):
            if candidate in first_line:
                return candidate
    return ","


def _locate(prefix: str, first_line: str, delimiter: str) -> tuple[int, str | None]:
    """Row (header = 1) and column where *prefix* ends: where a decoding problem sits."""
    try:
        records = list(csv.reader(io.StringIO(prefix + _MARK, newline=""), delimiter=delimiter))
    except csv.Error:
        return prefix.count("\n") + 1, None
    row = max(len(records), 1)
    cells = records[-1] if records else []
    index = next((i for i, cell in enumerate(cells) if _MARK in cell), None)
    if row == 1 or index is None:
        return row, None
    header = next(csv.reader(io.StringIO(first_line.rstrip("\r"), newline=""), delimiter=delimiter), [])
    return row, (_norm(header[index]) or None) if index < len(header) else None


def _item_list(items: Sequence[str]) -> str:
    listed = [str(i) for i in items[:12]]
    return ", ".join(listed) + (", …" if len(items) > 12 else "")


def parse_responses(
    content: bytes,
    items: list[str],
    *,
    name: str = "upload.csv",
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_problems: int = MAX_PROBLEMS,
) -> pd.DataFrame:
    """Validate an uploaded CSV of survey answers; return the tidy responses frame.

    Args:
        content: the file's bytes, UTF-8 (a byte-order mark and CRLF line ends,
            as Excel writes them, are fine). Comma-separated, or ``;``/tab when
            the header line holds no comma.
        items: the survey's items (e.g. ``["ITU-D.1", …]``); ranks run 1..len(items).
        name: file name used in problem messages.
        max_bytes: larger content is refused before any decoding or parsing.
        max_problems: problems listed before "... and N more problems".

    Returns:
        Columns ``respondent`` (str), ``item`` (str, spelled as in *items*),
        ``rank`` (int64), one row per answer in file order. Headers match
        ignoring case and surrounding spaces, in any order; items match ignoring
        case and repeated spaces; ranks may be written ``2`` or ``2.0``; blank
        rows are skipped. Partial rankings (only some items ranked) are allowed.
        Each respondent's ranks are renumbered 1..k in the order given (a
        lone ``3`` becomes ``1``; ``2, 4`` become ``1, 2``): see
        ``ballots.renumber_ranks``. ``attrs["renumbered"]`` lists the
        respondents whose ranks changed.

    Raises:
        DataError: one ``Problem`` per problem (row counts records with the
            header as row 1; ``None`` for the whole file), each with a code from
            ``sopkit.errors.CODES``: a file that is not text (a workbook, PDF,
            image, UTF-16) or not UTF-8, empty, too large, missing, unknown or
            repeated columns, blank cells, a rank that is not a whole number or
            is outside 1..len(items), an unknown item (the valid ones are
            listed), a respondent ranking the same item twice or giving the same
            rank twice.
        ValueError: *items* itself is empty or has repeats (a programming error).
    """
    lookup = check_items(items)
    found = Problems(name, max(1, max_problems))

    def fail(row: int | None, column: str | None, code: str, **params: Any) -> NoReturn:
        """A problem with the whole file: nothing further can be checked."""
        raise DataError([Problem(name, row, column, code, params)])

    raw = bytes(content)
    if len(raw) > max_bytes:
        fail(None, None, "too_large", limit=size_text(max_bytes))
    kind = not_text(raw)
    if kind is not None:
        fail(None, None, kind[0], **kind[1])
    raw = strip_bom(raw)
    if not raw.strip():
        fail(None, None, "empty")
    first_line = raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    delimiter = _delimiter(first_line)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        row, column = _locate(raw[: exc.start].decode("utf-8"), first_line, delimiter)
        fail(row, column, "not_utf8")
    if "\x00" in text:
        row, column = _locate(text[: text.index("\x00")], first_line, delimiter)
        fail(row, column, "binary")

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error:
        fail(reader.line_num or None, None, "not_csv")

    header = [_norm(h) for h in records[0]]
    while header and not header[-1]:
        header.pop()  # trailing empty header cells, as spreadsheets leave them
    check_header(header, COLUMNS, found)
    found.raise_if_any()

    where = {col: header.index(col) for col in COLUMNS}
    n = len(items)
    out: dict[str, list[Any]] = {col: [] for col in COLUMNS}
    item_seen: dict[tuple[str, str], int] = {}
    rank_seen: dict[tuple[str, int], tuple[int, str]] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank rows, as spreadsheets leave them
        if any(cell.strip() for cell in record[len(header) :]):
            found.add(number, None, "row_length", cells=len(record), header=len(header))
            continue
        cells = {col: (record[i].strip() if i < len(record) else "") for col, i in where.items()}
        for col in COLUMNS:
            if not cells[col]:
                found.add(number, col, "required")
        respondent = cells["respondent"]
        item: str | None = None
        if cells["item"]:
            item = lookup.get(_norm(cells["item"]))
            if item is None:
                found.add(number, "item", "unknown_item", value=shown(cells["item"]), items=_item_list(items))
        rank: int | None = None
        if cells["rank"]:
            value = cells["rank"]
            if not _WHOLE.fullmatch(value):
                found.add(number, "rank", "not_integer", value=shown(value))
            elif len(value.split(".")[0].lstrip("-")) > 9:
                found.add(number, "rank", "rank_range", value=shown(value), count=n)
            else:
                rank = int(float(value)) if "." in value else int(value)
                if not 1 <= rank <= n:
                    found.add(number, "rank", "rank_range", value=rank, count=n)
                    rank = None
        if respondent and item is not None:
            first = item_seen.setdefault((respondent, item), number)
            if first != number:
                found.add(number, "item", "item_ranked_twice", respondent=shown(respondent), item=repr(item), first=first)
        if respondent and rank is not None:
            first_rank = rank_seen.setdefault((respondent, rank), (number, item or cells["item"]))
            if first_rank[0] != number:
                found.add(number, "rank", "rank_given_twice", respondent=shown(respondent), rank=rank, first=first_rank[0], item=shown(first_rank[1]))
        out["respondent"].append(respondent)
        out["item"].append(item)
        out["rank"].append(rank)
    if not out["respondent"] and not found:
        found.add(None, None, "no_answers")
    found.raise_if_any()
    frame, renumbered = renumber_ranks(_frame(out))
    frame.attrs["renumbered"] = renumbered
    return frame


def _frame(columns: dict[str, list[Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent": pd.Series(columns["respondent"], dtype="str"),
            "item": pd.Series(columns["item"], dtype="str"),
            "rank": pd.Series(columns["rank"], dtype="int64"),
        }
    )


@dataclass(frozen=True)
class UploadedResponses:
    """One accepted upload of responses to one survey: what the rankings page holds.

    ``frame`` is the tidy responses frame (``parse_responses``), ``items`` the
    survey's items in published order. Built only from a file that passed every
    check, so holding one means the file was accepted.
    """

    name: str
    survey: str
    items: tuple[str, ...]
    frame: pd.DataFrame
    renumbered: tuple[str, ...] = ()  # respondents whose ranks had gaps and were renumbered 1..k

    @classmethod
    def parse(cls, content: bytes, *, name: str, survey: str, items: Sequence[str], max_bytes: int = MAX_UPLOAD_BYTES) -> UploadedResponses:
        """Validate *content* (raises ``DataError``, see ``parse_responses``)."""
        frame = parse_responses(content, list(items), name=name, max_bytes=max_bytes)
        return cls(name=name, survey=survey, items=tuple(items), frame=frame, renumbered=tuple(frame.attrs.get("renumbered", ())))

    @property
    def respondents(self) -> int:
        return int(self.frame["respondent"].nunique())

    def distribution(self) -> pd.DataFrame:
        return rank_distribution(self.frame, list(self.items))

    def aggregate(self, method: str) -> pd.DataFrame:
        return aggregate(self.frame, method, list(self.items))


def synthetic_responses(items: list[str], n: int, seed: int, *, complete: bool = True) -> pd.DataFrame:
    """Random, clearly SYNTHETIC responses (never real answers) for tests and demos.

    Each of *n* respondents (``synthetic-001``, ``synthetic-002``, …) ranks the
    items in a uniformly random order; with ``complete=False`` each ranks only
    a random number (at least 1) of them, top down. Deterministic for a given
    *seed*. Same columns as ``parse_responses``; ``attrs["synthetic"]`` is True.
    """
    check_items(items)
    if n < 0:
        raise ValueError("n must be 0 or more")
    rng = np.random.default_rng(seed)
    width = max(3, len(str(n)))
    rows: dict[str, list[Any]] = {col: [] for col in COLUMNS}
    for k in range(1, n + 1):
        order = rng.permutation(len(items))
        keep = len(items) if complete else int(rng.integers(1, len(items) + 1))
        for rank, idx in enumerate(order[:keep], start=1):
            rows["respondent"].append(f"synthetic-{k:0{width}d}")
            rows["item"].append(items[int(idx)])
            rows["rank"].append(rank)
    out = _frame(rows)
    out.attrs["synthetic"] = True
    return out
