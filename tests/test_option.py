"""The framework options as records read from options.csv, and edited mappings from bytes."""

from __future__ import annotations

import ast
import csv
import dataclasses
from pathlib import Path

import pytest

import sopkit
from sopkit import analysis
from sopkit.errors import DataError
from sopkit.option import Option
from ui_helpers import edited_mapping

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "sopkit"


# ---- Option ---------------------------------------------------------------------------------------


def test_options_are_the_rows_of_options_csv(fw):
    with open(ROOT / "data" / "options.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert fw.option_ids == tuple(r["id"] for r in rows) == ("themes-4", "themes-5", "atu-7")
    for row, option in zip(rows, fw.option_records):
        assert isinstance(option, Option)
        assert (option.number, option.size, option.kind) == (int(row["option_number"]), int(row["size"]), row["top_level"])
        assert (option.name_en, option.name_zh, option.text_zh) == (row["name_en"], row["name_zh"], row["text_zh"])


def test_what_each_option_means(fw):
    four, five, atu = (fw.option(i) for i in ("themes-4", "themes-5", "atu-7"))
    assert (four.variant, four.theme_flag, four.derived, four.number) == (4, "in_4", True, 1)
    assert (five.variant, five.theme_flag, five.derived, five.number) == (5, "in_5", True, 1)
    assert (atu.variant, atu.theme_flag, atu.derived, atu.number) == (None, None, False, 2)
    assert fw.variants == (4, 5)
    assert fw.variant_option(5) is five
    for option in fw.option_records:  # size is the number of top-level items the analysis finds
        assert len(analysis.top_level(fw, option.id)) == option.size


def test_option_is_frozen(fw):
    with pytest.raises(dataclasses.FrozenInstanceError):
        fw.option("atu-7").size = 8


@pytest.mark.parametrize("bad", ["themes-6", "ATU-7", ""])
def test_unknown_option_is_refused(fw, bad):
    with pytest.raises(ValueError, match="themes-4, themes-5, atu-7"):
        fw.option(bad)
    with pytest.raises(ValueError):
        analysis.top_level(fw, bad)


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """String constants of a module that are not docstrings."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_the_code_spells_no_option_id_and_no_theme_flag():
    """Options are read from the data: no literal ids, no in_4/in_5, no private option helpers."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, value in _string_literals(path):
            if value in ("themes-4", "themes-5", "atu-7", "in_4", "in_5") or value.startswith("themes-"):
                found.append(f"{path.relative_to(ROOT)}:{line}: {value!r}")
        source = path.read_text(encoding="utf-8")
        for name in ("_option_variant", "OPTION_THEME_FLAG", "analysis.OPTIONS"):
            if name in source:
                found.append(f"{path.relative_to(ROOT)}: {name}")
    assert found == []


# ---- Framework.with_mapping ----------------------------------------------------------------------


def test_with_mapping_from_bytes_equals_loading_the_file(fw, tmp_path):
    payload = edited_mapping("T1")
    path = tmp_path / "edited.csv"
    path.write_bytes(payload)
    from_file = sopkit.load_framework(mapping=path)

    from_bytes = fw.with_mapping(payload, name="edited.csv")

    assert from_bytes.mapping.equals(from_file.mapping)
    assert from_bytes.outcomes is fw.outcomes  # the other tables are shared, not re-read
    assert from_bytes.option_ids == fw.option_ids


def test_with_mapping_accepts_what_excel_writes(fw):
    payload = b"\xef\xbb\xbf" + edited_mapping("T2").replace(b"\n", b"\r\n")
    edited = fw.with_mapping(payload)
    m = edited.mapping
    assert set(m.loc[(m["variant"] == 4) & (m["item"] == "D.1"), "theme"]) == {"T2"}


BAD = {
    "unknown item": lambda: edited_mapping().replace(b"\n4,D.1-a,", b"\n4,D.9-z,", 1),
    "theme outside the variant": lambda: edited_mapping("T5"),  # T5 is not one of the 4
    "wrong columns": lambda: b"objective,priority\nD.1,T1\n",
    "not UTF-8": lambda: edited_mapping().decode("utf-8").replace("International", "Internätional").encode("latin-1", errors="replace"),
    "empty": lambda: b"",
}


@pytest.mark.parametrize("case", list(BAD))
def test_with_mapping_reports_what_sopkit_check_reports(fw, tmp_path, run_check, case):
    payload = BAD[case]()
    assert payload != edited_mapping()
    path = tmp_path / "mine.csv"
    path.write_bytes(payload)
    code, out, _ = run_check(ROOT / "data", "--mapping", path)
    assert code == 1

    with pytest.raises(DataError) as caught:
        fw.with_mapping(payload, name="mine.csv")

    assert [str(p) for p in caught.value.problems] == out.splitlines()
    assert all(p.file == "mine.csv" for p in caught.value.problems)
