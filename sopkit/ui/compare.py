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
from traitlets import HasTraits, Unicode

from .. import analysis, figures
from ..model import Framework
from ..proposal import MAX_TOKEN_CHARS, encode
from .common import Upload

if TYPE_CHECKING:
    from .common import Page

SOURCES = ("none", "bundled", "link", "file")
PROJECT = "project"  # the view's value for "compare with the project's proposal"


class CompareTraits(HasTraits):
    """What a page compares its mapping with (state traits): ``compare`` is in the view ("" for
    nothing, ``project`` for the project's proposal, else a proposal's token); the control's
    choice and the pasted text are not."""

    compare = Unicode("").tag(max_chars=MAX_TOKEN_CHARS)
    compare_source = Unicode("none")
    compare_paste = Unicode("")


def token_in(text: str) -> str:
    """The mapping token in a pasted link (its ``mapping`` parameter) or the token itself; "" if none."""
    text = text.strip()[: 4 * MAX_TOKEN_CHARS]
    if "?" in text or text.startswith("http"):
        return dict(parse_qsl(urlsplit(text).query)).get("mapping", "")
    return text


class CompareProposals:
    """The comparison section of *page* (whose state has ``CompareTraits`` and ``variant``):
    *current* gives the page's framework (its mapping in use), *filters* the page's filters."""

    def __init__(self, page: Page, *, current: Callable[[], Framework], filters: Callable[[], dict[str, bool]]):
        self.page, self.state, self.current, self.filters = page, page.state, current, filters
        self.other: Framework | None = None  # the mapping compared with
        self.other_name = ""  # what the other side is called (a file's name)
        self.file: tuple[str, str, Framework] | None = None  # the last mapping file: (token, name, framework)
        self.comparison: analysis.MappingComparison | None = None
        self.heading, self.help = w.HTML(), w.HTML()
        bind = page.bind
        self.source = bind.bind(w.Dropdown(options=[(s, s) for s in SOURCES], style={"description_width": "initial"}), "compare_source")
        self.source.add_class("sop-compare-with")
        self.paste = bind.bind(w.Text(continuous_update=False, layout=w.Layout(width="420px", max_width="100%", display="none")), "compare_paste")
        self.paste.add_class("sop-compare-link")
        self.file_upload = Upload(
            page,
            "compare",
            parse=lambda name, content: page.fw.with_mapping(content, name=name),
            accepted=self.on_file,
            refused_title="compare.file_invalid",
        )
        self.upload, self.note = self.file_upload.widget, self.file_upload.note
        self.upload.layout.display = "none"
        self.summary = w.HTML()
        self.summary.add_class("sop-compare-summary")
        self.moves = page.chart("moves")
        self.tables = w.HTML()
        self.tables.add_class("sop-compare-tables")
        self.state.observe(page.guard(self.on_source), "compare_source")
        self.state.observe(page.guard(self.on_paste), "compare_paste")
        self.state.observe(page.guard(self.on_compare), "compare")
        controls = w.HBox([self.source, self.paste, self.upload], layout=w.Layout(flex_flow="row wrap", align_items="center"))
        self.widget = w.VBox([self.heading, self.help, controls, self.note, self.summary, self.moves.widget, self.tables])
        self.widget.add_class("sop-compare-proposals")

    # ---- labels ----------------------------------------------------------------------
    def relabel(self) -> None:
        t = self.page.t
        self.heading.value = f"<h2>{t('compare.heading')}</h2>"
        self.help.value = f"<p>{t('compare.help')}</p>"
        self.source.description = t("compare.with")
        self.page.bind.set_options(self.source, [(t(f"compare.{s}"), s) for s in SOURCES])
        self.paste.description = t("compare.paste")
        self.paste.placeholder = t("compare.paste_placeholder")
        self.upload.description = t("compare.upload")

    # ---- callbacks: the controls set ``compare``, which decides what is shown ----------
    def on_source(self, change: dict) -> None:
        source, state = change["new"], self.state
        self.paste.layout.display = "" if source == "link" else "none"
        self.upload.layout.display = "" if source == "file" else "none"
        self.page.say_at(self.note, "")
        if source == "none":
            state.compare = ""
        elif source == "bundled":
            state.compare = PROJECT
        elif source == "link" and state.compare_paste:
            state.compare = token_in(state.compare_paste) or PROJECT
        elif source == "file":
            state.compare = self.file[0] if self.file else ""

    def on_paste(self, change: dict) -> None:
        text = str(change["new"])
        if not text.strip() or self.state.compare_source != "link":
            return
        token = token_in(text)
        if not token:
            self.page.say_both([("compare.link_empty" if "?" in text else "compare.link_bad", {})])
        self.state.compare = token or PROJECT

    def on_file(self, name: str, _content: bytes, fw: Framework) -> None:
        self.page.say_at(self.note, "")
        token = encode(self.page.fw, fw.mapping).token or PROJECT
        self.file = (token, name, fw)  # the file itself is compared (its own rules and reasons too)
        if self.state.compare == token:
            self.show(fw, name)
        self.state.compare = token

    def on_compare(self, change: dict) -> None:
        """What to compare with changed (a control, or a link): read it and draw."""
        value, state = change["new"], self.state
        if not value:
            self.show(None, "")
            return
        if self.file is not None and self.file[0] == value:
            self.show(self.file[2], self.file[1])
            return
        if value == PROJECT:
            # the control says so, unless a pasted link without a proposal of its own brought it
            if not (state.compare_source == "link" and not token_in(state.compare_paste)):
                state.compare_source = "bundled"
            self.show(self.page.fw, "")
            return
        wi, notices = self.page.read_proposal(value)
        notices = [n for n in notices if n[0] != "proposal.linked"]  # the comparison says what it holds
        if state.compare_source != "link":  # from a link: the control says so
            state.compare_paste, state.compare_source = value, "link"
        self.show(wi.framework, "")
        self.page.say_both(notices)

    def show(self, fw: Framework | None, name: str) -> None:
        self.other, self.other_name = fw, name
        self.draw()

    # ---- drawing ---------------------------------------------------------------------
    def side_names(self) -> tuple[str, str]:
        t = self.page.t
        if self.other_name:
            other = self.other_name
        elif self.state.compare not in ("", PROJECT):
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
        page, lang, variant = self.page, self.page.lang, self.state.variant
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
