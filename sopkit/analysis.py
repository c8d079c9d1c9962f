"""Pure analysis: a Framework (DataFrames) in, DataFrames out. No widgets, no I/O.

Vocabulary, in the report's own terms: an *option* is a high-level framework
put to TDAG, named by its id in ``options.csv`` (``themes-4``, ``themes-5``: the
4 or 5 thematic priorities of TDAG-WG-RDTP; ``atu-7``: the 7 ATU objectives; see
``Framework.option`` and ``sopkit.option.Option``); an *item* is an ATU objective,
outcome or output; *status* is ``agreed`` or ``discussion``. Results built on
``mapping`` or ``ranking_landing`` are the project's own reading, never the
report's (Annex 2 is lost); they carry ``derived`` = True. The mapping may place an
item on ``X``, *cross-cutting* (``CROSS_CUTTING``): it serves every priority and is given
to none (docs/mapping.md); the results show it beside the priorities, never inside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .model import Framework
from .option import CROSS_CUTTING, CROSS_CUTTING_NAMES

KINDS = ("outcome", "output")
STATUSES = ("agreed", "discussion")
ITEM_COLUMNS = [
    "item",
    "item_type",
    "objective",
    "label",
    "order",
    "status",
    "proposed_additional",
    "alternative_wording",
    "text_zh",
    "text_en",
    "alt_text_zh",
    "alt_text_en",
    "note_en",
    "note_zh",
]


def _memo(fw: Framework, key: tuple, build: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Build a derived table once per framework; hand out copies so callers may mutate them."""
    if key not in fw.cache:
        fw.cache[key] = build()
    return fw.cache[key].copy()


def items(fw: Framework) -> pd.DataFrame:
    """All outcomes and outputs in one table, in report order (objective, outcomes first).

    Columns: ``item`` (the unique id), ``item_type`` (``outcome``/``output``) and the
    item columns of ``outcomes.csv``.
    """
    return _memo(fw, ("items",), lambda: _items(fw))


def _items(fw: Framework) -> pd.DataFrame:
    parts = [getattr(fw, f"{kind}s").rename(columns={"id": "item"}).assign(item_type=kind) for kind in KINDS]
    df = pd.concat(parts, ignore_index=True)[ITEM_COLUMNS]
    df["_k"] = df["item_type"].map({k: i for i, k in enumerate(KINDS)})
    return df.sort_values(["objective", "_k", "order"], kind="stable").drop(columns="_k").reset_index(drop=True)


def select_items(df: pd.DataFrame, *, include_discussion: bool = True, include_proposed: bool = True) -> pd.DataFrame:
    """Filter an items table: drop items under discussion and/or proposed additions."""
    keep = pd.Series(True, index=df.index)
    if not include_discussion:
        keep &= df["status"] == "agreed"
    if not include_proposed:
        keep &= ~df["proposed_additional"].astype(bool)
    return df[keep]


def status_counts(fw: Framework, *, include_discussion: bool = True, include_proposed: bool = True) -> pd.DataFrame:
    """Number of outcomes and outputs per objective and status.

    Tidy: one row per (objective, item_type, status), zeros included, columns
    ``objective, item_type, status, count``.
    """
    df = select_items(items(fw), include_discussion=include_discussion, include_proposed=include_proposed)
    full = pd.MultiIndex.from_product([fw.objectives["id"].tolist(), list(KINDS), list(STATUSES)], names=["objective", "item_type", "status"])
    counts = df.groupby(["objective", "item_type", "status"]).size().reindex(full, fill_value=0)
    return counts.rename("count").reset_index().astype({"count": "int64"})


def status_table(fw: Framework, **filters: bool) -> pd.DataFrame:
    """``status_counts`` as one row per objective: ``outcomes agreed`` … ``outputs discussion``, ``total``."""
    tidy = status_counts(fw, **filters)
    wide = tidy.pivot_table(index="objective", columns=["item_type", "status"], values="count", aggfunc="sum", sort=False)
    wide.columns = [f"{kind}s {status}" for kind, status in wide.columns]
    wide["total"] = wide.sum(axis=1)
    return wide.reset_index().rename_axis(columns=None)


def _themes(fw: Framework, variant: int) -> pd.DataFrame:
    option = fw.variant_option(variant)  # ValueError for anything but the data's variants
    themes = fw.themes[fw.themes[option.theme_flag]].sort_values("order")
    return themes.rename(columns={"id": "theme"})


