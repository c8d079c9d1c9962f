"""中文 all the way, kernel side: every page built in Chinese shows no English words.

Walks what the kernel produces for a visitor (no browser): every widget's text,
labels, options and tooltips, every chart's texts (titles, axes, legends,
labels, hover texts) and every table (header, cells, caption), and looks for
ASCII words outside a short allowlist (item ids, ITU acronyms, file formats).
Every text the project wrote exists in Chinese too (issue 22): no "English only" notes. The
same walk over an English page finds no Chinese outside the report's quotations, which the page
marks as Chinese (``lang="zh"``), and the brief of every view is scanned as well.
"""

from __future__ import annotations

import re
from pathlib import Path

import ipywidgets as w
import pytest

from sopkit.ui import CoveragePage, OptionsPage, OverviewPage, RankingsPage
from sopkit.ui.common import ChartView
from sopkit.ui.tables import table_html
from ui_helpers import edited_mapping, html_tables, text_of, upload_value

# Identifiers, acronyms and formats that stay as they are in Chinese text.
ALLOWED = {
    "ITU",
    "ITU-D",
    "ITU-T",
    "ITU-R",
    "TDAG",
    "TDAG-WG-SOP",
    "TDAG-WG-RDTP",
    "WG",
    "SOP",
    "RDTP",
    "ATU",
    "WTDC",
    "WSIS",
    "SDG",
    "SDGs",
    "LDC",
    "LDCs",
    "SIDS",
    "LLDC",
    "LLDCs",
    "ICT",
    "ICTs",
    "PP",
    "CSV",
    "XLSX",
    "PNG",
    "UTF",
    "Excel",
    "English",  # the language switch names the other language in that language
}
# Item ids and references (D.1, D.1-a, D.7/D.4-2, T1, ITU-D.4, Goal 2, TDAG-20-1, C-2021-ATU-13):
# a token that starts with a capital and holds a digit. Lower-case codes (themes-4) are not ids.
ID = re.compile(r"(?<![\w./-])(?:Goal \d+|[A-Z][\w./-]*\d[\w./-]*)", re.ASCII)
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*[A-Za-z]|[A-Za-z]")
TEMPLATE = re.compile(r"%\{[^}]*\}|<extra>.*?</extra>|<[^>]+>")


# Latin words the Chinese report itself uses: names of people (Blanca González, Christopher Kemei, Wim
# Rullens) and tools (Zoom, Interprefy, SharePoint), acronyms (MoU, BDT, SWOT, UNICEF ...) and list
# letters; the transcript's own markers ([bookmark: _Toc...], [image: ]) are not the report's words.
# No country is named in Latin script there: a country's name in English is never allowed.
_REPORT = (Path(__file__).resolve().parents[1] / "data" / "source" / "report-zh.txt").read_text(encoding="utf-8")
SOURCE_WORDS = set(WORD.findall(re.sub(r"\[(?:bookmark|image):[^\]]*\]", " ", _REPORT)))
FILE_NAME = re.compile(r"[\w./-]+\.(?:csv|json|xlsx|ipynb)(?![A-Za-z0-9])")
HIDDEN = re.compile(r"<(style|code|script)\b.*?</\1>", re.S)  # a style sheet, a script; code, file and column names in <code>


def english_words(text: str) -> list[str]:
    """ASCII words in *text* that are neither an id, an allowed acronym, a file name nor a word of the
    Chinese source text."""
    text = TEMPLATE.sub(" ", str(text))
    text = FILE_NAME.sub(" ", ID.sub(" ", text))
    return [word for word in WORD.findall(text) if word not in ALLOWED | SOURCE_WORDS and len(word) > 1]


def markup_texts(markup: str) -> list[str]:
    """Texts of an HTML fragment: each table's caption, headers and cells, then the rest of the
    text and the tooltips."""
    markup = HIDDEN.sub(" ", markup)
    out: list[str] = re.findall(r'(?:title|aria-label|alt)="([^"]*)"', markup)
    for table in html_tables(markup):
        out.append(table.attrs.get("caption", ""))
        for column in table.columns:
            out.append(column)
            out += [str(v) for v in table[column]]
    out.append(text_of(re.sub(r"<table\b.*?</table>", " ", markup, flags=re.S)))
    return out


