"""The data reproduces what the report's tables show.

Figures below were read by hand from data/source/report-zh.txt, section
"TDAG-WG-SOP 2021年会议的结论": for each ATU objective D.1-D.7 one table of
items agreed by TDAG-WG-SOP ("达成一致的输出成果和成果") and one of items
needing further discussion or clarification ("需要进一步讨论或澄清的"),
each with an outcomes column (成果) and an outputs column (输出成果).
Labels are as printed, in the order printed ("无。" = none).
"""

from __future__ import annotations

import re

import pytest

from sopkit import analysis

# objective -> (outcomes agreed, outcomes discussion, outputs agreed, outputs discussion), labels as printed
REPORT = {
    "D.1": (["D.1-a", "D.1-b", "D.1-d", "D.1-e"], ["D.1-c"], ["D.1-1", "D.1-2", "D.1-3", "D.1-4", "D.1-5", "D.1-6", "D.1-7"], []),
    "D.2": (["D.2-a", "D.2-b", "D.2-c", "D.2-d", "D.2-e", "D.2-f"], [], ["D.2-2", "D.2-3", "D.2-4", "D.2-5", "D.2-6", "D.2-7"], ["D.2-1"]),
    "D.3": (["D.3-b", "D.3-c", "D.3-d"], ["D-3-a"], ["D.3-3", "D.3-4"], ["D.3-1", "D.3-2"]),
    "D.4": (["D.4-a", "D.4-b", "D.4-d", "D.4-e"], ["D.4-c"], ["D.4-1", "D.4-4"], ["D.4-2", "D.4-3"]),
    "D.5": (["D.5-a", "D.5-d"], ["D.5-b", "D.5-c"], ["D.5-1"], ["D.5-2"]),
    "D.6": (["D.6-a", "D.6-b"], ["D.6-c"], ["D.6-1"], ["D.6-2"]),
    "D.7": (["D.7-b", "D.7-c", "D.7-d", "D.7-e"], ["D-7-a"], ["D.4-2"], ["D.7-1"]),
}
COLUMNS = ["outcomes agreed", "outcomes discussion", "outputs agreed", "outputs discussion"]
CELLS = [("outcome", "agreed"), ("outcome", "discussion"), ("output", "agreed"), ("output", "discussion")]
COUNTS = {obj: tuple(len(labels) for labels in cells) for obj, cells in REPORT.items()}


def test_hand_read_figures_add_up_to_the_stated_totals():
    # Guards the table above against typing slips: 25 + 7 outcomes, 20 + 8 outputs.
    assert [sum(c[i] for c in COUNTS.values()) for i in range(4)] == [25, 7, 20, 8]


def test_seven_objectives(fw):
    assert fw.objectives["id"].tolist() == [f"D.{n}" for n in range(1, 8)]
    assert fw.objectives["number"].tolist() == list(range(1, 8))


def test_status_table_totals(fw):
    table = analysis.status_table(fw)
    assert table[COLUMNS].sum().tolist() == [25, 7, 20, 8]
    assert table["total"].sum() == 60


def test_outcome_and_output_table_sizes(fw):
    assert len(fw.outcomes) == 25 + 7
    assert len(fw.outputs) == 20 + 8


@pytest.mark.parametrize("objective", list(REPORT))
def test_status_table_per_objective(fw, objective):
    row = analysis.status_table(fw).set_index("objective").loc[objective]
    assert tuple(int(row[c]) for c in COLUMNS) == COUNTS[objective]
    assert int(row["total"]) == sum(COUNTS[objective])


def test_status_table_rows_in_objective_order(fw):
    assert analysis.status_table(fw)["objective"].tolist() == list(REPORT)


def test_status_counts_match_the_report(fw):
    tidy = analysis.status_counts(fw).set_index(["objective", "item_type", "status"])["count"]
    for objective, counts in COUNTS.items():
        for (kind, status), n in zip(CELLS, counts):
            assert tidy[(objective, kind, status)] == n, (objective, kind, status)


@pytest.mark.parametrize("objective", list(REPORT))
def test_labels_per_cell_as_printed(fw, objective):
    items = analysis.items(fw)
    mine = items[items["objective"] == objective]
    for (kind, status), labels in zip(CELLS, REPORT[objective]):
        got = mine[(mine["item_type"] == kind) & (mine["status"] == status)].sort_values("order")["label"].tolist()
        assert got == labels, (objective, kind, status)


def test_status_counts_without_proposed_additions(fw):
    table = analysis.status_table(fw, include_proposed=False).set_index("objective")
    assert table.loc["D.7", "outcomes agreed"] == 3
    assert table["total"].sum() == 59


def test_status_counts_agreed_only(fw):
    table = analysis.status_table(fw, include_discussion=False)
    assert table[COLUMNS].sum().tolist() == [25, 0, 20, 0]


# --- suggestions ---------------------------------------------------------------------


