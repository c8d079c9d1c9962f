"""Rules that span tables and that a Frictionless schema cannot state."""

from __future__ import annotations

from .errors import Problem
from .io import Row
from .option import Option, options_from_rows

ITEM_TABLES = {"objective": "objectives", "outcome": "outcomes", "output": "outputs"}


def _ids(rows: dict[str, list[Row]], table: str) -> set[str]:
    return {r["id"] for r in rows.get(table, [])}


def _options(rows: dict[str, list[Row]]) -> dict[str, Option]:
    return {o.id: o for o in options_from_rows(rows.get("options", []))}


def check_items(rows: dict[str, list[Row]]) -> list[Problem]:
    """Outcome and output ids sit under their own objective; alternative wordings are complete."""
    problems: list[Problem] = []
    for table in ("outcomes", "outputs"):
        for r in rows.get(table, []):
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


def check_mapping(rows: dict[str, list[Row]], mapping: list[Row], file: str = "mapping.csv") -> list[Problem]:
    """Each mapped item exists in the table its item_type names; each theme is in the variant."""
    problems: list[Problem] = []
    themes = {r["id"]: r for r in rows.get("themes", [])}
    variants = {o.variant: o for o in _options(rows).values() if o.variant is not None}
    for r in mapping:
        table = ITEM_TABLES.get(r["item_type"] or "")
        if table and r["item"] and r["item"] not in _ids(rows, table):
            problems.append(
                Problem(file, r["_row"], "item", "mapping_item", {"value": repr(r["item"]), "kind": r["item_type"], "table": f"{table}.csv"})
            )
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
