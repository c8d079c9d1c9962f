"""Two proposals side by side, on the options and the coverage page: the mapping a page uses
against another one (the project's proposal, a pasted link or token, an uploaded mapping file).
What moved, the items per priority and the balance of both, and one Sankey of the moves."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import ipywidgets as w
import pandas as pd

from .. import analysis, figures
from ..errors import DataError, Problem, size_text
from ..limits import MAX_UPLOAD_BYTES
from ..model import Framework
from ..proposal import MAX_TOKEN_CHARS, encode
from ..view import ViewField
from ..whatif import WhatIf
from .common import Notices, uploaded_file

if TYPE_CHECKING:
    from .common import Page

SOURCES = ("none", "bundled", "link", "file")
PROJECT = "project"  # the view's value for "compare with the project's proposal"


def token_in(text: str) -> str:
    """The mapping token in a pasted link (its ``mapping`` parameter) or the token itself; "" if none."""
    text = text.strip()[: 4 * MAX_TOKEN_CHARS]
    if "?" in text or text.startswith("http"):
        return dict(parse_qsl(urlsplit(text).query)).get("mapping", "")
    return text


class CompareProposals:
    """The comparison section of *page*: *current* gives the page's framework (its mapping in
    use), *variant* the number of priorities shown, *filters* the page's filters."""

    def __init__(self, page: Page, *, current: Callable[[], Framework], variant: Callable[[], int], filters: Callable[[], dict[str, bool]]):
        self.page, self.current, self.variant, self.filters = page, current, variant, filters
        self.other: Framework | None = None  # the mapping compared with
        self.other_name = ""  # what the other side is called (a file's name)
        self.other_token = ""  # the other side as a token (what a link carries)
        self.comparison: analysis.MappingComparison | None = None
        self.heading, self.help = w.HTML(), w.HTML()
        self.source = w.Dropdown(options=[(s, s) for s in SOURCES], value="none", style={"description_width": "initial"})
        self.source.add_class("sop-compare-with")
        self.paste = w.Text(continuous_update=False, layout=w.Layout(width="420px", max_width="100%", display="none"))
        self.paste.add_class("sop-compare-link")
        self.upload = w.FileUpload(accept=".csv,text/csv", multiple=False, layout=w.Layout(width="auto", display="none"))
        self.upload.add_class("sop-compare-upload")
        self.note = page.upload_message("compare")
        self.summary = w.HTML()
        self.summary.add_class("sop-compare-summary")
        self.moves = page.chart("moves")
        self.tables = w.HTML()
        self.tables.add_class("sop-compare-tables")
        self.source.observe(page.guard(self.on_source), "value")
        self.paste.observe(page.guard(self.on_paste), "value")
        self.upload.observe(page.guard(self.on_upload), "value")
        page.on_too_large(self.upload, self.note, ".sop-compare-message")
        controls = w.HBox([self.source, self.paste, self.upload], layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = w.VBox([self.heading, self.help, controls, self.note, self.summary, self.moves.widget, self.tables])
        self.widget.add_class("sop-compare-proposals")

    # ---- the view: what is compared travels in the link -----------------------------
    def view_state(self) -> tuple[ViewField, Callable[[], str], Callable[[str], Notices]]:
        return ViewField("compare", "text", "", max_chars=MAX_TOKEN_CHARS), self.view_value, self.apply_view

    def view_value(self) -> str:
        if self.other is None:
            return ""
        return self.other_token or PROJECT

    def apply_view(self, value: str) -> Notices:
        if value == PROJECT:
            with self.page.quiet():
                self.source.value = "bundled"
            self.set_other(self.page.fw, "")
            return []
        with self.page.quiet():
            self.source.value, self.paste.value = "link", value
        return self.use_token(value)

    # ---- labels ----------------------------------------------------------------------
    def relabel(self) -> None:
        t = self.page.t
        self.heading.value = f"<h2>{t('compare.heading')}</h2>"
        self.help.value = f"<p>{t('compare.help')}</p>"
        self.source.description = t("compare.with")
        self.page.set_options(self.source, [(t(f"compare.{s}"), s) for s in SOURCES])
        self.paste.description = t("compare.paste")
        self.paste.placeholder = t("compare.paste_placeholder")
        self.upload.description = t("compare.upload")

    # ---- callbacks -------------------------------------------------------------------
    def on_source(self, change: dict) -> None:
        source = change["new"]
        self.paste.layout.display = "" if source == "link" else "none"
        self.upload.layout.display = "" if source == "file" else "none"
        self.page.say_at(self.note, "")
        if source == "bundled":
            self.set_other(self.page.fw, "")
        elif source == "link" and self.paste.value:
            self.page.say_both(self.use_token(token_in(self.paste.value)) or [])
        else:
            self.set_other(None, "")

    def on_paste(self, change: dict) -> None:
        text = str(change["new"])
        if not text.strip():
            self.set_other(None, "")
            return
        token = token_in(text)
        notices = self.use_token(token) if token else [("compare.link_empty" if "?" in text else "compare.link_bad", {})]
        if notices:
            self.page.say_both(notices)

    def use_token(self, token: str) -> Notices:
        """Compare with the proposal in *token* (untrusted)."""
        if not token:
            self.set_other(self.page.fw, "")
            return [("compare.link_empty", {})]
        decoded, notices = self.page.read_proposal(token)
        wi = WhatIf(self.page.fw)
        try:
            wi.apply(decoded.placements)
        except (DataError, ValueError):
            return [*notices, ("proposal.refused.unreadable", {})]
        self.set_other(wi.framework, "", token=wi.token)
        return notices

    def on_upload(self, change: dict) -> None:
        received = uploaded_file(change)
        if received is None:
            return
        self.page.reset_upload(self.upload)
        name, content = received
        try:
            if len(content) > MAX_UPLOAD_BYTES:
                raise DataError([Problem(name, None, None, "too_large", {"limit": size_text(MAX_UPLOAD_BYTES)})])
            fw = self.page.fw.with_mapping(content, name=name)
        except DataError as exc:
            self.page.say_problems(self.page.t("compare.file_invalid", name=name), exc, where=self.note)
            self.page.scroll_into_view(".sop-compare-message")
            return
        self.page.say_at(self.note, "")
        self.set_other(fw, name)

    def set_other(self, fw: Framework | None, name: str, *, token: str | None = None) -> None:
        self.other, self.other_name = fw, name
        self.other_token = token if token is not None else ("" if fw is None else encode(self.page.fw, fw.mapping).token)
        self.draw()
        self.page.publish_view()

    # ---- drawing ---------------------------------------------------------------------
    def side_names(self) -> tuple[str, str]:
        t = self.page.t
        if self.other_name:
            other = self.other_name
        elif self.other_token:
            other = t("compare.side_link")
        else:
            other = t("compare.side_bundled")
        return t("compare.side_current"), other

    def draw(self) -> None:
        shown = self.other is not None
        self.moves.widget.layout.display = "" if shown else "none"
        if not shown:
            self.comparison = None
            self.summary.value = self.tables.value = ""
            return
        page, lang, variant = self.page, self.page.lang, self.variant()
        current = self.current()
        comparison = analysis.compare_mappings(current, self.other, variant, **self.filters())
        self.comparison = comparison
        a, b = self.side_names()
        key = "compare.summary" if comparison.moved else "compare.same"
        self.summary.value = f"<p>{html.escape(page.t(key, count=comparison.moved, variant=variant, a=a, b=b))}</p>"
        figure = figures.mapping_moves(comparison, analysis.placements(current, variant), lang, names=(a, b))
        moves = self.moves_table(comparison.moves, lang)
        self.moves.update(figure, moves, lang, caption=page.t("compare.moves_caption"))
        counts = comparison.counts.assign(name=[r[f"name_{lang}"] for r in comparison.counts.to_dict("records")])
        counts = counts[["theme", "name", "items_a", "items_b", "change"]]
        balance = comparison.balance.assign(side=[a if s == "a" else b for s in comparison.balance["side"]])
        self.tables.value = page.table_block(counts, f"sopkit-compare-counts-{variant}", caption=page.t("compare.counts_caption")) + page.table_block(
            balance, f"sopkit-compare-balance-{variant}", caption=page.t("compare.balance_caption")
        )

    @staticmethod
    def moves_table(moves: pd.DataFrame, lang: str) -> pd.DataFrame:
        """What moved, for people: each side's rule name and reason in *lang* (English where a
        mapping has its reasons in English only)."""

        def text(r: dict[str, Any], column: str) -> str:
            value = r.get(f"{column}_{lang}") or r.get(f"{column}_en") or ""
            return "" if pd.isna(value) else str(value)

        rows = moves.to_dict("records")
        return moves[["item", "item_type", "objective", "from_theme", "to_theme"]].assign(
            rule_a_name=[text(r, "rule_a") for r in rows],
            rationale_a=[text(r, "rationale_a") for r in rows],
            rule_b_name=[text(r, "rule_b") for r in rows],
            rationale_b=[text(r, "rationale_b") for r in rows],
        )
