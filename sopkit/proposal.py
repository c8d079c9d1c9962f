"""A proposal (a what-if mapping) as a short token for a link, both ways, without widgets.

A token holds a mapping's *placements* (which priority each ATU objective, outcome and output
lands on, per variant) as the differences from the bundled mapping, so that a link carries a
delegate's proposal to a colleague. Rules and rationales are not carried: an edit is an edit.

Format (version 1), every character safe in a URL query::

    1 ffff ccc ~4s T2D.1-a _XD.2-b _-D.3-c   ~5d 12304...
    | |    |   |   sparse: <theme id><item id>, "_" between; "-" = left unmapped
    | |    |   a variant's section: "~<variant>" then "s" (sparse) or "d" (dense)
    | |    check value of everything after it (damage in transit)
    | fingerprint of the data the token was made on: items and priorities (a stale link)
    version

A dense section gives every item of the variant, in the data's order, one character each: the
priority's position (``1``-``9``), ``0`` for cross-cutting, ``-`` for unmapped. Each variant
uses whichever form is shorter: 3 moves take ~35 characters, a mapping that moves everything
~150. Reading is untrusted: :func:`decode` never raises, keeps what it can, and says item by
item what it refused and why.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from .model import Framework
from .option import CROSS_CUTTING

VERSION = "1"
MAX_TOKEN_CHARS = 2_000  # longer is no token of ours: refused unread (a whole mapping is ~150)
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32, lower case
_UNMAPPED = "-"
_SECTION = re.compile(r"~(\d)([sd])([^~]*)")
_ENTRY = re.compile(r"^(T\d+|X|-)(D[.\-][1-7].*)$")

Placements = dict[tuple[int, str], str | None]  # (variant, item) -> theme id, X, or None (unmapped)


def _b32(digest: bytes, chars: int) -> str:
    n = int.from_bytes(digest[:8], "big")
    return "".join(_ALPHABET[(n >> (5 * i)) & 31] for i in range(chars))


def _check(body: str) -> str:
    return _b32(hashlib.sha256(body.encode("utf-8")).digest(), 3)


def item_order(fw: Framework) -> list[str]:
    """Every objective, outcome and output id, in the data's order (what a dense section follows)."""
    return [*fw.objectives["id"], *fw.outcomes["id"], *fw.outputs["id"]]


def _targets(fw: Framework, variant: int) -> list[str]:
    flag = fw.variant_option(variant).theme_flag
    return fw.themes[fw.themes[flag]].sort_values("order")["id"].tolist()


def fingerprint(fw: Framework) -> str:
    """Four characters that change when the items or the priorities of the data change."""
    parts = [",".join(item_order(fw))] + [f"{v}:{','.join(_targets(fw, v))}" for v in fw.variants]
    return _b32(hashlib.sha256("|".join(parts).encode("utf-8")).digest(), 4)


def placements_of(mapping: pd.DataFrame) -> Placements:
    """(variant, item) -> theme of a mapping table (columns of ``mapping.csv``)."""
    return {(int(v), str(i)): str(t) for v, i, t in zip(mapping["variant"], mapping["item"], mapping["theme"])}


@dataclass(frozen=True)
class Encoded:
    """A token and what the mapping held that a token cannot carry."""

    token: str  # "" when the mapping places everything as the bundled one does
    moved: dict[int, int]  # variant -> number of placements that differ from the bundled mapping
    not_carried: tuple[str, ...] = ()  # what the link leaves out: "rules", "rationales", "unknown items"

    @property
    def fits(self) -> bool:
        return not self.not_carried


