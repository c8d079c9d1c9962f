"""sopkit.survey: upload validation, aggregation methods, published-order check, weighted coverage.

Every response used here is SYNTHETIC: written by hand in the tests or made by
``synthetic_responses``. The report publishes only the rank order; no real
answers exist in this repository.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopkit import DataError
from sopkit import survey as sv

ITEMS = ["ITU-D.1", "ITU-D.2", "ITU-D.3", "ITU-D.4"]
ABCD = ["A", "B", "C", "D"]


def csv_bytes(*rows: str, header: str = "respondent,item,rank", eol: str = "\n") -> bytes:
    return eol.join([header, *rows, ""]).encode("utf-8")


def responses(*ballots: str) -> pd.DataFrame:
    """``"A>B>C"`` per respondent, top first (synthetic hand-written ballots)."""
    rows = [
        {"respondent": f"synthetic-{k}", "item": item, "rank": rank}
        for k, ballot in enumerate(ballots, start=1)
        for rank, item in enumerate(ballot.split(">"), start=1)
    ]
    return pd.DataFrame(rows, columns=["respondent", "item", "rank"])


def scores(df: pd.DataFrame) -> dict[str, float]:
    return dict(zip(df["item"], df["score"]))


def positions(df: pd.DataFrame) -> dict[str, int]:
    return dict(zip(df["item"], df["position"]))


def problem(err: pytest.ExceptionInfo[DataError], index: int = 0):
    return err.value.problems[index]


# --- parse_responses: good uploads -------------------------------------------------------------------


def test_parse_plain():
    df = sv.parse_responses(csv_bytes("r1,ITU-D.4,1", "r1,ITU-D.3,2", "r2,ITU-D.1,1"), ITEMS)
    assert df.to_dict("list") == {
        "respondent": ["r1", "r1", "r2"],
        "item": ["ITU-D.4", "ITU-D.3", "ITU-D.1"],
        "rank": [1, 2, 1],
    }
    assert df["rank"].dtype == "int64"
    assert pd.api.types.is_string_dtype(df["respondent"]) and pd.api.types.is_string_dtype(df["item"])


def test_parse_excel_style_bom_crlf_headers_order_spaces():
    content = b"\xef\xbb\xbf" + csv_bytes(" 2.0 , itu-d.3 ,r1", "1,ITU-D.4,r1", ",,", header=" Rank ,ITEM, Respondent", eol="\r\n")
    df = sv.parse_responses(content, ITEMS)
    assert df.to_dict("list") == {"respondent": ["r1", "r1"], "item": ["ITU-D.3", "ITU-D.4"], "rank": [2, 1]}


def test_parse_semicolon_separated_and_trailing_empty_cells():
    content = csv_bytes("r1;ITU-D.4;1;", "r1;ITU-D.2;2", header="respondent;item;rank;")
    assert sv.parse_responses(content, ITEMS)["item"].tolist() == ["ITU-D.4", "ITU-D.2"]


def test_parse_partial_rankings_allowed():
    df = sv.parse_responses(csv_bytes("r1,ITU-D.2,1", "r2,ITU-D.4,1", "r2,ITU-D.1,2"), ITEMS)
    assert df.groupby("respondent").size().to_dict() == {"r1": 1, "r2": 2}


def test_synthetic_round_trip_through_csv():
    df = sv.synthetic_responses(ITEMS, 12, seed=3, complete=False)
    back = sv.parse_responses(df.to_csv(index=False).encode("utf-8"), ITEMS)
    back.attrs["synthetic"] = True  # attrs take part in the comparison
    pd.testing.assert_frame_equal(back, df)


# --- parse_responses: one test per kind of bad upload -------------------------------------------------


def test_bad_not_utf8_names_row_and_column():
    content = b"respondent,item,rank\nr1,ITU-D.4,1\nJos\xe9,ITU-D.3,2\n"  # Latin-1 e-acute
    with pytest.raises(DataError) as err:
        sv.parse_responses(content, ITEMS, name="answers.csv")
    p = problem(err)
    assert (p.file, p.row, p.column) == ("answers.csv", 3, "respondent")
    assert "UTF-8" in p.message
    assert str(err.value).startswith("answers.csv:3: respondent: ")


def test_bad_utf16_whole_file():
    content = csv_bytes("r1,ITU-D.4,1").decode().encode("utf-16")
    with pytest.raises(DataError) as err:
        sv.parse_responses(content, ITEMS, name="answers.csv")
    p = problem(err)
    assert (p.file, p.row, p.column) == ("answers.csv", None, None)
    assert "UTF-16" in p.message and "CSV UTF-8" in p.message


def test_bad_not_a_csv_excel_workbook():
    with pytest.raises(DataError) as err:
        sv.parse_responses(b"PK\x03\x04\x14\x00\x06\x00rest of a zip", ITEMS, name="answers.xlsx")
    p = problem(err)
    assert (p.file, p.row, p.column) == ("answers.xlsx", None, None)
    assert "not a CSV" in p.message
    assert str(err.value).startswith("answers.xlsx: -: ")


def test_bad_binary_nul_byte_names_row_and_column():
    content = b"respondent,item,rank\nr1,ITU-D.4,1\nr2,ITU\x00D.3,1\n"
    with pytest.raises(DataError) as err:
        sv.parse_responses(content, ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 3, "item")
    assert "binary" in p.message


@pytest.mark.parametrize("content", [b"", b"   \r\n\n", b"\xef\xbb\xbf"])
def test_bad_empty(content):
    with pytest.raises(DataError) as err:
        sv.parse_responses(content, ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", None, None)
    assert "empty" in p.message


def test_bad_header_only():
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes(",,", ""), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", None, None)
    assert "no answers" in p.message


def test_bad_too_large_is_refused_before_parsing():
    content = b"\xff\xfe garbage that would fail decoding" + b"x" * 200
    with pytest.raises(DataError) as err:
        sv.parse_responses(content, ITEMS, max_bytes=100)
    assert len(err.value.problems) == 1  # nothing decoded or parsed: only the size
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", None, None)
    assert "larger than 100 bytes" in p.message
    sv.parse_responses(csv_bytes("r1,ITU-D.4,1"), ITEMS, max_bytes=len(csv_bytes("r1,ITU-D.4,1")))  # at the limit: fine


def test_bad_missing_column():
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r1,ITU-D.4", header="Respondent,Item"), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 1, "rank")
    assert "missing" in p.message


def test_bad_unknown_column():
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r1,ITU-D.4,1,nice", header="respondent,item,rank,Comment"), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 1, "comment")
    assert "unknown column" in p.message and "respondent, item, rank" in p.message


def test_bad_repeated_column():
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r1,ITU-D.4,1,2", header="respondent,item,rank,RANK"), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 1, "rank")
    assert "more than once" in p.message


@pytest.mark.parametrize(("row", "column"), [(" ,ITU-D.4,1", "respondent"), ("r1,,1", "item"), ("r1,ITU-D.4,", "rank"), ("r1,ITU-D.4", "rank")])
def test_bad_blank_cell(row, column):
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r0,ITU-D.1,1", row), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 3, column)
    assert "blank" in p.message


def test_bad_too_many_cells():
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r1,ITU-D.4,1,extra"), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 2, None)
    assert "4 cells" in p.message


@pytest.mark.parametrize("value", ["1.5", "two", "1e0", "#1", "٣"])
def test_bad_rank_not_whole_number(value):
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes(f"r1,ITU-D.4,{value}"), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 2, "rank")
    assert "not a whole number" in p.message


@pytest.mark.parametrize("value", ["0", "5", "-1", "9" * 5000])
def test_bad_rank_out_of_range(value):
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r1,ITU-D.3,1", f"r1,ITU-D.4,{value}"), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 3, "rank")
    assert "out of range 1..4" in p.message


def test_bad_unknown_item_lists_valid_ones():
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r1,ITU-D.4,1", "r1,D.5,2"), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 3, "item")
    assert "'D.5'" in p.message and "ITU-D.1, ITU-D.2, ITU-D.3, ITU-D.4" in p.message


def test_bad_same_item_twice():
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r1,ITU-D.4,1", "r2,ITU-D.4,1", "r1,itu-d.4,2"), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 4, "item")
    assert "'r1' already ranked 'ITU-D.4' in row 2" in p.message


def test_bad_same_rank_twice():
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r1,ITU-D.4,1", "r2,ITU-D.3,1", "r1,ITU-D.3,1"), ITEMS)
    p = problem(err)
    assert (p.file, p.row, p.column) == ("upload.csv", 4, "rank")
    assert "'r1' already gave rank 1 in row 2" in p.message


def test_bad_all_problems_collected_up_to_cap():
    content = csv_bytes(*[f"r{k},ITU-D.9,1" for k in range(30)])
    with pytest.raises(DataError) as err:
        sv.parse_responses(content, ITEMS)
    problems = err.value.problems
    assert len(problems) == 21
    assert [p.row for p in problems[:20]] == list(range(2, 22))
    assert problems[-1].message == "... and 10 more problems"
    assert "(and 20 more problems)" in str(err.value)


def test_bad_several_problems_in_one_row_all_reported():
    with pytest.raises(DataError) as err:
        sv.parse_responses(csv_bytes("r1,nope,x"), ITEMS)
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "item"), (2, "rank")]


def test_items_argument_checked():
    with pytest.raises(ValueError):
        sv.parse_responses(b"x", [])
    with pytest.raises(ValueError):
        sv.parse_responses(b"x", ["A", " a "])


# --- parse_responses: never anything but DataError ----------------------------------------------------

CELLS = st.sampled_from(["r1", "r2", " R1 ", "A", "b", "C", "1", "2", "3", "0", "-1", "2.0", "x", "", '"', "é", "\x00", ";"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.integers(min_value=0, max_value=500))
def test_arbitrary_bytes_only_dataerror(content, max_bytes):
    try:
        df = sv.parse_responses(content, ["A", "B", "C"], max_bytes=max_bytes)
    except DataError as exc:
        assert all(p.file == "upload.csv" for p in exc.problems)
        assert 1 <= len(exc.problems) <= sv.MAX_PROBLEMS + 1
    else:
        assert list(df.columns) == ["respondent", "item", "rank"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(CELLS, min_size=0, max_size=5), max_size=12),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
    st.booleans(),
)
def test_arbitrary_csv_like_text_only_dataerror(rows, sep, eol, bom):
    text = eol.join(["respondent,item,rank".replace(",", sep)] + [sep.join(r) for r in rows])
    content = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    try:
        df = sv.parse_responses(content, ["A", "B", "C"])
    except DataError:
        pass
    else:
        assert df["rank"].between(1, 3).all() and set(df["item"]) <= {"A", "B", "C"}
        assert not df.duplicated(["respondent", "item"]).any() and not df.duplicated(["respondent", "rank"]).any()


# --- aggregate: hand-computed cases ------------------------------------------------------------------

# Ties in the middle ("1224"): r1 A>B>C>D, r2 A>C>B>D.
#   mean_rank  A (1+1)/2=1, B (2+3)/2=2.5, C (3+2)/2=2.5, D 4       -> A1 B2 C2 D4
#   borda      A 3+3=6, B 2+1=3, C 1+2=3, D 0                       -> A1 B2 C2 D4
#   first      A 2, B 0, C 0, D 0                                   -> A1 B2 C2 D2
#   copeland   A beats B, C, D (+3); B-C 1:1 tie; B, C beat D (+1-1=0); D -3 -> A1 B2 C2 D4
TIES = responses("A>B>C>D", "A>C>B>D")


@pytest.mark.parametrize(
    ("method", "expected_scores", "expected_positions"),
    [
        ("mean_rank", {"A": 1.0, "B": 2.5, "C": 2.5, "D": 4.0}, {"A": 1, "B": 2, "C": 2, "D": 4}),
        ("borda", {"A": 6, "B": 3, "C": 3, "D": 0}, {"A": 1, "B": 2, "C": 2, "D": 4}),
        ("first_choice", {"A": 2, "B": 0, "C": 0, "D": 0}, {"A": 1, "B": 2, "C": 2, "D": 2}),
        ("copeland", {"A": 3, "B": 0, "C": 0, "D": -3}, {"A": 1, "B": 2, "C": 2, "D": 4}),
    ],
)
def test_aggregate_ties_share_position_next_skipped(method, expected_scores, expected_positions):
    out = sv.aggregate(TIES, method, ABCD)
    assert list(out.columns) == ["item", "score", "position"]
    assert scores(out) == expected_scores
    assert positions(out) == expected_positions
    assert out["item"].tolist() == sorted(ABCD, key=lambda i: (expected_positions[i], i))  # position, then item


@pytest.mark.parametrize(("method", "score"), [("mean_rank", 2.0), ("borda", 3), ("first_choice", 1), ("copeland", 0)])
def test_aggregate_condorcet_cycle_ties_all(method, score):
    # A>B>C, B>C>A, C>A>B: every pair is won 2:1 by one side, round the cycle.
    out = sv.aggregate(responses("A>B>C", "B>C>A", "C>A>B"), method, ["A", "B", "C"])
    assert scores(out) == {"A": score, "B": score, "C": score}
    assert out["position"].tolist() == [1, 1, 1]
    assert out["item"].tolist() == ["A", "B", "C"]


# Partial rankings: r1 A>B, r2 B, r3 C>A>B; D never ranked; n = 4.
#   mean_rank  A (1+2)/2=1.5, B (2+1+3)/3=2, C 1, D none            -> C1 A2 B3 D4
#   borda      A 3+2=5, B 2+3+1=6, C 3, D 0                         -> B1 A2 C3 D4
#   first      A 1, B 1, C 1, D 0                                   -> A1 B1 C1 D4
#   copeland   A>B 2:1 (r2 ranks only B), A-C 1:1 (r2 ranks neither), A>D 2:0,
#              B>C 2:1, B>D 3:0, C>D 1:0  -> A +2, B +1, C 0, D -3   -> A1 B2 C3 D4
PARTIAL = responses("A>B", "B", "C>A>B")


def test_mean_rank_partial_rankings():
    out = sv.aggregate(PARTIAL, "mean_rank", ABCD)
    got = scores(out)
    assert got["A"] == 1.5 and got["B"] == 2.0 and got["C"] == 1.0 and math.isnan(got["D"])
    assert positions(out) == {"C": 1, "A": 2, "B": 3, "D": 4}
    assert out["item"].tolist() == ["C", "A", "B", "D"]


def test_mean_rank_items_nobody_ranked_tie_last():
    out = sv.aggregate(responses("B"), "mean_rank", ABCD)
    assert positions(out) == {"B": 1, "A": 2, "C": 2, "D": 2}


@pytest.mark.parametrize(
    ("method", "expected_scores", "expected_positions"),
    [
        ("borda", {"A": 5, "B": 6, "C": 3, "D": 0}, {"B": 1, "A": 2, "C": 3, "D": 4}),
        ("first_choice", {"A": 1, "B": 1, "C": 1, "D": 0}, {"A": 1, "B": 1, "C": 1, "D": 4}),
        ("copeland", {"A": 2, "B": 1, "C": 0, "D": -3}, {"A": 1, "B": 2, "C": 3, "D": 4}),
    ],
)
def test_aggregate_partial_rankings(method, expected_scores, expected_positions):
    out = sv.aggregate(PARTIAL, method, ABCD)
    assert scores(out) == expected_scores
    assert positions(out) == expected_positions


def test_aggregate_score_dtypes():
    assert sv.aggregate(TIES, "mean_rank", ABCD)["score"].dtype == "float64"
    for method in ("borda", "first_choice", "copeland"):
        out = sv.aggregate(TIES, method, ABCD)
        assert out["score"].dtype == "int64" and out["position"].dtype == "int64"


def test_aggregate_empty_responses_all_tied():
    empty = pd.DataFrame({"respondent": [], "item": [], "rank": []})
    for method in sv.METHODS:
        assert sv.aggregate(empty, method, ABCD)["position"].tolist() == [1, 1, 1, 1]


def test_aggregate_rejects_bad_input():
    with pytest.raises(ValueError, match="method must be one of"):
        sv.aggregate(TIES, "plurality", ABCD)
    with pytest.raises(ValueError, match="not in the list"):
        sv.aggregate(TIES, "borda", ["A", "B", "C"])
    bad = TIES.assign(rank=TIES["rank"].replace(4, 7))
    with pytest.raises(ValueError, match="whole numbers"):
        sv.aggregate(bad, "borda", ABCD)
    twice = pd.concat([TIES, TIES.head(1)], ignore_index=True)
    with pytest.raises(ValueError, match="twice"):
        sv.aggregate(twice, "borda", ABCD)


def test_aggregate_synthetic_complete_rankings_consistency():
    df = sv.synthetic_responses(ABCD, 40, seed=7)
    borda = scores(sv.aggregate(df, "borda", ABCD))
    mean = scores(sv.aggregate(df, "mean_rank", ABCD))
    # With complete rankings, Borda = respondents x (n - mean rank): the two orders agree.
    for item in ABCD:
        assert borda[item] == pytest.approx(40 * (4 - mean[item]))
    assert sum(scores(sv.aggregate(df, "first_choice", ABCD)).values()) == 40
    assert sum(scores(sv.aggregate(df, "copeland", ABCD)).values()) == 0


# --- rank_distribution --------------------------------------------------------------------------------


def test_rank_distribution_all_combinations_with_zeros():
    out = sv.rank_distribution(PARTIAL, ABCD)
    assert list(out.columns) == ["item", "rank", "count"]
    assert len(out) == 16
    table = {(i, r): c for i, r, c in out.itertuples(index=False)}
    assert table == {
        ("A", 1): 1,
        ("A", 2): 1,
        ("A", 3): 0,
        ("A", 4): 0,
        ("B", 1): 1,
        ("B", 2): 1,
        ("B", 3): 1,
        ("B", 4): 0,
        ("C", 1): 1,
        ("C", 2): 0,
        ("C", 3): 0,
        ("C", 4): 0,
        ("D", 1): 0,
        ("D", 2): 0,
        ("D", 3): 0,
        ("D", 4): 0,
    }
    assert out["count"].dtype == "int64" and out["rank"].dtype == "int64"


def test_rank_distribution_follows_item_order_and_default():
    assert sv.rank_distribution(TIES, ["D", "C", "B", "A"])["item"].drop_duplicates().tolist() == ["D", "C", "B", "A"]
    default = sv.rank_distribution(TIES)
    assert default["item"].drop_duplicates().tolist() == ABCD
    assert default.groupby("item")["count"].sum().tolist() == [2, 2, 2, 2]


def test_rank_distribution_matches_first_choice():
    df = sv.synthetic_responses(ITEMS, 25, seed=11, complete=False)
    dist = sv.rank_distribution(df, ITEMS)
    first = dist[dist["rank"] == 1].set_index("item")["count"].to_dict()
    assert first == scores(sv.aggregate(df, "first_choice", ITEMS))


# --- published order ----------------------------------------------------------------------------------


def test_published_order_from_bundled_rankings(fw):
    assert sv.published_order(fw, "itu-d-objectives") == ["ITU-D.4", "ITU-D.3", "ITU-D.2", "ITU-D.1"]
    assert sv.published_order(fw, "strategic-goals") == ["Goal 2", "Goal 1", "Goal 4", "Goal 3", "Goal 5"]
    with pytest.raises(ValueError, match="unknown survey"):
        sv.survey_items(fw, "nope")


def test_matches_published_true_false_and_ties(fw):
    published = sv.published_order(fw, "itu-d-objectives")
    agreeing = responses(">".join(published), ">".join(published))
    assert sv.matches_published(sv.aggregate(agreeing, "borda", ITEMS), published)
    swapped = responses("ITU-D.3>ITU-D.4>ITU-D.2>ITU-D.1")
    assert not sv.matches_published(sv.aggregate(swapped, "borda", ITEMS), published)
    tied = responses("ITU-D.4>ITU-D.3>ITU-D.2>ITU-D.1", "ITU-D.3>ITU-D.4>ITU-D.2>ITU-D.1")  # D.4, D.3 tie at 1
    assert not sv.matches_published(sv.aggregate(tied, "borda", ITEMS), published)
    assert not sv.matches_published(sv.aggregate(agreeing, "borda", ITEMS), published[:3])


def test_compare_published_side_by_side(fw):
    published = sv.published_order(fw, "itu-d-objectives")
    tied = responses("ITU-D.4>ITU-D.3>ITU-D.2>ITU-D.1", "ITU-D.3>ITU-D.4>ITU-D.2>ITU-D.1")
    out = sv.compare_published(sv.aggregate(tied, "borda", ITEMS), published)
    assert list(out.columns) == ["item", "published_rank", "position", "agrees"]
    assert out["item"].tolist() == published
    assert out["published_rank"].tolist() == [1, 2, 3, 4]
    assert out["position"].tolist() == [1, 1, 3, 4]
    assert out["agrees"].tolist() == [True, False, True, True]


# --- weighting ------------------------------------------------------------------------------------------


def test_weights_strength_0_all_equal():
    assert sv.rank_weights([1, 2, 3, 4, 5], 0) == pytest.approx([0.2] * 5)


def test_weights_strength_1_only_top_counts():
    assert sv.rank_weights([1, 2, 3, 4], 1) == [1.0, 0.0, 0.0, 0.0]
    assert sv.rank_weights([1, 1, 3], 1) == [0.5, 0.5, 0.0]  # tied first ranks share


def test_weights_strength_half_hand_computed():
    # b = 0.5: 1, 0.5, 0.25, 0.125 over 1.875
    assert sv.rank_weights([1, 2, 3, 4], 0.5) == pytest.approx([8 / 15, 4 / 15, 2 / 15, 1 / 15])


def test_weights_monotone_in_between():
    strengths = [i / 20 for i in range(21)]
    table = [sv.rank_weights([1, 2, 3, 4, 5], s) for s in strengths]
    for w in table:
        assert sum(w) == pytest.approx(1.0)
        assert all(a >= b for a, b in zip(w, w[1:]))  # never more weight to a lower priority
    tops = [w[0] for w in table]
    lasts = [w[-1] for w in table]
    assert all(a < b for a, b in zip(tops, tops[1:]))  # top share rises strictly with strength
    assert all(a >= b for a, b in zip(lasts, lasts[1:]))  # bottom share falls
    for rank in range(1, 5):  # every rank below the top loses relative to the top
        ratios = [w[rank] / w[0] for w in table]
        assert all(a >= b for a, b in zip(ratios, ratios[1:]))


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "x"])
def test_weights_reject_bad_strength(bad):
    with pytest.raises(ValueError):
        sv.rank_weights([1, 2], bad)


# --- weighted coverage on the bundled data ------------------------------------------------------------

# By hand from data/ranking_landing.csv (direct = 1, partial = 0.5):
# itu-d-objectives (rank: D.4 1, D.3 2, D.2 3, D.1 4)
#   themes-4  D.4 partial, D.3 direct, D.2 direct, D.1 partial -> s0 (0.5+1+1+0.5)/4 = 0.75,  s1 0.5
#   themes-5  D.4 direct, D.3 direct, D.2 partial, D.1 partial -> s0 (1+1+0.5+0.5)/4 = 0.75,  s1 1
#   atu-7     D.4 direct, D.3 direct, D.2 partial, D.1 direct  -> s0 (1+1+0.5+1)/4 = 0.875,   s1 1
#   s0.5 weights 8/15, 4/15, 2/15, 1/15: themes-4 (4+4+2+0.5)/15 = 0.7
# strategic-goals (rank: G2 1, G1 2, G4 3, G3 4, G5 5)
#   themes-4  G2 partial, G1 partial, G4 direct, G3 partial, G5 direct -> s0 3.5/5 = 0.7, s1 0.5
#   themes-5  G2 direct, G1 partial, G4 direct, G3 direct, G5 direct   -> s0 4.5/5 = 0.9, s1 1
#   atu-7     G2 direct, G1 partial, G4 partial, G3 partial, G5 direct -> s0 3.5/5 = 0.7, s1 1
COVERAGE = {
    ("itu-d-objectives", 0): [0.75, 0.75, 0.875],
    ("itu-d-objectives", 1): [0.5, 1.0, 1.0],
    ("strategic-goals", 0): [0.7, 0.9, 0.7],
    ("strategic-goals", 1): [0.5, 1.0, 1.0],
}


@pytest.mark.parametrize(("survey", "strength"), list(COVERAGE))
def test_weighted_coverage_bundled_hand_computed(fw, survey, strength):
    out = sv.weighted_coverage(fw, survey, strength)
    assert list(out.columns) == ["option", "score", "derived"]
    assert out["option"].tolist() == ["themes-4", "themes-5", "atu-7"]
    assert out["score"].tolist() == pytest.approx(COVERAGE[(survey, strength)])
    assert out["derived"].all()


def test_weighted_coverage_half_strength_hand_computed(fw):
    out = sv.weighted_coverage(fw, "itu-d-objectives", 0.5)
    assert out.loc[out["option"] == "themes-4", "score"].item() == pytest.approx(0.7)


def test_weighted_contributions_rows_and_sum(fw):
    parts = sv.weighted_contributions(fw, "strategic-goals", 0.3)
    assert list(parts.columns) == ["option", "item", "rank", "weight", "target", "fit", "fit_value", "contribution", "derived"]
    assert len(parts) == 15 and parts["derived"].all()
    first = parts.iloc[0]
    assert (first["option"], first["item"], first["rank"], first["target"], first["fit"], first["fit_value"]) == (
        "themes-4",
        "Goal 2",
        1,
        "T2",
        "partial",
        0.5,
    )
    for _option, part in parts.groupby("option"):
        assert part["weight"].sum() == pytest.approx(1.0)
        assert part["rank"].tolist() == [1, 2, 3, 4, 5]
    totals = parts.groupby("option")["contribution"].sum()
    cov = sv.weighted_coverage(fw, "strategic-goals", 0.3).set_index("option")["score"]
    for option in cov.index:
        assert cov[option] == pytest.approx(totals[option])


def test_weighted_coverage_no_landing_row_counts_zero(data_copy, edit_csv):
    from sopkit import load_framework

    def homeless(rows):
        header = rows[0]
        for r in rows[1:]:
            if r[header.index("item")] == "ITU-D.4" and r[header.index("option")] == "themes-5":
                r[header.index("target")] = ""
                r[header.index("fit")] = "none"

    edit_csv(data_copy / "ranking_landing.csv", homeless)
    fw2 = load_framework(data_copy)
    out = sv.weighted_coverage(fw2, "itu-d-objectives", 1).set_index("option")["score"]
    assert out["themes-5"] == 0.0  # the only priority that counts has no home


def test_weighted_coverage_with_uploaded_ranking(fw):
    # Synthetic answers that reverse the published order: at strength 1 only ITU-D.1 counts.
    reverse = responses("ITU-D.1>ITU-D.2>ITU-D.3>ITU-D.4")
    ranking = sv.aggregate(reverse, "borda", ITEMS)
    out = sv.weighted_coverage(fw, "itu-d-objectives", 1, ranking=ranking).set_index("option")["score"]
    assert out.to_dict() == {"themes-4": 0.5, "themes-5": 0.5, "atu-7": 1.0}  # ITU-D.1: partial, partial, direct
    with pytest.raises(ValueError, match="cover exactly"):
        sv.weighted_coverage(fw, "itu-d-objectives", 1, ranking=ranking.head(2))


def test_weighted_coverage_unknown_survey(fw):
    with pytest.raises(ValueError, match="unknown survey"):
        sv.weighted_coverage(fw, "nope", 0)


# --- synthetic responses ------------------------------------------------------------------------------


def test_synthetic_responses_labelled_and_valid():
    df = sv.synthetic_responses(ITEMS, 12, seed=1)
    assert df.attrs["synthetic"] is True
    assert df["respondent"].str.fullmatch(r"synthetic-\d{3}").all()
    assert df["respondent"].iloc[0] == "synthetic-001"
    assert len(df) == 48
    assert all(sorted(part["rank"]) == [1, 2, 3, 4] for _, part in df.groupby("respondent"))
    pd.testing.assert_frame_equal(df, sv.synthetic_responses(ITEMS, 12, seed=1))  # deterministic
    assert not df.equals(sv.synthetic_responses(ITEMS, 12, seed=2))


def test_synthetic_partial_rankings_start_at_top():
    df = sv.synthetic_responses(ITEMS, 50, seed=5, complete=False)
    sizes = df.groupby("respondent").size()
    assert sizes.min() >= 1 and sizes.max() <= 4 and sizes.nunique() > 1
    for _, part in df.groupby("respondent"):
        assert sorted(part["rank"]) == list(range(1, len(part) + 1))
    assert sv.synthetic_responses(ITEMS, 1000, seed=0)["respondent"].iloc[-1] == "synthetic-1000"


# --- ranks with gaps: each ballot read by its order, renumbered 1..k (docs/survey-methods.md) -------

# Hand-computed after renumbering (independent of the code: worked out on paper, see the docs' table).
#   GAP_ONE  r1: A 3 -> A 1; r2: B 1, C 2 (unchanged); n = 3
#     mean_rank  A 1, B 1, C 2                 -> A1 B1 C3
#     borda      A 3-1=2, B 3-1=2, C 3-2=1     -> A1 B1 C3
#     first      A 1, B 1, C 0                 -> A1 B1 C3
#     copeland   A-B 1:1, A-C 1:1, B>C 1:0 (r1 ranks neither) -> A 0, B +1, C -1 -> B1 A2 C3
#   GAP_TWO  r1: A 2, B 4 -> A 1, B 2; r2: C 1, D 3 -> C 1, D 2; r3: B 1, A 2, C 3, D 4; n = 4
#     mean_rank  A (1+2)/2=1.5, B (2+1)/2=1.5, C (1+3)/2=2, D (2+4)/2=3 -> A1 B1 C3 D4
#     borda      A 3+2=5, B 2+3=5, C 3+1=4, D 2+0=2                     -> A1 B1 C3 D4
#     first      A 1, B 1, C 1, D 0                                     -> A1 B1 C1 D4
#     copeland   A-B 1:1 (r2 neither), A>C 2:1, A>D 2:1, B>C 2:1, B>D 2:1, C>D 2:0 (r1 neither)
#                -> A +2, B +2, C -1, D -3                               -> A1 B1 C3 D4
GAP_ONE = csv_bytes("r1,A,3", "r2,B,1", "r2,C,2")
GAP_TWO = csv_bytes("r1,A,2", "r1,B,4", "r2,C,1", "r2,D,3", "r3,B,1", "r3,A,2", "r3,C,3", "r3,D,4")
GAPPED = {
    "one": (
        GAP_ONE,
        ["A", "B", "C"],
        ["r1"],
        {
            "mean_rank": ({"A": 1.0, "B": 1.0, "C": 2.0}, {"A": 1, "B": 1, "C": 3}),
            "borda": ({"A": 2, "B": 2, "C": 1}, {"A": 1, "B": 1, "C": 3}),
            "first_choice": ({"A": 1, "B": 1, "C": 0}, {"A": 1, "B": 1, "C": 3}),
            "copeland": ({"A": 0, "B": 1, "C": -1}, {"B": 1, "A": 2, "C": 3}),
        },
    ),
    "two": (
        GAP_TWO,
        ABCD,
        ["r1", "r2"],
        {
            "mean_rank": ({"A": 1.5, "B": 1.5, "C": 2.0, "D": 3.0}, {"A": 1, "B": 1, "C": 3, "D": 4}),
            "borda": ({"A": 5, "B": 5, "C": 4, "D": 2}, {"A": 1, "B": 1, "C": 3, "D": 4}),
            "first_choice": ({"A": 1, "B": 1, "C": 1, "D": 0}, {"A": 1, "B": 1, "C": 1, "D": 4}),
            "copeland": ({"A": 2, "B": 2, "C": -1, "D": -3}, {"A": 1, "B": 1, "C": 3, "D": 4}),
        },
    ),
}


@pytest.mark.parametrize("case", list(GAPPED))
@pytest.mark.parametrize("method", list(sv.METHODS))
def test_gapped_ballots_renumbered_before_every_method(case, method):
    content, items, renumbered, expected = GAPPED[case]
    uploaded = sv.UploadedResponses.parse(content, name="gaps.csv", survey="s", items=items)
    assert list(uploaded.renumbered) == renumbered
    out = uploaded.aggregate(method)
    want_scores, want_positions = expected[method]
    assert scores(out) == want_scores
    assert positions(out) == want_positions
    # the same through the public functions: the rule sits in the parser, once
    assert scores(sv.aggregate(sv.parse_responses(content, items), method, items)) == want_scores


def test_gapped_ballots_renumbered_in_order_rows_kept():
    df = sv.parse_responses(GAP_TWO, ABCD)
    assert df.to_dict("list") == {
        "respondent": ["r1", "r1", "r2", "r2", "r3", "r3", "r3", "r3"],
        "item": ["A", "B", "C", "D", "B", "A", "C", "D"],
        "rank": [1, 2, 1, 2, 1, 2, 3, 4],
    }
    assert df.attrs["renumbered"] == ["r1", "r2"]
    # every ballot now runs 1..k: the distribution counts r1's lone 3 as a first choice
    dist = sv.UploadedResponses.parse(GAP_ONE, name="g.csv", survey="s", items=["A", "B", "C"]).distribution()
    assert dist.set_index(["item", "rank"])["count"].to_dict()[("A", 1)] == 1


def test_ballots_without_gaps_are_not_renumbered():
    df = sv.parse_responses(csv_bytes("r1,ITU-D.4,2", "r1,ITU-D.3,1", "r2,ITU-D.1,1"), ITEMS)
    assert df["rank"].tolist() == [2, 1, 1] and df.attrs["renumbered"] == []


def test_gapped_upload_says_so_on_the_page_in_both_languages(fw):
    from sopkit.ui import RankingsPage
    from ui_helpers import upload_value

    items = sv.survey_items(fw, "itu-d-objectives")
    content = csv_bytes(f"r1,{items[0]},3", f"r2,{items[1]},1", f"r2,{items[2]},2")
    for lang, words in (("en", "renumbered"), ("zh", "重新编号")):
        page = RankingsPage(fw, lang=lang)
        page.upload.value = upload_value("gaps.csv", content)
        assert page.uploaded is not None
        note = page.upload_note.value
        assert words in note and "r1" in note and "r2" not in note, note


def test_responses_and_voting_do_not_import_each_other():
    import ast
    from pathlib import Path

    folder = Path(sv.__file__).parent

    def imported(module: str) -> set[str]:
        tree = ast.parse((folder / f"{module}.py").read_text(encoding="utf-8"))
        return {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 1}

    assert "responses" not in imported("voting")
    assert "responses" not in imported("ballots") and "voting" not in imported("ballots")
