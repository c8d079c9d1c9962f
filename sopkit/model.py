"""The validated framework model: every table of the report as a pandas DataFrame."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import pandas as pd

from . import rules
from .errors import DataError, Problem
from .io import Row, check_foreign_keys, parse_table, read_table
from .schema import Table, read_package

BUNDLED_DATA = Path(__file__).resolve().parent.parent / "data"


def default_data_dir() -> Path:
    """``$SOPKIT_DATA`` if set, else the ``data/`` folder shipped with the project."""
    env = os.environ.get("SOPKIT_DATA")
    return Path(env) if env else BUNDLED_DATA


@dataclass(frozen=True)
class Framework:
    """Everything the report holds, validated, one DataFrame per table.

    Column meanings are documented in ``data/datapackage.json``. Tables whose
    description starts with DERIVED (``mapping``, ``ranking_landing``) and every
    ``*_en`` column (see ``en_source``) are the project's own, not the report's.
    """

    sections: pd.DataFrame
    objectives: pd.DataFrame
    outcomes: pd.DataFrame
    outputs: pd.DataFrame
    suggestions: pd.DataFrame
    themes: pd.DataFrame
    options: pd.DataFrame
    mapping: pd.DataFrame
    surveys: pd.DataFrame
    rankings: pd.DataFrame
    ranking_landing: pd.DataFrame
    meetings: pd.DataFrame
    agenda_items: pd.DataFrame
    documents: pd.DataFrame
    presentations: pd.DataFrame
    contributions: pd.DataFrame
    contribution_points: pd.DataFrame
    liaison_statements: pd.DataFrame
    tdag_sessions: pd.DataFrame
    officers: pd.DataFrame
    recommendations: pd.DataFrame
    conclusions: pd.DataFrame
    annex1_questions: pd.DataFrame
    annex1_answers: pd.DataFrame
    data_dir: Path = field(default=BUNDLED_DATA, compare=False)
    schemas: dict[str, Table] = field(default_factory=dict, compare=False, repr=False)
    # Memo of derived tables (see analysis._memo): the frames above are never mutated.
    cache: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def table_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.type in ("pd.DataFrame", pd.DataFrame)]

    def table_sizes(self) -> dict[str, int]:
        """Rows per table, in the model's order."""
        return {name: len(getattr(self, name)) for name in self.table_names()}

    def with_mapping(self, mapping: pd.DataFrame) -> "Framework":
        """A copy of the framework that uses *mapping* (same columns as ``mapping.csv``).

        The mapping goes through the same checks as ``mapping.csv`` (rows counted
        as in that file); raises DataError when anything is wrong.
        """
        table = replace(self.schemas["mapping"], path="mapping")
        content = mapping.to_csv(index=False, lineterminator="\n").encode("utf-8")
        rows, problems = parse_table(content, table, table.path)
        if not problems:
            problems = check_foreign_keys({"mapping": table, "themes": self.schemas["themes"]},
                                          {"mapping": rows, "themes": self.themes.to_dict("records")})
            problems += rules.check_mapping(self._rows_for_rules(), rows, file=table.path)
        if problems:
            raise DataError(problems)
        kwargs = {name: getattr(self, name) for name in self.table_names()}
        kwargs["mapping"] = _frame(rows, self.schemas["mapping"])
        # Tables that do not depend on the mapping stay valid: share them.
        kwargs["cache"] = {k: v for k, v in self.cache.items() if k[0] == "items"}
        return Framework(**kwargs, data_dir=self.data_dir, schemas=self.schemas)

    def _rows_for_rules(self) -> dict[str, list[Row]]:
        return {
            "objectives": self.objectives.to_dict("records"),
            "outcomes": self.outcomes.to_dict("records"),
            "outputs": self.outputs.to_dict("records"),
            "themes": self.themes.to_dict("records"),
        }


def _frame(rows: list[Row], table: Table) -> pd.DataFrame:
    """Typed DataFrame in schema column order (optional integers become nullable Int64)."""
    columns = table.field_names
    df = pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)
    for spec in table.fields:
        col = spec.name
        if spec.type == "integer":
            df[col] = df[col].astype("int64" if spec.required and df[col].notna().all() else "Int64")
        elif spec.type == "boolean":
            df[col] = df[col].astype(bool)
        elif spec.type == "date":
            df[col] = pd.to_datetime(df[col])
        elif spec.type == "string":
            df[col] = df[col].astype("string")
    return df


def validate(path: str | os.PathLike[str] | None = None, *, mapping: str | os.PathLike[str] | None = None) -> tuple[dict[str, Table], dict[str, list[Row]], list[Problem]]:
    """Read every table of a data folder; return schemas, rows and all problems (no raising
    for bad rows: ``sopkit check`` lists them all). *mapping* replaces ``mapping.csv``."""
    data_dir = Path(path) if path is not None else default_data_dir()
    tables = read_package(data_dir)
    missing = [n for n in Framework.table_names() if n not in tables]
    if missing:
        return tables, {}, [Problem("datapackage.json", None, None, "tables_undescribed", {"tables": ", ".join(missing)})]
    folders = {name: data_dir for name in tables}
    if mapping is not None:
        # An edited mapping from elsewhere: same schema, its own file name in messages.
        mapping_path = Path(mapping)
        tables = {**tables, "mapping": replace(tables["mapping"], path=mapping_path.name)}
        folders["mapping"] = mapping_path.parent
    rows: dict[str, list[Row]] = {}
    problems: list[Problem] = []
    for name, table in tables.items():
        rows[name], found = read_table(folders[name], table)
        problems += found
    if problems:
        # Cross-table checks on broken tables would mostly repeat the same faults.
        return tables, rows, problems
    problems += check_foreign_keys(tables, rows)
    problems += rules.check_items(rows)
    problems += rules.check_mapping(rows, rows["mapping"], file=tables["mapping"].path)
    problems += rules.check_rankings(rows)
    return tables, rows, problems


def load_framework(path: str | os.PathLike[str] | None = None, *, mapping: str | os.PathLike[str] | None = None) -> Framework:
    """Load and validate the framework data.

    Args:
        path: data folder holding ``datapackage.json`` and the CSV tables.
            Defaults to ``$SOPKIT_DATA`` if set, else the bundled ``data/``.
        mapping: optional CSV that replaces ``mapping.csv`` (for example an
            edited mapping downloaded from the workbook).

    Raises:
        DataError: the data is invalid; the error lists every problem found,
            each with file, row and column.
    """
    tables, rows, problems = validate(path, mapping=mapping)
    if problems:
        raise DataError(problems)
    data_dir = Path(path) if path is not None else default_data_dir()
    frames = {name: _frame(rows[name], tables[name]) for name in Framework.table_names()}
    return Framework(**frames, data_dir=data_dir, schemas=tables)