def encode(base: Framework, mapping: pd.DataFrame) -> Encoded:
    """The token of *mapping* against the bundled mapping of *base* (same data)."""
    bundled, mine = placements_of(base.mapping), placements_of(mapping)
    order, known = item_order(base), set(item_order(base))
    sections, moved = [], {}
    for v in base.variants:
        changed = [i for i in order if bundled.get((v, i)) != mine.get((v, i))]
        moved[v] = len(changed)
        if not changed:
            continue
        sparse = "_".join(f"{mine.get((v, i)) or _UNMAPPED}{i}" for i in changed)
        targets = _targets(base, v)
        codes = {t: str(n) for n, t in enumerate(targets, 1)} | {CROSS_CUTTING: "0"}
        dense = "".join(codes.get(mine.get((v, i)) or "", _UNMAPPED) for i in order)
        sections.append(f"~{v}s{sparse}" if len(sparse) <= len(dense) else f"~{v}d{dense}")
    left: list[str] = []
    if any(i not in known for _, i in mine):
        left.append("unknown items")
    if "rule" in mapping and _differs(mapping, base.mapping, "rule"):
        left.append("rules")
    if "rationale_en" in mapping and _differs(mapping, base.mapping, "rationale_en"):
        left.append("rationales")
    if not sections:
        return Encoded("", moved, tuple(left))
    body = fingerprint(base) + "".join(sections)
    return Encoded(VERSION + body[:4] + _check(body) + body[4:], moved, tuple(left))


def _differs(mine: pd.DataFrame, bundled: pd.DataFrame, column: str) -> bool:
    """Does *mine* give some placement that the bundled mapping also has a *column* other than it?
    (Placements that moved carry edits of their own; only same-place rows are compared.)"""
    key = ["variant", "item", "theme"]
    both = mine[[*key, column]].merge(bundled[[*key, column]], on=key, suffixes=("", "_b"))
    a, b = both[column].fillna("").astype(str), both[f"{column}_b"].fillna("").astype(str)
    return bool((a != b).any())


@dataclass
class Decoded:
    """What a token asked for: the *placements* that can be applied, and what was refused."""

    placements: Placements = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # item ids (or "~<variant>" for a whole section)
    problem: str = ""  # "", "damaged", "stale", "version", "unreadable": the notice to give
    stale: bool = False

    @property
    def ok(self) -> bool:
        return not self.problem and not self.refused


def decode(token: str, base: Framework) -> Decoded:
    """The placements *token* asks for, checked against the data of *base*. Never raises.

    A damaged token (check value wrong) or another version is refused whole. A token made on
    other data (fingerprint differs) is read entry by entry: items that no longer exist or
    priorities outside the variant are refused, the rest applied; a dense section of other
    data cannot be read and is refused whole. Placements equal to the bundled one are kept
    (they change nothing)."""
    out = Decoded()
    if not token:
        return out
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        out.problem = "unreadable"
        return out
    if token[0] != VERSION:
        out.problem = "version"
        return out
    if len(token) < 8:
        out.problem = "damaged"
        return out
    head, check, rest = token[1:5], token[5:8], token[8:]
    if _check(head + rest) != check:
        out.problem = "damaged"
        return out
    out.stale = head != fingerprint(base)
    sections = list(_SECTION.finditer(rest))
    if "".join(m.group(0) for m in sections) != rest or not sections:
        out.problem = "unreadable"
        return out
    order, seen_variants = item_order(base), set()
    for m in sections:
        v, form, text = int(m.group(1)), m.group(2), m.group(3)
        if v not in base.variants or v in seen_variants:
            out.refused.append(f"~{v}")
            continue
        seen_variants.add(v)
        targets = _targets(base, v)
        if form == "d":
            if out.stale or len(text) != len(order):
                out.refused.append(f"~{v}")
                continue
            by_code = {str(n): t for n, t in enumerate(targets, 1)} | {"0": CROSS_CUTTING, _UNMAPPED: None}
            for item, code in zip(order, text):
                if code in by_code:
                    out.placements[(v, item)] = by_code[code]
                else:
                    out.refused.append(item)
            continue
        known = set(order)
        for entry in filter(None, text.split("_")):
            parsed = _ENTRY.match(entry)
            if not parsed:
                out.refused.append(entry[:24])
                continue
            theme, item = parsed.groups()
            if item not in known or (theme not in targets and theme not in (CROSS_CUTTING, _UNMAPPED)) or (v, item) in out.placements:
                out.refused.append(item[:24])
                continue
            out.placements[(v, item)] = None if theme == _UNMAPPED else theme
    if out.stale and not out.problem:
        out.problem = "stale"
    return out


def edits_from(base: Framework, placements: Mapping[tuple[int, str], str | None]) -> Placements:
    """The placements that differ from the bundled mapping of *base*."""
    bundled = placements_of(base.mapping)
    return {key: theme for key, theme in placements.items() if bundled.get(key) != theme}