def widget_texts(widget: w.Widget, skip: set[int], *, unmark: bool = False) -> list[str]:
    """Visible texts of a widget tree: values of HTML widgets, descriptions, options, tooltips, placeholders.
    *unmark*: leave out the report's quotations marked as Chinese (``<span lang="zh">``)."""
    if id(widget) in skip:
        return []
    out: list[str] = []
    if isinstance(widget, (w.HTML, w.HTMLMath)):
        out += markup_texts(QUOTED.sub(" ", widget.value) if unmark else widget.value)
    for attr in ("description", "tooltip", "placeholder"):
        value = getattr(widget, attr, None)
        if isinstance(value, str):
            out.append(value)
    if isinstance(widget, (w.Dropdown, w.ToggleButtons, w.Select, w.RadioButtons)):
        out += [str(label) for label in widget._options_labels]
    if isinstance(widget, w.Text) and widget.value:
        out.append(widget.value)
    for child in getattr(widget, "children", ()):
        out += widget_texts(child, skip, unmark=unmark)
    return out


def figure_texts(figure) -> list[str]:
    """Texts a chart shows: title, axis titles, legend names, labels, tick and hover texts."""
    out: list[str] = []
    layout = figure.layout
    if (layout.get("title") or {}).get("text"):
        out.append(layout["title"]["text"])
    for axis in [layout[k] for k in layout if k.startswith(("xaxis", "yaxis"))]:
        if (axis.get("title") or {}).get("text"):
            out.append(axis["title"]["text"])
    out += [a["text"] for a in layout.get("annotations", ()) if a.get("text")]
    for trace in figure.data:
        for attr in ("name", "hovertemplate", "texttemplate", "text", "labels", "customdata", "x", "y", "hovertext"):
            value = trace.get(attr)
            if value is None:
                continue
            values = [value] if isinstance(value, str) else list(value) if hasattr(value, "__iter__") else []
            for v in values:
                if isinstance(v, str):
                    out.append(v)
                elif hasattr(v, "__iter__"):
                    out += [x for x in v if isinstance(x, str)]
        if trace["type"] == "sankey":
            out += list(trace["node"]["label"] or ())
            if trace["link"].get("hovertemplate"):
                out.append(trace["link"]["hovertemplate"])
    return out


def chart_views(page) -> list[ChartView]:
    return page.chart_views


def visible_texts(page) -> list[str]:
    """Everything the kernel has put on the page for the visitor."""
    # the language switch names both languages; a pasted link is the visitor's own text
    typed = [page.compare.paste] if hasattr(page, "compare") else []
    texts = widget_texts(page.widget, skip={id(page.lang_switch), *map(id, typed)})
    for view in chart_views(page):
        if view.figure is not None and view.widget.layout.display != "none":
            texts += figure_texts(view.figure)
            texts += markup_texts(table_html(view.table, page.lang, caption=view.caption))
    return texts


def offenders(page) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for text in visible_texts(page):
        words = english_words(text)
        if words:
            found[text[:120]] = words
    return found


def exercise(page) -> None:
    """Put each page in the states a visitor reaches: edits, uploads, other options."""
    if isinstance(page, OptionsPage):
        page.whatif_item.value = "D.1"
        page.whatif_theme.value = "T1"
    if isinstance(page, CoveragePage):
        page.search.value = "宽带"
        page.upload.value = upload_value("我的对应关系.csv", edited_mapping())


@pytest.mark.parametrize("cls", [OverviewPage, OptionsPage, CoveragePage, RankingsPage], ids=lambda c: c.key)
def test_every_page_in_chinese_shows_no_english_words(fw, cls):
    page = cls(fw, lang="zh")
    assert not offenders(page), offenders(page)
    exercise(page)
    assert not offenders(page), offenders(page)


def test_rankings_with_uploaded_responses_in_chinese(fw):
    from sopkit import survey

    page = RankingsPage(fw, lang="zh")
    items = survey.survey_items(fw, page.survey.value)
    content = survey.synthetic_responses(items, 7, seed=1).to_csv(index=False).encode()
    page.upload.value = upload_value("synthetic.csv", content)
    assert page.responses is not None
    for method in survey.METHODS:
        page.method.value = method
        assert not offenders(page), offenders(page)


def test_the_allowlist_holds_ids_acronyms_and_names_only():
    assert {"bookmark", "image", "Proposal", "GoBack", "Toc"}.isdisjoint(SOURCE_WORDS)
    assert {"Blanca", "Kemei", "Rullens", "Zoom", "MoU", "UNICEF"} <= SOURCE_WORDS
    assert english_words("Mexico United States Canada") == ["Mexico", "United", "States", "Canada"]


