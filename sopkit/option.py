"""The high-level framework options put to TDAG, as records read from ``options.csv``.

Option 1 comes in two variants, the 4 or 5 thematic priorities of TDAG-WG-RDTP
(``themes-4``, ``themes-5``); option 2 is the 7 sector objectives proposed by the ATU
(``atu-7``). Everything the code needs to know about an option is read from its row:
which table holds its top-level items, how many there are, and for the thematic options
the variant (4 or 5) that selects the themes (``themes.csv`` column ``in_<variant>``)
and the rows of ``mapping.csv``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["themes", "objectives"]

# The project's cross-cutting placement in mapping.csv: the item serves every thematic
# priority and is given to none (docs/mapping.md). Not a row of themes.csv.
CROSS_CUTTING = "X"
# Its names, as a theme's (name_en, name_zh): the project's, like the placement itself.
CROSS_CUTTING_NAMES = {"en": "Cross-cutting (project's placement)", "zh": "跨领域（本项目的归类）"}


@dataclass(frozen=True)
class Option:
    """One framework option (one row of ``options.csv``)."""

    id: str  # "themes-4", "themes-5", "atu-7"
    number: int  # the option's number in the report (1 or 2)
    size: int  # number of top-level items
    kind: Kind  # table of the top-level items: "themes" or "objectives"
    name_en: str
    name_zh: str
    text_en: str
    text_zh: str

    @property
    def variant(self) -> int | None:
        """4 or 5 for the thematic options (the number of themes), None for the ATU objectives."""
        return self.size if self.kind == "themes" else None

    @property
    def theme_flag(self) -> str | None:
        """Column of ``themes.csv`` that says whether a theme belongs to this option."""
        return f"in_{self.variant}" if self.variant is not None else None

    @property
    def derived(self) -> bool:
        """True when the option's placement of outcomes and outputs is the project's mapping
        (the thematic options: Annex 2 is lost), False when it is the report's own."""
        return self.kind == "themes"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Option:
        """An option from a row of ``options.csv`` (a validated row dict or a DataFrame row)."""
        return cls(
            id=str(row["id"]),
            number=int(row["option_number"]),
            size=int(row["size"]),
            kind=row["top_level"],
            name_en=str(row["name_en"]),
            name_zh=str(row["name_zh"]),
            text_en=str(row["text_en"]),
            text_zh=str(row["text_zh"]),
        )


def options_from_rows(rows: Iterable[Mapping[str, Any]]) -> tuple[Option, ...]:
    """Options in the order of the table."""
    return tuple(Option.from_row(r) for r in rows)
