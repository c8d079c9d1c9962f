"""The what-if mapping model (sopkit.whatif), without widgets."""

from __future__ import annotations

import io

import pandas as pd
import pytest

import sopkit
from sopkit import analysis
from sopkit.whatif import EDIT_RATIONALE, WhatIf

D1_ITEMS = 12  # outcomes and outputs of ATU objective D.1 in the report


def items_on(wi: WhatIf, theme: str) -> int:
    cov = analysis.theme_coverage(wi.framework, wi.variant)
    return int(cov.set_index("theme").loc[theme, "items"])


def test_starts_as_the_bundled_mapping(fw):
    wi = WhatIf(fw)
    assert wi.variant == 4 and not wi.edited and wi.edit_count() == 0
    assert wi.framework is fw
    pd.testing.assert_frame_equal(wi.mapping, fw.mapping)
    assert wi.theme_of("D.1") == "T4" and wi.theme_of("D.7") == "T1"
    assert wi.themes == ["T1", "T2", "T3", "T4"]
    assert WhatIf(fw, 5).themes == ["T1", "T2", "T3", "T4", "T5"]


def test_moving_an_objective_moves_its_outcomes_and_outputs(fw):
    wi = WhatIf(fw, 4)
    t1, t4, x = items_on(wi, "T1"), items_on(wi, "T4"), items_on(wi, "X")

    moved = wi.move("D.1", "T1")

    under = set(fw.outcomes.loc[fw.outcomes["objective"] == "D.1", "id"]) | set(fw.outputs.loc[fw.outputs["objective"] == "D.1", "id"])
    assert moved[0] == "D.1" and set(moved[1:]) == under and len(under) == D1_ITEMS
    assert wi.edited and wi.edit_count() == 1 + D1_ITEMS
    assert {wi.theme_of(i) for i in moved} == {"T1"}
    # D.1's outcomes and outputs were on T4 (cooperation, finance) or cross-cutting (governance).
    assert items_on(wi, "T1") == t1 + D1_ITEMS and items_on(wi, "T4") + items_on(wi, "X") == t4 + x - D1_ITEMS
    edited = wi.mapping[(wi.mapping["variant"] == 4) & wi.mapping["item"].isin(moved)]
    assert len(edited) == len(moved) and set(edited["rationale_en"]) == {EDIT_RATIONALE}
    assert len(wi.mapping) == len(fw.mapping)
    assert fw.mapping.equals(wi.base_mapping)  # the framework's own mapping is untouched


def test_moving_one_outcome_moves_only_it(fw):
    wi = WhatIf(fw, 4)
    assert wi.move("D.1-a", "T2") == ["D.1-a"]
    assert wi.theme_of("D.1-a") == "T2" and wi.theme_of("D.1-b") == "X" and wi.theme_of("D.1") == "T4"
    assert wi.edit_count() == 1


def test_moving_to_the_current_priority_changes_nothing(fw):
    wi = WhatIf(fw, 4)
    assert wi.move("D.1", "T4") == []
    assert not wi.edited and wi.framework is fw


def test_edits_are_kept_per_variant(fw):
    wi = WhatIf(fw, 4)
    wi.move("D.1", "T1")
    wi.variant = 5
    assert wi.edit_count() == 0 and wi.edit_count(4) == 1 + D1_ITEMS
    assert wi.theme_of("D.1") == "T4"  # the 5-priority mapping is as proposed
    assert wi.theme_of("D.6") == "T5"
    assert wi.move("D.6", "T1")
    assert wi.edit_count() > 0
    m = wi.mapping
    assert set(m.loc[(m["variant"] == 4) & m["item"].str.match(r"D\.1(-|$)"), "theme"]) == {"T1"}


def test_reset_drops_every_edit(fw):
    wi = WhatIf(fw, 4)
    wi.move("D.1", "T1")
    wi.variant = 5
    wi.move("D.7-a", "T5")
    wi.reset()
    assert not wi.edited and wi.framework is fw
    pd.testing.assert_frame_equal(wi.mapping, fw.mapping)


@pytest.mark.parametrize(("item", "theme"), [("D.9", "T1"), ("D.1", "T5"), ("D.1", "T9")])
def test_unknown_item_or_priority_outside_the_variant_is_refused(fw, item, theme):
    wi = WhatIf(fw, 4)
    with pytest.raises(ValueError):
        wi.move(item, theme)
    assert not wi.edited


