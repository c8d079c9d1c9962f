"""Read and validate the CSV tables of a data folder.

Validation is hand-written rather than delegated to ``frictionless`` because
analysts need one plain line per problem (``file:row: column: what is wrong``)
and loading must stay fast; ``frictionless validate`` runs over the same
``datapackage.json`` in the tests as an independent check.
"""

from __future__ import annotations

import csv
import datetime as dt
import io as _io
from pathlib import Path
from typing import Any

from .errors import Problem
from .schema import Field, Table

Row = dict[str, Any]
MAX_FILE_BYTES = 20 * 1024 * 1024  # far above any real table; stops a runaway file


def _shown(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _convert(value: str, spec: Field) -> tuple[Any, str | None]:
    """Convert one non-empty cell; return (value, error message or None)."""
    if spec.type == "integer":
        try:
            number = int(value)
        except ValueError:
            return None, f"{_shown(value)} is not a whole number"
        if spec.minimum is not None and number < spec.minimum:
            return None, f"{number} is below the minimum {spec.minimum}"
        return number, None
    if spec.type == "boolean":
        if value in spec.true_values:
            return True, None
        if value in spec.false_values:
            return False, None
        return None, f"{_shown(value)} is not true or false"
    if spec.type == "date":
        try:
            return dt.date.fromisoformat(value), None
        except ValueError:
            return None, f"{_shown(value)} is not a date written YYYY-MM-DD"
    if spec.type == "time":
        try:
            return dt.datetime.strptime(value, "%H:%M").time(), None
        except ValueError:
            return None, f"{_shown(value)} is not a time written HH:MM"
    return value, None


def read_table(data_dir: Path, table: Table) -> tuple[list[Row], list[Problem]]:
    """Read one table's CSV; return its typed rows and every problem found.

    Accepted as Excel writes them: a UTF-8 byte-order mark, CRLF line ends,
    columns in any order, spaces around cells (stripped).
    """
    name = table.path
    path = data_dir / table.path
    problems: list[Problem] = []

    def problem(row: int | None, column: str | None, message: str) -> None:
        problems.append(Problem(name, row, column, message))

    try:
        raw = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else None
    except FileNotFoundError:
        problem(None, None, f"file is missing from {data_dir}")
        return [], problems
    except OSError as exc:
        problem(None, None, f"cannot be read ({exc.strerror})")
        return [], problems
    if raw is None:
        problem(None, None, f"file is larger than {MAX_FILE_BYTES // 2**20} MB")
        return [], problems
    rows, found = parse_table(raw, table, name)
    return rows, problems + found


def parse_table(raw: bytes, table: Table, name: str) -> tuple[list[Row], list[Problem]]:
    """Validate one table's CSV content against its schema; *name* is used in messages."""
    problems: list[Problem] = []

    def problem(row: int | None, column: str | None, message: str) -> None:
        problems.append(Problem(name, row, column, message))

    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
        invalid = False
    except UnicodeDecodeError:
        # Keep the bad bytes as lone surrogates so the CSV still parses and each bad
        # cell can be named by its spreadsheet row and column.
        text = raw.decode("utf-8", errors="surrogateescape")
        invalid = True
    if not text.strip():
        problem(None, None, "file is empty (it needs at least the header row)")
        return [], problems

    records = list(csv.reader(_io.StringIO(text, newline="")))
    if invalid:
        header = records[0]
        for number, record in enumerate(records, start=1):
            for index, cell in enumerate(record):
                if any("\udc80" <= ch <= "\udcff" for ch in cell):
                    column = header[index].strip() if number > 1 and index < len(header) else None
                    problem(number, column, "text is not valid UTF-8 (save the file as 'CSV UTF-8')")
        return [], problems
    header = [h.strip() for h in records[0]]
    expected = table.field_names
    for col in header:
        if col not in expected:
            problem(1, col or "(blank)", f"unknown column (expected: {', '.join(expected)})")
    for col in expected:
        if col not in header:
            problem(1, col, "column is missing from the header")
    for col in {c for c in header if header.count(c) > 1}:
        problem(1, col, "column appears more than once in the header")
    if problems:
        return [], problems

    specs = {f.name: f for f in table.fields}
    rows: list[Row] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines, as Excel leaves at the end
        if len(record) != len(header):
            missing = header[len(record)] if len(record) < len(header) else None
            problem(number, missing, f"row has {len(record)} cells, the header has {len(header)}")
            continue
        row: Row = {"_row": number}
        for col, cell in zip(header, record):
            spec = specs[col]
            value = cell.strip()
            if not value:
                if spec.required:
                    problem(number, col, "required value is blank")
                row[col] = None
                continue
            converted, error = _convert(value, spec)
            if error is None and spec.enum is not None and converted not in spec.enum:
                allowed = ", ".join(str(v).lower() if isinstance(v, bool) else str(v) for v in spec.enum)
                error = f"{_shown(value)} is not one of: {allowed}"
            if error is None and spec.pattern is not None and not spec.pattern.fullmatch(value):
                error = f"{_shown(value)} is not a valid {col}"
            if error:
                problem(number, col, error)
            row[col] = converted
        rows.append(row)
    if not rows and not problems:
        problem(None, None, "file has a header but no data rows")
    if table.primary_key:
        seen: dict[tuple[Any, ...], int] = {}
        for row in rows:
            key = tuple(row[k] for k in table.primary_key)
            if any(k is None for k in key):
                continue
            if key in seen:
                shown = ", ".join(f"{k}={v}" for k, v in zip(table.primary_key, key))
                problem(row["_row"], table.primary_key[-1], f"duplicate key ({shown}), first used in row {seen[key]}")
            else:
                seen[key] = row["_row"]
    return rows, problems


def check_foreign_keys(tables: dict[str, Table], rows: dict[str, list[Row]]) -> list[Problem]:
    """Every reference to another table (or to this one) names a row that exists."""
    problems: list[Problem] = []
    for name, table in tables.items():
        for fk in table.foreign_keys:
            if fk.resource not in rows:
                continue
            target = {tuple(r[c] for c in fk.reference) for r in rows[fk.resource]}
            for row in rows.get(name, []):
                key = tuple(row[c] for c in fk.fields)
                if any(v is None for v in key) or key in target:
                    continue
                shown = " / ".join(str(v) for v in key)
                problems.append(
                    Problem(
                        table.path,
                        row["_row"],
                        fk.fields[-1],
                        f"{shown!r} does not exist in {tables[fk.resource].path} ({', '.join(fk.reference)})",
                    )
                )
    return problems
