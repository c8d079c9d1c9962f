"""Outcome coverage page: agreed vs contested items per objective, coverage of each
thematic priority under a mapping (bundled or uploaded), and a search over all texts."""

from __future__ import annotations

import html

import ipywidgets as w
from traitlets import Int, Unicode

from .. import analysis, figures, proposal
from ..i18n import pick, pick_or_en
from ..limits import MAX_QUERY_CHARS
from .common import FilterControls, FilterTraits, Page, Upload
from .compare import CompareProposals, CompareTraits
from .state import PageState
from .tables import coverage_tables
from .wording import Whose, is_bundled_mapping, mapping_figure, mapping_text


class CoverageState(PageState, FilterTraits, CompareTraits):
    """The coverage page: filters, the number of priorities, the mapping in use (as its token), the search."""

    VIEW = (
        ("lang", "lang"),
        ("discussion", "include_discussion"),
        ("proposed", "include_proposed"),
        ("variant", "variant"),
        ("q", "search"),
        ("mapping", "mapping"),
        ("compare", "compare"),
    )
    variant = Int(4)
    search = Unicode("")
    mapping = Unicode("").tag(max_chars=proposal.MAX_TOKEN_CHARS)  # the mapping in use as a link's token ("" the project's)


class CoveragePage(Page):
    key = "coverage"

    def make_state(self) -> CoverageState:
        return CoverageState({"variant": self.fw.variants}, variant=self.fw.variants[0])

    def build(self) -> w.Widget:
        state, bind = self.state, self.bind
        self.active_fw = self.fw  # changes when the user uploads an edited mapping or opens a link with one
        self.mapping_name = ""  # the uploaded file in use ("" for the project's proposal or a linked one)
        self.rejected = ""  # name of the last file refused while another mapping stays in use
        self.filter_controls = FilterControls(bind)
        self.include_discussion, self.include_proposed = self.filter_controls.include_discussion, self.filter_controls.include_proposed
        self.status_heading = w.HTML()
        self.heatmap = self.chart("heatmap")
        self.coverage_heading, self.coverage_notice = w.HTML(), w.HTML()
        self.variant = bind.bind(w.ToggleButtons(options=[(str(v), v) for v in self.fw.variants], style={"button_width": "60px"}), "variant")
        self.variant.add_class("sop-variant")
        self.mapping_upload = Upload(
            self,
            "mapping",
            parse=lambda name, content: self.fw.with_mapping(content, name=name),  # checked like mapping.csv; problems name the file
            accepted=self.on_mapping_file,
            refused_title="coverage.upload_invalid",
            refused=self.on_mapping_refused,
        )
        self.upload, self.upload_note = self.mapping_upload.widget, self.mapping_upload.note
        self.reset = w.Button(icon="undo", layout=w.Layout(width="auto"))  # fixed width cut the label
        self.reset.add_class("sop-mapping-reset")
        self.mapping_status = w.HTML()
        self.mapping_status.add_class("sop-mapping-status")
        self.coverage = self.chart("coverage")
        self.issues = w.HTML()
        self.issues.add_class("sop-issues")
        self.placements = w.HTML()  # every item's home and the reason for it, one click away
        self.placements.add_class("sop-placements")
        self.search_heading = w.HTML()
        self.search = bind.bind(w.Text(continuous_update=False, layout=w.Layout(width="420px", max_width="100%")), "search")
        self.search.add_class("sop-search")
        self.results = w.HTML()
        self.results.add_class("sop-search-results")
        self.compare = CompareProposals(self, current=lambda: self.active_fw, filters=self.filters)

        state.observe(self.guard(lambda _c: self.redraw()), ["include_discussion", "include_proposed"])
        state.observe(self.guard(lambda _c: self.draw_coverage()), "variant")
        state.observe(self.guard(lambda _c: self.draw_search()), "search")
        state.observe(self.guard(self.on_mapping), "mapping")
        self.reset.on_click(self.guard(self.on_reset))
        return w.VBox(
            [
                self.filter_controls.widget,
                self.status_heading,
                self.heatmap.widget,
                self.coverage_heading,
                self.coverage_notice,
                w.HBox([self.variant, self.upload, self.reset], layout=w.Layout(flex_flow="row wrap", align_items="center")),
                self.upload_note,
                self.mapping_status,
                self.coverage.widget,
                self.issues,
                self.placements,
                self.compare.widget,
                self.search_heading,
                self.search,
                self.results,
            ]
        )

    def relabel(self) -> None:
        self.filter_controls.relabel(self.lang)
        self.status_heading.value = f"<h2>{self.t('coverage.status')}</h2>"
        self.coverage_heading.value = f"<h2>{self.t('coverage.themes')}</h2>"
        self.coverage_notice.value = f'<div class="sop-notice">{mapping_text("derived.mapping_notice", self.lang, whose=self.whose())}</div>'
        self.variant.description = self.t("options.variant")
        self.upload.description = self.t("coverage.upload")
        self.upload.tooltip = self.t("coverage.upload_help")
        self.reset.description = self.t("coverage.reset")
        self.search_heading.value = f"<h2>{self.t('coverage.search')}</h2>"
        self.search.description = self.t("coverage.search_label")
        self.search.placeholder = self.t("coverage.search_placeholder")
        self.compare.relabel()

    def filters(self) -> dict[str, bool]:
        return self.filter_controls.filters()

    def whose(self) -> Whose:
        """Whose mapping is in use: the project's proposal, the user's upload, or a link's."""
        if is_bundled_mapping(self.active_fw, self.fw):
            return "project"
        return "user" if self.mapping_name else "linked"

    def redraw(self) -> None:
        fw, lang, f = self.active_fw, self.lang, self.filters()
        counts = analysis.status_table(fw, **f)
        statuses = analysis.STATUSES if f["include_discussion"] else ("agreed",)
        self.heatmap.update(figures.status_heatmap(counts, analysis.top_level(fw, fw.objectives_option.id), lang, statuses=statuses), counts, lang)
        self.draw_coverage()
        self.draw_search()

    def draw_coverage(self) -> None:
        """The views that depend on the mapping and the variant."""
        fw, lang, f, variant = self.active_fw, self.lang, self.filters(), self.state.variant
        whose = self.whose()
        self.coverage_notice.value = f'<div class="sop-notice">{mapping_text("derived.mapping_notice", lang, whose=whose)}</div>'
        cov, shown = coverage_tables(fw, variant, lang, f)
        self.coverage.update(
            mapping_figure(figures.coverage(cov, variant, lang), lang, whose=whose),
            shown,
            lang,
            caption=mapping_text("derived.caption", lang, whose=whose),
        )
        issues = analysis.mapping_issues(fw, variant)
        if issues.empty:
            self.issues.value = f"<p>{self.t('coverage.no_issues')}</p>"
        else:
            self.issues.value = self.table_block(
                issues, f"sopkit-mapping-issues-{variant}", caption=mapping_text("coverage.issues", lang, whose=whose)
            )
        self.draw_placements()
        self.compare.draw()
        source = self.t("coverage.mapping_bundled") if not self.mapping_name else self.t("coverage.mapping_uploaded", name=self.mapping_name)
        if self.rejected:  # a refused file must never look accepted
            previous = self.t("coverage.mapping_previous", name=self.rejected)
            self.mapping_status.value = f'<p class="sop-previous">{html.escape(previous)} {html.escape(source)}</p>'
        else:
            self.mapping_status.value = f"<p>{html.escape(source)}</p>"

    def draw_placements(self) -> None:
        """Where the mapping in use puts every objective, outcome and output, with its rule and
        reason; cross-cutting items are counted apart in the summary."""
        fw, lang, variant = self.active_fw, self.lang, self.state.variant
        table = analysis.placement_table(fw, variant)
        shown = table[["item", "item_type", "objective", "theme", "cross_cutting"]].assign(
            rule_name=[pick(r, "rule", lang) for r in table.to_dict("records")],
            rationale=[pick_or_en(r, "rationale", lang) for r in table.to_dict("records")],
        )[["item", "item_type", "objective", "theme", "cross_cutting", "rule_name", "rationale"]]
        summary = self.t("coverage.placements", variant=variant, count=int(table["cross_cutting"].sum()))
        caption = mapping_text("coverage.placements_caption", lang, whose=self.whose())
        self.placements.value = self.table_block(shown, f"sopkit-placements-{variant}", caption=caption, summary=summary)

    def draw_search(self) -> None:
        query = self.state.search[:MAX_QUERY_CHARS]
        if not query.strip():
            self.results.value = f"<p>{self.t('coverage.search_hint')}</p>"
            return
        hits = analysis.search_items(self.active_fw, query)
        shown = hits[["item", "objective", "item_type", "status"]].assign(text=[pick(r, "text", self.lang) for r in hits.to_dict("records")])
        count = self.t("coverage.search_count", count=len(hits), query=query)
        self.results.value = f'<p class="sop-search-count">{html.escape(count)}</p>' + (self.table_block(shown, "sopkit-search") if len(hits) else "")

    def on_mapping_refused(self, name: str) -> None:
        self.rejected = name  # the mapping in use stays, and the page says so
        self.draw_coverage()

    def on_mapping_file(self, name: str, _content: bytes, fw) -> None:
        self.active_fw, self.mapping_name, self.rejected = fw, name, ""
        encoded = proposal.encode(self.fw, fw.mapping)
        said = self.t("coverage.upload_ok", name=name)
        if not encoded.fits:  # the link carries the placements only: say what stays in the file
            what = ", ".join(self.t(f"proposal.what.{x}") for x in encoded.not_carried)
            said += " " + self.t("proposal.not_carried", what=what)
        self.say_at(self.upload_note, said)
        self.draw_coverage()
        self.state.mapping = encoded.token  # the address carries its placements

    def mapping_token(self) -> str:
        """The mapping in use as a link's token ("" for the project's proposal)."""
        return proposal.encode(self.fw, self.active_fw.mapping).token if self.active_fw is not self.fw else ""

    def on_mapping(self, change) -> None:
        """A token set from outside (a link): use the proposal it carries (untrusted: ``Page.read_proposal``)."""
        token = change["new"]
        if token == self.mapping_token():
            return  # the page's own upload or reset, already shown
        wi, notices = self.read_proposal(token)
        self.active_fw, self.mapping_name, self.rejected = wi.framework, "", ""
        self.draw_coverage()
        self.state.mapping = wi.token  # what the page shows: a refused token leaves the address
        self.say_both(notices)

    def on_reset(self, _button=None) -> None:
        self.active_fw, self.mapping_name, self.rejected = self.fw, "", ""
        self.say("")
        self.say_at(self.upload_note, "")
        self.draw_coverage()
        self.state.mapping = ""


def coverage_page(fw=None, lang: str = "en", **params) -> CoveragePage:
    """Build and display the outcome coverage page (for a notebook cell); *params*: ``data``, ``mapping``, ``view`` (see ``Page``)."""
    return CoveragePage(fw, lang, **params).show()