def test_two_suggestions_per_objective(fw):
    per = fw.suggestions.groupby("objective")["number"].apply(sorted)
    assert per.index.tolist() == list(REPORT)
    assert all(numbers == [1, 2] for numbers in per)


def test_suggestions_are_the_printed_ones(fw, source_text):
    printed = re.findall(r"建议([12])：(.+)", source_text.split("TDAG-WG-SOP 2021年会议的结论")[1])
    assert len(printed) == 14
    assert [(int(n), t.strip()) for n, t in printed] == list(zip(fw.suggestions["number"], fw.suggestions["text_zh"]))


# --- numbering slips kept as printed --------------------------------------------------


def _by_id(df):
    return df.set_index("id")


def test_d3_a_printed_with_hyphen(fw):
    row = _by_id(fw.outcomes).loc["D.3-a"]
    assert row["label"] == "D-3-a"
    assert row["objective"] == "D.3"
    assert row["status"] == "discussion"


def test_d7_a_printed_with_hyphen(fw):
    row = _by_id(fw.outcomes).loc["D.7-a"]
    assert row["label"] == "D-7-a"
    assert row["objective"] == "D.7"
    assert row["status"] == "discussion"


def test_d7_output_printed_as_d4_2_is_a_distinct_item(fw):
    outputs = _by_id(fw.outputs)
    d7 = outputs.loc["D.7/D.4-2"]
    d4 = outputs.loc["D.4-2"]
    assert (d7["label"], d7["objective"], d7["status"]) == ("D.4-2", "D.7", "agreed")
    assert (d4["label"], d4["objective"], d4["status"]) == ("D.4-2", "D.4", "discussion")
    assert d7["text_zh"] == "本地内容产品"
    assert d7["text_zh"] != d4["text_zh"]
    assert (fw.outputs["label"] == "D.4-2").sum() == 2


def test_slips_not_merged_in_items(fw):
    items = analysis.items(fw)
    assert items["item"].is_unique
    assert {"D.3-a", "D.7-a", "D.7/D.4-2", "D.4-2"} <= set(items["item"])


def test_d7_e_is_the_only_proposed_additional(fw):
    items = analysis.items(fw)
    proposed = items[items["proposed_additional"]]
    assert proposed["item"].tolist() == ["D.7-e"]
    assert proposed.iloc[0]["status"] == "agreed"
    assert proposed.iloc[0]["item_type"] == "outcome"


def test_d5_b_is_the_only_alternative_wording(fw, source_text):
    items = analysis.items(fw)
    alt = items[items["alternative_wording"]]
    assert alt["item"].tolist() == ["D.5-b"]
    row = alt.iloc[0]
    assert row["alt_text_zh"] == "国际电联的项目执行职能得到加强。"
    assert f"关于D.5-b的备选提案：{row['alt_text_zh']}" in source_text
    assert row["text_zh"] == "国际电联作为联合国专门机构和实施项目的执行机构的双重责任得到加强。"
    assert items["alt_text_zh"].notna().sum() == 1


# --- survey order (only the order survives; no numbers) --------------------------------


def _ranked(fw, survey):
    return fw.rankings[fw.rankings["survey"] == survey].sort_values("rank")


def test_survey_itu_d_objectives_order(fw):
    r = _ranked(fw, "itu-d-objectives")
    assert r["item"].tolist() == ["ITU-D.4", "ITU-D.3", "ITU-D.2", "ITU-D.1"]
    assert r["rank"].tolist() == [1, 2, 3, 4]


def test_survey_strategic_goals_order(fw):
    r = _ranked(fw, "strategic-goals")
    assert r["item"].tolist() == ["Goal 2", "Goal 1", "Goal 4", "Goal 3", "Goal 5"]
    assert r["rank"].tolist() == [1, 2, 3, 4, 5]


def test_survey_labels_as_printed(fw, source_text):
    for survey in ("itu-d-objectives", "strategic-goals"):
        for _, r in _ranked(fw, survey).iterrows():
            assert f"{r['rank']})\t{r['label_zh']}" in source_text, (survey, r["item"])


def test_two_surveys(fw):
    assert sorted(fw.surveys["id"]) == ["itu-d-objectives", "strategic-goals"]
    assert sorted(fw.rankings["survey"].unique()) == ["itu-d-objectives", "strategic-goals"]


COUNT_LIKE = re.compile(r"count|score|vote|respond|respondent|percent|share|mean|average|total|weight|^n$|^n_", re.I)


@pytest.mark.parametrize("table", ["rankings", "surveys"])
def test_no_invented_survey_numbers(fw, table):
    df = getattr(fw, table)
    assert not [c for c in df.columns if COUNT_LIKE.search(c)]
    # The only numbers are the rank (1..n) and the figure number.
    numeric = set(df.select_dtypes("number").columns)
    assert numeric == ({"rank"} if table == "rankings" else {"figure"})