@pytest.mark.parametrize("variant", [3, 6, "4", None])
def test_only_the_data_s_variants(fw, variant):
    wi = WhatIf(fw)
    with pytest.raises(ValueError):
        wi.variant = variant
    assert wi.variant == 4


def test_csv_loads_back_as_the_edited_mapping(fw, tmp_path):
    wi = WhatIf(fw, 4)
    wi.move("D.1", "T1")
    payload = wi.to_csv_bytes()
    assert payload.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, for Excel

    path = tmp_path / "edited.csv"
    path.write_bytes(payload)
    loaded = sopkit.load_framework(mapping=path)
    from_bytes = fw.with_mapping(payload)

    for other in (loaded, from_bytes):
        cov = analysis.theme_coverage(other, 4)
        assert dict(zip(cov["theme"], cov["items"])) == dict(zip(*[analysis.theme_coverage(wi.framework, 4)[c] for c in ("theme", "items")]))
    assert len(pd.read_csv(io.BytesIO(payload), encoding="utf-8-sig")) == len(fw.mapping)


def test_an_item_can_be_moved_to_cross_cutting_and_back(fw):
    wi = WhatIf(fw, 4)
    assert wi.targets == ["T1", "T2", "T3", "T4", "X"]
    x = items_on(wi, "X")
    assert wi.move("D.7-b", "X") == ["D.7-b"]
    assert wi.theme_of("D.7-b") == "X" and items_on(wi, "X") == x + 1
    edited = wi.mapping.set_index(["variant", "item"]).loc[(4, "D.7-b")]
    assert pd.isna(edited["rule"]) and edited["rationale_en"] == EDIT_RATIONALE  # a hand edit follows no rule
    assert wi.move("D.7-b", "T1") == ["D.7-b"] and items_on(wi, "X") == x
    with pytest.raises(ValueError, match="cross-cutting"):
        wi.move("D.7-b", "T5")


def test_cross_cutting_edits_survive_the_csv_round_trip(fw, tmp_path):
    wi = WhatIf(fw, 5)
    wi.move("D.2", "X")
    path = tmp_path / "edited.csv"
    path.write_bytes(wi.to_csv_bytes())
    again = sopkit.load_framework(fw.data_dir, mapping=path)
    m = again.mapping[again.mapping["variant"] == 5].set_index("item")
    assert m.loc["D.2", "theme"] == "X" and m.loc["D.2-a", "theme"] == "X"
    assert (
        analysis.theme_coverage(again, 5).set_index("theme").loc["X", "items"]
        == analysis.theme_coverage(wi.framework, 5).set_index("theme").loc["X", "items"]
    )


def test_a_mapping_downloaded_before_the_rule_column_still_loads(fw, tmp_path):
    # Visitors may hold a mapping.csv from an earlier version (no `rule` column): it is read
    # with every rule empty, by the page upload and by `sopkit check --mapping` alike.
    old = fw.mapping.drop(columns="rule")
    payload = old.to_csv(index=False, lineterminator="\n").encode("utf-8")
    edited = fw.with_mapping(payload, name="old.csv")
    assert edited.mapping["rule"].isna().all()
    assert (edited.mapping["theme"] == fw.mapping["theme"]).all()
    path = tmp_path / "old.csv"
    path.write_bytes(payload)
    assert sopkit.load_framework(fw.data_dir, mapping=path).mapping["rule"].isna().all()
    # ... while a column of the wrong name is still refused
    with pytest.raises(sopkit.DataError, match="rules"):
        fw.with_mapping(old.assign(rules="x").to_csv(index=False).encode("utf-8"))


def test_an_edit_gives_its_reason_in_both_languages(fw):
    from sopkit.whatif import EDIT_RATIONALE_ZH

    wi = WhatIf(fw, 4)
    wi.move("D.7-b", "X")
    edited = wi.mapping.set_index(["variant", "item"]).loc[(4, "D.7-b")]
    assert edited["rationale_en"] == EDIT_RATIONALE and edited["rationale_zh"] == EDIT_RATIONALE_ZH
    # the download holds both, and loads again
    assert fw.with_mapping(wi.to_csv_bytes()).mapping.set_index(["variant", "item"]).loc[(4, "D.7-b"), "rationale_zh"] == EDIT_RATIONALE_ZH
