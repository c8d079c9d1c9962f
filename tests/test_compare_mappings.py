"""compare_mappings: the bundled mapping against an edited one (WhatIf), and against itself."""

from __future__ import annotations

import csv
import dataclasses

import pandas as pd
import pytest

from conftest import DATA_DIR
from sopkit import analysis
from sopkit.whatif import EDIT_RATIONALE, WhatIf

# The moves made on the 4-priority mapping (homes as in data/mapping.csv, variant 4):
# three outcomes one by one, then objective D.6 with its five items (all on T3, rule security).
OUTCOME_MOVES = {"D.1-a": ("T4", "T1"), "D.3-a": ("T2", "X"), "D.7-e": ("T4", "T3")}  # agreed, discussion, proposed
D6_ITEMS = ["D.6-a", "D.6-b", "D.6-c", "D.6-1", "D.6-2"]  # D.6-c and D.6-2 under discussion


@pytest.fixture(scope="module")
def edited(fw):
    wi = WhatIf(fw, 4)
    for item, (_, to) in OUTCOME_MOVES.items():
        assert wi.move(item, to) == [item]
    assert wi.move("D.6", "T2") == ["D.6", *D6_ITEMS]
    return wi.framework


@pytest.fixture(scope="module")
def cmp(fw, edited):
    return analysis.compare_mappings(fw, edited, 4)


def test_columns_are_the_documented_ones(fw, cmp):
    extra = ["rationale_a_zh", "rationale_b_zh"] if "rationale_zh" in fw.mapping.columns else []
    assert list(cmp.moves.columns) == analysis.MOVE_COLUMNS + extra
    assert analysis.MOVE_COLUMNS[:5] == ["item", "item_type", "objective", "from_theme", "to_theme"]
    assert list(cmp.transitions.columns) == ["from_theme", "to_theme", "items", "moved"]
    assert list(cmp.counts.columns) == ["theme", "name_en", "name_zh", "items_a", "items_b", "change"]
    assert list(cmp.balance.columns) == ["side", "smallest", "largest", "balance", "cross_cutting", "unmapped"]
    assert cmp.variant == 4


def test_moves_list_every_moved_item_in_report_order(cmp):
    rows = list(cmp.moves[["item", "item_type", "from_theme", "to_theme"]].itertuples(index=False, name=None))
    assert rows == [
        ("D.6", "objective", "T3", "T2"),
        ("D.1-a", "outcome", "T4", "T1"),
        ("D.3-a", "outcome", "T2", "X"),
        *[(i, "outcome" if i[-1].isalpha() else "output", "T3", "T2") for i in D6_ITEMS],
        ("D.7-e", "outcome", "T4", "T3"),
    ]
    assert cmp.moved == len(rows) == 9
    assert cmp.moves["objective"].tolist() == ["D.6", "D.1", "D.3", *["D.6"] * 5, "D.7"]


def test_moves_carry_both_sides_rules_and_reasons(fw, cmp):
    moves = cmp.moves.set_index("item")
    rules = fw.mapping[fw.mapping["variant"] == 4].set_index("item")
    for item in moves.index:
        assert moves.loc[item, "rule_a"] == rules.loc[item, "rule"]
        assert moves.loc[item, "rationale_a_en"] == rules.loc[item, "rationale_en"]
    assert moves.loc["D.1-a", ["rule_a", "rule_a_en", "rule_a_zh"]].tolist() == ["finance", "Resource mobilization and finance", "资源筹措和财务"]
    assert moves.loc["D.6", ["rule_a", "rule_a_en", "rule_a_zh"]].tolist() == ["security", "Security and trust", "安全和信任"]
    # B's placements are hand edits: no rule, the what-if reason.
    assert set(moves["rule_b"]) == set(moves["rule_b_en"]) == set(moves["rule_b_zh"]) == {""}
    assert set(moves["rationale_b_en"]) == {EDIT_RATIONALE}
    assert not moves.isna().any().any()
    assert not moves.astype(str).isin(["nan", "None", "<NA>", "null"]).any().any()


def test_counts_follow_the_moves(fw, edited, cmp):
    counts = cmp.counts.set_index("theme")
    assert counts.index.tolist() == ["T1", "T2", "T3", "T4", "X"]
    assert counts["items_a"].to_dict() == {"T1": 6, "T2": 13, "T3": 14, "T4": 13, "X": 14}
    assert counts["items_b"].to_dict() == {"T1": 7, "T2": 17, "T3": 10, "T4": 11, "X": 15}
    assert counts["change"].to_dict() == {"T1": 1, "T2": 4, "T3": -4, "T4": -2, "X": 1}
    assert counts["items_a"].sum() == counts["items_b"].sum() == 60 and counts["change"].sum() == 0
    assert counts["items_a"].tolist() == analysis.theme_coverage(fw, 4)["items"].tolist()
    assert counts["items_b"].tolist() == analysis.theme_coverage(edited, 4)["items"].tolist()
    assert counts.loc["X", "name_en"] == analysis.cross_cutting_row()["name_en"]
    assert counts.loc["T1", "name_zh"] == "互联互通"