def cross_cutting_row() -> dict:
    """The cross-cutting placement as a row like a theme's: ``theme`` (``X``), ``name_en``,
    ``name_zh`` (the project's names, ``option.CROSS_CUTTING_NAMES``), ``inferred`` False."""
    return {"theme": CROSS_CUTTING, "name_en": CROSS_CUTTING_NAMES["en"], "name_zh": CROSS_CUTTING_NAMES["zh"], "inferred": False}


def placements(fw: Framework, variant: int) -> pd.DataFrame:
    """Where the mapping can place an item with *variant* priorities: the priorities in order,
    then the cross-cutting placement ``X``. Columns ``theme, name_en, name_zh, inferred,
    cross_cutting``."""
    themes = _themes(fw, variant)[["theme", "name_en", "name_zh", "inferred"]].assign(cross_cutting=False)
    return pd.concat([themes, pd.DataFrame([{**cross_cutting_row(), "cross_cutting": True}])], ignore_index=True)


def rule_names(fw: Framework) -> pd.DataFrame:
    """The placement rules (``mapping_rules.csv``) indexed by id: ``name_en, name_zh, features_en, features_zh``."""
    return fw.mapping_rules.set_index("id")[["name_en", "name_zh", "features_en", "features_zh"]]


def placement_table(fw: Framework, variant: int) -> pd.DataFrame:
    """Every mapped objective, outcome and output with its home and the reason (derived).

    Columns ``item, item_type, objective, theme, cross_cutting, rule, rule_en, rule_zh,
    rationale_en, rationale_zh``; in report order (objectives first, then outcomes and outputs).
    ``rule`` is empty for a placement edited by hand.
    """
    _themes(fw, variant)
    m = fw.mapping[fw.mapping["variant"] == variant]
    obj = fw.objectives.assign(item=fw.objectives["id"], item_type="objective", objective=fw.objectives["id"])[["item", "item_type", "objective"]]
    order = pd.concat([obj, items(fw)[["item", "item_type", "objective"]]], ignore_index=True)
    df = order.merge(m[["item", "theme", "rule", "rationale_en", "rationale_zh"]], on="item", how="inner")
    names = rule_names(fw)
    df["rule_en"] = df["rule"].map(names["name_en"]).fillna("")
    df["rule_zh"] = df["rule"].map(names["name_zh"]).fillna("")
    df["cross_cutting"] = df["theme"] == CROSS_CUTTING
    cols = ["item", "item_type", "objective", "theme", "cross_cutting", "rule", "rule_en", "rule_zh", "rationale_en", "rationale_zh"]
    return df[cols].reset_index(drop=True)


def theme_items(fw: Framework, variant: int) -> pd.DataFrame:
    """Outcomes and outputs with the theme the mapping lands them on (``X``: cross-cutting).

    One row per (item, theme); an unmapped item does not appear (see ``mapping_issues``).
    Columns: the ``items`` columns, ``theme``, ``rule``, ``rationale_en``, ``rationale_zh``, ``seed_hint``,
    ``rule_en`` and ``rule_zh`` (the rule's name; empty for a hand edit).
    """
    _themes(fw, variant)

    def build() -> pd.DataFrame:
        m = fw.mapping[(fw.mapping["variant"] == variant) & fw.mapping["item_type"].isin(KINDS)]
        df = items(fw).merge(m[["item", "theme", "rule", "rationale_en", "rationale_zh", "seed_hint"]], on="item", how="inner")
        names = rule_names(fw)
        df["rule_en"] = df["rule"].map(names["name_en"]).fillna("")
        df["rule_zh"] = df["rule"].map(names["name_zh"]).fillna("")
        return df

    return _memo(fw, ("theme_items", variant), build)


def theme_coverage(fw: Framework, variant: int, *, include_discussion: bool = True, include_proposed: bool = True) -> pd.DataFrame:
    """What each thematic priority would hold under the mapping (derived).

    One row per theme of the variant, in order, then one for the cross-cutting placement
    (``X``, ``cross_cutting`` True): ``theme, name_en, name_zh, inferred, cross_cutting,
    objectives`` (ATU objectives mapped to it), counts of outcomes and outputs by status,
    ``items`` (their sum) and ``share`` of all mapped items (cross-cutting ones included).
    """
    mapped = select_items(theme_items(fw, variant), include_discussion=include_discussion, include_proposed=include_proposed)
    counts = mapped.groupby(["theme", "item_type", "status"]).size()
    out = placements(fw, variant)
    obj_map = fw.mapping[(fw.mapping["variant"] == variant) & (fw.mapping["item_type"] == "objective")]
    out["objectives"] = out["theme"].map(lambda t: ", ".join(sorted(obj_map.loc[obj_map["theme"] == t, "item"]))).fillna("")
    for kind in KINDS:
        for status in STATUSES:
            out[f"{kind}s {status}"] = [int(counts.get((t, kind, status), 0)) for t in out["theme"]]
    count_cols = [f"{k}s {s}" for k in KINDS for s in STATUSES]
    out["items"] = out[count_cols].sum(axis=1).astype("int64")
    total = out["items"].sum()
    out["share"] = (out["items"] / total).round(3) if total else 0.0
    out["derived"] = True
    return out


