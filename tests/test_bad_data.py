"""Bad data: one test per kind of fault.

Each test breaks a copy of ``data/`` and checks both ways an analyst meets the
fault: the ``DataError`` raised by ``load_framework`` and the output of
``sopkit check``. Both must name the file, the spreadsheet row (header = row 1)
and the column, in the line format ``file:row: column: message``; problems with
a whole file have no row (``file: -: message``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from broken import BREAKS, cell, set_cell
from conftest import DATA_DIR, edit_csv, read_rows, write_rows
from sopkit import DataError, load_framework

LINE = re.compile(r"^(?P<file>[^:\s]+)(?::(?P<row>\d+))?: (?P<column>\S+): (?P<message>.+)$")


# --- helpers -----------------------------------------------------------------------------


def prefix(file: str, row: int | None, column: str | None) -> str:
    where = file if row is None else f"{file}:{row}"
    return f"{where}: {column or '-'}: "


def assert_reported(data_dir, run_check, file, row, column, *words, only=True):
    """load_framework raises a DataError whose first problem is (file, row, column), and
    ``sopkit check`` prints the same place as a ``file:row: column: message`` line.
    *words* must all appear in the message. Returns the CLI's output lines."""
    with pytest.raises(DataError) as exc:
        load_framework(data_dir)
    err = exc.value
    shown = [str(p) for p in err.problems]
    assert (err.file, err.row, err.column) == (file, row, column), shown
    first = err.problems[0]
    assert (first.file, first.row, first.column) == (file, row, column)
    if only:
        assert len(err.problems) == 1, shown
    for word in words:
        assert word in first.message, shown
    assert str(first).startswith(prefix(file, row, column))
    assert str(err).startswith(prefix(file, row, column))

    code, out, errout = run_check(data_dir)
    assert code == 1, out + errout
    assert "Traceback" not in out + errout
    lines = out.splitlines()
    assert lines, errout
    for line in lines:
        assert LINE.match(line), f"not a 'file:row: column: message' line: {line!r}"
    wanted = prefix(file, row, column)
    assert any(line.startswith(wanted) and all(w in line for w in words) for line in lines), (wanted, lines)
    if only:
        assert len(lines) == 1, lines
    assert "problem" in errout
    return lines


def assert_loads_like_bundled(data_dir, run_check, table):
    fw = load_framework(data_dir)
    pd.testing.assert_frame_equal(getattr(fw, table), getattr(load_framework(DATA_DIR), table))
    code, out, errout = run_check(data_dir)
    assert code == 0, out + errout
    assert out.startswith("OK: ")


# --- the bundled data and the CLI's overall behaviour -------------------------------


def test_check_bundled_data_exits_0_with_one_line_summary(run_check):
    code, out, err = run_check(DATA_DIR)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert "30 tables" in lines[0]
    assert "valid" in lines[0]
    assert err == ""


def test_check_without_argument_uses_sopkit_data(monkeypatch, data_copy, run_check):
    set_cell(data_copy / "themes.csv", 3, "order", "second")
    monkeypatch.setenv("SOPKIT_DATA", str(data_copy))
    code, out, _ = run_check()
    assert code == 1
    assert out.startswith("themes.csv:3: order: ")


def test_check_reports_all_problems(data_copy, run_check):
    set_cell(data_copy / "themes.csv", 3, "order", "second")
    set_cell(data_copy / "meetings.csv", 2, "date", "yesterday")
    with pytest.raises(DataError) as exc:
        load_framework(data_copy)
    assert len(exc.value.problems) == 2
    assert "and 1 more problem" in str(exc.value)
    code, out, err = run_check(data_copy)
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2, out
    assert {line.split(": ")[0] for line in lines} == {"themes.csv:3", "meetings.csv:2"}
    assert "2 problems" in err


def test_check_reports_several_problems_in_one_file(data_copy, run_check):
    set_cell(data_copy / "outcomes.csv", 2, "status", "maybe")
    set_cell(data_copy / "outcomes.csv", 5, "order", "x")
    code, out, _ = run_check(data_copy)
    assert code == 1
    assert [line.split(": ")[0] for line in out.splitlines()] == ["outcomes.csv:2", "outcomes.csv:5"]


