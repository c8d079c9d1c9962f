"""Errors raised for invalid framework data."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one place in one data file.

    ``row`` counts records as a spreadsheet does (the header is row 1), so it
    matches the row number an analyst sees in Excel. ``row`` is ``None`` for a
    problem with the whole file, ``column`` is ``None`` for a whole row.
    """

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        return f"{where}: {self.column or '-'}: {self.message}"


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