def mapping_issues(fw: Framework, variant: int) -> pd.DataFrame:
    """Objectives, outcomes and outputs the mapping leaves without a home.

    Columns ``item, item_type, objective, issue`` (``unmapped``) and ``themes``. A loaded
    mapping holds one row per item and variant (its primary key), so ``mapped twice``
    appears only for a mapping table built by hand past validation. A cross-cutting
    placement (``X``) is a home, not an issue.
    """
    _themes(fw, variant)
    objectives = fw.objectives.assign(item=fw.objectives["id"], item_type="objective", objective=fw.objectives["id"])
    everything = pd.concat([objectives[["item", "item_type", "objective"]], items(fw)[["item", "item_type", "objective"]]], ignore_index=True)
    m = fw.mapping[fw.mapping["variant"] == variant]
    themes = m.groupby("item")["theme"].agg(lambda s: ", ".join(sorted(s)))
    n = m.groupby("item").size()
    everything["themes"] = everything["item"].map(themes).fillna("")
    everything["n"] = everything["item"].map(n).fillna(0).astype(int)
    issues = everything[everything["n"] != 1].copy()
    issues["issue"] = issues["n"].map(lambda k: "unmapped" if k == 0 else "mapped twice")
    return issues[["item", "item_type", "objective", "issue", "themes"]].reset_index(drop=True)


def flows(fw: Framework, variant: int, *, include_discussion: bool = True, include_proposed: bool = True) -> pd.DataFrame:
    """How many outcomes and outputs of each ATU objective land on each theme (derived).

    Columns ``objective, theme, items``; only non-zero flows. ``theme`` is ``X`` for the
    items placed cross-cutting.
    """
    mapped = select_items(theme_items(fw, variant), include_discussion=include_discussion, include_proposed=include_proposed)
    out = mapped.groupby(["objective", "theme"]).size().rename("items").reset_index()
    return out.astype({"items": "int64"})


def top_level(fw: Framework, option: str, *, cross_cutting: bool = False) -> pd.DataFrame:
    """The top-level items of an option (its id): ``id, name_en, name_zh`` in order.

    With *cross_cutting*, a thematic option also lists the cross-cutting placement ``X``
    last (where the mapping puts items that serve every priority): charts of where items
    land need it, counts of the option's priorities do not.
    """
    opt = fw.option(option)
    if opt.variant is None:
        return fw.objectives.rename(columns={"short_en": "name_en", "short_zh": "name_zh"})[["id", "name_en", "name_zh"]].reset_index(drop=True)
    tops = placements(fw, opt.variant) if cross_cutting else _themes(fw, opt.variant)
    return tops.rename(columns={"theme": "id"})[["id", "name_en", "name_zh"]].reset_index(drop=True)


def option_items(fw: Framework, option: str, *, include_discussion: bool = True, include_proposed: bool = True) -> pd.DataFrame:
    """Outcomes and outputs placed under the option's top-level items.

    Columns: ``top`` (theme or objective id) and the ``items`` columns. For
    ``atu-7`` the placement is the report's own; for the themes it is the
    mapping's (derived, ``Option.derived``).
    """
    opt = fw.option(option)
    if opt.variant is None:
        df = items(fw).assign(top=lambda d: d["objective"])
    else:
        df = theme_items(fw, opt.variant).rename(columns={"theme": "top"})
    return select_items(df, include_discussion=include_discussion, include_proposed=include_proposed).reset_index(drop=True)