def test_row_number_is_the_spreadsheet_row(data_copy, run_check):
    # Header = row 1, so the 3rd data row is row 4.
    path = data_copy / "themes.csv"
    assert cell(path, 4, "id") == "T3"
    set_cell(path, 4, "name_en", "")
    assert_reported(data_copy, run_check, "themes.csv", 4, "name_en", "required")


def test_multiline_cell_does_not_shift_later_rows(data_copy, run_check):
    path = data_copy / "outcomes.csv"
    set_cell(path, 2, "text_en", "First line of a cell\nsecond line\nthird line")
    set_cell(path, 4, "text_en", "")
    assert b"\nsecond line\n" in path.read_bytes()
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "text_en", "required")


def test_multiline_cell_is_loaded_whole(data_copy):
    set_cell(data_copy / "outcomes.csv", 2, "note_en", "one\ntwo")
    fw = load_framework(data_copy)
    assert fw.outcomes.loc[0, "note_en"] == "one\ntwo"
    assert len(fw.outcomes) == 32


# --- one test per kind of bad data ----------------------------------------------------


def test_missing_column(data_copy, run_check):
    def drop_name_en(rows):
        i = rows[0].index("name_en")
        for r in rows:
            del r[i]

    edit_csv(data_copy / "themes.csv", drop_name_en)
    assert_reported(data_copy, run_check, "themes.csv", 1, "name_en", "missing")


def test_unknown_column(data_copy, run_check):
    def add_colour(rows):
        rows[0].append("colour")
        for r in rows[1:]:
            r.append("blue")

    edit_csv(data_copy / "themes.csv", add_colour)
    assert_reported(data_copy, run_check, "themes.csv", 1, "colour", "unknown column")


def test_duplicate_column(data_copy, run_check):
    def add_second_name_en(rows):
        rows[0].append("name_en")
        for r in rows[1:]:
            r.append("again")

    edit_csv(data_copy / "themes.csv", add_second_name_en)
    assert_reported(data_copy, run_check, "themes.csv", 1, "name_en", "more than once")


def test_empty_file(data_copy, run_check):
    (data_copy / "themes.csv").write_bytes(b"")
    lines = assert_reported(data_copy, run_check, "themes.csv", None, None, "empty")
    assert lines[0].startswith("themes.csv: ")  # no row for a whole-file problem


def test_header_only_file(data_copy, run_check):
    edit_csv(data_copy / "themes.csv", lambda rows: rows.__delitem__(slice(1, None)))
    assert (data_copy / "themes.csv").read_text(encoding="utf-8").count("\n") == 1
    assert_reported(data_copy, run_check, "themes.csv", None, None, "no data rows")


def _latin1_in_cell(path: Path, row: int, column: str) -> None:
    set_cell(path, row, column, "Caf@@MARK@@ statistics")
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"@@MARK@@", "é".encode("latin-1")))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")


def test_invalid_utf8(data_copy, run_check):
    # Latin-1 bytes (as a non-UTF-8 'Save as CSV' writes them) in the 3rd data row.
    _latin1_in_cell(data_copy / "outcomes.csv", 4, "text_en")
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "text_en", "UTF-8")


def test_invalid_utf8_after_multiline_cell_keeps_record_row(data_copy, run_check):
    path = data_copy / "outcomes.csv"
    set_cell(path, 2, "note_en", "a note\nover two lines")
    _latin1_in_cell(path, 4, "text_en")
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "text_en", "UTF-8")


def test_bom_accepted(data_copy, run_check):
    # Excel's 'CSV UTF-8' starts the file with a byte-order mark; mapping's first column is an integer.
    for name in ("mapping.csv", "themes.csv"):
        path = data_copy / name
        path.write_bytes("\ufeff".encode("utf-8") + path.read_bytes())
    assert_loads_like_bundled(data_copy, run_check, "mapping")
    assert list(load_framework(data_copy).themes.columns)[0] == "id"


def test_crlf_accepted(data_copy, run_check):
    path = data_copy / "outcomes.csv"
    write_rows(path, read_rows(path), lineterminator="\r\n")
    assert path.read_bytes().count(b"\r\n") == 33
    assert_loads_like_bundled(data_copy, run_check, "outcomes")


