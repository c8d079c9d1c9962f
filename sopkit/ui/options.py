"""Framework options page: the two options side by side, the project's what-if mapping,
and the detail of one ATU objective."""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd
from traitlets import Int, Unicode

from .. import analysis, figures
from ..i18n import mark_chinese, pick, pick_or_en
from ..proposal import MAX_TOKEN_CHARS
from ..whatif import EDIT_RATIONALE, EDIT_RATIONALE_ZH, WhatIf  # noqa: F401 - the edit's reason, defined once in sopkit.whatif
from .common import FilterControls, FilterTraits, Page
from .compare import CompareProposals, CompareTraits
from .state import PageState
from .tables import CSV_MIME, coverage_tables, data_uri
from .wording import Whose, mapping_figure, mapping_text


class OptionsState(PageState, FilterTraits, CompareTraits):
    """The options page: the option shown, the what-if mapping (as its token), the objective in detail."""

    VIEW = (
        ("lang", "lang"),
        ("option", "option"),
        ("variant", "variant"),
        ("discussion", "include_discussion"),
        ("proposed", "include_proposed"),
        ("objective", "objective"),
        ("mapping", "mapping"),
        ("compare", "compare"),
    )
    option = Unicode()
    variant = Int(4)  # the number of priorities the mapping views show
    objective = Unicode()
    mapping = Unicode("").tag(max_chars=MAX_TOKEN_CHARS)  # the what-if mapping as a link's token (sopkit.proposal)
    whatif_item = Unicode(None, allow_none=True)  # the item about to be moved
    whatif_theme = Unicode(None, allow_none=True)  # where it goes


