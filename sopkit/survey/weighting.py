"""Priority-weighted coverage (derived): how well each framework option houses the ranked priorities.

Weight of rank ``r`` for a *strength* ``s`` in [0, 1]: ``(1 - s) ** (r - 1)``,
normalised to sum to 1; each priority's fit under an option comes from
``ranking_landing`` (direct 1, partial 0.5, none 0). The rule is the project's
own (``docs/survey-methods.md``); results carry ``derived`` = True.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from ..model import Framework
from .voting import survey_items

FIT_VALUES: dict[str, float] = {"direct": 1.0, "partial": 0.5, "none": 0.0}


def _check_strength(strength: float) -> float:
    try:
        value = float(strength)
    except (TypeError, ValueError):
        raise ValueError(f"strength must be a number from 0 to 1, not {strength!r}") from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"strength must be from 0 to 1, not {strength!r}")
    return value


def rank_weights(ranks: Sequence[int], strength: float) -> list[float]:
    """Normalised weight of each rank (1 = top): ``(1 - strength) ** (rank - 1)``, summing to 1.

    ``strength`` 0: all equal; 1: all the weight on rank 1 (tied first ranks
    share it); in between the weight of the top rank rises and that of every
    lower rank falls as strength grows. Ranks must be whole numbers >= 1.
    """
    base = 1.0 - _check_strength(strength)
    ranks = [int(r) for r in ranks]
    if any(r < 1 for r in ranks):
        raise ValueError("ranks start at 1")
    raw = [base ** (r - 1) for r in ranks]  # 0.0 ** 0 == 1.0: the top rank keeps its weight at strength 1
    total = sum(raw)
    if total == 0:
        raise ValueError("no rank 1 among the ranks: at strength 1 every weight would be 0")
    return [w / total for w in raw]


def weighted_contributions(fw: Framework, survey: str, strength: float, *, ranking: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (option, item): the rank weight, the fit and their product (derived).

    Args:
        fw: the framework (``rankings`` and ``ranking_landing`` are used).
        survey: survey id (``itu-d-objectives`` or ``strategic-goals``).
        strength: 0 = every priority counts the same, 1 = only the top one
            counts (see ``rank_weights``).
        ranking: optional order to weight by instead of the published one,
            e.g. the result of ``aggregate`` on uploaded responses: columns
            ``item`` and ``position`` covering the survey's items (tied items
            get equal weight).

    Returns:
        Columns ``option, item, rank, weight, target, fit, fit_value,
        contribution, derived``; ``fit_value`` is 1 for direct, 0.5 for partial,
        0 for none or no landing row; ``contribution`` = weight x fit_value.
        Ordered by option (themes-4, themes-5, atu-7) then rank.
    """
    items = survey_items(fw, survey)
    if ranking is None:
        order = fw.rankings[fw.rankings["survey"] == survey][["item", "rank"]]
        ranks = dict(zip(order["item"].astype(str), order["rank"].astype(int)))
    else:
        if set(ranking["item"].astype(str)) != set(items):
            raise ValueError(f"ranking must cover exactly the items of {survey!r}: {', '.join(items)}")
        ranks = dict(zip(ranking["item"].astype(str), ranking["position"].astype(int)))
    weights = dict(zip(items, rank_weights([ranks[i] for i in items], strength)))
    landing = fw.ranking_landing[fw.ranking_landing["survey"] == survey]
    land = {(str(r.option), str(r.item)): r for r in landing.itertuples(index=False)}
    rows = []
    for option in fw.option_ids:
        for item in sorted(items, key=lambda i: (ranks[i], items.index(i))):
            hit = land.get((option, item))
            target = hit.target if hit is not None and isinstance(hit.target, str) else None
            fit = "none" if hit is None else str(hit.fit)
            value = FIT_VALUES[fit]
            rows.append(
                {
                    "option": option,
                    "item": item,
                    "rank": ranks[item],
                    "weight": weights[item],
                    "target": target,
                    "fit": fit,
                    "fit_value": value,
                    "contribution": weights[item] * value,
                    "derived": True,
                }
            )
    out = pd.DataFrame(rows)
    return out.astype({"option": "str", "item": "str", "rank": "int64", "target": "str", "fit": "str"})


def weighted_coverage(fw: Framework, survey: str, strength: float, *, ranking: pd.DataFrame | None = None) -> pd.DataFrame:
    """Priority-weighted coverage of each option (derived): how well it houses the ranked priorities.

    Score = sum over the survey's items of weight(rank) x fit value (direct 1,
    partial 0.5, none 0), between 0 and 1; arguments as in
    ``weighted_contributions``.

    Returns:
        Columns ``option`` (themes-4, themes-5, atu-7), ``score`` and
        ``derived`` (always True: ``ranking_landing`` is the project's reading).
    """
    parts = weighted_contributions(fw, survey, strength, ranking=ranking)
    score = parts.groupby("option", sort=False)["contribution"].sum().reindex(list(fw.option_ids), fill_value=0.0)
    # Rounded far below what is shown (2-3 decimals): sums of the same parts differ in the last
    # bit between pandas versions (2.2 in the static edition's browser, 3 on the server), and the
    # static page's first view, made at build time, must equal what the browser computes.
    score = score.round(12)
    return pd.DataFrame(
        {
            "option": pd.Series(list(fw.option_ids), dtype="str"),
            "score": score.clip(0.0, 1.0).to_numpy(dtype="float64"),
            "derived": True,
        }
    )