def test_crlf_with_multiline_cell_accepted(data_copy):
    path = data_copy / "outcomes.csv"
    set_cell(path, 2, "note_en", "one\r\ntwo")
    write_rows(path, read_rows(path), lineterminator="\r\n")
    fw = load_framework(data_copy)
    assert fw.outcomes.loc[0, "note_en"] == "one\r\ntwo"
    assert fw.outcomes.loc[1, "id"] == "D.1-b"


def test_excel_style_booleans_accepted(data_copy, run_check):
    def upper(rows):
        cols = [rows[0].index(c) for c in ("proposed_additional", "alternative_wording")]
        for r in rows[1:]:
            for c in cols:
                r[c] = r[c].upper()

    edit_csv(data_copy / "outcomes.csv", upper)
    text = (data_copy / "outcomes.csv").read_text(encoding="utf-8")
    assert ",TRUE," in text and ",FALSE," in text
    assert_loads_like_bundled(data_copy, run_check, "outcomes")


def test_ragged_row_too_few_cells(data_copy, run_check):
    def short(rows):
        rows[3] = rows[3][:-2]

    edit_csv(data_copy / "outcomes.csv", short)
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "note_en", "14 cells", "16")


def test_ragged_row_too_many_cells(data_copy, run_check):
    # An extra cell has no column: the line names the row and '-' for the column.
    edit_csv(data_copy / "outcomes.csv", lambda rows: rows[3].append("stray"))
    assert_reported(data_copy, run_check, "outcomes.csv", 4, None, "17 cells", "16")


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_required_cell(data_copy, run_check, blank):
    set_cell(data_copy / "outcomes.csv", 4, "text_zh", blank)
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "text_zh", "required")


def test_value_outside_enum(data_copy, run_check):
    set_cell(data_copy / "outcomes.csv", 4, "status", "maybe")
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "status", "'maybe'", "agreed", "discussion")


def test_bad_integer(data_copy, run_check):
    set_cell(data_copy / "outcomes.csv", 4, "order", "3rd")
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "order", "'3rd'", "whole number")


def test_integer_below_minimum(data_copy, run_check):
    set_cell(data_copy / "rankings.csv", 3, "rank", "0")
    assert_reported(data_copy, run_check, "rankings.csv", 3, "rank", "minimum")


def test_bad_date(data_copy, run_check):
    set_cell(data_copy / "meetings.csv", 3, "date", "2020-02-30")
    assert_reported(data_copy, run_check, "meetings.csv", 3, "date", "'2020-02-30'", "YYYY-MM-DD")


def test_bad_time(data_copy, run_check):
    set_cell(data_copy / "meetings.csv", 2, "start_time", "1 pm")
    assert_reported(data_copy, run_check, "meetings.csv", 2, "start_time", "HH:MM")


def test_bad_boolean(data_copy, run_check):
    set_cell(data_copy / "themes.csv", 3, "in_4", "yes")
    assert_reported(data_copy, run_check, "themes.csv", 3, "in_4", "'yes'")


def test_pattern_mismatch(data_copy, run_check):
    set_cell(data_copy / "outcomes.csv", 4, "id", "D1d")
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "id", "'D1d'")


def test_duplicate_primary_key(data_copy, run_check):
    path = data_copy / "outcomes.csv"
    assert cell(path, 2, "id") == "D.1-a"
    set_cell(path, 4, "id", "D.1-a")
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "id", "D.1-a", "row 2")


def test_duplicate_compound_primary_key(data_copy, run_check):
    path = data_copy / "suggestions.csv"
    assert (cell(path, 2, "objective"), cell(path, 2, "number")) == ("D.1", "1")
    set_cell(path, 3, "number", "1")
    assert_reported(data_copy, run_check, "suggestions.csv", 3, "number", "objective=D.1", "row 2")


def test_unknown_objective_in_outcomes(data_copy, run_check):
    # D.9 is caught by the objective enum before the foreign key is looked at.
    set_cell(data_copy / "outcomes.csv", 4, "objective", "D.9")
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "objective", "D.9")