def test_a_count_checked_by_hand_against_mapping_csv(cmp):
    with open(DATA_DIR / "mapping.csv", encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["variant"] == "4" and r["item_type"] != "objective"]
    on_t3 = [r["item"] for r in rows if r["theme"] == "T3"]
    assert len(on_t3) == 14  # 8 of D.2, D.3-2, the 5 of D.6 (rule security)
    counts = cmp.counts.set_index("theme")
    assert counts.loc["T3", "items_a"] == len(on_t3)
    # B: D.6's five leave T3, D.7-e arrives.
    assert counts.loc["T3", "items_b"] == len(set(on_t3) - set(D6_ITEMS)) + 1 == 10


def test_balance_is_compare_options_for_each_side(fw, edited, cmp):
    columns = ["smallest", "largest", "balance", "cross_cutting", "unmapped"]
    balance = cmp.balance.set_index("side")
    assert balance.index.tolist() == ["a", "b"]
    for side, framework in (("a", fw), ("b", edited)):
        expected = analysis.compare_options(framework).set_index("option").loc["themes-4", columns]
        assert balance.loc[side, columns].tolist() == expected.tolist()
    assert balance.loc["a"].tolist() == [6, 14, 0.43, 14, 0]
    assert balance.loc["b"].tolist() == [7, 17, 0.41, 15, 0]


def test_transitions_count_every_mapped_item_once(cmp):
    tr = cmp.transitions
    assert tr["items"].sum() == 60
    assert (tr["items"] > 0).all()
    assert (tr["moved"] == (tr["from_theme"] != tr["to_theme"])).all()
    moved = {(r.from_theme, r.to_theme): r.items for r in tr[tr["moved"]].itertuples()}
    assert moved == {("T2", "X"): 1, ("T3", "T2"): 5, ("T4", "T1"): 1, ("T4", "T3"): 1}
    assert tr.loc[tr["moved"], "items"].sum() == (cmp.moves["item_type"] != "objective").sum() == 8
    # A's counts are the rows out of each placement, B's the rows into it.
    counts = cmp.counts.set_index("theme")
    assert tr.groupby("from_theme")["items"].sum().to_dict() == counts["items_a"].to_dict()
    assert tr.groupby("to_theme")["items"].sum().to_dict() == counts["items_b"].to_dict()
    order = ["T1", "T2", "T3", "T4", "X"]
    keys = [(order.index(a), order.index(b)) for a, b in zip(tr["from_theme"], tr["to_theme"])]
    assert keys == sorted(keys)


@pytest.mark.parametrize("variant", [4, 5])
def test_a_mapping_compared_with_itself_moves_nothing(fw, variant):
    same = analysis.compare_mappings(fw, fw, variant)
    assert same.moved == 0 and same.moves.empty
    assert list(same.moves.columns)[:5] == ["item", "item_type", "objective", "from_theme", "to_theme"]
    assert (same.counts["items_a"] == same.counts["items_b"]).all() and (same.counts["change"] == 0).all()
    assert same.counts["items_a"].tolist() == analysis.theme_coverage(fw, variant)["items"].tolist()
    assert not same.transitions["moved"].any() and same.transitions["items"].sum() == 60
    assert same.balance.drop(columns="side").iloc[0].tolist() == same.balance.drop(columns="side").iloc[1].tolist()


def test_edits_on_the_other_variant_are_not_moves(fw, edited):
    five = analysis.compare_mappings(fw, edited, 5)
    assert five.moved == 0 and five.variant == 5
    assert five.counts["theme"].tolist() == ["T1", "T2", "T3", "T4", "T5", "X"]


def test_swapping_the_sides_reverses_the_moves(fw, edited, cmp):
    back = analysis.compare_mappings(edited, fw, 4)
    assert back.moves["item"].tolist() == cmp.moves["item"].tolist()
    assert back.moves["from_theme"].tolist() == cmp.moves["to_theme"].tolist()
    assert back.moves["rule_b"].tolist() == cmp.moves["rule_a"].tolist()
    assert (back.counts["change"] == -cmp.counts["change"]).all()


