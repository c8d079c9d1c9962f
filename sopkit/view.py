"""A page's view as a URL query, both ways, without widgets: what a shared link reopens.

Each page declares its view once, as a list of :class:`ViewField` (query key, kind, the values
allowed, the default). :func:`parse_query` turns an untrusted query string into values, keeping
what is valid and naming what it ignored; :func:`format_query` turns values back into the query
the address bar shows. Defaults are left out of the query so that links stay short, except the
language, which every link carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode

from .limits import MAX_QUERY_CHARS

Kind = Literal["choice", "flag", "text"]

MAX_VIEW_QUERY_CHARS = 16_000  # a longer query is not read at all (a view needs a few hundred)
MAX_VIEW_PARAMS = 20  # more parameters than any page has: the rest are ignored
MAX_SHOWN_KEY_CHARS = 24  # an ignored key is named in the notice, cut to this length

FLAG_TRUE, FLAG_FALSE = "1", "0"


def value_text(value: Any) -> str:
    """How a value is written in a query: ``5``, ``0.25``, ``themes-5``, ``1``/``0`` for flags."""
    if isinstance(value, bool):
        return FLAG_TRUE if value else FLAG_FALSE
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass(frozen=True)
class ViewField:
    """One part of a page's view: its query *key*, its *kind* (a choice among *choices*, an
    on/off *flag*, or free *text* of at most *max_chars*), and its *default* (left out of links
    unless *always*)."""

    key: str
    kind: Kind
    default: Any
    choices: tuple[Any, ...] = ()
    max_chars: int = MAX_QUERY_CHARS
    always: bool = False

    def read(self, text: str) -> tuple[bool, Any]:
        """(True, value) for a valid query value, (False, None) otherwise."""
        if self.kind == "flag":
            if text in (FLAG_TRUE, FLAG_FALSE):
                return True, text == FLAG_TRUE
            return False, None
        if self.kind == "text":
            if len(text) > self.max_chars or any(ord(c) < 32 or ord(c) == 127 for c in text):
                return False, None
            return True, text
        for choice in self.choices:
            if value_text(choice) == text:
                return True, choice
        return False, None


@dataclass
class ParsedView:
    """What a query asked for: the valid *values* (by key) and the *ignored* keys (unknown,
    repeated, invalid, too long), in the order met."""

    values: dict[str, Any] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)

    def ignore(self, key: str) -> None:
        shown = key[:MAX_SHOWN_KEY_CHARS] + ("…" if len(key) > MAX_SHOWN_KEY_CHARS else "")
        if shown not in self.ignored:
            self.ignored.append(shown)


def parse_query(query: str, fields: Sequence[ViewField]) -> ParsedView:
    """The view asked for by *query* (``a=1&b=2``, with or without the leading ``?``).

    Untrusted input: a query longer than ``MAX_VIEW_QUERY_CHARS`` is ignored whole (reported as
    the key ``…``); an unknown key, a value not allowed for its field, a key given twice and every
    parameter beyond ``MAX_VIEW_PARAMS`` are ignored and reported. Never raises.
    """
    parsed = ParsedView()
    query = query[1:] if query.startswith("?") else query
    if not query:
        return parsed
    if len(query) > MAX_VIEW_QUERY_CHARS:
        parsed.ignore("…")
        return parsed
    by_key = {f.key: f for f in fields}
    seen: set[str] = set()
    pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
    for i, (key, text) in enumerate(pairs):
        if i >= MAX_VIEW_PARAMS:
            parsed.ignore("…")
            break
        spec = by_key.get(key)
        if spec is None or key in seen:
            parsed.ignore(key)  # a repeated key keeps its first value
            continue
        seen.add(key)
        ok, value = spec.read(text)
        if ok:
            parsed.values[key] = value
        else:
            parsed.ignore(key)
    return parsed


def format_query(values: Mapping[str, Any], fields: Iterable[ViewField]) -> str:
    """The query for *values* (by key), in the fields' order; defaults are left out unless the
    field is ``always`` shown. Spaces are written ``%20``, so the text reads the same everywhere."""
    pairs = []
    for spec in fields:
        if spec.key not in values:
            continue
        value = values[spec.key]
        if value == spec.default and not spec.always:
            continue
        pairs.append((spec.key, value_text(value)))
    return urlencode(pairs, quote_via=quote)
