"""Priority rankings page: the members' survey as the report publishes it (rank order only),
where each priority lands under each option, a priority-weighted coverage score, and the
analysis of raw responses a user uploads."""

from __future__ import annotations

import html

import ipywidgets as w
from traitlets import Float, Unicode

from .. import analysis, figures, survey
from ..errors import DataError
from ..i18n import mark_chinese, pick
from ..limits import MAX_UPLOAD_BYTES
from .common import Page, Upload
from .state import PageState

RESPONSES = "responses"  # the slot of uploaded responses in the browser's storage
STRENGTHS = (0.0, 0.25, 0.5, 0.75, 1.0)  # how strongly rank weighs: from "all equal" to "only the top counts"


class RankingsState(PageState):
    """The rankings page: the survey shown, how strongly rank weighs, the method for uploaded responses."""

    VIEW = (("lang", "lang"), ("survey", "survey"), ("strength", "strength"), ("method", "method"))
    survey = Unicode()
    strength = Float(0.5)
    method = Unicode("borda")


class RankingsPage(Page):
    key = "rankings"

    def make_state(self) -> RankingsState:
        surveys = tuple(self.fw.surveys["id"])
        return RankingsState({"survey": surveys, "strength": STRENGTHS, "method": survey.METHODS}, survey=surveys[0])

    def build(self) -> w.Widget:
        state, bind = self.state, self.bind
        self.uploaded: survey.UploadedResponses | None = None  # the accepted upload for the current survey
        self.rejected = ""  # name of the last file refused while an earlier upload stays in use
        self.survey = bind.bind(
            w.Dropdown(options=[(s, s) for s in self.fw.surveys["id"]], layout=w.Layout(width="460px", max_width="100%")), "survey"
        )
        self.survey.add_class("sop-survey")
        self.order_notice = w.HTML()
        self.order = self.chart("rank-order")
        self.findings = w.HTML()  # what the report says about the survey, beside its order
        self.findings.add_class("sop-findings")
        self.landing_heading = w.HTML()
        self.landing = self.chart("landing")
        self.weight_heading, self.weight_help = w.HTML(), w.HTML()
        # Buttons, not a slider: ipywidgets' slider handle has no accessible name (axe: serious)
        # and its track collapses to 0 px on a phone.
        self.strength = bind.bind(
            w.ToggleButtons(options=[(f"{v:g}", v) for v in STRENGTHS], style={"button_width": "auto", "description_width": "initial"}), "strength"
        )
        self.strength.add_class("sop-strength")
        self.strength_ends = w.HTML()
        self.weighted = self.chart("weighted")
        self.responses_heading, self.responses_help = w.HTML(), w.HTML()
        self.responses_upload = Upload(
            self,
            "responses",
            parse=self.parse_responses,
            accepted=self.on_responses,
            refused_title="rankings.upload_invalid",
            refused=self.on_responses_refused,
        )
        self.upload, self.upload_note = self.responses_upload.widget, self.responses_upload.note
        self.clear = w.Button(icon="times", layout=w.Layout(width="auto"))
        self.clear.add_class("sop-responses-clear")
        self.method = bind.bind(w.Dropdown(options=[(m, m) for m in survey.METHODS], style={"description_width": "initial"}), "method")
        self.method.add_class("sop-method")
        self.responses_status = w.HTML()
        self.responses_status.add_class("sop-responses-status")
        self.distribution = self.chart("distribution")
        self.aggregate = w.HTML()
        self.aggregate.add_class("sop-aggregate")

        state.observe(self.guard(self.on_survey), "survey")
        state.observe(self.guard(lambda _c: self.draw_weighted()), "strength")
        state.observe(self.guard(lambda _c: self.draw_responses()), "method")
        self.clear.on_click(self.guard(self.on_clear))
        return w.VBox(
            [
                self.survey,
                self.order_notice,
                self.order.widget,
                self.findings,
                self.landing_heading,
                self.landing.widget,
                self.weight_heading,
                self.weight_help,
                w.HBox([self.strength, self.strength_ends], layout=w.Layout(align_items="center", flex_flow="row wrap")),
                self.weighted.widget,
                self.responses_heading,
                self.responses_help,
                w.HBox([self.upload, self.clear, self.method], layout=w.Layout(flex_flow="row wrap", align_items="center")),
                self.upload_note,
                self.responses_status,
                self.distribution.widget,
                self.aggregate,
            ]
        )

    def relabel(self) -> None:
        self.survey.description = self.t("rankings.survey")
        self.bind.set_options(self.survey, [(pick(r, "name", self.lang), r["id"]) for r in self.fw.surveys.to_dict("records")])
        self.order_notice.value = f'<div class="sop-notice">{self.t("rankings.order_only")}</div>'
        self.landing_heading.value = f"<h2>{self.t('rankings.landing')}</h2>"
        self.weight_heading.value = f"<h2>{self.t('rankings.weighted')}</h2>"
        self.weight_help.value = f"<p>{self.t('rankings.weighted_help')}</p>"
        self.strength.description = self.t("rankings.strength")
        self.strength_ends.value = f"<small>{self.t('rankings.strength_ends')}</small>"
        self.responses_heading.value = f"<h2>{self.t('rankings.responses')}</h2>"
        self.responses_help.value = f"<p>{self.t('rankings.responses_help', items=html.escape(', '.join(self.items())))}</p>"
        self.upload.description = self.t("rankings.upload")
        self.clear.description = self.t("rankings.forget")
        self.method.description = self.t("rankings.method")
        self.bind.set_options(self.method, [(self.t(f"method.{m}"), m) for m in survey.METHODS])

    def redraw(self) -> None:
        self.draw_published()
        self.draw_weighted()
        self.draw_responses()

    @property
    def responses(self):
        """The accepted responses frame (None when there is none)."""
        return None if self.uploaded is None else self.uploaded.frame

    def items(self) -> list[str]:
        return survey.survey_items(self.fw, self.state.survey)

    def labels(self) -> dict[str, str]:
        ranked = self.fw.rankings[self.fw.rankings["survey"] == self.state.survey]
        return {r["item"]: pick(r, "label", self.lang) for r in ranked.to_dict("records")}

    def draw_published(self) -> None:
        fw, lang, sv = self.fw, self.lang, self.state.survey
        ranked = fw.rankings[fw.rankings["survey"] == sv].sort_values("rank")
        shown = ranked[["rank", "item"]].assign(name=[pick(r, "label", lang) for r in ranked.to_dict("records")])
        self.order.update(figures.rank_order(ranked, lang), shown, lang, caption=self.t("rankings.order_caption"))
        self.findings.value = self.findings_html()
        land = analysis.survey_landing(fw, sv)
        shown = land[["rank", "item", "option", "target", "fit"]].assign(
            option=[self.t(f"option.{o}") for o in land["option"]],
            target=[f"{tg} {pick(r, 'target', lang)}" if isinstance(tg, str) else "" for tg, r in zip(land["target"], land.to_dict("records"))],
            fit=[self.t(f"fit.{f}") for f in land["fit"]],
            rationale=[pick(r, "rationale", lang) for r in land.to_dict("records")],
        )
        self.landing.update(figures.landing(land, lang), shown, lang, caption=self.t("derived.caption_landing"))

    def findings_html(self) -> str:
        """The report's own words on the survey (how it was held, what it found, what was done
        with it) and the project's notes on the labels: the only evidence beyond the order."""
        fw, lang, sv = self.fw, self.lang, self.state.survey
        found = fw.findings[fw.findings["survey"].isna() | (fw.findings["survey"] == sv)]
        # How it was held first, then this ranking's findings, then what was done with it.
        found = found.assign(
            _o=[0 if not isinstance(s, str) and n == 1 else (1 if isinstance(s, str) else 2) for s, n in zip(found["survey"], found["number"])]
        )
        found = found.sort_values(["_o", "number"])
        sections = fw.sections.set_index("id")
        items = "".join(
            f"<li>{html.escape(pick(r, 'text', lang))} "
            f'<small class="sop-source">({html.escape(pick(sections.loc[r["source"]], "heading", lang))})</small></li>'
            for r in found.to_dict("records")
        )
        ranked = fw.rankings[(fw.rankings["survey"] == sv) & fw.rankings["note_en"].notna()]
        notes = "".join(
            f"<li>{html.escape(pick(r, 'label', lang))}: {mark_chinese(html.escape(pick(r, 'note', lang)))}</li>" for r in ranked.to_dict("records")
        )
        return f"<h2>{self.t('rankings.findings')}</h2><p><small>{self.t('rankings.findings_help')}</small></p><ul>{items}</ul>" + (
            f'<h3>{self.t("rankings.label_notes")}</h3><ul class="sop-label-notes">{notes}</ul>' if notes else ""
        )

    def draw_weighted(self) -> None:
        fw, lang, sv = self.fw, self.lang, self.state.survey
        scores = survey.weighted_coverage(fw, sv, self.state.strength)
        parts = survey.weighted_contributions(fw, sv, self.state.strength)
        shown = parts[["option", "rank", "item", "weight", "fit", "contribution"]].assign(
            option=[self.t(f"option.{o}") for o in parts["option"]],
            fit=[self.t(f"fit.{f}") for f in parts["fit"]],
            weight=parts["weight"].round(3),
            contribution=parts["contribution"].round(3),
        )
        self.weighted.update(figures.weighted_scores(scores, lang), shown, lang, caption=self.t("derived.caption_weighted"))

    def draw_responses(self) -> None:
        uploaded = self.uploaded
        if uploaded is None:
            self.responses_status.value = f"<p>{self.t('rankings.no_responses')}</p>"
            self.distribution.widget.layout.display = "none"
            self.aggregate.value = ""
            return
        fw, lang, sv = self.fw, self.lang, self.state.survey
        loaded = html.escape(self.t("rankings.responses_loaded", name=uploaded.name, count=uploaded.respondents))
        if self.rejected:  # a refused file must never look accepted: say whose analysis this is
            previous = html.escape(self.t("rankings.responses_previous", name=self.rejected, previous=uploaded.name))
            self.responses_status.value = f'<p class="sop-previous">{previous}</p>'
        else:
            self.responses_status.value = f"<p>{loaded}</p>"
        self.distribution.widget.layout.display = None
        dist = uploaded.distribution()
        self.distribution.update(
            figures.distribution(dist, self.labels(), lang), dist, lang, caption=self.t("rankings.responses_caption", name=uploaded.name)
        )
        agg = uploaded.aggregate(self.state.method)
        published = survey.published_order(fw, sv)
        cmp = survey.compare_published(agg, published)
        matches = survey.matches_published(agg, published)
        verdict = self.t("rankings.matches" if matches else "rankings.differs")
        table = agg.merge(cmp[["item", "published_rank"]], on="item", how="left")
        table = table.assign(name=[self.labels().get(i, i) for i in table["item"]])[["position", "item", "name", "score", "published_rank"]]
        self.aggregate.value = (
            f'<p class="sop-match sop-match-{"yes" if matches else "no"}"><b>{html.escape(verdict)}</b> '
            f"{html.escape(self.t('rankings.ties_note'))}</p>"
            + self.table_block(table, f"sopkit-aggregate-{self.state.method}", caption=self.t(f"method.{self.state.method}.help"))
        )

    def on_survey(self, _change=None) -> None:
        # Responses belong to one survey: a new survey starts without them.
        if self.uploaded is not None:
            self.uploaded, self.rejected = None, ""
            self.forget_upload(RESPONSES)
            self.say_at(self.upload_note, self.t("rankings.responses_cleared"))
        self.relabel()
        self.redraw()

    def on_responses_refused(self, name: str) -> None:
        self.rejected = name if self.uploaded is not None else ""  # an earlier upload stays in use
        self.draw_responses()

    def on_responses(self, name: str, content: bytes, uploaded: survey.UploadedResponses) -> None:
        self.uploaded, self.rejected = uploaded, ""
        self.keep_upload(RESPONSES, name, content, survey=self.state.survey)
        ok = self.t("rankings.upload_ok", name=name)
        if uploaded.renumbered:  # the rule for ranks with gaps (docs/survey-methods.md), said where the file was taken
            shown = [r[:40] for r in uploaded.renumbered[:5]] + (["…"] if len(uploaded.renumbered) > 5 else [])
            ok += " " + self.t("rankings.upload_renumbered", count=len(uploaded.renumbered), respondents=", ".join(shown))
        self.say_at(self.upload_note, f"{ok} {self.t('rankings.kept_here')}")
        self.draw_responses()

    def parse_responses(self, name: str, content: bytes) -> survey.UploadedResponses:
        """Responses to the survey shown, checked (DataError naming *name*)."""
        return survey.UploadedResponses.parse(content, name=name, survey=self.state.survey, items=self.items(), max_bytes=MAX_UPLOAD_BYTES)

    def restore_upload(self, slot: str, name: str, payload: bytes, meta: dict) -> None:
        """Responses this browser kept, brought back after a reload (when they belong to the survey shown)."""
        if slot != RESPONSES or meta.get("survey") != self.state.survey or self.uploaded is not None:
            return
        try:
            self.uploaded = self.parse_responses(name, payload)
        except DataError:
            self.forget_upload(RESPONSES)  # kept by an earlier version, no longer valid: let it go
            return
        self.kept_uploads[RESPONSES] = name
        self.say_at(self.upload_note, f"{self.t('rankings.restored', name=name)} {self.t('rankings.kept_here')}")
        self.draw_responses()

    def on_clear(self, _button=None) -> None:
        had = self.uploaded is not None or RESPONSES in self.kept_uploads
        self.uploaded, self.rejected = None, ""
        self.forget_upload(RESPONSES)
        self.say("")
        self.say_at(self.upload_note, self.t("rankings.forgotten") if had else "")
        self.draw_responses()


def rankings_page(fw=None, lang: str = "en", **params) -> RankingsPage:
    """Build and display the priority rankings page (for a notebook cell); *params*: ``data``, ``mapping``, ``view`` (see ``Page``)."""
    return RankingsPage(fw, lang, **params).show()
