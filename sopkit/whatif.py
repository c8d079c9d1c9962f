"""The what-if mapping: the project's mapping of ATU items onto the thematic priorities,
with a user's edits. A pure model (no widgets): the options page is a view over it.

    wi = WhatIf(fw, 4)            # edit the 4-priority mapping
    wi.move("D.1", "T1")          # an objective moves with its outcomes and outputs
    wi.framework                  # the framework with the edited mapping (validated)
    wi.to_csv_bytes()             # the edited mapping.csv, loadable with --mapping
    wi.token                      # the edits as a link's token (sopkit.proposal)
    wi.reset()

Edits are kept per variant: switching ``variant`` keeps the edits made on the other one,
and the mapping (and its download) holds both.
"""

from __future__ import annotations

import pandas as pd

from . import proposal
from .model import Framework
from .option import CROSS_CUTTING

EDIT_RATIONALE = "Edited in the workbook (what-if)."
EDIT_RATIONALE_ZH = "在工作簿中修改（假设分析）。"  # the same, in Chinese (the project's translation)


class WhatIf:
    """The bundled mapping of *fw* plus the user's moves, on *variant* (4 or 5) priorities."""

    def __init__(self, fw: Framework, variant: int | None = None):
        self.fw = fw
        self.base_mapping = fw.mapping
        self._edits: proposal.Placements = {}  # (variant, item) -> theme chosen by the user (None: left unmapped)
        self._edited_fw: Framework | None = None
        self._variant = fw.variants[0]
        self.variant = fw.variants[0] if variant is None else variant
        objectives = fw.objectives["id"].tolist()
        self._types = {**{o: "objective" for o in objectives}, **{i: "outcome" for i in fw.outcomes["id"]}, **{i: "output" for i in fw.outputs["id"]}}
        self._under = {
            o: fw.outcomes.loc[fw.outcomes["objective"] == o, "id"].tolist() + fw.outputs.loc[fw.outputs["objective"] == o, "id"].tolist()
            for o in objectives
        }

    # ---- what is edited -------------------------------------------------------------
    @property
    def variant(self) -> int:
        """The number of priorities (4 or 5) that ``move`` and ``theme_of`` work on."""
        return self._variant

    @variant.setter
    def variant(self, value: int) -> None:
        self.fw.variant_option(value)  # ValueError for a variant the data does not have
        self._variant = value

    @property
    def themes(self) -> list[str]:
        """Ids of the thematic priorities of the current variant, in order."""
        flag = self.fw.variant_option(self.variant).theme_flag
        return self.fw.themes[self.fw.themes[flag]].sort_values("order")["id"].tolist()

    @property
    def targets(self) -> list[str]:
        """Where ``move`` can put an item: the current variant's priorities, then ``X``
        (cross-cutting: serves every priority, given to none)."""
        return [*self.themes, CROSS_CUTTING]

    @property
    def edited(self) -> bool:
        """True once anything was moved (on either variant) and not reset."""
        return bool(self._edits)

    @property
    def edits(self) -> proposal.Placements:
        """(variant, item) -> theme of every placement that differs from the bundled mapping (None: unmapped)."""
        return dict(self._edits)

    def edit_count(self, variant: int | None = None) -> int:
        """Number of objectives, outcomes and outputs moved on *variant* (default: the current one)."""
        variant = self.variant if variant is None else variant
        return sum(1 for v, _ in self._edits if v == variant)

    def item_type(self, item: str) -> str:
        """``objective``, ``outcome`` or ``output``; ValueError for an unknown id."""
        try:
            return self._types[item]
        except KeyError:
            raise ValueError(f"{item!r} is not an ATU objective, outcome or output") from None

    # ---- the mapping ------------------------------------------------------------------
    @property
    def mapping(self) -> pd.DataFrame:
        """The bundled mapping with the edits applied (columns of ``mapping.csv``)."""
        if not self._edits:
            return self.base_mapping
        m = self.base_mapping
        drop = m.set_index(["variant", "item"]).index.isin(list(self._edits))
        added = pd.DataFrame(
            [
                {
                    "variant": v,
                    "item": item,
                    "item_type": self.item_type(item),
                    "theme": theme,
                    "rule": None,  # a hand edit follows no placement rule
                    "rationale_en": EDIT_RATIONALE,
                    "rationale_zh": EDIT_RATIONALE_ZH,
                    "seed_hint": None,
                    "derived": True,
                }
                for (v, item), theme in self._edits.items()
                if theme is not None
            ],
            columns=list(m.columns),
        )
        return pd.concat([m[~drop], added.astype({"variant": "int64"})], ignore_index=True)

    @property
    def framework(self) -> Framework:
        """The framework with the edited mapping, validated once per change."""
        if not self._edits:
            return self.fw
        if self._edited_fw is None:
            self._edited_fw = self.fw.with_mapping(self.mapping)
        return self._edited_fw

    def theme_of(self, item: str | None) -> str | None:
        """The priority *item* lands on under the current variant; None if unmapped or mapped twice."""
        if item is None:
            return None
        m = self.mapping
        themes = m.loc[(m["variant"] == self.variant) & (m["item"] == item), "theme"].tolist()
        return themes[0] if len(themes) == 1 else None

    # ---- changes ----------------------------------------------------------------------
    def move(self, item: str, theme: str) -> list[str]:
        """Put *item* on *theme* under the current variant; return the ids moved.

        *theme* is one of ``targets``: a priority of the variant or ``X`` (cross-cutting).
        Moving an objective moves its outcomes and outputs with it. Moving an item to
        the priority it is already on changes nothing (returns ``[]``). ValueError for
        an unknown item or a priority outside the current variant.
        """
        kind = self.item_type(item)
        if theme not in self.targets:
            raise ValueError(f"{theme!r} is not one of the {self.variant} thematic priorities nor {CROSS_CUTTING} (cross-cutting)")
        if theme == self.theme_of(item):
            return []
        moved = [item] + (self._under[item] if kind == "objective" else [])
        bundled = proposal.placements_of(self.base_mapping)
        for it in moved:
            if bundled.get((self.variant, it)) == theme:
                self._edits.pop((self.variant, it), None)  # back where the bundled mapping has it: no edit
            else:
                self._edits[(self.variant, it)] = theme
        self._edited_fw = None
        return moved

    def apply(self, placements: proposal.Placements) -> None:
        """Replace every edit by *placements* ((variant, item) -> theme, None: unmapped), as read
        from a link (``proposal.decode``) or an uploaded mapping. Placements equal to the bundled
        mapping are no edits. The result is validated (DataError for an impossible mapping)."""
        edits = proposal.edits_from(self.fw, placements)
        for _, item in edits:
            self.item_type(item)  # ValueError for an unknown id
        previous = self._edits
        self._edits, self._edited_fw = edits, None
        try:
            self.framework  # noqa: B018 - validates now: a bad mapping is refused, the edits before it kept
        except Exception:
            self._edits, self._edited_fw = previous, None
            raise

    @property
    def token(self) -> str:
        """The edits as a link's token (``sopkit.proposal``); empty without edits."""
        return proposal.encode(self.fw, self.mapping).token if self._edits else ""

    def reset(self) -> None:
        """Drop every edit, on both variants: back to the project's proposal."""
        self._edits.clear()
        self._edited_fw = None

    def to_csv_bytes(self) -> bytes:
        """The mapping as ``mapping.csv`` (UTF-8 with BOM, so Excel reads the text right)."""
        return self.mapping.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