@pytest.mark.parametrize(
    "file, row, column, value, target",
    [
        ("outcomes.csv", 4, "source", "no-such-section", "sections.csv"),
        ("presentations.csv", 2, "meeting", "M9", "meetings.csv"),
        ("annex1_questions.csv", 3, "parent", "99", "annex1_questions.csv"),  # self-reference
    ],
)
def test_foreign_key_to_missing_row(data_copy, run_check, file, row, column, value, target):
    set_cell(data_copy / file, row, column, value)
    assert_reported(data_copy, run_check, file, row, column, repr(value), "does not exist", target)


def test_mapping_item_that_does_not_exist(data_copy, run_check):
    path = data_copy / "mapping.csv"
    assert (cell(path, 3, "item"), cell(path, 3, "item_type")) == ("D.1-a", "outcome")
    set_cell(path, 3, "item", "D.1-z")
    assert_reported(data_copy, run_check, "mapping.csv", 3, "item", "'D.1-z'", "outcomes.csv")


def test_mapping_item_of_the_wrong_type(data_copy, run_check):
    path = data_copy / "mapping.csv"
    set_cell(path, 3, "item_type", "output")  # D.1-a is an outcome
    assert_reported(data_copy, run_check, "mapping.csv", 3, "item", "'D.1-a'", "outputs.csv")


def test_mapping_theme_t5_in_variant_4(data_copy, run_check):
    path = data_copy / "mapping.csv"
    assert (cell(path, 2, "variant"), cell(path, 2, "theme")) == ("4", "T4")
    set_cell(path, 2, "theme", "T5")
    assert_reported(data_copy, run_check, "mapping.csv", 2, "theme", "T5", "4 thematic priorities")


def test_mapping_theme_unknown(data_copy, run_check):
    set_cell(data_copy / "mapping.csv", 2, "theme", "T9")
    assert_reported(data_copy, run_check, "mapping.csv", 2, "theme", "'T9'")


def test_edited_mapping_file_is_named_in_messages(data_copy, tmp_path, run_check):
    edited = tmp_path / "my-mapping.csv"
    edited.write_bytes((DATA_DIR / "mapping.csv").read_bytes())
    set_cell(edited, 2, "theme", "T5")
    with pytest.raises(DataError) as exc:
        load_framework(data_copy, mapping=edited)
    assert (exc.value.file, exc.value.row, exc.value.column) == ("my-mapping.csv", 2, "theme")
    code, out, err = run_check(data_copy, "--mapping", edited)
    assert code == 1
    assert out.startswith("my-mapping.csv:2: theme: ")
    assert "Traceback" not in out + err


def test_ranking_landing_target_not_in_option(data_copy, run_check):
    path = data_copy / "ranking_landing.csv"
    assert (cell(path, 2, "option"), cell(path, 2, "target")) == ("themes-4", "T2")
    set_cell(path, 2, "target", "T5")  # T5 is only in the five-priority variant
    assert_reported(data_copy, run_check, "ranking_landing.csv", 2, "target", "'T5'", "themes-4")


def test_ranking_landing_objective_target_for_themes(data_copy, run_check):
    set_cell(data_copy / "ranking_landing.csv", 2, "target", "D.3")
    assert_reported(data_copy, run_check, "ranking_landing.csv", 2, "target", "'D.3'")


def test_ranking_landing_blank_target_needs_fit_none(data_copy, run_check):
    set_cell(data_copy / "ranking_landing.csv", 2, "target", "")
    assert_reported(data_copy, run_check, "ranking_landing.csv", 2, "fit", "none")


def test_duplicate_rank_in_a_survey(data_copy, run_check):
    path = data_copy / "rankings.csv"
    assert (cell(path, 2, "rank"), cell(path, 3, "rank")) == ("1", "2")
    set_cell(path, 3, "rank", "1")
    assert_reported(data_copy, run_check, "rankings.csv", 3, "rank", "rank 1", "row 2")


def test_rank_beyond_survey_size(data_copy, run_check):
    set_cell(data_copy / "rankings.csv", 5, "rank", "5")  # ITU-D survey has 4 items
    assert_reported(data_copy, run_check, "rankings.csv", 5, "rank", "beyond")


def test_alternative_wording_without_alternative_text(data_copy, run_check):
    path = data_copy / "outcomes.csv"
    assert cell(path, 4, "alt_text_zh") == ""
    set_cell(path, 4, "alternative_wording", "true")
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "alt_text_zh", "alternative")