def compare_options(fw: Framework, *, include_discussion: bool = True, include_proposed: bool = True) -> pd.DataFrame:
    """The options side by side, one row each.

    ``top_level`` (number of top-level items), counts of agreed and contested
    outcomes and outputs, ``smallest`` and ``largest`` (items under the emptiest
    and fullest top-level item), ``balance`` (smallest / largest: 1 is perfectly
    even), ``cross_cutting`` (outcomes and outputs the mapping places on no single
    priority; they are counted above but not in smallest/largest/balance), ``unmapped``
    (both always 0 for ``atu-7``, whose placement is the report's), and ``derived``.
    """
    rows = []
    for opt in fw.option_records:
        tops = top_level(fw, opt.id)["id"]
        df = option_items(fw, opt.id, include_discussion=include_discussion, include_proposed=include_proposed)
        per_top = df[df["top"] != CROSS_CUTTING].groupby("top").size().reindex(tops, fill_value=0)
        if opt.variant is None:
            issues = pd.DataFrame(columns=["issue"])
        else:
            issues = mapping_issues(fw, opt.variant)
        row = {"option": opt.id, "top_level": len(tops)}
        for kind in KINDS:
            for status in STATUSES:
                row[f"{kind}s {status}"] = int(((df["item_type"] == kind) & (df["status"] == status)).sum())
        row |= {
            "smallest": int(per_top.min()),
            "largest": int(per_top.max()),
            "balance": round(float(per_top.min() / per_top.max()), 2) if per_top.max() else 0.0,
            "cross_cutting": int((df["top"] == CROSS_CUTTING).sum()),
            "unmapped": int((issues["issue"] == "unmapped").sum()),
            "derived": opt.derived,
        }
        rows.append(row)
    return pd.DataFrame(rows)


# ---- two mappings compared --------------------------------------------------------------------

MOVE_COLUMNS = [
    "item",
    "item_type",
    "objective",
    "from_theme",
    "to_theme",
    "rule_a",
    "rule_a_en",
    "rule_a_zh",
    "rationale_a_en",
    "rule_b",
    "rule_b_en",
    "rule_b_zh",
    "rationale_b_en",
]
TRANSITION_COLUMNS = ["from_theme", "to_theme", "items", "moved"]
COUNT_COLUMNS = ["theme", "name_en", "name_zh", "items_a", "items_b", "change"]
BALANCE_COLUMNS = ["side", "smallest", "largest", "balance", "cross_cutting", "unmapped"]
# Columns that must agree for two frameworks to hold the same items (only the mapping may differ).
_SAME_ITEM_COLUMNS = ["item", "item_type", "objective", "status", "proposed_additional"]


@dataclass(frozen=True)
class MappingComparison:
    """Two mappings of the same items compared under one variant (``compare_mappings``).

    Mapping A is the first framework's, B the second's. A placement is a priority id of the
    variant or ``X`` (cross-cutting); ``""`` stands for "no home" (the item is unmapped on
    that side). Every table is derived: both mappings are proposals, never the report's.

    ``moves``
        One row per objective, outcome or output that A and B place differently, in report
        order (objectives first, then outcomes and outputs, as ``placement_table``): ``item,
        item_type, objective, from_theme`` (A's placement), ``to_theme`` (B's), then for
        each side its rule id, the rule's names and the reason: ``rule_a, rule_a_en,
        rule_a_zh, rationale_a_en, rule_b, rule_b_en, rule_b_zh, rationale_b_en`` (``""`` for
        a hand edit's rule, or an unmapped side); ``rationale_a_zh, rationale_b_zh`` follow
        when the mapping table has a ``rationale_zh`` column.
    ``transitions``
        Outcomes and outputs counted from A's placement to B's: ``from_theme, to_theme,
        items, moved`` (``from_theme != to_theme``); one row per non-zero pair, ordered by
        A's placement then B's (priorities in order, ``X``, then ``""``). Items that neither
        mapping places are left out, so ``items`` sums to the outcomes and outputs at least
        one side maps.
    ``counts``
        One row per placement (the variant's priorities in order, then ``X``): ``theme,
        name_en, name_zh, items_a, items_b`` (outcomes and outputs placed there by A and by
        B, as ``theme_coverage``'s ``items``) and ``change`` (``items_b - items_a``).
    ``balance``
        Two rows, ``side`` ``"a"`` and ``"b"``: ``smallest, largest, balance, cross_cutting,
        unmapped``, with the definitions of ``compare_options`` for the variant's option
        (``smallest``/``largest``: items under the emptiest/fullest priority, ``X`` left
        out; ``balance`` = smallest / largest, 2 decimals, 0.0 when every priority is empty;
        ``cross_cutting``: items on ``X``; ``unmapped``: objectives, outcomes and outputs
        without a home, whatever the filters, as ``mapping_issues``).
    """

    variant: int
    moves: pd.DataFrame
    transitions: pd.DataFrame
    counts: pd.DataFrame
    balance: pd.DataFrame

    @property
    def moved(self) -> int:
        """The number of objectives, outcomes and outputs placed differently (rows of ``moves``)."""
        return len(self.moves)


