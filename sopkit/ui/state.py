"""A page's state apart from its widgets, and the widgets bound to it.

Each page declares its state once, as traits of a :class:`PageState` subclass: what its view
is (``VIEW``: the parts a link carries, in order) and what else the visitor chose. The page's
callbacks observe the state, never the widgets; widgets only show it (:class:`Binding`). So a
link, a reload, the brief and a test set the state, and everything follows as if the visitor
had clicked; relabelling a widget (new option texts in another language) changes no state.

    class RankingsState(PageState):
        VIEW = (("lang", "lang"), ("survey", "survey"), ("method", "method"))
        survey = Unicode()
        method = Unicode("borda")
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import ipywidgets as w
import traitlets
from traitlets import HasTraits, Unicode

from ..i18n import LANGUAGES
from ..view import MAX_QUERY_CHARS, ViewField, format_query, parse_query


class PageState(HasTraits):
    """The state of a page: its language and, in subclasses, the rest of its view and choices.

    ``VIEW``: (query key, trait name) pairs, the view a link carries, in order (the language
    first, always in a link). *choices*: the values a trait may take from a link, by trait name;
    a ``Bool`` trait is an on/off flag, a ``Unicode`` trait without choices is text of at most
    its ``max_chars`` metadata (``MAX_QUERY_CHARS``). The defaults a link leaves out are the
    values when the page has opened (``settle``).
    """

    VIEW: tuple[tuple[str, str], ...] = (("lang", "lang"),)
    lang = Unicode("en")

    def __init__(self, choices: Mapping[str, Sequence[Any]] | None = None, **values: Any) -> None:
        self.choices: dict[str, tuple[Any, ...]] = {"lang": tuple(LANGUAGES), **{k: tuple(v) for k, v in (choices or {}).items()}}
        super().__init__(**values)
        self.defaults: dict[str, Any] = {}
        self.settle()

    def settle(self) -> None:
        """Take the current view as the default that links leave out."""
        self.defaults = self.view_values()

    @property
    def view_names(self) -> list[str]:
        return [name for _, name in self.VIEW]

    def view_fields(self) -> list[ViewField]:
        """The view as fields for ``sopkit.view``."""
        fields = []
        for key, name in self.VIEW:
            trait, default = self.traits()[name], self.defaults.get(key)
            if name in self.choices:
                fields.append(ViewField(key, "choice", default, choices=self.choices[name], always=key == "lang"))
            elif isinstance(trait, traitlets.Bool):
                fields.append(ViewField(key, "flag", default))
            else:
                fields.append(ViewField(key, "text", default, max_chars=trait.metadata.get("max_chars", MAX_QUERY_CHARS)))
        return fields

    def view_values(self) -> dict[str, Any]:
        """The current view: query key -> value."""
        return {key: getattr(self, name) for key, name in self.VIEW}

    def view_query(self) -> str:
        """The current view as a query string (what a link to this view carries)."""
        return format_query(self.view_values(), self.view_fields())

    def apply_query(self, query: str) -> list[str]:
        """Set the view *query* asks for (untrusted: from a link), part by part in ``VIEW``'s order,
        as if the visitor had chosen each; returns the keys ignored (unknown, invalid, repeated)."""
        parsed = parse_query(query, self.view_fields())
        for key, name in self.VIEW:
            if key in parsed.values:
                setattr(self, name, parsed.values[key])
        return parsed.ignored


class Binding:
    """Widgets that show traits of a state: a widget's value follows its trait, and a visitor's
    change of the widget sets the trait. The one place that knows ipywidgets' quirk of selecting
    the first option whenever a selection widget's options change (``set_options``)."""

    def __init__(self, state: HasTraits) -> None:
        self.state = state
        self._names: dict[int, str] = {}
        self._relabelling: set[int] = set()  # widgets whose options are being replaced right now

    def bind(self, widget: w.Widget, name: str) -> w.Widget:
        """Bind *widget*'s value to the trait *name* (the widget takes the trait's value now)."""
        self._names[id(widget)] = name
        self._show(widget, getattr(self.state, name))
        widget.observe(lambda change: self._chosen(widget, change["new"]), "value")
        self.state.observe(lambda change: self._show(widget, change["new"]), name)
        return widget

    def _chosen(self, widget: w.Widget, value: Any) -> None:
        if id(widget) not in self._relabelling:
            setattr(self.state, self._names[id(widget)], value)

    @staticmethod
    def _show(widget: w.Widget, value: Any) -> None:
        if widget.value != value and (not hasattr(widget, "options") or value in _values(widget.options)):
            widget.value = value

    def set_options(self, widget: w.Widget, options: Iterable[tuple[str, Any]]) -> None:
        """New (label, value) options for a bound selection widget, its value kept from the state.
        The browser gets the labels and the kept selection in one message; the state never sees
        the first option ipywidgets selects in between. A value no longer offered gives way to
        the first option (and the state follows)."""
        options = list(options)
        name, values = self._names[id(widget)], _values(options)
        kept = getattr(self.state, name)
        self._relabelling.add(id(widget))
        try:
            with widget.hold_sync():
                widget.options = options
                if kept in values:
                    widget.value = kept
        finally:
            self._relabelling.discard(id(widget))
        if kept not in values and values:
            setattr(self.state, name, widget.value)


def _values(options: Iterable[Any]) -> list[Any]:
    return [o[1] if isinstance(o, tuple) else o for o in options]
