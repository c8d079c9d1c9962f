"""The validated framework model: every table of the report as a pandas DataFrame."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import pandas as pd

from . import paths, rules
from .errors import DataError, Problem
from .io import Row, check_foreign_keys, parse_table, read_table
from .option import Option, options_from_rows
from .schema import Table, read_package

# The data shipped with sopkit: the checkout's data/ (source tree, editable install),
# else the copy bundled in the wheel. See sopkit.paths.
BUNDLED_DATA = paths.shipped_data_dir()


def default_data_dir() -> Path:
    """``$SOPKIT_DATA`` if set, else the data shipped with sopkit (``sopkit.paths.data_dir``)."""
    return paths.data_dir()


@dataclass(frozen=True)
class Framework:
    """Everything the report holds, validated, one DataFrame per table.

    Column meanings are documented in ``data/datapackage.json``. Tables whose
    description starts with DERIVED (``mapping``, ``mapping_rules``, ``ranking_landing``) and every
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
    mapping_rules: pd.DataFrame
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
    report: pd.DataFrame
    decisions: pd.DataFrame
    consultations: pd.DataFrame
    findings: pd.DataFrame
    sources: pd.DataFrame  # public ITU documents the project cites by id (en_ref), not the report's
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

    # ---- the options (options.csv as records) ---------------------------------------
    @property
    def option_records(self) -> tuple[Option, ...]:
        """Every framework option, in the order of ``options.csv``."""
        if ("options",) not in self.cache:
            self.cache[("options",)] = options_from_rows(self.options.to_dict("records"))
        return self.cache[("options",)]

    @property
    def option_ids(self) -> tuple[str, ...]:
        """Ids of the options in order: ``("themes-4", "themes-5", "atu-7")`` for the report."""
        return tuple(o.id for o in self.option_records)

    def option(self, option_id: str) -> Option:
        """The option with this id; ValueError for an unknown one."""
        for o in self.option_records:
            if o.id == option_id:
                return o
        raise ValueError(f"option must be one of {', '.join(self.option_ids)}, not {option_id!r}")

    @property
    def variants(self) -> tuple[int, ...]:
        """The thematic variants (numbers of priorities) of option 1, in order: ``(4, 5)``."""
        return tuple(o.variant for o in self.option_records if o.variant is not None)

    @property
    def objectives_option(self) -> Option:
        """The option whose top level is the ATU objectives (the report's own placement)."""
        return next(o for o in self.option_records if o.kind == "objectives")

    def variant_option(self, variant: int) -> Option:
        """The thematic option with *variant* priorities; ValueError for any other number."""
        for o in self.option_records:
            if o.variant is not None and o.variant == variant and not isinstance(variant, bool):
                return o
        raise ValueError(f"variant must be {' or '.join(map(str, self.variants))}, not {variant!r}")

    # ---- edited mappings -------------------------------------------------------------
    def with_mapping(self, mapping: pd.DataFrame | bytes, *, name: str = "mapping.csv") -> Framework:
        """A copy of the framework that uses *mapping* in place of ``mapping.csv``.

        *mapping* is a DataFrame with the columns of ``mapping.csv`` or the bytes of
        such a CSV file (an upload: a UTF-8 BOM and CRLF line ends are accepted). It
        goes through every check ``mapping.csv`` goes through (schema, themes that
        exist, items that exist, themes of the right variant); problems name the file
        *name* and count rows as a spreadsheet does. Raises DataError when anything is
        wrong. The other tables are shared, not re-read.
        """
        table = replace(self.schemas["mapping"], path=name)
        if isinstance(mapping, pd.DataFrame):
            content = mapping.to_csv(index=False, lineterminator="\n").encode("utf-8")
        else:
            content = bytes(mapping)
        rows, problems = parse_table(content, table, name)
        if not problems:
            problems = check_foreign_keys(
                {"mapping": table, "mapping_rules": self.schemas["mapping_rules"]},
                {"mapping": rows, "mapping_rules": self.mapping_rules.to_dict("records")},
            )
            problems += rules.check_mapping(self._rows_for_rules(), rows, file=name)
        if problems:
            raise DataError(problems)
        kwargs = {table_name: getattr(self, table_name) for table_name in self.table_names()}
        kwargs["mapping"] = _frame(rows, self.schemas["mapping"])
        # Tables that do not depend on the mapping stay valid: share them.
        kwargs["cache"] = {k: v for k, v in self.cache.items() if k[0] in ("items", "options")}
        return Framework(**kwargs, data_dir=self.data_dir, schemas=self.schemas)

    def _rows_for_rules(self) -> dict[str, list[Row]]:
        return {
            "objectives": self.objectives.to_dict("records"),
            "outcomes": self.outcomes.to_dict("records"),
            "outputs": self.outputs.to_dict("records"),
            "themes": self.themes.to_dict("records"),
            "options": self.options.to_dict("records"),
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


def validate(
    path: str | os.PathLike[str] | None = None, *, mapping: str | os.PathLike[str] | None = None
) -> tuple[dict[str, Table], dict[str, list[Row]], list[Problem]]:
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
    problems += rules.check_themes(rows)
    problems += rules.check_meetings(rows)
    problems += rules.check_mapping(rows, rows["mapping"], file=tables["mapping"].path)
    problems += rules.check_rankings(rows)
    return tables, rows, problems


_preloaded: tuple[tuple, Framework] | None = None  # (what it was loaded from, the framework)


def _bundled_state() -> tuple:
    """The default data folder and its files' names, sizes and times: a preloaded framework is
    only handed out while they are what it was loaded from."""
    folder = default_data_dir()
    return (str(folder), paths.fingerprint(folder, read=False))


def preload_framework(fw: Framework) -> None:
    """Keep *fw* (loaded from the default data) for the next ``load_framework()`` call without
    arguments, which takes it (once). The kernel template (``sopkit/kernel_template.py``) loads
    the data before forking its kernels, so each kernel's first page shares it."""
    global _preloaded
    _preloaded = (_bundled_state(), fw)


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
    global _preloaded
    if path is None and mapping is None and _preloaded is not None:
        state, fw = _preloaded
        _preloaded = None
        with contextlib.suppress(OSError):
            if state == _bundled_state():
                return fw
    tables, rows, problems = validate(path, mapping=mapping)
    if problems:
        raise DataError(problems)
    data_dir = Path(path) if path is not None else default_data_dir()
    frames = {name: _frame(rows[name], tables[name]) for name in Framework.table_names()}
    return Framework(**frames, data_dir=data_dir, schemas=tables)
