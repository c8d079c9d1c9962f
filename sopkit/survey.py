"""Survey responses: validate an upload, aggregate the rankings, weight coverage by priority.

Pure pandas, no widgets, no file or network access: bytes or DataFrames in,
DataFrames out.

What the report holds and what it does not
------------------------------------------
The report's survey (Figures 1 and 2) survives only as a rank ORDER
(``data/rankings.csv``): ITU-D.4 > ITU-D.3 > ITU-D.2 > ITU-D.1 and
Goal 2 > Goal 1 > Goal 4 > Goal 3 > Goal 5. No counts, no respondents. The
secretariat holds the raw answers; this module lets a user upload them as a CSV
with the columns ``respondent, item, rank`` (``parse_responses``), shows them
in the form of the report's figures (``rank_distribution``), aggregates them
(``aggregate``) and checks the result against the published order
(``matches_published``, ``compare_published``). Nothing here ships or invents
responses: ``synthetic_responses`` makes random answers for tests and demos,
every respondent id starts with ``synthetic-`` and the frame carries
``attrs["synthetic"] = True``.

Responses frame
---------------
One row per answer: ``respondent`` (str), ``item`` (str, one of the survey's
items), ``rank`` (int, 1 = top priority, at most the number of items). A
respondent may rank only some items (a *partial ranking*); each item at most
once, each rank at most once.

Aggregation methods (``aggregate``)
-----------------------------------
``n`` is the number of items of the survey.

* ``mean_rank``: mean of the ranks an item received, over the respondents who
  ranked it (an unranked answer is left out, not counted as a rank); lower is
  better. An item nobody ranked has no score (NaN) and comes last. With many
  partial rankings prefer ``borda`` or ``copeland``: an item ranked 1st by one
  respondent beats an item ranked 2nd by ten.
* ``borda``: each respondent gives ``n - rank`` points (``n - 1`` for the top,
  0 for the last); an item the respondent did not rank gets 0 points, the same
  as last place. Score = total points; higher is better.
* ``first_choice``: number of respondents who ranked the item 1st; higher is
  better.
* ``copeland``: for each pair of items, the item more respondents put above the
  other wins the pair; score = pairs won minus pairs lost (a tied pair counts
  0). A ranked item counts as above an unranked one; two items a respondent
  left both unranked give no preference. Higher is better. A Condorcet cycle
  (A>B>C, B>C>A, C>A>B) ties all three.

``position`` is a competition ranking ("1224"): tied scores share the best
position and the next position is skipped, so ties stay visible.

Why no voting library
---------------------
Evaluated in throwaway virtualenvs (Python 3.11, pandas 3.1.1) against the
~60 lines of pandas/numpy below:

* ``pref-voting`` 1.18.2: has Borda and Copeland for profiles with ties, but
  pulls numba, llvmlite, ortools, scipy, matplotlib, seaborn, networkx, PuLP …
  (778 MB of site-packages), pins numpy back to 2.3.5 (numba) and takes about
  1.5 s to import against 0.3 s for pandas alone.
* ``votekit`` 3.5.0: the same weight class (numba, scikit-learn, matplotlib;
  722 MB, numpy 2.3.5, about 1.5 s to import); no Copeland.
* ``svvamp`` 0.15.2: requires pandas < 3 (would downgrade the project's pandas).
* ``pyrankvote`` 2.0.6: small, but only instant-runoff, STV and block voting:
  none of the four methods needed here.

None gives mean rank or the competition ranking, and each has its own rule for
partial ballots that would have to be matched to the one documented above. The
four methods are a few lines each and are checked in the tests against hand
computations (ties, a Condorcet cycle, partial rankings), so the module adds no
dependency. During the evaluation they were also checked once against
pref-voting 1.18.2 (Copeland with ranked-above-unranked, i.e. its extended
strict preference, on 60 synthetic profiles, 30 of them partial; Borda on the
30 complete ones): identical scores.

Priority-weighted coverage (``weighted_coverage``; derived)
-----------------------------------------------------------
How well each framework option (``themes-4``, ``themes-5``, ``atu-7``) houses
the ranked priorities, weighting each priority by its rank. Weight of rank
``r`` for a *strength* ``s`` in [0, 1] (``rank_weights``)::

    w(r) = b ** (r - 1) with b = 1 - s, then normalised to sum to 1

``s = 0`` gives every priority the same weight; ``s = 1`` (b = 0, and
``0 ** 0 = 1``) gives all the weight to rank 1; in between the weights decay
geometrically, the top rank's share rising and every lower rank's share
falling as ``s`` grows. Each priority's fit under an option comes from
``ranking_landing`` by the project's rule: ``direct`` = 1, ``partial`` = 0.5,
``none`` (or no row) = 0. Score = sum of weight x fit, between 0 and 1.
``ranking_landing`` is the project's own reading (Annex 2 is lost), so these
results carry ``derived`` = True.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from .errors import DataError, Problem
from .model import Framework

COLUMNS = ("respondent", "item", "rank")
METHODS: dict[str, str] = {
    "mean_rank": "mean of the ranks given, over respondents who ranked the item (lower is better)",
    "borda": "n - rank points per respondent, 0 for an unranked item (higher is better)",
    "first_choice": "number of respondents who ranked the item first (higher is better)",
    "copeland": "pairwise majority wins minus losses; unranked counts as below ranked (higher is better)",
}
FIT_VALUES: dict[str, float] = {"direct": 1.0, "partial": 0.5, "none": 0.0}
MAX_PROBLEMS = 20
DEFAULT_MAX_BYTES = 1_000_000

_WHOLE = re.compile(r"-?[0-9]+(?:\.0+)?")
_SIGNATURES = {
    b"PK\x03\x04": "looks like an Excel workbook or another zip file, not a CSV: in Excel use Save As > CSV UTF-8",
    b"\xd0\xcf\x11\xe0": "looks like an old Excel (.xls) workbook, not a CSV: in Excel use Save As > CSV UTF-8",
    b"%PDF": "is a PDF, not a CSV",
    b"\xff\xfe": "is saved as UTF-16 ('Unicode text'): save it as CSV UTF-8",
    b"\xfe\xff": "is saved as UTF-16 ('Unicode text'): save it as CSV UTF-8",
}
_MARK = "\ue000"  # private-use character: marks where a decoding error sits


# --- parsing an upload -----------------------------------------------------------------------------


class _Problems:
    """Collects problems of one file; keeps the first *cap*, counts the rest."""

    def __init__(self, file: str, cap: int):
        self.file, self.cap = file, cap
        self.kept: list[Problem] = []
        self.dropped = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        if len(self.kept) < self.cap:
            self.kept.append(Problem(self.file, row, column, message))
        else:
            self.dropped += 1

    def __bool__(self) -> bool:
        return bool(self.kept)

    def raise_if_any(self) -> None:
        if not self.kept:
            return
        problems = list(self.kept)
        if self.dropped:
            more = self.dropped
            problems.append(Problem(self.file, None, None, f"... and {more} more problem{'s' if more > 1 else ''}"))
        raise DataError(problems)


def _shown(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[: limit - 1] + "…")


def _norm(value: str) -> str:
    """Header and item matching: case-insensitive, spaces collapsed."""
    return " ".join(value.split()).casefold()


def _delimiter(first_line: str) -> str:
    """Comma, unless the header has none and is split by ';' or a tab (Excel in many locales)."""
    if "," not in first_line:
        for candidate in (";", "\t"):
            if candidate in first_line:
                return candidate
    return ","


def _locate(prefix: str, first_line: str, delimiter: str) -> tuple[int, str | None]:
    """Row (header = 1) and column where *prefix* ends: where a decoding problem sits."""
    try:
        records = list(csv.reader(io.StringIO(prefix + _MARK, newline=""), delimiter=delimiter))
    except csv.Error:
        return prefix.count("\n") + 1, None
    row = max(len(records), 1)
    cells = records[-1] if records else []
    index = next((i for i, cell in enumerate(cells) if _MARK in cell), None)
    if row == 1 or index is None:
        return row, None
    header = next(csv.reader(io.StringIO(first_line.rstrip("\r"), newline=""), delimiter=delimiter), [])
    return row, (_norm(header[index]) or None) if index < len(header) else None


def _item_list(items: Sequence[str]) -> str:
    shown = [str(i) for i in items[:12]]
    return ", ".join(shown) + (", …" if len(items) > 12 else "")


def _check_items(items: Sequence[str]) -> dict[str, str]:
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


def parse_responses(
    content: bytes,
    items: list[str],
    *,
    name: str = "upload.csv",
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_problems: int = MAX_PROBLEMS,
) -> pd.DataFrame:
    """Validate an uploaded CSV of survey answers; return the tidy responses frame.

    Args:
        content: the file's bytes, UTF-8 (a byte-order mark and CRLF line ends,
            as Excel writes them, are fine). Comma-separated, or ``;``/tab when
            the header line holds no comma.
        items: the survey's items (e.g. ``["ITU-D.1", …]``); ranks run 1..len(items).
        name: file name used in problem messages.
        max_bytes: larger content is refused before any decoding or parsing.
        max_problems: problems listed before "... and N more problems".

    Returns:
        Columns ``respondent`` (str), ``item`` (str, spelled as in *items*),
        ``rank`` (int64), one row per answer in file order. Headers match
        ignoring case and surrounding spaces, in any order; items match ignoring
        case and repeated spaces; ranks may be written ``2`` or ``2.0``; blank
        rows are skipped. Partial rankings (only some items ranked) are allowed.

    Raises:
        DataError: one ``Problem(file=name, row, column, message)`` per problem
            (row counts records with the header as row 1; ``None`` for the whole
            file): not a CSV or not UTF-8, empty, too large, missing, unknown or
            repeated columns, blank cells, a rank that is not a whole number or
            is outside 1..len(items), an unknown item (the valid ones are
            listed), a respondent ranking the same item twice or giving the same
            rank twice.
        ValueError: *items* itself is empty or has repeats (a programming error).
    """
    lookup = _check_items(items)
    found = _Problems(name, max(1, max_problems))

    def fail(row: int | None, column: str | None, message: str) -> NoReturn:
        """A problem with the whole file: nothing further can be checked."""
        raise DataError([Problem(name, row, column, message)])

    raw = bytes(content)
    if len(raw) > max_bytes:
        fail(None, None, f"file is {len(raw):,} bytes, more than the limit of {max_bytes:,} bytes")
    for signature, message in _SIGNATURES.items():
        if raw.startswith(signature):
            fail(None, None, f"file {message}")
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if not raw.strip():
        fail(None, None, "file is empty (it needs the header row respondent,item,rank and one row per answer)")
    first_line = raw.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    delimiter = _delimiter(first_line)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        row, column = _locate(raw[: exc.start].decode("utf-8"), first_line, delimiter)
        fail(row, column, "text is not valid UTF-8 (save the file as 'CSV UTF-8')")
    if "\x00" in text:
        row, column = _locate(text[: text.index("\x00")], first_line, delimiter)
        fail(row, column, "file holds binary data (a NUL byte), not CSV text")

    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        records = list(reader)
    except csv.Error as exc:
        fail(reader.line_num or None, None, f"not a readable CSV ({exc})")

    header = [_norm(h) for h in records[0]]
    while header and not header[-1]:
        header.pop()  # trailing empty header cells, as spreadsheets leave them
    for col in header:
        if col not in COLUMNS:
            found.add(1, col or "(blank)", f"unknown column (expected: {', '.join(COLUMNS)})")
    for col in COLUMNS:
        if col not in header:
            found.add(1, col, f"column is missing from the header (expected: {', '.join(COLUMNS)})")
    for col in dict.fromkeys(c for c in header if header.count(c) > 1):
        found.add(1, col, "column appears more than once in the header")
    found.raise_if_any()

    where = {col: header.index(col) for col in COLUMNS}
    n = len(items)
    out: dict[str, list[Any]] = {col: [] for col in COLUMNS}
    item_seen: dict[tuple[str, str], int] = {}
    rank_seen: dict[tuple[str, int], tuple[int, str]] = {}
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank rows, as spreadsheets leave them
        if any(cell.strip() for cell in record[len(header):]):
            found.add(number, None, f"row has {len(record)} cells, the header has {len(header)}")
            continue
        cells = {col: (record[i].strip() if i < len(record) else "") for col, i in where.items()}
        for col in COLUMNS:
            if not cells[col]:
                found.add(number, col, "value is blank")
        respondent = cells["respondent"]
        item: str | None = None
        if cells["item"]:
            item = lookup.get(_norm(cells["item"]))
            if item is None:
                found.add(number, "item", f"{_shown(cells['item'])} is not one of the items: {_item_list(items)}")
        rank: int | None = None
        if cells["rank"]:
            value = cells["rank"]
            if not _WHOLE.fullmatch(value):
                found.add(number, "rank", f"{_shown(value)} is not a whole number")
            elif len(value.split(".")[0].lstrip("-")) > 9:
                found.add(number, "rank", f"{_shown(value)} is out of range 1..{n} (there are {n} items)")
            else:
                rank = int(float(value)) if "." in value else int(value)
                if not 1 <= rank <= n:
                    found.add(number, "rank", f"{rank} is out of range 1..{n} (there are {n} items)")
                    rank = None
        if respondent and item is not None:
            first = item_seen.setdefault((respondent, item), number)
            if first != number:
                found.add(number, "item", f"respondent {_shown(respondent)} already ranked {item!r} in row {first}")
        if respondent and rank is not None:
            first_rank = rank_seen.setdefault((respondent, rank), (number, item or cells["item"]))
            if first_rank[0] != number:
                found.add(number, "rank", f"respondent {_shown(respondent)} already gave rank {rank} in row {first_rank[0]} (to {first_rank[1]!r})")
        out["respondent"].append(respondent)
        out["item"].append(item)
        out["rank"].append(rank)
    if not out["respondent"] and not found:
        found.add(None, None, "file has a header but no answers")
    found.raise_if_any()
    return pd.DataFrame({
        "respondent": pd.Series(out["respondent"], dtype="str"),
        "item": pd.Series(out["item"], dtype="str"),
        "rank": pd.Series(out["rank"], dtype="int64"),
    })


# --- aggregating -----------------------------------------------------------------------------------


def _checked(responses: pd.DataFrame, items: Sequence[str]) -> pd.DataFrame:
    """Responses restricted to the three columns; ValueError if they do not fit *items*."""
    _check_items(items)
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
    out = pd.DataFrame({
        "item": pd.Series(names, dtype="str"),
        "published_rank": pd.array([i + 1 for i in range(len(published))] + [pd.NA] * len(extra), dtype="Int64"),
        "position": pd.array([positions.get(i, pd.NA) for i in names], dtype="Int64"),
    })
    out["agrees"] = (out["published_rank"] == out["position"]).fillna(False).astype(bool)
    return out


def matches_published(aggregate_df: pd.DataFrame, published: list[str]) -> bool:
    """True when the aggregate puts exactly the published items in exactly the published order.

    A tie in the aggregate where the report shows a strict order is not a match.
    """
    if set(aggregate_df["item"].astype(str)) != set(published) or len(aggregate_df) != len(published):
        return False
    return bool(compare_published(aggregate_df, published)["agrees"].all())


# --- priority-weighted coverage (derived) ---------------------------------------------------------


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


def weighted_contributions(
    fw: Framework, survey: str, strength: float, *, ranking: pd.DataFrame | None = None
) -> pd.DataFrame:
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
            rows.append({
                "option": option, "item": item, "rank": ranks[item], "weight": weights[item],
                "target": target, "fit": fit, "fit_value": value,
                "contribution": weights[item] * value, "derived": True,
            })
    out = pd.DataFrame(rows)
    return out.astype({"option": "str", "item": "str", "rank": "int64", "target": "str", "fit": "str"})


def weighted_coverage(
    fw: Framework, survey: str, strength: float, *, ranking: pd.DataFrame | None = None
) -> pd.DataFrame:
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
    return pd.DataFrame({
        "option": pd.Series(list(fw.option_ids), dtype="str"),
        "score": score.clip(0.0, 1.0).to_numpy(dtype="float64"),
        "derived": True,
    })


# --- synthetic data for tests and demos ------------------------------------------------------------


def synthetic_responses(items: list[str], n: int, seed: int, *, complete: bool = True) -> pd.DataFrame:
    """Random, clearly SYNTHETIC responses (never real answers) for tests and demos.

    Each of *n* respondents (``synthetic-001``, ``synthetic-002``, …) ranks the
    items in a uniformly random order; with ``complete=False`` each ranks only
    a random number (at least 1) of them, top down. Deterministic for a given
    *seed*. Same columns as ``parse_responses``; ``attrs["synthetic"]`` is True.
    """
    _check_items(items)
    if n < 0:
        raise ValueError("n must be 0 or more")
    rng = np.random.default_rng(seed)
    width = max(3, len(str(n)))
    rows: dict[str, list[Any]] = {col: [] for col in COLUMNS}
    for k in range(1, n + 1):
        order = rng.permutation(len(items))
        keep = len(items) if complete else int(rng.integers(1, len(items) + 1))
        for rank, idx in enumerate(order[:keep], start=1):
            rows["respondent"].append(f"synthetic-{k:0{width}d}")
            rows["item"].append(items[int(idx)])
            rows["rank"].append(rank)
    out = pd.DataFrame({
        "respondent": pd.Series(rows["respondent"], dtype="str"),
        "item": pd.Series(rows["item"], dtype="str"),
        "rank": pd.Series(rows["rank"], dtype="int64"),
    })
    out.attrs["synthetic"] = True
    return out