def test_filters_apply_to_items_not_to_objectives(fw, edited):
    agreed = analysis.compare_mappings(fw, edited, 4, include_discussion=False)
    assert agreed.moves["item"].tolist() == ["D.6", "D.1-a", "D.6-a", "D.6-b", "D.6-1", "D.7-e"]  # D.3-a, D.6-c, D.6-2: discussion
    assert agreed.counts["items_a"].tolist() == analysis.theme_coverage(fw, 4, include_discussion=False)["items"].tolist()
    assert agreed.counts["items_a"].sum() == agreed.transitions["items"].sum() == 45
    columns = ["smallest", "largest", "balance", "cross_cutting", "unmapped"]
    for side, framework in (("a", fw), ("b", edited)):
        expected = analysis.compare_options(framework, include_discussion=False).set_index("option").loc["themes-4", columns]
        assert agreed.balance.set_index("side").loc[side, columns].tolist() == expected.tolist()
    not_proposed = analysis.compare_mappings(fw, edited, 4, include_proposed=False)
    assert "D.7-e" not in set(not_proposed.moves["item"]) and not_proposed.moved == 8
    assert not_proposed.counts["items_b"].sum() == 59


def test_an_item_unmapped_on_one_side_moves_to_no_home(fw):
    m = fw.mapping
    partial = fw.with_mapping(m[~((m["variant"] == 4) & (m["item"] == "D.1-a"))])
    cmp = analysis.compare_mappings(fw, partial, 4)
    row = cmp.moves.set_index("item").loc["D.1-a"]
    assert cmp.moved == 1
    assert (row["from_theme"], row["to_theme"], row["rule_a"], row["rule_b"], row["rule_b_en"], row["rationale_b_en"]) == (
        "T4",
        "",
        "finance",
        "",
        "",
        "",
    )
    tr = cmp.transitions
    assert tr.loc[tr["to_theme"] == "", ["from_theme", "items", "moved"]].values.tolist() == [["T4", 1, True]]
    assert tr["items"].sum() == 60  # mapped by A: counted once
    assert cmp.counts.set_index("theme").loc["T4", "change"] == -1 and cmp.counts["items_b"].sum() == 59
    assert cmp.balance.set_index("side")["unmapped"].to_dict() == {"a": 0, "b": 1}
    assert analysis.compare_mappings(partial, partial, 4).moved == 0  # unmapped on both sides: no move


def test_rationale_zh_is_carried_when_the_mapping_has_it(fw):
    zh = dataclasses.replace(fw, mapping=fw.mapping.assign(rationale_zh="中文理由"), cache={})
    cmp = analysis.compare_mappings(fw, _moved(zh), 4)
    assert list(cmp.moves.columns) == analysis.MOVE_COLUMNS + ["rationale_a_zh", "rationale_b_zh"]
    row = cmp.moves.iloc[0]
    assert row["item"] == "D.1-a" and row["rationale_b_zh"] == "中文理由"
    assert row["rationale_a_zh"] == (
        fw.mapping.set_index(["variant", "item"]).loc[(4, "D.1-a"), "rationale_zh"] if "rationale_zh" in fw.mapping else ""
    )


def _moved(fw):
    """*fw* with D.1-a on T1 (variant 4), its other columns kept."""
    m = fw.mapping.copy()
    m.loc[(m["variant"] == 4) & (m["item"] == "D.1-a"), "theme"] = "T1"
    return dataclasses.replace(fw, mapping=m, cache={})


def test_different_data_is_refused(fw):
    fewer = dataclasses.replace(fw, outcomes=fw.outcomes[fw.outcomes["id"] != "D.1-a"], cache={})
    with pytest.raises(ValueError, match=r"same objectives, outcomes and outputs.*only in A: D\.1-a"):
        analysis.compare_mappings(fw, fewer, 4)
    with pytest.raises(ValueError, match=r"only in B: D\.1-a"):
        analysis.compare_mappings(fewer, fw, 4)
    outcomes = fw.outcomes.copy()
    outcomes.loc[outcomes["id"] == "D.1-a", "status"] = "discussion"
    restated = dataclasses.replace(fw, outcomes=outcomes, cache={})
    with pytest.raises(ValueError, match=r"kind, objective, status or proposed flag differ: D\.1-a"):
        analysis.compare_mappings(fw, restated, 4)


def test_unknown_variant_is_refused(fw):
    with pytest.raises(ValueError, match="variant"):
        analysis.compare_mappings(fw, fw, 6)


def test_the_inputs_are_not_modified(fw, edited):
    before = fw.mapping.copy(), edited.mapping.copy()
    analysis.compare_mappings(fw, edited, 4)
    pd.testing.assert_frame_equal(fw.mapping, before[0])
    pd.testing.assert_frame_equal(edited.mapping, before[1])
