"""Whose mapping a page shows, in its texts and chart titles (no widgets)."""

from __future__ import annotations

from ..figures import Figure
from ..i18n import t
from ..model import Framework

# Whose mapping a page shows: the project's proposal (the bundled one), one the visitor edited or
# uploaded, or one that came in a link (someone's proposal). Messages have a twin per owner:
# derived.caption, derived.caption_user, derived.caption_linked.
Whose = str  # "project", "user" or "linked"
SUFFIX = {"project": "", "user": "_user", "linked": "_linked"}


def is_bundled_mapping(fw: Framework, bundled: Framework) -> bool:
    """Is *fw*'s mapping the project's proposal (the one of *bundled*), not one the user edited or uploaded?"""
    return fw is bundled or fw.mapping.equals(bundled.mapping)


def mapping_text(key: str, lang: str, *, whose: Whose, **fields: object) -> str:
    """The message *key* for the project's proposal, or its twin for the user's or a linked mapping."""
    return t(key + SUFFIX[whose], lang, **fields)


def mapping_figure(figure: Figure, lang: str, *, whose: Whose) -> Figure:
    """A figure built on a mapping, its title saying whose mapping it is."""
    if whose == "project":
        return figure
    heading = figure.layout.setdefault("title", {})  # plotly's title: {"text": ..., "font": ...}
    title = heading.get("text") or ""
    for key in ("derived.short", "derived.partly"):
        ours = t(key, lang)
        if ours in title:
            heading["text"] = title.replace(ours, t(key + SUFFIX[whose], lang))
            return figure
    heading["text"] = f"{title} — {t('derived.short' + SUFFIX[whose], lang)}"
    return figure