def test_outcome_under_the_wrong_objective(data_copy, run_check):
    set_cell(data_copy / "outcomes.csv", 4, "objective", "D.2")  # id is D.1-d
    assert_reported(data_copy, run_check, "outcomes.csv", 4, "id", "'D.1-d'", "'D.2'")


def test_missing_csv_file(data_copy, run_check):
    (data_copy / "themes.csv").unlink()
    assert_reported(data_copy, run_check, "themes.csv", None, None, "missing")


def test_broken_datapackage_json(data_copy, run_check):
    path = data_copy / "datapackage.json"
    path.write_text(path.read_text(encoding="utf-8")[:-20], encoding="utf-8")  # truncated
    with pytest.raises(DataError) as exc:
        load_framework(data_copy)
    assert exc.value.file == "datapackage.json"
    code, out, err = run_check(data_copy)
    assert code == 1
    assert "Traceback" not in out + err
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith("datapackage.json: ")
    assert LINE.match(lines[0])


def test_datapackage_without_a_table(data_copy, run_check):
    path = data_copy / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "themes"]
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    assert_reported(data_copy, run_check, "datapackage.json", None, None, "themes")


def test_missing_data_folder(tmp_path, run_check):
    with pytest.raises(DataError) as exc:
        load_framework(tmp_path / "nowhere")
    assert exc.value.file == "datapackage.json"
    code, out, err = run_check(tmp_path / "nowhere")
    assert code == 1
    assert "Traceback" not in out + err
    assert out.startswith("datapackage.json: ")


# --- rules of issue 11 (part 3): the broken copies of tests/broken.py -----------------------


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_rule_catches_broken_copy(data_copy, run_check, name):
    brk = BREAKS[name]
    brk.apply(data_copy)
    file, row, column, words = brk.sopkit
    assert_reported(data_copy, run_check, file, row, column, *words)


def test_check_names_the_mapping_it_checked(data_copy, tmp_path, run_check):
    code, out, _ = run_check(data_copy)
    assert code == 0 and f"mapping checked: {data_copy / 'mapping.csv'} (every item has a home)" in out
    edited = tmp_path / "my-mapping.csv"
    edited.write_bytes((DATA_DIR / "mapping.csv").read_bytes())
    code, out, _ = run_check(data_copy, "--mapping", edited)
    assert code == 0 and f"mapping checked: {edited} (every item has a home)" in out


def test_check_reports_items_without_a_home(data_copy, tmp_path, run_check):
    edited = tmp_path / "partial.csv"
    edited.write_bytes((DATA_DIR / "mapping.csv").read_bytes())

    def drop(rows):
        # variant 4: D.1-a and D.1-b; variant 5: D.7-1 (the last row)
        del rows[-1]
        del rows[3]
        del rows[2]

    edit_csv(edited, drop)
    code, out, err = run_check(data_copy, "--mapping", edited)
    assert code == 0, out + err  # a partial mapping is a draft, not an error: it is reported
    lines = out.splitlines()
    assert f"mapping checked: {edited} (some items have no home (below))" in lines[0]
    assert lines[1:] == [
        "partial.csv: 2 items without a home with 4 priorities: D.1-a, D.1-b",
        "partial.csv: 1 item without a home with 5 priorities: D.7-1",
    ]
    # The loader accepts it too: the coverage page lists the same items as unmapped.
    fw = load_framework(data_copy, mapping=edited)
    assert set(fw.mapping["item"][fw.mapping["variant"] == 4]) == set(load_framework(DATA_DIR).mapping["item"]) - {"D.1-a", "D.1-b"}


def test_cross_cutting_placement_is_valid_in_every_variant(data_copy, run_check):
    set_cell(data_copy / "mapping.csv", 2, "theme", "X")
    fw = load_framework(data_copy)
    assert fw.mapping["theme"].iloc[0] == "X"
    code, out, _ = run_check(data_copy)
    assert code == 0, out


def test_mapping_rule_must_exist(data_copy, run_check):
    set_cell(data_copy / "mapping.csv", 2, "rule", "hunch")
    assert_reported(data_copy, run_check, "mapping.csv", 2, "rule", "'hunch'")
