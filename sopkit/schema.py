"""Table schemas, read from the Frictionless ``datapackage.json`` beside the data."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import DataError, Problem


@dataclass(frozen=True)
class Field:
    name: str
    type: str = "string"
    required: bool = False
    enum: tuple[Any, ...] | None = None
    pattern: re.Pattern[str] | None = None
    minimum: int | None = None
    true_values: tuple[str, ...] = ("true",)
    false_values: tuple[str, ...] = ("false",)
    verbatim: bool = False
    description: str = ""
    # ``sopkit:optional-column``: a file may lack the column altogether (cells then empty),
    # e.g. ``rule`` in mappings downloaded before the column existed.
    optional_column: bool = False


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    name: str
    path: str
    description: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = field(default=())

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def derived(self) -> bool:
        """True for the project's own tables (they carry a ``derived`` column)."""
        return "derived" in self.field_names


def _field(spec: dict[str, Any]) -> Field:
    c = spec.get("constraints", {})
    enum = c.get("enum")
    return Field(
        name=spec["name"],
        type=spec.get("type", "string"),
        required=bool(c.get("required", False)),
        enum=tuple(enum) if enum is not None else None,
        pattern=re.compile(c["pattern"]) if "pattern" in c else None,
        minimum=c.get("minimum"),
        true_values=tuple(spec.get("trueValues", ["true"])),
        false_values=tuple(spec.get("falseValues", ["false"])),
        verbatim=bool(spec.get("sopkit:verbatim", False)),
        optional_column=bool(spec.get("sopkit:optional-column", False)),
        description=spec.get("description", ""),
    )


def _as_tuple(value: str | list[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def read_package(data_dir: Path) -> dict[str, Table]:
    """Read ``datapackage.json`` in *data_dir* into table schemas, keyed by resource name."""
    path = data_dir / "datapackage.json"
    try:
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        tables: dict[str, Table] = {}
        for res in descriptor["resources"]:
            schema = res["schema"]
            fks = tuple(
                ForeignKey(
                    fields=_as_tuple(fk["fields"]),
                    # Frictionless writes a self-reference as resource "".
                    resource=fk["reference"]["resource"] or res["name"],
                    reference=_as_tuple(fk["reference"]["fields"]),
                )
                for fk in schema.get("foreignKeys", [])
            )
            tables[res["name"]] = Table(
                name=res["name"],
                path=res["path"],
                description=res.get("description", ""),
                fields=tuple(_field(f) for f in schema["fields"]),
                primary_key=_as_tuple(schema.get("primaryKey", [])),
                foreign_keys=fks,
            )
    except FileNotFoundError:
        raise DataError([Problem(path.name, None, None, "package_missing", {"folder": str(data_dir)})]) from None
    except OSError as exc:
        # A folder that is not one, or cannot be read: said without the server's paths.
        raise DataError([Problem(path.name, None, None, "package_unreadable", {"reason": exc.strerror or type(exc).__name__})]) from None
    except (ValueError, KeyError, TypeError, re.error) as exc:
        # JSON syntax errors, missing keys: the descriptor itself is broken.
        raise DataError([Problem(path.name, None, None, "package_unreadable", {"reason": str(exc)})]) from None
    return tables
