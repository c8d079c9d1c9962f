"""Truth to the source: verbatim text is verbatim, the project's own additions are labelled.

Read straight from the CSV files and datapackage.json (not through sopkit), so
a loader bug cannot hide a data fault.
"""

from __future__ import annotations

import csv
import json
import re

import pytest

from conftest import DATA_DIR

DESCRIPTOR = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
RESOURCES = {r["name"]: r for r in DESCRIPTOR["resources"]}
EN_SOURCES = {"project translation", "ITU official name"}
DERIVED_TABLES = ["mapping", "mapping_rules", "ranking_landing"]


def fields(name: str) -> list[dict]:
    return RESOURCES[name]["schema"]["fields"]


def verbatim_fields(name: str) -> list[str]:
    return [f["name"] for f in fields(name) if f.get("sopkit:verbatim") is True]


def rows(name: str, data_dir=DATA_DIR) -> list[dict[str, str]]:
    with open(data_dir / RESOURCES[name]["path"], encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def squeeze(text: str) -> str:
    """Drop '[bookmark: ...]' markers and every whitespace character."""
    return re.sub(r"\s+", "", re.sub(r"\[bookmark: [^\]]*\]", "", text))


@pytest.fixture(scope="module")
def source() -> str:
    return squeeze((DATA_DIR / "source" / "report-zh.txt").read_text(encoding="utf-8"))


VERBATIM_TABLES = [name for name in RESOURCES if verbatim_fields(name)]
# sources.csv lists public ITU documents under their own (English) titles; its Chinese titles are the project's.
EN_TABLES = [name for name in RESOURCES if name != "sources" and any(f["name"].endswith("_en") for f in fields(name))]
SOURCE_TABLES = [name for name in RESOURCES if any(f["name"] == "source" for f in fields(name))]


def test_squeeze_removes_markers_and_whitespace():
    assert squeeze("[bookmark: lt_pId082]发展 顾问\t组\n") == "发展顾问组"


def test_some_tables_are_marked_verbatim():
    assert {"objectives", "outcomes", "outputs", "suggestions", "rankings"} <= set(VERBATIM_TABLES)
    assert "text_zh" in verbatim_fields("outcomes")
    assert "alt_text_zh" in verbatim_fields("outcomes")


def test_no_verbatim_flag_on_english_or_derived_columns():
    for name in RESOURCES:
        for col in verbatim_fields(name):
            assert not col.endswith("_en"), (name, col)
    for name in DERIVED_TABLES:
        assert verbatim_fields(name) == []


def untrue_cells(table: str, source: str, data_dir=DATA_DIR) -> list[str]:
    """Non-empty verbatim cells of *table* that the source does not contain."""
    cols = verbatim_fields(table)
    return [
        f"{RESOURCES[table]['path']}:{i}: {col}: {row[col]!r}"
        for i, row in enumerate(rows(table, data_dir), start=2)
        for col in cols
        if row[col].strip() and squeeze(row[col]) not in source
    ]


@pytest.mark.parametrize("table", VERBATIM_TABLES)
def test_verbatim_cells_are_in_the_source(table, source):
    bad = untrue_cells(table, source)
    assert not bad, "not found in the source:\n" + "\n".join(bad)


def test_verbatim_check_catches_an_edited_cell(data_copy, edit_csv, source):
    def reword(rows):
        col = rows[0].index("text_zh")
        rows[3][col] = rows[3][col].replace("加强", "增强", 1)

    edit_csv(data_copy / "outcomes.csv", reword)
    assert [c.split(": ")[0] for c in untrue_cells("outcomes", source, data_copy)] == ["outcomes.csv:4"]


def test_verbatim_check_ignores_whitespace_and_line_breaks(data_copy, edit_csv, source):
    def spread(rows):
        col = rows[0].index("text_zh")
        rows[3][col] = " " + "\n".join(rows[3][col]) + " "

    edit_csv(data_copy / "outcomes.csv", spread)
    assert untrue_cells("outcomes", source, data_copy) == []


@pytest.mark.parametrize("table", VERBATIM_TABLES)
def test_verbatim_columns_are_not_all_empty(table):
    data = rows(table)
    for col in verbatim_fields(table):
        required = next(f for f in fields(table) if f["name"] == col).get("constraints", {}).get("required")
        if required:
            assert all(r[col].strip() for r in data), (table, col)


# --- the project's own additions are labelled -----------------------------------------


@pytest.mark.parametrize("table", DERIVED_TABLES)
def test_derived_tables_say_so(table):
    assert RESOURCES[table]["description"].startswith("DERIVED")
    data = rows(table)
    assert data
    true_values = next(f for f in fields(table) if f["name"] == "derived").get("trueValues", ["true"])
    not_derived = [i for i, r in enumerate(data, start=2) if r["derived"] not in true_values]
    assert not not_derived, f"{table}: rows without derived=true: {not_derived}"


def test_only_the_derived_tables_are_described_as_derived():
    assert [n for n, r in RESOURCES.items() if r.get("description", "").startswith("DERIVED")] == DERIVED_TABLES


def test_derived_true_in_the_loaded_frames(fw):
    assert fw.mapping["derived"].all()
    assert fw.ranking_landing["derived"].all()


@pytest.mark.parametrize("table", EN_TABLES)
def test_english_columns_say_where_they_come_from(table):
    if table in DERIVED_TABLES:
        # Entirely the project's own writing, flagged row by row with derived=true.
        assert "derived" in [f["name"] for f in fields(table)]
        return
    en_cols = [f["name"] for f in fields(table) if f["name"].endswith("_en")]
    data = rows(table)
    assert "en_source" in data[0], f"{table} has {en_cols} but no en_source column"
    bad = [
        f"{RESOURCES[table]['path']}:{i}: en_source: {r['en_source']!r}"
        for i, r in enumerate(data, start=2)
        if any(r[c].strip() for c in en_cols) and r["en_source"] not in EN_SOURCES
    ]
    assert not bad, "\n".join(bad)


def test_en_source_enum_is_the_allowed_set():
    for name in RESOURCES:
        for f in fields(name):
            if f["name"] == "en_source":
                assert set(f["constraints"]["enum"]) == EN_SOURCES, name


# --- the inferred fifth priority --------------------------------------------------------


def test_t5_is_inferred_and_only_in_the_five_variant(fw):
    themes = fw.themes.set_index("id")
    assert bool(themes.loc["T5", "inferred"]) is True
    assert not themes.loc["T5", "in_4"] and themes.loc["T5", "in_5"]
    assert not themes.drop(index="T5")["inferred"].any()


def test_t5_name_is_absent_from_the_source(fw, source):
    t5 = fw.themes.set_index("id").loc["T5"]
    assert squeeze(t5["name_zh"]) not in source
    assert t5["en_source"] == "ITU official name" and t5["en_ref"] == "wtdc-22-final-report"


def test_four_named_priorities_are_in_the_source(fw, source):
    named = fw.themes[~fw.themes["inferred"]]
    assert named["id"].tolist() == ["T1", "T2", "T3", "T4"]
    for name in named["name_zh"]:
        assert squeeze(name) in source, name


# --- source references ----------------------------------------------------------------


@pytest.mark.parametrize("table", SOURCE_TABLES)
def test_source_values_are_section_ids(table):
    sections = {r["id"] for r in rows("sections")}
    bad = [f"{RESOURCES[table]['path']}:{i}: source: {r['source']!r}" for i, r in enumerate(rows(table), start=2) if r["source"] not in sections]
    assert not bad, "\n".join(bad)


def listed_sources() -> set[str]:
    return {r["id"] for r in rows("sources")}


REFERENCE_COLUMNS = [(name, f["name"]) for name in RESOURCES for f in fields(name) if f["name"] in ("source", "en_ref")]


@pytest.mark.parametrize(("table", "column"), REFERENCE_COLUMNS, ids=[f"{t}.{c}" for t, c in REFERENCE_COLUMNS])
def test_every_source_cell_is_a_section_of_the_report_or_a_listed_document(table, column):
    """A row cites the report (a section id) or a public document listed in sources.csv: never a
    file outside the repository (REFERENCE.md) nor anything else."""
    known = {r["id"] for r in rows("sections")} | listed_sources()
    bad = [
        f"{RESOURCES[table]['path']}:{i}: {column}: {r[column]!r}" for i, r in enumerate(rows(table), start=2) if r[column] and r[column] not in known
    ]
    assert not bad, "\n".join(bad)


def test_the_source_check_refuses_a_file_outside_the_repository(data_copy, edit_csv):
    def cite_a_file(rows_):
        rows_[1][rows_[0].index("en_ref")] = "REFERENCE.md"

    edit_csv(data_copy / "themes.csv", cite_a_file)
    known = {r["id"] for r in rows("sections", data_copy)} | {r["id"] for r in rows("sources", data_copy)}
    assert [r["en_ref"] for r in rows("themes", data_copy) if r["en_ref"] and r["en_ref"] not in known] == ["REFERENCE.md"]


def test_no_cell_points_at_a_file_outside_the_repository():
    # The project's notes name public documents (sources.csv), not its working notes.
    bad = [
        f"{RESOURCES[name]['path']}:{i}: {col}"
        for name in RESOURCES
        for i, r in enumerate(rows(name), start=2)
        for col, value in r.items()
        if "REFERENCE.md" in value or "../" in value or "shared/" in value
    ]
    assert not bad, bad
    assert "REFERENCE.md" not in (DATA_DIR / "datapackage.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("table", [n for n in RESOURCES if any(f["name"] == "en_source" for f in fields(n))])
def test_an_official_name_cites_a_public_document(table):
    names = [f["name"] for f in fields(table)]
    official = [(i, r) for i, r in enumerate(rows(table), start=2) if r["en_source"] == "ITU official name"]
    if official:
        assert "en_ref" in names, f"{table} says 'ITU official name' but has no en_ref column"
    bad = [f"{RESOURCES[table]['path']}:{i}: en_ref: {r['en_ref']!r}" for i, r in official if r["en_ref"] not in listed_sources()]
    assert not bad, "\n".join(bad)


def test_sources_are_public_itu_documents():
    data = rows("sources")
    ids = {r["id"] for r in data}
    assert {"connect-2030-agenda", "strategic-plan-2020-2023", "itu-d-operational-plan-2019-2022", "wtdc-22-final-report"} <= ids
    for r in data:
        assert r["title_en"] and r["title_zh"], r
        assert not r["url"] or r["url"].startswith(("https://www.itu.int/", "https://itu.int/")), r
    cited = {r["en_ref"] for name in ("themes", "rankings") for r in rows(name) if r["en_ref"]}
    assert cited <= ids
    assert "project's translation" in next(f for f in fields("sources") if f["name"] == "title_zh")["description"]


# --- the project's own texts exist in both languages (issue 22) -------------------------------------

# Project-written columns and their Chinese twins: every *_en column beside a *_zh one, and the
# locators shown on the pages.
TEXT_PAIRS = [
    (name, f["name"], f["name"][:-3] + "_zh")
    for name in RESOURCES
    for f in fields(name)
    if f["name"].endswith("_en") and f["name"][:-3] + "_zh" in [g["name"] for g in fields(name)]
] + [("decisions", "source_detail", "source_detail_zh"), ("conclusions", "source_detail", "source_detail_zh")]


def test_every_project_english_column_has_a_chinese_twin():
    for name in RESOURCES:
        names = [f["name"] for f in fields(name)]
        missing = [n for n in names if n.endswith("_en") and n[:-3] + "_zh" not in names]
        assert not missing, f"{name}: {missing} without a Chinese twin"
    named = {("mapping", "rationale_en"), ("outcomes", "note_en"), ("outputs", "note_en"), ("ranking_landing", "rationale_en")}
    named |= {("rankings", "note_en"), ("surveys", "note_en"), ("themes", "note_en")}
    assert named <= {(t, en) for t, en, _zh in TEXT_PAIRS}


@pytest.mark.parametrize(("table", "en", "zh"), TEXT_PAIRS, ids=[f"{t}.{zh}" for t, _en, zh in TEXT_PAIRS])
def test_project_texts_are_filled_in_both_languages(table, en, zh):
    bad = [
        f"{RESOURCES[table]['path']}:{i}: {zh} empty beside {en}" for i, r in enumerate(rows(table), start=2) if r[en].strip() and not r[zh].strip()
    ]
    assert not bad, "\n".join(bad)


def test_the_projects_chinese_is_labelled_as_its_translation():
    # Chinese twins of the project's notes are the project's translation, never flagged verbatim.
    new = [(t, zh) for t, en, zh in TEXT_PAIRS if en.startswith(("rationale", "note", "source_detail"))]
    assert len(new) == 9  # rationale_zh x2, note_zh x5, source_detail_zh x2
    for table, zh in new:
        spec = next(f for f in fields(table) if f["name"] == zh)
        assert "project's translation" in spec["description"] and not spec.get("sopkit:verbatim"), (table, zh)


@pytest.mark.parametrize("table", ["objectives", "outcomes", "outputs", "suggestions"])
def test_objective_items_cite_their_objective_section(table):
    for r in rows(table):
        objective = r["id"] if table == "objectives" else r["objective"]
        assert r["source"] == f"conclusions-2021-d{objective[-1]}", r


def test_section_headings_are_in_the_source(source):
    missing = [r["heading_zh"] for r in rows("sections") if squeeze(r["heading_zh"]) not in source]
    assert not missing


# --- English on ITU's terms (issue 11, part 2) ------------------------------------------


def _all_english_cells() -> list[tuple[str, int, str, str]]:
    """(table, row, column, text) of every *_en cell outside the derived tables."""
    found = []
    for name in EN_TABLES:
        for i, r in enumerate(rows(name), start=2):
            for col, value in r.items():
                if col.endswith("_en") and value:
                    found.append((name, i, col, value))
    return found


def test_regional_presence_everywhere():
    # 区域代表性 is ITU's "regional presence" (Annex 1 already said so), never "representation".
    bad = [f"{t}:{i}: {c}" for t, i, c, v in _all_english_cells() if "regional representation" in v.lower()]
    assert not bad, bad
    d4 = next(r for r in rows("objectives") if r["id"] == "D.4")
    assert d4["short_en"] == "Strengthened regional presence" and "regional presence" in d4["statement_en"]
    d4d = next(r for r in rows("outcomes") if r["id"] == "D.4-d")
    assert d4d["text_en"].startswith("Regional presence strengthened")
    heading = next(r for r in rows("sections") if r["id"] == "conclusions-2021-d4")
    assert "regional presence" in heading["heading_en"]


def test_d3_4_keeps_mapping():
    # The Chinese has 对照 ("mapping") the situation of vulnerable areas.
    d34 = next(r for r in rows("outputs") if r["id"] == "D.3-4")
    assert "对照" in d34["text_zh"] and "mapping the situation of vulnerable areas" in d34["text_en"]


def test_last_recommendation_to_tdag_21_2_recommends():
    # Printed "TDAG接受了" (accepted) in a list of recommendations: it recommends, the row says why.
    r6 = next(r for r in rows("recommendations") if r["session"] == "TDAG-21-2" and r["item"] == "6")
    assert r6["text_en"] == "TDAG to accept this report of TDAG-WG-SOP."
    assert "accepted" not in r6["text_en"] and "TDAG接受了" in r6["source_detail"]


def test_high_level_objectives_not_goals():
    # 高级别目标: "goals" are ITU's strategic goals; the report's framing is high-level objectives.
    cells = [(t, v) for t, _i, _c, v in _all_english_cells() if t in ("conclusions", "options")]
    assert not [v for _t, v in cells if "high-level goal" in v]
    assert sum("high-level objectives" in v for _t, v in cells) >= 5


def test_survey_period_is_labelled_as_the_projects():
    for r in rows("surveys"):
        assert "2020-2023" not in r["name_zh"]
        assert "2020-2023: period added by the project" in r["name_en"], r["name_en"]
        assert "The period 2020-2023 in the English name is the project's" in r["note_en"]


def test_d4_ranking_label_says_the_english_differs():
    d4 = next(r for r in rows("rankings") if r["item"] == "ITU-D.4")
    assert "包容性信息社会" in d4["label_zh"] and "Inclusive digital society" in d4["label_en"]
    assert "differ" in d4["note_en"] and "inclusive information society" in d4["note_en"]


@pytest.mark.parametrize(
    ("table", "key", "value"),
    [
        ("contributions", "id", "C-2021-ATU-28"),
        ("contributions", "id", "C-2021-ATU-34"),
        ("tdag_sessions", "id", "TDAG-21-2"),
        ("meetings", "id", "M1"),
    ],
)
def test_inferences_in_source_detail_say_so(table, key, value):
    row = next(r for r in rows(table) if r[key] == value)
    assert "inferred" in row["source_detail"], row["source_detail"]
