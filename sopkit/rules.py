"""Rules that span tables and that a Frictionless schema cannot state."""

from __future__ import annotations

from .errors import Problem
from .io import Row
from .option import CROSS_CUTTING, Option, options_from_rows

ITEM_TABLES = {"objective": "objectives", "outcome": "outcomes", "output": "outputs"}


def _ids(rows: dict[str, list[Row]], table: str) -> set[str]:
    return {r["id"] for r in rows.get(table, [])}


def _options(rows: dict[str, list[Row]]) -> dict[str, Option]:
    return {o.id: o for o in options_from_rows(rows.get("options", []))}


def label_agrees(item_id: str, label: str) -> bool:
    """Does a printed *label* agree with its *item_id*? The same, or printed with a hyphen for
    the dot (``D-3-a`` for ``D.3-a``), or the last part of a numbering-slip id (``D.4-2`` for
    ``D.7/D.4-2``)."""
    return label == item_id or label.replace("D-", "D.", 1) == item_id or ("/" in item_id and item_id.endswith("/" + label))


def check_items(rows: dict[str, list[Row]]) -> list[Problem]:
    """Outcome and output ids sit under their own objective and agree with their printed
    labels; alternative wordings are complete."""
    problems: list[Problem] = []
    for table in ("outcomes", "outputs"):
        for r in rows.get(table, []):
            if r["id"] and r["label"] and not label_agrees(r["id"], r["label"]):
                problems.append(Problem(f"{table}.csv", r["_row"], "label", "label_id", {"label": repr(r["label"]), "id": repr(r["id"])}))
            if r["id"] and r["objective"] and not r["id"].startswith(r["objective"] + ("-" if "/" not in r["id"] else "/")):
                problems.append(Problem(f"{table}.csv", r["_row"], "id", "id_objective", {"value": repr(r["id"]), "objective": repr(r["objective"])}))
            if r["alternative_wording"] is True and not r["alt_text_zh"]:
                problems.append(Problem(f"{table}.csv", r["_row"], "alt_text_zh", "alt_text_blank"))
            if r["alternative_wording"] is False and r["alt_text_zh"]:
                problems.append(Problem(f"{table}.csv", r["_row"], "alternative_wording", "alt_text_unexpected"))
    both = _ids(rows, "outcomes") & _ids(rows, "outputs")
    for r in rows.get("outputs", []):
        if r["id"] in both:
            problems.append(Problem("outputs.csv", r["_row"], "id", "output_is_outcome", {"value": repr(r["id"])}))
    return problems


def check_themes(rows: dict[str, list[Row]]) -> list[Problem]:
    """The report names the priorities of option 1's smaller variant (the four); every other
    priority is the project's inference and must say so (``inferred`` true), and the named
    ones must not."""
    problems: list[Problem] = []
    thematic = [o for o in _options(rows).values() if o.variant is not None]
    if not thematic:
        return problems
    named = min(thematic, key=lambda o: o.variant).theme_flag
    for r in rows.get("themes", []):
        if r[named] is None or r["inferred"] is None:
            continue
        expected = not r[named]
        if r["inferred"] is not expected:
            problems.append(Problem("themes.csv", r["_row"], "inferred", "theme_inferred", {"theme": r["id"], "expected": str(expected).lower()}))
    return problems


def check_meetings(rows: dict[str, list[Row]]) -> list[Problem]:
    """A meeting ends after it starts."""
    problems: list[Problem] = []
    for r in rows.get("meetings", []):
        start, end = r.get("start_time"), r.get("end_time")
        if start is not None and end is not None and end < start:
            problems.append(
                Problem("meetings.csv", r["_row"], "end_time", "meeting_times", {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")})
            )
    return problems


def unmapped_items(rows: dict[str, list[Row]], mapping: list[Row]) -> dict[int, list[str]]:
    """Objectives, outcomes and outputs that *mapping* leaves without a home, per variant
    (every variant of the options, in order; an empty list when all have one)."""
    everything = [r["id"] for t in ("objectives", "outcomes", "outputs") for r in rows.get(t, [])]
    variants = [o.variant for o in _options(rows).values() if o.variant is not None]
    placed = {(r["variant"], r["item"]) for r in mapping}
    return {v: [i for i in everything if (v, i) not in placed] for v in variants}


def check_mapping(rows: dict[str, list[Row]], mapping: list[Row], file: str = "mapping.csv") -> list[Problem]:
    """Each mapped item exists in the table its item_type names; each theme is in the variant
    (the cross-cutting placement ``X`` belongs to every variant)."""
    problems: list[Problem] = []
    themes = {r["id"]: r for r in rows.get("themes", [])}
    variants = {o.variant: o for o in _options(rows).values() if o.variant is not None}
    for r in mapping:
        table = ITEM_TABLES.get(r["item_type"] or "")
        if table and r["item"] and r["item"] not in _ids(rows, table):
            problems.append(
                Problem(file, r["_row"], "item", "mapping_item", {"value": repr(r["item"]), "kind": r["item_type"], "table": f"{table}.csv"})
            )
        if r["theme"] == CROSS_CUTTING:
            continue
        theme = themes.get(r["theme"] or "")
        option = variants.get(r["variant"])
        if theme is not None and option is not None and not theme[option.theme_flag]:
            problems.append(Problem(file, r["_row"], "theme", "mapping_theme", {"theme": r["theme"], "variant": r["variant"]}))
    return problems


def check_rankings(rows: dict[str, list[Row]]) -> list[Problem]:
    """Ranks of each survey run 1..n, each once; landings point into the option's own items."""
    problems: list[Problem] = []
    by_survey: dict[str, list[Row]] = {}
    for r in rows.get("rankings", []):
        by_survey.setdefault(r["survey"], []).append(r)
    for survey, items in by_survey.items():
        seen: dict[int, int] = {}
        for r in items:
            if r["rank"] is None:
                continue
            if r["rank"] in seen:
                problems.append(
                    Problem("rankings.csv", r["_row"], "rank", "rank_repeated", {"rank": r["rank"], "survey": repr(survey), "first": seen[r["rank"]]})
                )
            elif r["rank"] > len(items):
                problems.append(
                    Problem("rankings.csv", r["_row"], "rank", "rank_beyond", {"rank": r["rank"], "count": len(items), "survey": repr(survey)})
                )
            seen.setdefault(r["rank"], r["_row"])
    themes = {r["id"]: r for r in rows.get("themes", [])}
    objectives = _ids(rows, "objectives")
    options = _options(rows)
    for r in rows.get("ranking_landing", []):
        target, option = r["target"], r["option"]
        if (target is None) != (r["fit"] == "none"):
            problems.append(Problem("ranking_landing.csv", r["_row"], "fit", "fit_target"))
        if target is None or option not in options:
            continue
        if options[option].kind == "objectives":
            ok = target in objectives
        else:
            ok = target in themes and bool(themes[target][options[option].theme_flag])
        if not ok:
            problems.append(Problem("ranking_landing.csv", r["_row"], "target", "landing_target", {"value": repr(target), "option": option}))
    return problems