def _item_key(fw: Framework) -> pd.DataFrame:
    """The objectives, outcomes and outputs of *fw* in report order, with what the filters read."""
    obj = fw.objectives.assign(
        item=fw.objectives["id"], item_type="objective", objective=fw.objectives["id"], status="agreed", proposed_additional=False
    )
    key = pd.concat([obj[_SAME_ITEM_COLUMNS], items(fw)[_SAME_ITEM_COLUMNS]], ignore_index=True)
    return key.astype({c: "object" for c in ("item", "item_type", "objective", "status")}).astype({"proposed_additional": bool})


def _check_same_items(fw_a: Framework, fw_b: Framework, variant: int) -> pd.DataFrame:
    """The shared item table of *fw_a* and *fw_b*; ValueError naming what differs otherwise."""
    a, b = _item_key(fw_a), _item_key(fw_b)
    if a.equals(b) and placements(fw_a, variant)["theme"].tolist() == placements(fw_b, variant)["theme"].tolist():
        return a
    only_a = sorted(set(a["item"]) - set(b["item"]))
    only_b = sorted(set(b["item"]) - set(a["item"]))
    common = a.merge(b, on="item", suffixes=("_a", "_b"))
    compared = _SAME_ITEM_COLUMNS[1:]
    differs = (common[[f"{c}_a" for c in compared]].to_numpy() != common[[f"{c}_b" for c in compared]].to_numpy()).any(axis=1)
    changed = sorted(common.loc[differs, "item"])
    details = []
    if only_a:
        details.append(f"only in A: {', '.join(only_a)}")
    if only_b:
        details.append(f"only in B: {', '.join(only_b)}")
    if changed:
        details.append(f"kind, objective, status or proposed flag differ: {', '.join(changed)}")
    if not details and placements(fw_a, variant)["theme"].tolist() != placements(fw_b, variant)["theme"].tolist():
        details.append(f"the {variant} thematic priorities differ")
    if not details:
        details.append("the items are in a different order")
    raise ValueError(
        "compare_mappings compares two mappings of the same data: A and B must hold the same objectives, outcomes and outputs ("
        + "; ".join(details)
        + ")"
    )


def _side(fw: Framework, variant: int) -> pd.DataFrame:
    """One side's placements, indexed by item: ``theme, rule, rationale_en`` (``rationale_zh`` when the
    mapping has it), ``rule_en, rule_zh``; an unmapped item has no row."""
    m = fw.mapping[fw.mapping["variant"] == variant]
    cols = ["item", "theme", "rule", "rationale_en"] + (["rationale_zh"] if "rationale_zh" in m.columns else [])
    side = m[cols].astype(object).set_index("item")
    names = rule_names(fw)
    side["rule_en"] = side["rule"].map(names["name_en"])
    side["rule_zh"] = side["rule"].map(names["name_zh"])
    return side


