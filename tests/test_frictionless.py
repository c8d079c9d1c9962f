"""Frictionless (v5) as an independent validator of the same datapackage.json.

sopkit validates the CSVs with its own code (for analyst-friendly messages);
here the reference implementation of the Data Package standard must agree.
"""

from __future__ import annotations

import json

import pytest

frictionless = pytest.importorskip("frictionless")

from broken import BREAKS  # noqa: E402
from conftest import DATA_DIR, edit_csv  # noqa: E402

FIELDS = ["taskNumber", "rowNumber", "fieldName", "type", "note"]


def validate(folder):
    # frictionless resolves resource paths relative to the descriptor.
    return frictionless.validate(str(folder / "datapackage.json"))


def errors(report) -> list[list]:
    return report.flatten(FIELDS)


def test_frictionless_is_v5():
    assert int(frictionless.__version__.split(".")[0]) == 5


@pytest.fixture(scope="module")
def bundled_report():
    return validate(DATA_DIR)


def test_bundled_package_is_valid(bundled_report):
    report = bundled_report
    assert report.valid, "\n".join(map(str, errors(report)))
    assert report.stats["tasks"] == 30
    assert report.stats["warnings"] == 0


def test_every_table_is_checked_with_all_rows(fw, bundled_report):
    assert {t.name: t.stats["rows"] for t in bundled_report.tasks} == fw.table_sizes()


def test_descriptor_is_valid_with_custom_property():
    # 'sopkit:verbatim' is a custom field property; frictionless must not reject it.
    descriptor = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    report = frictionless.Package.validate_descriptor(descriptor)
    assert report.valid, errors(report)


def test_custom_property_survives_in_frictionless_metadata():
    package = frictionless.Package(str(DATA_DIR / "datapackage.json"))
    field = package.get_resource("outcomes").schema.get_field("text_zh")
    assert field.custom.get("sopkit:verbatim") is True


def test_self_reference_is_understood():
    package = frictionless.Package(str(DATA_DIR / "datapackage.json"))
    fks = package.get_resource("annex1_questions").schema.foreign_keys
    assert {"fields": ["parent"], "reference": {"resource": "", "fields": ["id"]}} in fks


def test_duplicate_primary_key_is_invalid_for_frictionless_too(data_copy):
    def duplicate(rows):
        rows[3][0] = rows[1][0]

    edit_csv(data_copy / "outcomes.csv", duplicate)
    report = validate(data_copy)
    assert not report.valid
    found = errors(report)
    assert [e[3] for e in found] == ["primary-key"], found
    assert found[0][1] == 4  # same spreadsheet row sopkit reports


def test_broken_self_reference_is_invalid_for_frictionless_too(data_copy):
    def dangling(rows):
        rows[2][rows[0].index("parent")] = "99"

    edit_csv(data_copy / "annex1_questions.csv", dangling)
    report = validate(data_copy)
    assert not report.valid
    found = errors(report)
    assert [(e[1], e[3]) for e in found] == [(3, "foreign-key")], found


def test_value_outside_enum_is_invalid_for_frictionless_too(data_copy):
    def maybe(rows):
        rows[3][rows[0].index("status")] = "maybe"

    edit_csv(data_copy / "outcomes.csv", maybe)
    found = errors(validate(data_copy))
    assert [(e[1], e[2], e[3]) for e in found] == [(4, "status", "constraint-error")], found


# --- rules of issue 11 (part 3): the same broken copies as test_bad_data.py ------------------

STATED = sorted(name for name, brk in BREAKS.items() if brk.frictionless is not None)
NOT_STATED = sorted(name for name, brk in BREAKS.items() if brk.frictionless is None)


@pytest.mark.parametrize("name", STATED)
def test_rule_fails_frictionless_on_broken_copy(data_copy, name):
    brk = BREAKS[name]
    brk.apply(data_copy)
    found = errors(validate(data_copy))
    row, field, kind = brk.frictionless
    assert [(e[1], e[2], e[3]) for e in found] == [(row, field, kind)], found


@pytest.mark.parametrize("name", NOT_STATED)
def test_rules_a_table_schema_cannot_state_are_sopkits(data_copy, name):
    # Documented gap: frictionless accepts these copies; sopkit check (test_bad_data) rejects them.
    brk = BREAKS[name]
    assert brk.why_not
    brk.apply(data_copy)
    assert validate(data_copy).valid
