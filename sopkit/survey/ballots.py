"""What a ballot is, shared by the upload parser (``responses``) and the methods (``voting``):
the columns of the responses frame, the check of a survey's item list, and the one rule for
ranks with gaps. Imports nothing else of ``sopkit.survey``, so the dependency runs one way:
``responses`` -> ``voting`` -> ``ballots``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

COLUMNS = ("respondent", "item", "rank")


def _norm(value: str) -> str:
    """Header and item matching: case-insensitive, spaces collapsed."""
    return " ".join(value.split()).casefold()


def check_items(items: Sequence[str]) -> dict[str, str]:
    """Validate the survey's item list; return normalised name -> item."""
    if isinstance(items, str) or not items:
        raise ValueError("items must be a non-empty list of item names")
    lookup: dict[str, str] = {}
    for item in items:
        if not isinstance(item, str) or not item.strip():
            raise ValueError(f"items must be non-blank strings, not {item!r}")
        key = _norm(item)
        if key in lookup:
            raise ValueError(f"items {lookup[key]!r} and {item!r} are the same item")
        lookup[key] = item
    return lookup


def renumber_ranks(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Each ballot read by its order, its ranks renumbered 1..k (docs/survey-methods.md).

    A respondent who ranked k items gets the ranks 1..k in the order of the ranks they
    wrote: ``r1,A,3`` alone becomes ``r1,A,1``; ``B 2, C 4`` becomes ``B 1, C 2``. Every
    aggregation method then sees the same ballot (with gaps, Borda and mean rank read the
    written numbers while first choice and Copeland read only the order, and they part).
    Returns the frame (rows in their original order) and the respondents whose ranks
    changed, in order of first appearance.
    """
    if frame.empty:
        return frame, []
    order = frame.groupby("respondent", sort=False)["rank"].rank(method="first").astype("int64")
    changed = frame["rank"].to_numpy() != order.to_numpy()
    renumbered = list(dict.fromkeys(frame.loc[changed, "respondent"].tolist()))
    return frame.assign(rank=order.to_numpy()), renumbered
