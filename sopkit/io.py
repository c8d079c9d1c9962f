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

from .errors import Problem, Problems, check_header, not_text, shown, size_text, strip_bom
from .schema import Field, Table

Row = dict[str, Any]
MAX_FILE_BYTES = 20 * 1024 * 1024  # far above any real table; stops a runaway file


Error = tuple[str, dict[str, Any]]  # (problem code, params)


def _convert(value: str, spec: Field) -> tuple[Any, Error | None]:
    """Convert one non-empty cell; return (value, (problem code, params) or None)."""
    if spec.type == "integer":
        try:
            number = int(value)
        except ValueError:
            return None, ("not_integer", {"value": shown(value)})
        if spec.minimum is not None and number < spec.minimum:
            return None, ("below_minimum", {"value": number, "minimum": spec.minimum})
        return number, None
    if spec.type == "boolean":
        if value in spec.true_values:
            return True, None
        if value in spec.false_values:
            return False, None
        return None, ("not_boolean", {"value": shown(value)})
    if spec.type == "date":
        try:
            return dt.date.fromisoformat(value), None
        except ValueError:
            return None, ("not_date", {"value": shown(value)})
    if spec.type == "time":
        try:
            return dt.datetime.strptime(value, "%H:%M").time(), None
        except ValueError:
            return None, ("not_time", {"value": shown(value)})
    return value, None


def read_table(data_dir: Path, table: Table) -> tuple[list[Row], list[Problem]]:
    """Read one table's CSV; return its typed rows and every problem found.

    Accepted as Excel writes them: a UTF-8 byte-order mark, CRLF line ends,
    columns in any order, spaces around cells (stripped).
    """
    name = table.path
    path = data_dir / table.path
    found = Problems(name)
    try:
        raw = path.read_bytes() if path.stat().st_size <= MAX_FILE_BYTES else None
    except FileNotFoundError:
        found.add(None, None, "file_missing", folder=str(data_dir))
        return [], found.list()
    except OSError as exc:
        found.add(None, None, "file_unreadable", reason=exc.strerror)
        return [], found.list()
    if raw is None:
        found.add(None, None, "too_large", limit=size_text(MAX_FILE_BYTES))
        return [], found.list()
    return parse_table(raw, table, name)


def parse_table(raw: bytes, table: Table, name: str, *, max_problems: int | None = None) -> tuple[list[Row], list[Problem]]:
    """Validate one table's CSV content against its schema; *name* is used in messages.

    *max_problems* keeps the first problems only (an upload); ``None`` keeps all (``sopkit check``).
    """
    found = Problems(name, max_problems)
    rows = _parse_table(raw, table, found)
    return rows, found.list()


def _parse_table(raw: bytes, table: Table, found: Problems) -> list[Row]:
    problem = found.add
    kind = not_text(raw)
    if kind is not None:
        problem(None, None, kind[0], **kind[1])
        return []
    raw = strip_bom(raw)
    try:
        text = raw.decode("utf-8")
        invalid = False
    except UnicodeDecodeError:
        # Keep the bad bytes as lone surrogates so the CSV still parses and each bad
        # cell can be named by its spreadsheet row and column.
        text = raw.decode("utf-8", errors="surrogateescape")
        invalid = True
    if not text.strip():
        problem(None, None, "empty")
        return []

    records = list(csv.reader(_io.StringIO(text, newline="")))
    if invalid:
        header = records[0]
        for number, record in enumerate(records, start=1):
            for index, cell in enumerate(record):
                if any("\udc80" <= ch <= "\udcff" for ch in cell):
                    column = header[index].strip() if number > 1 and index < len(header) else None
                    problem(number, column, "not_utf8")
        return []
    header = [h.strip() for h in records[0]]
    absent = [f.name for f in table.fields if f.optional_column and f.name not in header]
    check_header(header, [n for n in table.field_names if n not in absent], found)
    if found:
        return []

    specs = {f.name: f for f in table.fields}
    rows: list[Row] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines, as Excel leaves at the end
        if len(record) != len(header):
            missing = header[len(record)] if len(record) < len(header) else None
            problem(number, missing, "row_length", cells=len(record), header=len(header))
            continue
        row: Row = {"_row": number, **dict.fromkeys(absent)}
        for col, cell in zip(header, record):
            spec = specs[col]
            value = cell.strip()
            if not value:
                if spec.required:
                    problem(number, col, "required")
                row[col] = None
                continue
            converted, error = _convert(value, spec)
            if error is None and spec.enum is not None and converted not in spec.enum:
                allowed = ", ".join(str(v).lower() if isinstance(v, bool) else str(v) for v in spec.enum)
                error = ("enum", {"value": shown(value), "allowed": allowed})
            if error is None and spec.pattern is not None and not spec.pattern.fullmatch(value):
                error = ("pattern", {"value": shown(value), "field": col})
            if error:
                problem(number, col, error[0], **error[1])
            row[col] = converted
        rows.append(row)
    if not rows and not found:
        problem(None, None, "no_rows")
    if table.primary_key:
        seen: dict[tuple[Any, ...], int] = {}
        for row in rows:
            key = tuple(row[k] for k in table.primary_key)
            if any(k is None for k in key):
                continue
            if key in seen:
                key_text = ", ".join(f"{k}={v}" for k, v in zip(table.primary_key, key))
                problem(row["_row"], table.primary_key[-1], "duplicate_key", key=key_text, first=seen[key])
            else:
                seen[key] = row["_row"]
    return rows


def check_foreign_keys(tables: dict[str, Table], rows: dict[str, list[Row]]) -> list[Problem]:
    """Every reference to another table (or to this one) names a row that exists."""
    problems: list[Problem] = []
    for name, table in tables.items():
        failed: set[tuple[int, str]] = set()  # (row, field) already reported: a compound key over it would repeat the fault
        for fk in table.foreign_keys:
            if fk.resource not in rows:
                continue
            target = {tuple(r[c] for c in fk.reference) for r in rows[fk.resource]}
            for row in rows.get(name, []):
                key = tuple(row[c] for c in fk.fields)
                if any(v is None for v in key) or key in target:
                    continue
                if any((row["_row"], c) in failed for c in fk.fields):
                    continue
                failed.update((row["_row"], c) for c in fk.fields)
                value = " / ".join(str(v) for v in key)
                problems.append(
                    Problem(
                        table.path,
                        row["_row"],
                        fk.fields[-1],
                        "foreign_key",
                        {"value": repr(value), "table": tables[fk.resource].path, "columns": ", ".join(fk.reference)},
                    )
                )
    return problems