def compare_mappings(
    fw_a: Framework, fw_b: Framework, variant: int, *, include_discussion: bool = True, include_proposed: bool = True
) -> MappingComparison:
    """Compare two mappings of the same ATU items onto the *variant* thematic priorities (derived).

    *fw_a* and *fw_b* hold the same data and differ in their mapping (for example the bundled
    framework and ``WhatIf(fw, variant).framework``, or ``fw.with_mapping(uploaded)``). The
    filters drop outcomes and outputs under discussion and/or proposed additions from
    ``transitions``, ``counts`` and ``balance`` (as ``theme_coverage``), and from ``moves``
    (objectives are always listed). See ``MappingComparison`` for the columns. Comparing a
    framework with itself gives no moves and ``change`` 0 everywhere.

    Raises ValueError when *variant* is not one of the data's variants, or when the two
    frameworks do not hold the same objectives, outcomes and outputs (same ids, objectives,
    status and proposed flags, same priorities).
    """
    _themes(fw_a, variant)  # ValueError for a variant the data does not have
    key = _check_same_items(fw_a, fw_b, variant)
    a, b = _side(fw_a, variant), _side(fw_b, variant)
    with_zh = "rationale_zh" in a.columns or "rationale_zh" in b.columns
    df = key.copy()
    for tag, side in (("a", a), ("b", b)):
        for src, dst in (
            ("theme", f"theme_{tag}"),
            ("rule", f"rule_{tag}"),
            ("rule_en", f"rule_{tag}_en"),
            ("rule_zh", f"rule_{tag}_zh"),
            ("rationale_en", f"rationale_{tag}_en"),
        ):
            df[dst] = df["item"].map(side[src])
        if with_zh:
            df[f"rationale_{tag}_zh"] = df["item"].map(side["rationale_zh"]) if "rationale_zh" in side.columns else ""
    text_cols = [c for c in df.columns if c.startswith(("theme_", "rule_", "rationale_"))]
    df[text_cols] = df[text_cols].astype(object).where(df[text_cols].notna(), "").astype(str)
    df = df.rename(columns={"theme_a": "from_theme", "theme_b": "to_theme"})

    is_objective = df["item_type"] == "objective"
    kept = select_items(df[~is_objective], include_discussion=include_discussion, include_proposed=include_proposed)
    differs = df["from_theme"] != df["to_theme"]
    move_cols = MOVE_COLUMNS + (["rationale_a_zh", "rationale_b_zh"] if with_zh else [])
    moves = df[differs & (is_objective | df.index.isin(kept.index))][move_cols].reset_index(drop=True)

    order = {theme: i for i, theme in enumerate(placements(fw_a, variant)["theme"])}
    order[""] = len(order)
    mapped = kept[(kept["from_theme"] != "") | (kept["to_theme"] != "")]
    transitions = mapped.groupby(["from_theme", "to_theme"]).size().rename("items").reset_index()
    transitions = transitions.sort_values(["from_theme", "to_theme"], key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    transitions["moved"] = transitions["from_theme"] != transitions["to_theme"]
    transitions = transitions.astype({"items": "int64", "moved": bool})[TRANSITION_COLUMNS]

    counts = placements(fw_a, variant)[["theme", "name_en", "name_zh", "cross_cutting"]].copy()
    counts["items_a"] = counts["theme"].map(kept["from_theme"].value_counts()).fillna(0).astype("int64")
    counts["items_b"] = counts["theme"].map(kept["to_theme"].value_counts()).fillna(0).astype("int64")
    counts["change"] = counts["items_b"] - counts["items_a"]

    rows = []
    for tag, fw in (("a", fw_a), ("b", fw_b)):
        per_theme = counts.loc[~counts["cross_cutting"], f"items_{tag}"]
        smallest, largest = int(per_theme.min()), int(per_theme.max())
        rows.append(
            {
                "side": tag,
                "smallest": smallest,
                "largest": largest,
                "balance": round(smallest / largest, 2) if largest else 0.0,
                "cross_cutting": int(counts.loc[counts["cross_cutting"], f"items_{tag}"].sum()),
                "unmapped": int((mapping_issues(fw, variant)["issue"] == "unmapped").sum()),
            }
        )
    balance = pd.DataFrame(rows, columns=BALANCE_COLUMNS)
    return MappingComparison(
        variant=variant, moves=moves, transitions=transitions, counts=counts[COUNT_COLUMNS].reset_index(drop=True), balance=balance
    )


def survey_landing(fw: Framework, survey: str | None = None) -> pd.DataFrame:
    """Where each ranked survey priority lands under each option (derived).

    One row per (survey, item, option), ordered by survey and rank: ``survey,
    rank, item, label_en, label_zh, option, target, target_en, target_zh, fit,
    rationale_en, rationale_zh, derived``. ``target`` is empty where the priority has no home.
    """
    ranked = fw.rankings if survey is None else fw.rankings[fw.rankings["survey"] == survey]
    if survey is not None and ranked.empty:
        raise ValueError(f"unknown survey {survey!r}")
    df = ranked[["survey", "rank", "item", "label_en", "label_zh"]].merge(fw.ranking_landing, on=["survey", "item"], how="left")
    names = pd.concat(
        [
            fw.themes[["id", "name_en", "name_zh"]],
            fw.objectives.rename(columns={"short_en": "name_en", "short_zh": "name_zh"})[["id", "name_en", "name_zh"]],
        ]
    ).set_index("id")
    df["target_en"] = df["target"].map(names["name_en"])
    df["target_zh"] = df["target"].map(names["name_zh"])
    df["_o"] = df["option"].map({o: i for i, o in enumerate(fw.option_ids)})
    cols = [
        "survey",
        "rank",
        "item",
        "label_en",
        "label_zh",
        "option",
        "target",
        "target_en",
        "target_zh",
        "fit",
        "rationale_en",
        "rationale_zh",
        "derived",
    ]
    return df.sort_values(["survey", "rank", "_o"])[cols].reset_index(drop=True)


def search_items(fw: Framework, query: str, *, limit: int = 200) -> pd.DataFrame:
    """Outcomes and outputs whose id, label or text (English or Chinese, both wordings)
    contains *query* (case-insensitive, plain text: no patterns). At most *limit* rows."""
    query = query.strip()
    df = items(fw)
    if not query:
        return df.iloc[0:0]
    haystack = df[["item", "label", "text_en", "text_zh", "alt_text_en", "alt_text_zh"]].fillna("").agg(" ".join, axis=1)
    hit = haystack.str.casefold().str.contains(query.casefold(), regex=False)
    return df[hit].head(limit).reset_index(drop=True)


TIMELINE_KINDS = ("tdag-session", "meeting", "presentation", "document", "contribution", "liaison", "recommendations", "decision", "consultation")


def key_figures(fw: Framework) -> pd.DataFrame:
    """The report's headline numbers: ``figure`` (a stable key) and ``value``, all read from the data."""
    it = items(fw)
    n = lambda kind, status=None: int(((it["item_type"] == kind) & ((it["status"] == status) if status else True)).sum())  # noqa: E731
    named = fw.themes[~fw.themes["inferred"]]
    rows = [
        ("objectives", len(fw.objectives)),
        ("outcomes", n("outcome")),
        ("outcomes agreed", n("outcome", "agreed")),
        ("outcomes discussion", n("outcome", "discussion")),
        ("outputs", n("output")),
        ("outputs agreed", n("output", "agreed")),
        ("outputs discussion", n("output", "discussion")),
        ("suggestions", len(fw.suggestions)),
        ("thematic priorities named", len(named)),
        ("meetings", len(fw.meetings)),
        ("contributions", len(fw.contributions)),
        ("liaison statements", len(fw.liaison_statements)),
        ("recommendations", int((fw.recommendations["sub"].isna()).sum())),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"]).astype({"value": "int64"})


def _short(text: str, limit: int = 160) -> str:
    """*text* cut at *limit* characters with an ellipsis (timeline labels), never inside a
    Latin word or code (TDAG-WG-SOP)."""
    if len(text) <= limit:
        return text
    cut = limit - 1
    while cut > 0 and text[cut - 1].isascii() and (text[cut - 1].isalnum() or text[cut - 1] in "-/.") and text[cut].isascii() and text[cut].isalnum():
        cut -= 1
    return text[:cut].rstrip() + "…"


def decisions(fw: Framework) -> pd.DataFrame:
    """What TDAG and the group decided, endorsed or approved, in time order, with the 2021
    conclusions narrative: ``when`` (the session's start, or the year), ``body``, ``session``,
    ``kind``, ``text_en``, ``text_zh``, ``document``, ``source``, ``source_detail``, ``source_detail_zh``."""
    sessions = fw.tdag_sessions.set_index("id")
    rows = []
    for d in fw.decisions.to_dict("records"):
        session = d["session"] if isinstance(d["session"], str) else ""
        when = sessions.loc[session, "start"] if session else ("2020" if d["source"] in ("contributions-2020", "survey") else "2021")
        rows.append(
            {
                **{k: d[k] for k in ("body", "kind", "text_en", "text_zh", "document", "source", "source_detail", "source_detail_zh")},
                "when": when,
                "session": session,
            }
        )
    for c in fw.conclusions[fw.conclusions["kind"] == "narrative"].to_dict("records"):
        rows.append(
            {
                "when": "2021-10-04",  # the group's third meeting: the section's conclusions
                "body": "TDAG-WG-SOP",
                "session": "",
                "kind": "concluded",
                "text_en": c["text_en"],
                "text_zh": c["text_zh"],
                "document": None,
                "source": c["source"],
                "source_detail": c["source_detail"],
                "source_detail_zh": c["source_detail_zh"],
            }
        )
    df = pd.DataFrame(rows)[["when", "body", "session", "kind", "text_en", "text_zh", "document", "source", "source_detail", "source_detail_zh"]]
    return df.sort_values("when", kind="stable").reset_index(drop=True)


def timeline(fw: Framework) -> pd.DataFrame:
    """Every dated (or year-only) event the report records, in time order.

    Columns: ``date`` (Timestamp, first day of the month, quarter or year where the report
    gives no day), ``end`` (Timestamp or NaT), ``precision`` (``day``/``month``/``quarter``/``year``),
    ``kind`` (one of TIMELINE_KINDS), ``ref`` (id in its table), ``label_en``, ``label_zh``.
    Nothing is dated more precisely than the report dates it.
    """
    rows: list[dict] = []

    def add(date, precision, kind, ref, en, zh, end=None):
        rows.append(
            {
                "date": pd.Timestamp(date),
                "end": pd.Timestamp(end) if end else pd.NaT,
                "precision": precision,
                "kind": kind,
                "ref": ref,
                "label_en": en,
                "label_zh": zh,
            }
        )

    for s in fw.tdag_sessions.to_dict("records"):
        precision = "day" if len(s["start"]) == 10 else "month"
        add(s["start"], precision, "tdag-session", s["id"], s["name_en"], s["name_zh"], end=s["end"] if isinstance(s["end"], str) else None)
    for m in fw.meetings.to_dict("records"):
        add(
            m["date"],
            "day",
            "meeting",
            m["id"],
            f"TDAG-WG-SOP #{m['number']} ({m['platform']})",
            f"TDAG-WG-SOP第{m['number']}次会议（{m['platform']}）",
        )
    for p in fw.presentations.to_dict("records"):
        dated = pd.notna(p["date"])
        add(
            p["date"] if dated else f"{p['year']}-01-01",
            "day" if dated else "year",
            "presentation",
            f"{p['year']}-{p['number']}",
            p["title_en"],
            p["title_zh"],
        )
    for d in fw.documents.to_dict("records"):
        add(f"{d['year']}-01-01", "year", "document", f"{d['year']}-{d['number']}", d["title_en"], d["title_zh"])
    for c in fw.contributions.to_dict("records"):
        dated = pd.notna(c["date"])
        add(
            c["date"] if dated else f"{c['year']}-01-01",
            "day" if dated else "year",
            "contribution",
            c["id"],
            f"{c['submitter_en']}: {c['title_en']}",
            f"{c['submitter_zh']}：{c['title_zh']}",
        )
    for ls in fw.liaison_statements.to_dict("records"):
        dated = pd.notna(ls["date"])
        doc = ls["document"] if isinstance(ls["document"], str) else ""
        add(
            ls["date"] if dated else f"{ls['year']}-01-01",
            "day" if dated else "year",
            "liaison",
            ls["id"],
            f"{ls['from_group']} → {ls['to_group']} {doc}".strip(),
            f"{ls['from_group']} → {ls['to_group']} {doc}".strip(),
        )
    sessions = fw.tdag_sessions.set_index("id")
    for d in fw.decisions.to_dict("records"):
        who = d["session"] if isinstance(d["session"], str) else d["body"]
        en, zh = f"{who}: {_short(d['text_en'])}", f"{who}：{_short(d['text_zh'], 80)}"
        if isinstance(d["session"], str):
            start = sessions.loc[d["session"], "start"]
            add(start, "day" if len(start) == 10 else "month", "decision", d["id"], en, zh)
        else:  # the group's own endorsements: the report gives the year only (the section's)
            year = 2020 if d["source"] in ("contributions-2020", "survey") else 2021
            add(f"{year}-01-01", "year", "decision", d["id"], en, zh)
    for c in fw.consultations.to_dict("records"):
        quarter = c["period"][5:] if "-Q" in c["period"] else None
        month = 3 * (int(quarter[1]) - 1) + 1 if quarter else 1
        add(f"{c['year']}-{month:02d}-01", "quarter" if quarter else "year", "consultation", c["id"], _short(c["text_en"]), _short(c["text_zh"], 80))
    recs = fw.recommendations[fw.recommendations["sub"].isna()].groupby("session").size()
    for s in fw.tdag_sessions[fw.tdag_sessions["id"].isin(recs.index)].to_dict("records"):
        precision = "day" if len(s["start"]) == 10 else "month"
        count = int(recs[s["id"]])
        add(s["start"], precision, "recommendations", s["id"], f"{count} recommendations to {s['name_en']}", f"向{s['name_zh']}提出{count}项建议")
    df = pd.DataFrame(rows)
    df["_k"] = df["kind"].map({k: i for i, k in enumerate(TIMELINE_KINDS)})
    return df.sort_values(["date", "_k"], kind="stable").drop(columns="_k").reset_index(drop=True)
