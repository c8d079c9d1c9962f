"""Aggregating survey responses into one order, and the report's published order to compare with.

``n`` is the number of items of the survey. The four methods (``METHODS``),
their rules for partial rankings and the competition ranking of ties are
described in ``docs/survey-methods.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..model import Framework
from .ballots import COLUMNS, check_items

METHODS: dict[str, str] = {
    "mean_rank": "mean of the ranks given, over respondents who ranked the item (lower is better)",
    "borda": "n - rank points per respondent, 0 for an unranked item (higher is better)",
    "first_choice": "number of respondents who ranked the item first (higher is better)",
    "copeland": "pairwise majority wins minus losses; unranked counts as below ranked (higher is better)",
}


def _checked(responses: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """Responses restricted to the three columns; ValueError if they do not fit *items*."""
    check_items(items)
    missing = [c for c in COLUMNS if c not in responses.columns]
    if missing:
        raise ValueError(f"responses lack the column(s) {', '.join(missing)}")
    df = responses[list(COLUMNS)]
    unknown = sorted(set(df["item"]) - set(items), key=str)
    if unknown:
        raise ValueError(f"responses name items not in the list: {', '.join(map(str, unknown))}")
    ranks = pd.to_numeric(df["rank"], errors="coerce")
    if ranks.isna().any() or ((ranks % 1) != 0).any() or not ranks.between(1, len(items)).all():
        raise ValueError(f"ranks must be whole numbers from 1 to {len(items)}")
    if df.duplicated(["respondent", "item"]).any() or df.duplicated(["respondent", "rank"]).any():
        raise ValueError("a respondent ranks an item twice or gives a rank twice")
    return df.assign(rank=ranks.astype("int64"))


def _positions(score: pd.Series, *, ascending: bool) -> pd.Series:
    """Competition ranking ("1224"); missing scores come last, tied with each other."""
    return score.rank(method="min", ascending=ascending, na_option="bottom").astype("int64")


def _wide(df: pd.DataFrame, items: Sequence[str]) -> np.ndarray:
    """Respondents x items matrix of ranks, +inf where an item is unranked."""
    wide = df.pivot(index="respondent", columns="item", values="rank").reindex(columns=list(items))
    return wide.to_numpy(dtype="float64", na_value=np.inf)


def aggregate(responses: pd.DataFrame, method: str, items: list[str]) -> pd.DataFrame:
    """Aggregate the respondents' rankings into one order of *items*.

    Args:
        responses: frame as returned by ``parse_responses``.
        method: one of ``METHODS`` (``mean_rank``, ``borda``, ``first_choice``,
            ``copeland``); see the module docstring for each rule and how
            partial rankings count.
        items: the survey's items (every one gets a row, ranked or not).

    Returns:
        Columns ``item``, ``score`` (float for ``mean_rank``, int otherwise) and
        ``position`` (competition ranking: tied scores share a position, the
        next one is skipped), sorted by position then item.

    Raises:
        ValueError: unknown method, or responses that do not fit *items*.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    df = _checked(responses, items)
    n = len(items)
    index = pd.Index(list(items), name="item")
    score: pd.Series
    if method == "mean_rank":
        grouped = df.groupby("item")["rank"]
        score = (grouped.sum() / grouped.count()).reindex(index).astype("float64")
        position = _positions(score, ascending=True)
    else:
        if method == "borda":
            score = (n - df["rank"]).groupby(df["item"]).sum().reindex(index, fill_value=0)
        elif method == "first_choice":
            score = df[df["rank"] == 1].groupby("item").size().reindex(index, fill_value=0)
        else:  # copeland
            ranks = _wide(df, items)
            # prefer[a, b]: respondents who put a above b (inf < inf is False: both unranked = no preference)
            prefer = (ranks[:, :, None] < ranks[:, None, :]).sum(axis=0)
            score = pd.Series(np.sign(prefer - prefer.T).sum(axis=1), index=index)
        score = score.astype("int64")
        position = _positions(score, ascending=False)
    out = pd.DataFrame({"item": pd.Series(list(items), dtype="str"), "score": score.to_numpy(), "position": position.to_numpy()})
    return out.sort_values(["position", "item"], kind="stable").reset_index(drop=True)


def rank_distribution(responses: pd.DataFrame, items: list[str] | None = None) -> pd.DataFrame:
    """How many respondents put each item at each rank: the form of the report's Figures 1 and 2.

    Args:
        responses: frame as returned by ``parse_responses``.
        items: the survey's items, in the order wanted; default: the items in
            *responses*, sorted. Ranks run 1..len(items) (or up to the largest
            rank given, if larger).

    Returns:
        Columns ``item, rank, count`` for every (item, rank) pair, zeros
        included, ordered by item (as given) then rank: one stacked bar per
        item, from first to last choice.
    """
    if items is None:
        items = sorted(set(responses["item"]), key=str)
    df = _checked(responses, items) if items else responses[list(COLUMNS)]
    top = max(len(items), int(df["rank"].max()) if len(df) else 0)
    full = pd.MultiIndex.from_product([list(items), range(1, top + 1)], names=["item", "rank"])
    counts = df.groupby(["item", "rank"]).size().reindex(full, fill_value=0)
    out = counts.rename("count").reset_index().astype({"rank": "int64", "count": "int64"})
    out["item"] = out["item"].astype("str")
    return out


# --- the published order ---------------------------------------------------------------------------


def survey_items(fw: Framework, survey: str) -> list[str]:
    """The survey's items in published rank order (``data/rankings.csv``); ValueError if unknown."""
    ranked = fw.rankings[fw.rankings["survey"] == survey]
    if ranked.empty:
        known = ", ".join(sorted(set(fw.rankings["survey"])))
        raise ValueError(f"unknown survey {survey!r} (known: {known})")
    return [str(i) for i in ranked.sort_values("rank")["item"]]


def published_order(fw: Framework, survey: str) -> list[str]:
    """The report's rank order of a survey, top priority first (same as ``survey_items``)."""
    return survey_items(fw, survey)


def compare_published(aggregate_df: pd.DataFrame, published: list[str]) -> pd.DataFrame:
    """Published rank and aggregated position side by side.

    Returns columns ``item`` (published order, then any item only in the
    aggregate), ``published_rank`` (1 = top, ``<NA>`` if not published),
    ``position`` (from *aggregate_df*, ``<NA>`` if missing) and ``agrees``
    (the two are equal).
    """
    positions = dict(zip(aggregate_df["item"].astype(str), aggregate_df["position"]))
    extra = [i for i in positions if i not in published]
    names = list(published) + sorted(extra)
    out = pd.DataFrame(
        {
            "item": pd.Series(names, dtype="str"),
            "published_rank": pd.array([i + 1 for i in range(len(published))] + [pd.NA] * len(extra), dtype="Int64"),
            "position": pd.array([positions.get(i, pd.NA) for i in names], dtype="Int64"),
        }
    )
    out["agrees"] = (out["published_rank"] == out["position"]).fillna(False).astype(bool)
    return out


def matches_published(aggregate_df: pd.DataFrame, published: list[str]) -> bool:
    """True when the aggregate puts exactly the published items in exactly the published order.

    A tie in the aggregate where the report shows a strict order is not a match.
    """
    if set(aggregate_df["item"].astype(str)) != set(published) or len(aggregate_df) != len(published):
        return False
    return bool(compare_published(aggregate_df, published)["agrees"].all())
