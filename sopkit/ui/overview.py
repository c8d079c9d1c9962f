"""Overview page, the landing page: what the report is, its key figures, the timeline of
the group's work, and links to every other page."""

from __future__ import annotations

import html

import ipywidgets as w
import pandas as pd

from .. import analysis, figures
from ..i18n import pick
from ..runtime import page_href
from .common import Page

# The workbook's pages, in the order they are offered (file names in workbooks/).
PAGES = ("options", "coverage", "rankings")


class OverviewPage(Page):
    key = "overview"

    def build(self) -> w.Widget:
        self.about = w.HTML()
        self.about.add_class("sop-about")
        self.report_info = w.HTML()  # title, language, action required, references, terms of reference
        self.report_info.add_class("sop-report")
        self.decisions = w.HTML()  # what TDAG and the group decided, endorsed, approved
        self.decisions.add_class("sop-decisions")
        self.figures_heading, self.key_figures = w.HTML(), w.HTML()
        self.key_figures.add_class("sop-key-figures")
        self.timeline_heading = w.HTML()
        self.timeline = self.chart("timeline")
        self.links = w.HTML()
        self.links.add_class("sop-links")
        return w.VBox(
            [
                self.links,
                self.about,
                self.report_info,
                self.figures_heading,
                self.key_figures,
                self.timeline_heading,
                self.timeline.widget,
                self.decisions,
            ]
        )

    def relabel(self) -> None:
        fw, lang = self.fw, self.lang
        officers = fw.officers.sort_values("order")
        sep = "、" if lang == "zh" else ", "
        chair = sep.join(pick(r, "name", lang) for r in officers[officers["role"] == "chair"].to_dict("records"))
        vice = sep.join(pick(r, "name", lang) for r in officers[officers["role"] == "vice-chair"].to_dict("records"))
        session = fw.tdag_sessions.set_index("id").loc["TDAG-20-1"]  # approved the group (TDAG-20/DT/7)
        approved = f"{session['start']} – {session['end']}" if isinstance(session["end"], str) else session["start"]
        self.about.value = self.t("overview.about", chair=html.escape(chair), vice=html.escape(vice), approved=approved)
        self.figures_heading.value = f"<h2>{self.t('overview.figures')}</h2>"
        self.timeline_heading.value = f"<h2>{self.t('overview.timeline')}</h2>"
        links = "".join(
            f'<li><a class="sop-link-{p}" href="{page_href(p)}">{self.t(f"{p}.title")}</a> — {self.t(f"overview.link.{p}")}</li>' for p in PAGES
        )
        self.links.value = f'<nav aria-label="{self.t("overview.pages")}"><h2>{self.t("overview.pages")}</h2><ul>{links}</ul></nav>'
        self.report_info.value = self.report_html()
        self.decisions.value = self.decisions_html()

    def _source(self, row) -> str:
        """A row's place in the report, for a reader: section heading and locator (in the page's language)."""
        sections = self.fw.sections.set_index("id")
        heading = pick(sections.loc[row["source"]], "heading", self.lang) if row["source"] in sections.index else row["source"]
        detail = row.get("source_detail_zh" if self.lang == "zh" else "source_detail")
        detail = detail if isinstance(detail, str) else ""
        where = html.escape(heading) + (" — " + html.escape(detail) if detail else "")
        return f'<small class="sop-source">{self.t("overview.source")}: {where}</small>'

    def report_html(self) -> str:
        """The report's own framing: title, author, original language, action required,
        reference documents, and the terms of reference (the group's mandate)."""
        lang, rep = self.lang, self.fw.report.sort_values(["part", "number"], kind="stable")
        one = {r["part"]: r for r in rep.to_dict("records") if r["part"] != "terms-of-reference"}
        rows = "".join(
            f"<dt>{self.t(f'report.{part}')}</dt><dd>{html.escape(pick(one[part], 'text', lang))}</dd>"
            for part in ("title", "author", "original-language", "action-required", "references")
            if part in one
        )
        tor = rep[rep["part"] == "terms-of-reference"].sort_values("number")
        items = "".join(f"<li>{html.escape(pick(r, 'text', lang))}</li>" for r in tor.to_dict("records"))
        return (
            f"<h2>{self.t('overview.report')}</h2><dl>{rows}</dl>"
            f'<h3>{self.t("report.terms-of-reference")}</h3><ol class="sop-terms">{items}</ol>'
            + (f"<p><small>{self.t('derived.translation_notice')}</small></p>" if lang == "en" else "")
        )

    def decisions_html(self) -> str:
        """The decisions list: what TDAG and the group decided, endorsed or approved, in time
        order, each with its source in the report."""
        lang, rows = self.lang, analysis.decisions(self.fw)
        entries = []
        for d in rows.to_dict("records"):
            who = d["session"] or d["body"]
            doc = f" ({html.escape(d['document'])})" if isinstance(d["document"], str) and d["document"] else ""
            kind = d["kind"]
            what = self.t(f"decision.{kind}")
            entries.append(
                f'<li class="sop-decision-{html.escape(kind)}"><b>{html.escape(d["when"])} · {html.escape(who)} · {what}</b>{doc}'
                f"<br>{html.escape(pick(d, 'text', lang))}<br>{self._source(d)}</li>"
            )
        return f"<h2>{self.t('overview.decisions')}</h2><ol>{''.join(entries)}</ol>"

    def redraw(self) -> None:
        lang = self.lang
        events = analysis.timeline(self.fw)
        shown = events.assign(
            date=[
                f"{r['date'].year}-Q{(r['date'].month - 1) // 3 + 1}"
                if r["precision"] == "quarter"
                else r["date"].strftime({"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[r["precision"]])
                for r in events.to_dict("records")
            ],
            end=[e.strftime("%Y-%m-%d") if pd.notna(e) else "" for e in events["end"]],
            kind=[self.t(f"timeline.{k}") for k in events["kind"]],
            label=[pick(r, "label", lang) for r in events.to_dict("records")],
        )[["date", "end", "kind", "ref", "label"]]
        year_only = int(events["precision"].isin(["year", "quarter"]).sum())
        self.timeline.update(figures.timeline(events, lang), shown, lang, caption=self.t("overview.timeline_caption", count=year_only))
        kf = analysis.key_figures(self.fw).set_index("figure")["value"]
        cards = [
            ("objectives", kf["objectives"], ""),
            ("outcomes", kf["outcomes"], self.t("overview.split", agreed=kf["outcomes agreed"], discussion=kf["outcomes discussion"])),
            ("outputs", kf["outputs"], self.t("overview.split", agreed=kf["outputs agreed"], discussion=kf["outputs discussion"])),
            ("themes", kf["thematic priorities named"], self.t("overview.themes_note")),
            ("meetings", kf["meetings"], ""),
            ("recommendations", kf["recommendations"], self.t("overview.recommendations_note")),
        ]
        self.key_figures.value = (
            '<div class="sop-cards">'
            + "".join(
                f'<div class="sop-card sop-card-{key}"><div class="sop-card-value">{value}</div>'
                f'<div class="sop-card-label">{self.t(f"overview.card.{key}")}</div><div class="sop-card-note">{note}</div></div>'
                for key, value, note in cards
            )
            + "</div>"
        )


def overview_page(fw=None, lang: str = "en", **params) -> OverviewPage:
    """Build and display the overview (landing) page (for a notebook cell); *params*: ``data``, ``mapping``, ``view`` (see ``Page``)."""
    return OverviewPage(fw, lang, **params).show()