class OptionsPage(Page):
    key = "options"

    def make_state(self) -> OptionsState:
        fw = self.fw
        objectives = tuple(fw.objectives["id"])
        choices = {"option": fw.option_ids, "variant": fw.variants, "objective": objectives}
        return OptionsState(choices, option=fw.option_ids[0], variant=fw.variants[0], objective=objectives[0])

    def build(self) -> w.Widget:
        state, bind = self.state, self.bind
        self.whatif = WhatIf(self.fw, state.variant)  # the what-if mapping: this page is a view over it
        self.linked_token = ""  # the proposal a link brought, while it is not edited further
        self.option = bind.bind(w.Dropdown(options=[(o, o) for o in self.fw.option_ids]), "option")
        self.option.add_class("sop-option")
        self.filter_controls = FilterControls(bind)
        self.include_discussion, self.include_proposed = self.filter_controls.controls
        self.hierarchy = self.chart("hierarchy")
        self.compare_heading, self.compare_table = w.HTML(), w.HTML()
        self.compare_table.add_class("sop-compare")
        self.balance = self.chart("balance")

        self.mapping_heading, self.mapping_notice = w.HTML(), w.HTML()
        self.variant = bind.bind(w.ToggleButtons(options=[(str(v), v) for v in self.fw.variants], style={"button_width": "60px"}), "variant")
        self.variant.add_class("sop-variant")
        self.flow = self.chart("flow")
        self.whatif_item = bind.bind(w.Dropdown(layout=w.Layout(width="420px", max_width="100%")), "whatif_item")
        self.whatif_item.add_class("sop-whatif-item")
        self.whatif_theme = bind.bind(w.Dropdown(layout=w.Layout(width="420px", max_width="100%")), "whatif_theme")
        self.whatif_theme.add_class("sop-whatif-theme")
        self.reset = w.Button(icon="undo", layout=w.Layout(width="auto"))  # fixed width cut the label
        self.reset.add_class("sop-whatif-reset")
        self.edit_status = w.HTML()
        self.edit_status.add_class("sop-whatif-status")
        self.mapping_download = w.HTML()
        self.mapping_download.add_class("sop-mapping-download")
        self.coverage_table = w.HTML()
        self.coverage_table.add_class("sop-whatif-coverage")

        self.detail_heading = w.HTML()
        self.objective = bind.bind(w.Dropdown(layout=w.Layout(width="420px", max_width="100%")), "objective")
        self.objective.add_class("sop-objective")
        self.detail = w.HTML()
        self.detail.add_class("sop-objective-detail")
        self.compare = CompareProposals(self, current=self.framework, filters=self.filters)

        state.observe(self.guard(self.on_filters), ["option", "include_discussion", "include_proposed"])
        state.observe(self.guard(self.on_variant), "variant")
        state.observe(self.guard(self.on_whatif_item), "whatif_item")
        state.observe(self.guard(self.on_whatif_theme), "whatif_theme")
        state.observe(self.guard(self.on_mapping), "mapping")
        self.reset.on_click(self.guard(self.on_reset))
        state.observe(self.guard(self.draw_detail), "objective")

        return w.VBox(
            [
                w.HBox([self.option, self.include_discussion, self.include_proposed], layout=w.Layout(flex_flow="row wrap", align_items="center")),
                self.hierarchy.widget,
                self.compare_heading,
                self.compare_table,
                self.balance.widget,
                self.mapping_heading,
                self.mapping_notice,
                self.variant,
                self.flow.widget,
                w.HBox([self.whatif_item, self.whatif_theme, self.reset], layout=w.Layout(flex_flow="row wrap")),
                self.edit_status,
                self.coverage_table,
                self.mapping_download,
                self.compare.widget,
                self.detail_heading,
                self.objective,
                self.detail,
            ]
        )

    # ---- labels -------------------------------------------------------------------
    def relabel(self) -> None:
        self.option.description = self.t("options.option")
        self.bind.set_options(self.option, [(self.t(f"option.{o}"), o) for o in self.fw.option_ids])
        self.filter_controls.relabel(self.lang)
        self.compare_heading.value = f"<h2>{self.t('options.compare')}</h2>"
        self.mapping_heading.value = f"<h2>{self.t('options.mapping')}</h2>"
        self.variant.description = self.t("options.variant")
        self.whatif_item.description = self.t("whatif.item")
        self.whatif_theme.description = self.t("whatif.theme")
        self.reset.description = self.t("whatif.reset")
        self.reset.tooltip = self.t("whatif.reset_help")
        self.detail_heading.value = f"<h2>{self.t('options.detail')}</h2>"
        self.objective.description = self.t("options.objective")
        self.bind.set_options(self.objective, [(f"{o['id']} {pick(o, 'short', self.lang)}", o["id"]) for o in self.fw.objectives.to_dict("records")])
        self.relabel_whatif()
        self.compare.relabel()

    def relabel_whatif(self) -> None:
        items = [
            (f"{o['id']} {pick(o, 'short', self.lang)} ({self.t('whatif.whole_objective')})", o["id"]) for o in self.fw.objectives.to_dict("records")
        ]
        items += [(f"{r['label']} · {pick(r, 'text', self.lang)[:60]}", r["id"]) for r in self.fw.outcomes.to_dict("records")]
        self.bind.set_options(self.whatif_item, items)
        themes = analysis.top_level(self.fw, self.fw.variant_option(self.state.variant).id, cross_cutting=True)
        self.bind.set_options(self.whatif_theme, [(f"{r['id']} {pick(r, 'name', self.lang)}", r["id"]) for r in themes.to_dict("records")])
        self.state.whatif_theme = self.current_theme(self.state.whatif_item)

    # ---- state (held by the WhatIf model) ----------------------------------------------
    @property
    def base_mapping(self) -> pd.DataFrame:
        return self.whatif.base_mapping

    def current_theme(self, item: str | None) -> str | None:
        return self.whatif.theme_of(item)

    def framework(self):
        """The framework as the user has it now (edited mapping), validated once per edit."""
        return self.whatif.framework

    # ---- callbacks -------------------------------------------------------------------
    # Each callback redraws only the views its control feeds, charts first: a chart
    # reaches the browser as soon as it is drawn, tables and downloads follow.
    def on_filters(self, change) -> None:
        variant = self.fw.option(self.state.option).variant
        if change["name"] == "option" and variant is not None and self.state.variant != variant:
            self.state.variant = variant  # on_variant redraws the views of the mapping
            self.draw_hierarchy()
            self.draw_compare()
        elif change["name"] == "option":
            self.draw_hierarchy()
        else:
            self.redraw()

    def on_variant(self, _change=None) -> None:
        self.whatif.variant = self.state.variant
        self.relabel_whatif()
        self.draw_mapping()

    def on_whatif_item(self, change) -> None:
        self.state.whatif_theme = self.current_theme(change["new"])

    def on_whatif_theme(self, change) -> None:
        item, theme = self.state.whatif_item, change["new"]
        if item is None or theme is None:
            return
        moved = self.whatif.move(item, theme)  # an objective moves with everything under it; none where it already is
        if not moved:
            return
        self.say(self.t("whatif.moved", count=len(moved), theme=theme))
        self.mapping_changed()

    def on_reset(self, _button=None) -> None:
        self.whatif.reset()
        self.state.whatif_theme = self.current_theme(self.state.whatif_item)
        self.say(self.t("whatif.reset_done"))
        self.mapping_changed()

    def mapping_changed(self) -> None:
        """The what-if mapping changed here: the views follow, then the address (its token)."""
        self.redraw(detail=False)
        self.state.mapping = self.whatif.token

    def on_mapping(self, change) -> None:
        """A token set from outside (a link): show the proposal it carries (untrusted: ``Page.read_proposal``)."""
        token = change["new"]
        if token == self.whatif.token:
            return  # the page's own edit, already shown
        _, notices = self.read_proposal(token, self.whatif)
        self.linked_token = self.whatif.token
        self.state.whatif_theme = self.current_theme(self.state.whatif_item)
        self.redraw(detail=False)
        self.state.mapping = self.whatif.token  # what the page shows: a refused token leaves the address
        self.say_both(notices)

    # ---- drawing ---------------------------------------------------------------------
    def filters(self) -> dict[str, bool]:
        return self.filter_controls.filters()

    def whose(self) -> Whose:
        """Whose mapping is shown: the project's, one from a link (not edited since), or the user's."""
        if not self.whatif.edited:
            return "project"
        return "linked" if self.whatif.token == self.linked_token else "user"

    def redraw(self, *, detail: bool = True) -> None:
        self.draw_hierarchy()
        self.draw_compare()
        self.draw_mapping()
        if detail:
            self.draw_detail()

    def draw_hierarchy(self) -> None:
        fw, lang, f, option = self.framework(), self.lang, self.filters(), self.state.option
        items = analysis.option_items(fw, option, **f)
        shown = items[["top", "item", "item_type", "status"]].assign(text=[pick(r, "text", lang) for r in items.to_dict("records")])
        tops = analysis.top_level(fw, option, cross_cutting=True)
        figure = figures.hierarchy(items, tops, option, lang, derived=fw.option(option).derived)
        if not fw.option(option).derived:  # the report's own structure: no mapping involved
            self.hierarchy.update(figure, shown, lang)
            return
        # Each placement's reason, beside the item (hover in the chart, columns here).
        shown = shown.assign(
            rule_name=[pick(r, "rule", lang) for r in items.to_dict("records")],
            rationale=[pick_or_en(r, "rationale", lang) for r in items.to_dict("records")],
        )
        whose = self.whose()
        self.hierarchy.update(mapping_figure(figure, lang, whose=whose), shown, lang, caption=mapping_text("derived.caption", lang, whose=whose))

    def draw_compare(self) -> None:
        fw, lang, f = self.framework(), self.lang, self.filters()
        balance = pd.concat(
            [
                analysis.option_items(fw, o, **f).groupby(["top", "status"]).size().rename("items").reset_index().assign(option=o)
                for o in fw.option_ids
            ],
            ignore_index=True,
        )[["option", "top", "status", "items"]]
        tops = pd.concat([analysis.top_level(fw, o, cross_cutting=True).assign(option=o) for o in fw.option_ids], ignore_index=True)
        self.balance.update(mapping_figure(figures.option_balance(balance, tops, lang), lang, whose=self.whose()), balance, lang)
        compare = analysis.compare_options(fw, **f)
        compare = compare.assign(option=[self.t(f"option.{o}") for o in compare["option"]])
        if self.whose() != "project":  # option 1's rows follow the user's or the linked mapping, not the project's proposal
            compare = compare.rename(columns={"derived": f"derived_{self.whose()}"})
        self.compare_table.value = self.table_block(
            compare, "sopkit-options-compared", caption=mapping_text("derived.compare_caption", lang, whose=self.whose())
        )

    def draw_mapping(self) -> None:
        fw, lang, f, variant = self.framework(), self.lang, self.filters(), self.state.variant
        whose = self.whose()
        self.mapping_notice.value = f'<div class="sop-notice">{mapping_text("derived.mapping_notice", lang, whose=whose)}</div>'
        flows = analysis.flows(fw, variant, **f)
        figure = figures.flow(
            flows,
            analysis.top_level(fw, fw.objectives_option.id),
            analysis.top_level(fw, fw.variant_option(variant).id, cross_cutting=True),
            variant,
            lang,
        )
        self.flow.update(mapping_figure(figure, lang, whose=whose), flows, lang, caption=mapping_text("derived.caption", lang, whose=whose))
        self.draw_coverage(fw, variant, f)
        self.compare.draw()

    def draw_coverage(self, fw, variant: int, f: dict[str, bool]) -> None:
        _, shown = coverage_tables(fw, variant, self.lang, f)
        whose = self.whose()
        issues = analysis.mapping_issues(fw, variant)
        issue_html = (
            "" if issues.empty else self.table_block(issues, "sopkit-mapping-issues", caption=mapping_text("coverage.issues", self.lang, whose=whose))
        )
        self.coverage_table.value = (
            f"<h3>{self.t('whatif.coverage', variant=variant)}</h3>"
            + self.table_block(shown, f"sopkit-coverage-{variant}", caption=mapping_text("derived.caption", self.lang, whose=whose))
            + issue_html
        )
        n = self.whatif.edit_count(variant)
        self.edit_status.value = self.t("whatif.edits", count=n) if n else self.t("whatif.no_edits")
        self.mapping_download.value = (
            f'<a class="sop-download-mapping" download="mapping.csv" href="{data_uri(self.whatif.to_csv_bytes(), CSV_MIME)}">'
            f"{self.t('whatif.download')}</a> <small>{self.t('whatif.download_help')}</small>"
        )

    def draw_detail(self, _change=None) -> None:
        lang, fw = self.lang, self.fw
        obj = fw.objectives.set_index("id").loc[self.state.objective]
        parts = [
            f"<h3>{html.escape(self.state.objective)} {html.escape(pick(obj, 'short', lang))}</h3>",
            f"<p>{html.escape(pick(obj, 'statement', lang))}</p>",
        ]
        items = analysis.items(fw)
        items = items[items["objective"] == self.state.objective]
        self._placements = {v: analysis.placement_table(self.framework(), v).set_index("item") for v in fw.variants}
        parts.append(self._placement_details(self.state.objective))
        for status in analysis.STATUSES:
            parts.append(f"<h4>{self.t(f'detail.{status}')}</h4>")
            for kind in analysis.KINDS:
                sub = items[(items["status"] == status) & (items["item_type"] == kind)]
                if sub.empty:
                    entries = f"<li>{self.t('detail.none')}</li>"
                else:
                    entries = "".join(self._item_li(r) for r in sub.to_dict("records"))
                parts.append(f"<b>{self.t(f'kind.{kind}s')}</b><ul>{entries}</ul>")
        sug = fw.suggestions[fw.suggestions["objective"] == self.state.objective]
        parts.append(
            f"<h4>{self.t('detail.suggestions')}</h4><ol>"
            + "".join(f"<li>{html.escape(pick(r, 'text', lang))}</li>" for r in sug.to_dict("records"))
            + "</ol>"
        )
        if lang == "en":
            parts.append(f"<p><small>{self.t('derived.translation_notice')}</small></p>")
        self.detail.value = "".join(parts)

    def _item_li(self, r) -> str:
        lang = self.lang
        text = html.escape(pick(r, "text", lang))
        extra = ""
        if r["proposed_additional"]:
            extra += f" <i>({self.t('flag.proposed_additional')})</i>"
        if r["alternative_wording"]:
            extra += f"<br><i>{self.t('flag.alternative')}:</i> {html.escape(pick(r, 'alt_text', lang))}"
        note = pick(r, "note", lang)  # the project's note, in the page's language
        if note:
            extra += f"<br><small>{self.t('detail.note')}: {mark_chinese(html.escape(note))}</small>"  # the report's words it quotes, marked
        return f"<li><b>{html.escape(r['label'])}</b> {text}{extra}{self._placement_details(r['item'])}</li>"

    def _placement_details(self, item: str) -> str:
        """Where the mapping in use places *item* with each number of priorities, and why:
        one click (a <details>) from the item."""
        lang, rows = self.lang, []
        for variant, table in self._placements.items():
            if item not in table.index:
                rows.append(f"<li>{self.t('placement.variant', variant=variant)}: {self.t('placement.none')}</li>")
                continue
            p = table.loc[item]
            home = p["theme"]
            names = analysis.placements(self.fw, variant).set_index("theme")
            name = pick(names.loc[home], "name", lang) if home in names.index else ""
            rule = pick(p, "rule", lang) or self.t("placement.edited")
            why = pick_or_en(p, "rationale", lang) or "–"
            rows.append(
                f'<li class="sop-placement-{html.escape(str(home))}">{self.t("placement.variant", variant=variant)}: '
                f"<b>{html.escape(home)} {html.escape(name)}</b> — {html.escape(self.t('placement.rule'))}: {html.escape(rule)}"
                f"<br><small>{html.escape(why)}</small></li>"
            )
        homes = " · ".join(f"{v}: {html.escape(str(t.loc[item, 'theme']) if item in t.index else '–')}" for v, t in self._placements.items())
        return (
            f'<details class="sop-placement"><summary>{self.t("placement.summary", homes=homes)}</summary>'
            f"<ul>{''.join(rows)}</ul><small>{self.t('placement.doc')}</small></details>"
        )


def options_page(fw=None, lang: str = "en", **params) -> OptionsPage:
    """Build and display the framework options page (for a notebook cell); *params*: ``data``, ``mapping``, ``view`` (see ``Page``)."""
    return OptionsPage(fw, lang, **params).show()
