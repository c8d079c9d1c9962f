"""Pure analysis functions, on the bundled data and on small edited copies."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import edit_csv
from sopkit import DataError, analysis, load_framework

KINDS = ["outcome", "output"]
STATUSES = ["agreed", "discussion"]
COUNT_COLS = ["outcomes agreed", "outcomes discussion", "outputs agreed", "outputs discussion"]


def mapping_rows(rows, variant, item):
    return [r for r in rows[1:] if r[0] == str(variant) and r[1] == item]


# --- items / select_items ------------------------------------------------------------------


def test_items_has_60_rows_with_unique_ids(fw):
    df = analysis.items(fw)
    assert len(df) == 60
    assert df["item"].is_unique
    assert df["item_type"].value_counts().to_dict() == {"outcome": 32, "output": 28}


def test_items_columns(fw):
    assert list(analysis.items(fw).columns) == analysis.ITEM_COLUMNS


def test_items_in_report_order(fw):
    df = analysis.items(fw)
    # Objectives in order; within one, outcomes before outputs; then the printed order.
    assert df["objective"].tolist() == sorted(df["objective"])
    kind_rank = df["item_type"].map({"outcome": 0, "output": 1})
    key = list(zip(df["objective"], kind_rank, df["order"]))
    assert key == sorted(key)
    assert df["item"].head(5).tolist() == ["D.1-a", "D.1-b", "D.1-d", "D.1-e", "D.1-c"]
    assert df[df["objective"] == "D.7"]["item"].tolist() == ["D.7-b", "D.7-c", "D.7-d", "D.7-e", "D.7-a", "D.7/D.4-2", "D.7-1"]


def test_items_order_follows_the_source_text(fw, source_text):
    # Within each objective's block of the report, labels appear in the items() order.
    section = source_text.split("TDAG-WG-SOP 2021年会议的结论")[1]
    blocks = re.split(r"\nD\.[1-7] ", section)[1:]
    assert len(blocks) == 7
    df = analysis.items(fw)
    for n, block in enumerate(blocks, start=1):
        mine = df[df["objective"] == f"D.{n}"]
        for kind in KINDS:
            labels = mine[mine["item_type"] == kind]["label"].tolist()
            positions = [block.index(f"{label}：") for label in labels]
            assert positions == sorted(positions), (n, kind, labels)


def test_items_returns_a_fresh_frame_each_call(fw):
    first = analysis.items(fw)
    first.loc[0, "status"] = "changed by a caller"
    del first["text_en"]
    again = analysis.items(fw)
    assert again.loc[0, "status"] == "agreed"
    assert "text_en" in again.columns


def test_select_items_keeps_everything_by_default(fw):
    df = analysis.items(fw)
    assert len(analysis.select_items(df)) == 60


def test_select_items_drops_discussion(fw):
    out = analysis.select_items(analysis.items(fw), include_discussion=False)
    assert len(out) == 45
    assert set(out["status"]) == {"agreed"}


def test_select_items_drops_proposed(fw):
    out = analysis.select_items(analysis.items(fw), include_proposed=False)
    assert len(out) == 59
    assert "D.7-e" not in set(out["item"])


def test_select_items_both_toggles(fw):
    out = analysis.select_items(analysis.items(fw), include_discussion=False, include_proposed=False)
    assert len(out) == 44


def test_select_items_does_not_modify_its_input(fw):
    df = analysis.items(fw)
    before = df.copy()
    analysis.select_items(df, include_discussion=False, include_proposed=False)
    pd.testing.assert_frame_equal(df, before)


# --- status_counts ----------------------------------------------------------------------------


def test_status_counts_includes_zeros(fw):
    tidy = analysis.status_counts(fw)
    assert len(tidy) == 7 * 2 * 2
    assert list(tidy.columns) == ["objective", "item_type", "status", "count"]
    assert tidy["count"].dtype == "int64"
    indexed = tidy.set_index(["objective", "item_type", "status"])["count"]
    assert indexed[("D.1", "output", "discussion")] == 0
    assert indexed[("D.2", "outcome", "discussion")] == 0


def test_status_counts_sum_to_60(fw):
    assert analysis.status_counts(fw)["count"].sum() == 60


def test_status_counts_zeros_kept_when_filtering(fw):
    tidy = analysis.status_counts(fw, include_discussion=False)
    assert len(tidy) == 28
    assert tidy.loc[tidy["status"] == "discussion", "count"].eq(0).all()
    assert tidy["count"].sum() == 45


# --- theme_coverage ------------------------------------------------------------------------


@pytest.mark.parametrize("variant, themes", [(4, ["T1", "T2", "T3", "T4"]), (5, ["T1", "T2", "T3", "T4", "T5"])])
def test_theme_coverage_themes_in_order(fw, variant, themes):
    cov = analysis.theme_coverage(fw, variant)
    # The priorities in order, then the cross-cutting placement, marked as such.
    assert cov["theme"].tolist() == [*themes, "X"]
    assert cov["cross_cutting"].tolist() == [False] * len(themes) + [True]
    assert cov["name_en"].iloc[-1].startswith("Cross-cutting") and cov["name_zh"].iloc[-1].startswith("跨领域")


@pytest.mark.parametrize("variant", [4, 5])
def test_theme_coverage_sums(fw, variant):
    cov = analysis.theme_coverage(fw, variant)
    assert cov["items"].sum() == 60
    assert (cov["items"] == cov[COUNT_COLS].sum(axis=1)).all()
    assert cov[COUNT_COLS].sum().tolist() == [25, 7, 20, 8]
    assert cov["share"].sum() == pytest.approx(1, abs=0.01)
    assert cov["derived"].all()


def test_theme_coverage_marks_t5_inferred(fw):
    cov = analysis.theme_coverage(fw, 5).set_index("theme")
    assert cov.loc["T5", "inferred"]
    assert not cov.drop(index="T5")["inferred"].any()


@pytest.mark.parametrize("variant", [4, 5])
def test_theme_coverage_counts_cross_cutting_apart(fw, variant):
    cov = analysis.theme_coverage(fw, variant).set_index("theme")
    m = fw.mapping[(fw.mapping["variant"] == variant) & (fw.mapping["item_type"] != "objective")]
    assert cov.loc["X", "items"] == (m["theme"] == "X").sum() == 14
    assert cov.loc["X", "objectives"] == "D.4"


def test_theme_coverage_objectives_column(fw):
    cov = analysis.theme_coverage(fw, 4).set_index("theme")
    mapped = fw.mapping[(fw.mapping["variant"] == 4) & (fw.mapping["item_type"] == "objective")]
    for theme, objectives in cov["objectives"].items():
        expected = sorted(mapped.loc[mapped["theme"] == theme, "item"])
        assert objectives == ", ".join(expected)


@pytest.mark.parametrize("variant", [4, 5])
def test_theme_coverage_agreed_only(fw, variant):
    cov = analysis.theme_coverage(fw, variant, include_discussion=False)
    assert cov["items"].sum() == 45
    assert cov[["outcomes discussion", "outputs discussion"]].eq(0).all().all()
    full = analysis.theme_coverage(fw, variant)
    pd.testing.assert_series_equal(cov["outcomes agreed"], full["outcomes agreed"])
    assert cov["share"].sum() == pytest.approx(1, abs=0.01)


def test_theme_coverage_without_proposed(fw):
    assert analysis.theme_coverage(fw, 5, include_proposed=False)["items"].sum() == 59


@pytest.mark.parametrize("variant", [0, 3, 6, "4"])
def test_theme_coverage_rejects_other_variants(fw, variant):
    with pytest.raises(ValueError):
        analysis.theme_coverage(fw, variant)


# --- mapping_issues ----------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [4, 5])
def test_mapping_issues_empty_on_bundled_data(fw, variant):
    issues = analysis.mapping_issues(fw, variant)
    assert issues.empty
    assert list(issues.columns) == ["item", "item_type", "objective", "issue", "themes"]


def test_mapping_issues_unmapped_after_removing_a_row(data_copy):
    def drop(rows):
        row = mapping_rows(rows, 4, "D.2-c")[0]
        rows.remove(row)

    edit_csv(data_copy / "mapping.csv", drop)
    fw = load_framework(data_copy)
    issues = analysis.mapping_issues(fw, 4)
    assert issues.to_dict("records") == [{"item": "D.2-c", "item_type": "outcome", "objective": "D.2", "issue": "unmapped", "themes": ""}]
    assert analysis.mapping_issues(fw, 5).empty


def test_mapping_issues_unmapped_objective(data_copy):
    edit_csv(data_copy / "mapping.csv", lambda rows: rows.remove(mapping_rows(rows, 5, "D.6")[0]))
    issues = analysis.mapping_issues(load_framework(data_copy), 5)
    assert issues[["item", "item_type", "issue"]].values.tolist() == [["D.6", "objective", "unmapped"]]


def test_an_item_under_two_themes_is_refused(data_copy, fw):
    # One home per item and variant (the mapping's primary key): a second theme is an error,
    # not a "mapped twice" issue to show. Serving several priorities is what X says.
    def add(rows):
        row = mapping_rows(rows, 4, "D.1-a")[0]
        assert row[3] == "T4"
        rows.append([*row[:3], "T1", "", "also connectivity (test)", "也属于互联互通（测试）", "", "true"])

    edit_csv(data_copy / "mapping.csv", add)
    with pytest.raises(DataError, match="D.1-a"):
        load_framework(data_copy)
    m = fw.mapping.copy()
    twice = pd.concat([m, m[(m["variant"] == 4) & (m["item"] == "D.1-a")].assign(theme="T1")], ignore_index=True)
    with pytest.raises(DataError, match="duplicate|D.1-a"):
        fw.with_mapping(twice)


def test_cross_cutting_is_a_home_not_an_issue(fw):
    m = fw.mapping.copy()
    m.loc[(m["variant"] == 4) & (m["item"] == "D.7-b"), "theme"] = "X"
    fw2 = fw.with_mapping(m)
    assert analysis.mapping_issues(fw2, 4).empty
    assert analysis.compare_options(fw2).set_index("option").loc["themes-4", "cross_cutting"] == 15


# --- flows ----------------------------------------------------------------------------------


@pytest.mark.parametrize("variant", [4, 5])
def test_flows_sum_to_60(fw, variant):
    flows = analysis.flows(fw, variant)
    assert list(flows.columns) == ["objective", "theme", "items"]
    assert flows["items"].sum() == 60
    assert (flows["items"] > 0).all()


@pytest.mark.parametrize("variant", [4, 5])
def test_flows_per_objective_match_status_totals(fw, variant):
    per_objective = analysis.flows(fw, variant).groupby("objective")["items"].sum()
    totals = analysis.status_table(fw).set_index("objective")["total"]
    assert per_objective.to_dict() == totals.to_dict()


def test_flows_agreed_only(fw):
    assert analysis.flows(fw, 5, include_discussion=False)["items"].sum() == 45


def test_flows_only_to_themes_of_the_variant(fw):
    assert "T5" not in set(analysis.flows(fw, 4)["theme"])


# --- compare_options ----------------------------------------------------------------------


def test_compare_options_three_rows(fw):
    cmp = analysis.compare_options(fw)
    assert cmp["option"].tolist() == ["themes-4", "themes-5", "atu-7"]
    assert cmp["top_level"].tolist() == [4, 5, 7]
    assert cmp["derived"].tolist() == [True, True, False]


def test_compare_options_counts_consistent(fw):
    cmp = analysis.compare_options(fw).set_index("option")
    for option, row in cmp.iterrows():
        assert [row[c] for c in COUNT_COLS] == [25, 7, 20, 8], option
        assert row["unmapped"] == 0
        assert row["cross_cutting"] == (0 if option == "atu-7" else 14)
        assert 0 < row["smallest"] <= row["largest"]
        assert row["balance"] == round(row["smallest"] / row["largest"], 2)


def test_compare_options_balance_leaves_cross_cutting_out(fw):
    # smallest/largest are over the priorities: the 14 cross-cutting items are not a priority.
    cmp = analysis.compare_options(fw).set_index("option")
    cov = analysis.theme_coverage(fw, 4).set_index("theme")
    assert cmp.loc["themes-4", "largest"] == cov.drop(index="X")["items"].max()
    assert cmp.loc["themes-4", "smallest"] == cov.drop(index="X")["items"].min()


def test_compare_options_sizes_match_other_views(fw):
    cmp = analysis.compare_options(fw).set_index("option")
    for variant in (4, 5):
        cov = analysis.theme_coverage(fw, variant)
        cov = cov[~cov["cross_cutting"]]
        assert cmp.loc[f"themes-{variant}", "smallest"] == cov["items"].min()
        assert cmp.loc[f"themes-{variant}", "largest"] == cov["items"].max()
    totals = analysis.status_table(fw)["total"]
    assert (cmp.loc["atu-7", "smallest"], cmp.loc["atu-7", "largest"]) == (totals.min(), totals.max())


def test_compare_options_top_level_matches_options_table(fw):
    sizes = fw.options.set_index("id")["size"]
    cmp = analysis.compare_options(fw).set_index("option")
    assert cmp["top_level"].to_dict() == sizes.to_dict()


def test_compare_options_agreed_only(fw):
    cmp = analysis.compare_options(fw, include_discussion=False)
    assert (cmp["outcomes discussion"] == 0).all() and (cmp["outputs discussion"] == 0).all()
    assert (cmp["outcomes agreed"] == 25).all()


# --- survey_landing --------------------------------------------------------------------------


def test_survey_landing_27_rows(fw):
    assert len(analysis.survey_landing(fw)) == 27


def test_survey_landing_ordered_by_survey_rank_option(fw):
    df = analysis.survey_landing(fw)
    for _, part in df.groupby("survey", sort=False):
        assert part["rank"].is_monotonic_increasing
        for _, same_rank in part.groupby("rank"):
            assert same_rank["option"].tolist() == ["themes-4", "themes-5", "atu-7"]
    assert df[df["survey"] == "itu-d-objectives"]["item"].drop_duplicates().tolist() == ["ITU-D.4", "ITU-D.3", "ITU-D.2", "ITU-D.1"]


def test_survey_landing_target_names_filled(fw):
    df = analysis.survey_landing(fw)
    has_target = df["target"].notna()
    assert has_target.all()  # every bundled priority has a home
    assert df.loc[has_target, "target_en"].notna().all()
    assert df.loc[has_target, "target_zh"].notna().all()
    row = df[(df["item"] == "ITU-D.4") & (df["option"] == "themes-5")].iloc[0]
    assert (row["target"], row["target_en"]) == ("T5", fw.themes.set_index("id").loc["T5", "name_en"])
    row = df[(df["item"] == "ITU-D.4") & (df["option"] == "atu-7")].iloc[0]
    assert (row["target"], row["target_en"]) == ("D.3", fw.objectives.set_index("id").loc["D.3", "short_en"])


def test_survey_landing_no_target_no_name(data_copy):
    def homeless(rows):
        cols = rows[0]
        rows[1][cols.index("target")] = ""
        rows[1][cols.index("fit")] = "none"

    edit_csv(data_copy / "ranking_landing.csv", homeless)
    df = analysis.survey_landing(load_framework(data_copy))
    row = df.iloc[0]
    assert (row["item"], row["option"]) == ("ITU-D.4", "themes-4")
    assert pd.isna(row["target"]) and pd.isna(row["target_en"]) and pd.isna(row["target_zh"])
    assert row["fit"] == "none"
    assert df["target_en"].notna().sum() == 26


def test_survey_landing_one_survey(fw):
    df = analysis.survey_landing(fw, "strategic-goals")
    assert len(df) == 15
    assert set(df["survey"]) == {"strategic-goals"}
    assert df["derived"].all()


def test_survey_landing_unknown_survey(fw):
    with pytest.raises(ValueError):
        analysis.survey_landing(fw, "no-such-survey")


# --- search_items -----------------------------------------------------------------------------


def test_search_chinese(fw):
    found = analysis.search_items(fw, "宽带")
    assert "D.7-b" in set(found["item"])
    texts = found[["text_zh", "alt_text_zh"]].fillna("").agg(" ".join, axis=1)
    assert texts.str.contains("宽带", regex=False).all()


@pytest.mark.parametrize("query", ["broadband", "BROADBAND", "BroadBand", "  broadband  "])
def test_search_english_case_insensitive(fw, query):
    found = analysis.search_items(fw, query)
    assert "D.7-b" in set(found["item"])
    assert found["item"].tolist() == analysis.search_items(fw, "broadband")["item"].tolist()


@pytest.mark.parametrize("query", ["", "   ", "\t"])
def test_search_empty_query_finds_nothing(fw, query):
    found = analysis.search_items(fw, query)
    assert found.empty
    assert list(found.columns) == analysis.ITEM_COLUMNS


@pytest.mark.parametrize("query", ["(", "[", "*", "+", "\\", ".*", "(WTDC"])
def test_search_regex_characters_are_literal(fw, query):
    found = analysis.search_items(fw, query)  # must not raise
    haystack = analysis.items(fw)[["item", "label", "text_en", "text_zh", "alt_text_en", "alt_text_zh"]].fillna("").agg(" ".join, axis=1)
    assert len(found) == int(haystack.str.contains(query, regex=False).sum())


def test_search_parenthesis_finds_literal_text(fw):
    found = analysis.search_items(fw, "(WTDC)")
    assert "D.1-d" in set(found["item"])
    assert analysis.search_items(fw, ".*").empty


def test_search_by_label_finds_both_d4_2(fw):
    assert set(analysis.search_items(fw, "D.4-2")["item"]) == {"D.4-2", "D.7/D.4-2"}


def test_search_limit(fw):
    assert len(analysis.search_items(fw, "D.", limit=5)) == 5


# --- Framework.with_mapping ------------------------------------------------------------------


def test_with_mapping_changes_theme_coverage(fw):
    before = analysis.theme_coverage(fw, 4).set_index("theme")  # computed first: no stale results after
    m = fw.mapping.copy()
    moved = (m["variant"] == 4) & (m["theme"] == "T4")
    assert moved.sum() > 0
    m.loc[moved, "theme"] = "T1"
    fw2 = fw.with_mapping(m)
    cov = analysis.theme_coverage(fw2, 4).set_index("theme")
    assert cov.loc["T4", "items"] == 0
    assert cov.loc["T1", "items"] == before.loc["T1", "items"] + before.loc["T4", "items"]
    assert cov["items"].sum() == 60
    # Variant 5 and the original framework are untouched.
    pd.testing.assert_frame_equal(analysis.theme_coverage(fw2, 5), analysis.theme_coverage(fw, 5))
    assert analysis.theme_coverage(fw, 4).set_index("theme").loc["T4", "items"] == before.loc["T4", "items"]


def test_with_mapping_keeps_dtypes(fw):
    fw2 = fw.with_mapping(fw.mapping.copy())
    pd.testing.assert_frame_equal(fw2.mapping, fw.mapping)
    assert fw2.outcomes is fw.outcomes


def test_with_mapping_unknown_item_raises(fw):
    m = fw.mapping.copy()
    m.loc[1, "item"] = "D.1-z"
    with pytest.raises(DataError) as exc:
        fw.with_mapping(m)
    assert exc.value.column == "item"
    assert exc.value.row == 3  # spreadsheet row of the DataFrame's second record
    assert "D.1-z" in str(exc.value)


def test_with_mapping_theme_outside_variant_raises(fw):
    m = fw.mapping.copy()
    m.loc[0, "theme"] = "T5"  # variant 4 has no T5
    with pytest.raises(DataError) as exc:
        fw.with_mapping(m)
    assert exc.value.column == "theme"


def test_with_mapping_unknown_theme_raises(fw):
    # Documented: "Raises DataError when the mapping refers to unknown items or themes."
    m = fw.mapping.copy()
    m.loc[0, "theme"] = "T9"
    with pytest.raises(DataError) as exc:
        fw.with_mapping(m)
    assert exc.value.column == "theme"
