"""Loading the framework: where the data comes from, what the Framework holds, its dtypes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import sopkit
from conftest import DATA_DIR, edit_csv
from sopkit import DataError, Framework, Problem, load_framework
from sopkit.model import BUNDLED_DATA, default_data_dir

ALL_TABLES = [
    "sections",
    "objectives",
    "outcomes",
    "outputs",
    "suggestions",
    "themes",
    "options",
    "mapping",
    "mapping_rules",
    "surveys",
    "rankings",
    "ranking_landing",
    "meetings",
    "agenda_items",
    "documents",
    "presentations",
    "contributions",
    "contribution_points",
    "liaison_statements",
    "tdag_sessions",
    "officers",
    "recommendations",
    "conclusions",
    "annex1_questions",
    "annex1_answers",
    "report",
    "decisions",
    "consultations",
    "findings",
    "sources",
]


def _rename_theme(folder: Path, theme: str, name_en: str) -> None:
    def fn(rows):
        col = rows[0].index("name_en")
        for r in rows[1:]:
            if r[0] == theme:
                r[col] = name_en

    edit_csv(folder / "themes.csv", fn)


def _name_en(fw: Framework, theme: str) -> str:
    return fw.themes.set_index("id").loc[theme, "name_en"]


# --- where the data comes from -------------------------------------------------


def test_load_framework_returns_a_framework():
    assert isinstance(load_framework(), Framework)


def test_default_path_is_the_bundled_data_folder():
    assert BUNDLED_DATA == DATA_DIR
    assert default_data_dir() == DATA_DIR
    assert load_framework().data_dir == DATA_DIR


def test_sopkit_data_env_var_is_respected(monkeypatch, data_copy):
    _rename_theme(data_copy, "T1", "Connectivity (from the copy)")
    monkeypatch.setenv("SOPKIT_DATA", str(data_copy))
    assert default_data_dir() == data_copy
    fw = load_framework()
    assert fw.data_dir == data_copy
    assert _name_en(fw, "T1") == "Connectivity (from the copy)"


def test_explicit_path_wins_over_env_var(monkeypatch, data_copy, tmp_path):
    monkeypatch.setenv("SOPKIT_DATA", str(tmp_path / "nowhere"))
    _rename_theme(data_copy, "T2", "Changed in the copy")
    fw = load_framework(data_copy)
    assert fw.data_dir == data_copy
    assert _name_en(fw, "T2") == "Changed in the copy"


def test_explicit_path_accepts_a_string(data_copy):
    _rename_theme(data_copy, "T3", "String path")
    assert _name_en(load_framework(str(data_copy)), "T3") == "String path"


def test_bundled_data_unchanged_by_loading_a_copy(data_copy):
    _rename_theme(data_copy, "T1", "Only in the copy")
    load_framework(data_copy)
    assert _name_en(load_framework(), "T1") == "Connectivity"


# --- what the Framework holds -------------------------------------------------------


def test_table_names_lists_every_table():
    assert Framework.table_names() == ALL_TABLES


@pytest.mark.parametrize("name", ALL_TABLES)
def test_every_table_is_a_non_empty_dataframe(fw, name):
    df = getattr(fw, name)
    assert isinstance(df, pd.DataFrame)
    assert len(df) > 0


def test_table_sizes_cover_every_table(fw):
    sizes = fw.table_sizes()
    assert list(sizes) == ALL_TABLES
    assert sizes["objectives"] == 7
    assert sizes["outcomes"] + sizes["outputs"] == 60


@pytest.mark.parametrize("name", ALL_TABLES)
def test_columns_follow_the_schema(fw, name):
    assert list(getattr(fw, name).columns) == fw.schemas[name].field_names


@pytest.mark.parametrize("name", ["outcomes", "outputs"])
def test_item_tables_have_the_item_columns(fw, name):
    assert {"objective", "id", "status", "text_zh", "text_en"} <= set(getattr(fw, name).columns)


def test_rankings_have_survey_item_rank(fw):
    assert {"survey", "item", "rank"} <= set(fw.rankings.columns)


def test_frames_have_a_plain_range_index(fw):
    for name in ALL_TABLES:
        df = getattr(fw, name)
        assert df.index.equals(pd.RangeIndex(len(df))), name


# --- dtypes ----------------------------------------------------------------------


def test_rank_is_integer(fw):
    assert pd.api.types.is_integer_dtype(fw.rankings["rank"])


@pytest.mark.parametrize(
    "table, column",
    [("outcomes", "order"), ("outputs", "order"), ("objectives", "number"), ("mapping", "variant"), ("suggestions", "number")],
)
def test_integer_columns_are_integer(fw, table, column):
    assert pd.api.types.is_integer_dtype(getattr(fw, table)[column])


@pytest.mark.parametrize(
    "table, column",
    [
        ("outcomes", "proposed_additional"),
        ("outcomes", "alternative_wording"),
        ("outputs", "proposed_additional"),
        ("outputs", "alternative_wording"),
        ("themes", "in_4"),
        ("themes", "in_5"),
        ("themes", "inferred"),
        ("mapping", "derived"),
        ("ranking_landing", "derived"),
    ],
)
def test_boolean_columns_are_bool(fw, table, column):
    assert getattr(fw, table)[column].dtype == bool


def test_boolean_values_are_read_not_just_cast(fw):
    # "false" must not become True (a non-empty string is truthy).
    assert fw.outcomes["proposed_additional"].sum() == 1
    assert fw.themes.set_index("id")["in_4"].to_dict() == {"T1": True, "T2": True, "T3": True, "T4": True, "T5": False}


def test_text_columns_are_strings(fw):
    assert pd.api.types.is_string_dtype(fw.outcomes["text_zh"])
    assert pd.api.types.is_string_dtype(fw.outcomes["id"])


def test_dates_are_datetimes(fw):
    assert pd.api.types.is_datetime64_any_dtype(fw.meetings["date"])
    assert fw.meetings["date"].min() == pd.Timestamp("2020-07-17")


# --- an edited mapping ------------------------------------------------------------


def test_mapping_argument_replaces_mapping_csv(tmp_path):
    edited = tmp_path / "my-mapping.csv"
    shutil.copy(DATA_DIR / "mapping.csv", edited)

    def move_d1_a(rows):
        for r in rows[1:]:
            if r[0] == "4" and r[1] == "D.1-a":
                assert r[3] == "T4"
                r[3] = "T1"

    edit_csv(edited, move_d1_a)
    fw = load_framework(mapping=edited)
    m = fw.mapping
    assert m.loc[(m["variant"] == 4) & (m["item"] == "D.1-a"), "theme"].tolist() == ["T1"]
    # Everything else still comes from the data folder.
    assert fw.data_dir == DATA_DIR
    assert len(m) == len(load_framework().mapping)


def test_mapping_argument_is_validated(tmp_path):
    edited = tmp_path / "edited.csv"
    shutil.copy(DATA_DIR / "mapping.csv", edited)
    edit_csv(edited, lambda rows: rows[1].__setitem__(3, "T9"))
    with pytest.raises(DataError) as exc:
        load_framework(mapping=edited)
    assert exc.value.file == "edited.csv"
    assert exc.value.row == 2
    assert exc.value.column == "theme"


# --- DataError ----------------------------------------------------------------------


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)
    assert sopkit.DataError is DataError


def test_data_error_carries_location_and_problems():
    problems = [Problem("a.csv", 3, "x", "not_integer", {"value": "'bad'"}), Problem("b.csv", None, None, "empty")]
    err = DataError(problems)
    assert (err.file, err.row, err.column) == ("a.csv", 3, "x")
    assert err.problems == problems
    assert str(err).startswith("a.csv:3: x: 'bad' is not a whole number")
    assert "1 more problem" in str(err)


def test_data_error_from_loading_has_location(data_copy):
    edit_csv(data_copy / "themes.csv", lambda rows: rows[2].__setitem__(1, "second"))
    with pytest.raises(ValueError) as exc:  # catchable as a plain ValueError
        load_framework(data_copy)
    err = exc.value
    assert isinstance(err, DataError)
    assert (err.file, err.row, err.column) == ("themes.csv", 3, "order")
    assert [str(p) for p in err.problems] == [str(err.problems[0])]


def test_data_error_needs_a_problem():
    with pytest.raises(ValueError):
        DataError([])