def test_the_scan_finds_english(fw):
    # guards the scan itself: an English page is full of words, ids and acronyms are not
    assert offenders(OptionsPage(fw, lang="en"))
    assert english_words("D.1-a T1 ITU-D.4 TDAG-20/DT/7 ITU TDAG-WG-SOP CSV 2021 成果") == []
    assert english_words("agreed 成果 themes-4") == ["agreed", "themes"]


# ---- more states, the brief, and the reverse: no Chinese on an English page (issue 22) ----------


def proposal_token(fw) -> str:
    from sopkit.whatif import WhatIf

    wi = WhatIf(fw, 4)
    wi.move("D.1-a", "T2")
    wi.move("D.3", "X")
    return wi.token


def states(page):
    """The page in more of the states a visitor reaches (every option and objective, both variants,
    a search, an upload with gaps in its ranks): yields after each change."""
    from sopkit import survey

    yield page
    if isinstance(page, OptionsPage):
        for option in page.fw.option_ids:
            page.option.value = option
            yield page
        page.variant.value = 5
        for objective in page.fw.objectives["id"]:
            page.objective.value = objective  # the detail: notes, suggestions, placements
            yield page
        page.whatif_item.value, page.whatif_theme.value = "D.7-b", "X"
        yield page
    if isinstance(page, OptionsPage | CoveragePage):  # two proposals side by side
        page.state.compare = "project"
        yield page
        page.state.mapping = page.state.compare = ""
        page.state.compare_source, page.state.compare_paste = (
            "link",
            "https://example.org/voila/render/options.ipynb?mapping=" + proposal_token(page.fw),
        )
        yield page
    if isinstance(page, CoveragePage):
        page.variant.value = 5
        page.search.value = "D.7"
        yield page
    if isinstance(page, RankingsPage):
        for sv in page.fw.surveys["id"]:
            page.survey.value = sv
            items = survey.survey_items(page.fw, sv)
            gapped = f"respondent,item,rank\nr1,{items[0]},3\nr2,{items[1]},1\nr2,{items[2]},2\n".encode()
            page.upload.value = upload_value("gaps.csv", gapped)
            yield page


@pytest.mark.parametrize("cls", [OverviewPage, OptionsPage, CoveragePage, RankingsPage], ids=lambda c: c.key)
def test_every_state_and_the_brief_in_chinese_show_no_english_words(fw, cls):
    for page in states(cls(fw, lang="zh")):
        assert not offenders(page), offenders(page)
        brief = {text[:120]: english_words(text) for text in markup_texts(page.brief_html()) if english_words(text)}
        assert not brief, brief


CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
# The report's own Chinese, quoted on an English page, is marked as Chinese (sopkit.i18n.mark_chinese):
QUOTED = re.compile(r'<span lang="zh"[^>]*>[^<]*</span>')


def chinese_outside_quotations(page) -> dict[str, list[str]]:
    """Chinese characters an English page shows outside the report's marked quotations."""
    texts = widget_texts(page.widget, skip={id(page.lang_switch)}, unmark=True)
    for view in chart_views(page):
        if view.figure is not None and view.widget.layout.display != "none":
            texts += figure_texts(view.figure)
            texts += markup_texts(QUOTED.sub(" ", table_html(view.table, page.lang, caption=view.caption)))
    texts += markup_texts(QUOTED.sub(" ", page.brief_html()))
    return {text[:120]: CJK.findall(text) for text in texts if CJK.search(text)}


@pytest.mark.parametrize("cls", [OverviewPage, OptionsPage, CoveragePage, RankingsPage], ids=lambda c: c.key)
def test_an_english_page_shows_no_chinese_outside_the_reports_quotations(fw, cls):
    for page in states(cls(fw, lang="en")):
        found = chinese_outside_quotations(page)
        assert not found, found


def test_the_chinese_scan_finds_chinese_and_skips_marked_quotations():
    from sopkit.i18n import mark_chinese

    marked = mark_chinese("printed &quot;连通信&quot; where 连通性 is meant")
    assert marked.count('<span lang="zh">') == 2
    assert not CJK.search(QUOTED.sub(" ", marked)) and CJK.search("the report's 包容性")
