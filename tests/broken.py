"""Broken copies of data/ for the rules of issue 11 (part 3), shared by test_bad_data.py
(sopkit check and load_framework) and test_frictionless.py (frictionless validate).

Each entry breaks one rule in a copy of the data folder and says where both validators
must report it: sopkit's (file, row, column, words in the message) and frictionless'
(row, field, error type), or why frictionless cannot (a rule across fields or rows that a
Table Schema cannot state: sopkit check alone catches it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import edit_csv, read_rows


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell; *row* is the spreadsheet row (the header is row 1)."""

    def fn(rows):
        rows[row - 1][rows[0].index(column)] = value

    edit_csv(path, fn)


def cell(path: Path, row: int, column: str) -> str:
    rows = read_rows(path)
    return rows[row - 1][rows[0].index(column)]


@dataclass(frozen=True)
class Break:
    apply: Callable[[Path], None]
    sopkit: tuple[str, int, str, tuple[str, ...]]  # file, row, column, words in the message
    frictionless: tuple[int, str, str] | None  # row, field, error type; None: cannot be stated
    why_not: str = ""


def _t5_named(d: Path) -> None:
    assert cell(d / "themes.csv", 6, "id") == "T5"
    set_cell(d / "themes.csv", 6, "inferred", "false")


def _outcome_digit(d: Path) -> None:
    assert cell(d / "outcomes.csv", 2, "id") == "D.1-a"
    set_cell(d / "outcomes.csv", 2, "id", "D.1-9")


def _output_letter(d: Path) -> None:
    assert cell(d / "outputs.csv", 2, "id") == "D.1-1"
    set_cell(d / "outputs.csv", 2, "id", "D.1-z")


def _label_kind(d: Path) -> None:
    set_cell(d / "outcomes.csv", 2, "label", "D.1-1")  # an output's label on outcome D.1-a


def _label_other(d: Path) -> None:
    set_cell(d / "outcomes.csv", 2, "label", "D.1-c")  # another outcome's label on D.1-a


def _meeting_ends_first(d: Path) -> None:
    assert cell(d / "meetings.csv", 2, "start_time") == "13:00"
    set_cell(d / "meetings.csv", 2, "end_time", "12:00")


def _presentation_off_day(d: Path) -> None:
    assert (cell(d / "presentations.csv", 2, "meeting"), cell(d / "presentations.csv", 2, "date")) == ("M1", "2020-07-17")
    set_cell(d / "presentations.csv", 2, "date", "2020-07-18")


def _two_themes(d: Path) -> None:
    def add(rows):
        row = list(rows[2])  # variant 4, D.1-a on T4
        row[rows[0].index("theme")] = "T1"
        rows.insert(3, row)

    edit_csv(d / "mapping.csv", add)


def _cites_a_file(d: Path) -> None:
    assert cell(d / "themes.csv", 6, "en_ref") == "wtdc-22-final-report"
    set_cell(d / "themes.csv", 6, "en_ref", "REFERENCE.md")  # a file outside the repository, not a listed document


CROSS_FIELD = "a rule between two fields of one row: a Table Schema has no such constraint"

BREAKS: dict[str, Break] = {
    "t5-not-inferred": Break(_t5_named, ("themes.csv", 6, "inferred", ("T5", "inferred = true")), None, CROSS_FIELD),
    "outcome-id-digit": Break(_outcome_digit, ("outcomes.csv", 2, "id", ("'D.1-9'",)), (2, "id", "constraint-error")),
    "output-id-letter": Break(_output_letter, ("outputs.csv", 2, "id", ("'D.1-z'",)), (2, "id", "constraint-error")),
    "label-of-an-output": Break(_label_kind, ("outcomes.csv", 2, "label", ("'D.1-1'",)), (2, "label", "constraint-error")),
    "label-of-another-outcome": Break(_label_other, ("outcomes.csv", 2, "label", ("'D.1-c'", "'D.1-a'")), None, CROSS_FIELD),
    "meeting-ends-before-start": Break(_meeting_ends_first, ("meetings.csv", 2, "end_time", ("12:00", "13:00")), None, CROSS_FIELD),
    "presentation-off-its-meeting-day": Break(
        _presentation_off_day, ("presentations.csv", 2, "date", ("'M1 / 2020-07-18'", "meetings.csv")), (2, None, "foreign-key")
    ),
    "en-ref-not-a-listed-document": Break(_cites_a_file, ("themes.csv", 6, "en_ref", ("'REFERENCE.md'", "sources.csv")), (6, None, "foreign-key")),
    "item-under-two-themes": Break(_two_themes, ("mapping.csv", 4, "item", ("variant=4, item=D.1-a",)), (4, None, "primary-key")),
}
