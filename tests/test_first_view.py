"""The first view of a page (sopkit/ui/first_view.py), without a browser: what the page's HTML
holds, and that only Voila's kernels emit it (nbval and JupyterLab see nothing new)."""

from __future__ import annotations

import html
import json
import re

import pytest

from sopkit.i18n import t
from sopkit.ui import CoveragePage, OptionsPage, OverviewPage, RankingsPage
from sopkit.ui import first_view as fv


def info_of(text: str) -> dict:
    match = re.search(r'data-sop-first-view="([^"]*)"', text)
    assert match, "no snapshot root"
    return json.loads(html.unescape(match.group(1)))


def test_the_snapshot_is_the_page_as_ipywidgets_draws_it(fw):
    page = OptionsPage(fw)
    text = fv.first_view_html(page)
    info = info_of(text)
    assert info["page"] == "options" and info["view"] == page.view_query() and info["lang"] == "en"
    assert info["texts"]["starting"] == f"{t('first_view.starting', 'en')} / {t('first_view.starting', 'zh')}"
    # The page's own element, marked; ipywidgets' classes, the page's own classes, the layout inline.
    root = re.search(r"<div [^>]*data-sop-first-view[^>]*>", text).group(0)
    assert 'class="sop-first-view lm-Widget lm-Panel jupyter-widgets widget-container widget-box widget-vbox sop-page sop-page-options"' in root
    assert 'class="lm-Widget jupyter-widgets widget-inline-hbox widget-dropdown sop-option"' in text
    assert "max-width: 100%;" in text and "width: 420px;" in text
    assert f"<h1>{t('options.title', 'en')}</h1>" in text
    assert "--jp-widgets-inline-height" in text  # ipywidgets' stylesheet travels along
    assert text.count("<script>") == 1 and "sopkitFirstView" in text


def test_the_snapshot_follows_the_view_and_the_language(fw):
    page = OptionsPage(fw, "zh", view="option=atu-7")
    text = fv.first_view_html(page)
    assert info_of(text)["view"] == page.view_query() and "option=atu-7" in page.view_query()
    assert f"<h1>{t('options.title', 'zh')}</h1>" in text
    selected = re.search(r'class="[^"]*sop-option"[^>]*>.*?<option value="([^"]*)" selected>', text, re.S)
    assert selected and selected.group(1) == t("option.atu-7", "zh")
    assert info_of(text)["texts"]["wait"].startswith(t("first_view.wait", "zh"))


def test_charts_travel_as_figure_json_and_nothing_ends_a_script_early(fw):
    page = RankingsPage(fw)
    for i, view in enumerate(page.charts()):  # outside a kernel the chart widgets hold no figure: give them one
        view.plot.figure = {"data": [{"type": "bar", "x": ["</script><b>"], "y": [i]}], "layout": {"title": {"text": "x"}}}
    text = fv.first_view_html(page)
    figures = re.findall(r'<script type="application/json" class="sop-first-figure">(.*?)</script>', text)
    assert len(figures) == len(page.charts()) == text.count('class="sop-plot sop-first-plot"')
    assert json.loads(figures[0])["data"][0]["x"] == ["</script><b>"]


def test_only_voila_kernels_show_it(fw, monkeypatch, capsys):
    shown = []
    monkeypatch.setattr(fv, "display", lambda obj, raw=False: shown.append((obj, raw)))
    page = OptionsPage(fw)
    monkeypatch.delenv("VOILA_KERNEL_ID", raising=False)
    fv.show_first_view(page)
    assert shown == []  # nbval, JupyterLab, scripts
    monkeypatch.setenv("VOILA_KERNEL_ID", "k")
    monkeypatch.setenv("SOPKIT_FIRST_VIEW", "0")
    fv.show_first_view(page)
    assert shown == []
    monkeypatch.delenv("SOPKIT_FIRST_VIEW")
    fv.show_first_view(page)
    assert len(shown) == 2 and all(raw is True and list(obj) == [fv.MIME] for obj, raw in shown)  # English, Chinese


@pytest.fixture
def voila_kernel(monkeypatch, tmp_path):
    """A Voila kernel's environment, its snapshots kept in tmp_path/cache; what it displays."""
    shown: list[str] = []
    monkeypatch.setattr(fv, "display", lambda obj, raw=False: shown.append(obj[fv.MIME]))
    monkeypatch.setenv("VOILA_KERNEL_ID", "k")
    monkeypatch.setenv("SOPKIT_FIRST_VIEW_CACHE", str(tmp_path / "cache"))
    return shown


@pytest.mark.parametrize("page_class", [OverviewPage, OptionsPage, CoveragePage, RankingsPage])
def test_a_chinese_address_gets_its_own_snapshot_and_the_page_stays_english(fw, voila_kernel, page_class):
    page = page_class(fw)
    before = fv.first_view_html(page)
    fv.show_first_view(page)
    own, other = voila_kernel
    assert own == before and "address" not in info_of(own)  # the default: an address without lang
    info = info_of(other)
    assert info["lang"] == "zh" and info["address"] == {"lang": "zh"} and info["view"] == "lang=zh"
    assert f"<h1>{t(f'{page.key}.title', 'zh')}</h1>" in other
    assert info["texts"]["starting"].startswith(t("first_view.starting", "zh"))
    # The kernel goes on as the page it rendered: English, no message, the same snapshot.
    assert page.lang == "en" and page.message.value == "" and fv.first_view_html(page) == before


def test_the_other_language_is_made_once_and_kept(fw, voila_kernel, monkeypatch, tmp_path):
    made = []
    real = fv.other_language_html
    monkeypatch.setattr(fv, "other_language_html", lambda page: made.append(page.key) or real(page))
    fv.show_first_view(OptionsPage(fw))
    fv.show_first_view(OptionsPage(fw))  # the next kernel
    assert made == ["options"] and voila_kernel[1] == voila_kernel[3]
    assert len(list((tmp_path / "cache").glob("options-*.html"))) == 1
    fv.show_first_view(OptionsPage(fw, view="option=atu-7"))  # another view: made anew
    assert made == ["options", "options"]
    monkeypatch.setenv("SOPKIT_FIRST_VIEW_CACHE", "0")
    fv.show_first_view(OptionsPage(fw))
    assert made == ["options", "options", "options"]


def test_edited_data_makes_a_new_snapshot(data_copy, voila_kernel, edit_csv, tmp_path):
    from sopkit import load_framework

    first = OverviewPage(load_framework(data_copy))
    key = fv.cache_key(first, fv.first_view_html(first))
    assert fv.cache_key(first, fv.first_view_html(first)) == key  # stable
    # A Chinese text only (the English snapshot is the same): the key still changes.
    edit_csv(data_copy / "themes.csv", lambda rows: rows[1].__setitem__(rows[0].index("note_zh"), "改"))
    second = OverviewPage(load_framework(data_copy))
    assert fv.cache_key(second, fv.first_view_html(second)) != key


def test_a_failure_in_the_other_language_leaves_the_page_as_it_was(fw, voila_kernel, monkeypatch):
    page = OptionsPage(fw)
    before = fv.first_view_html(page)
    monkeypatch.setattr(type(page), "relabel", lambda self: 1 / 0 if self.lang == "zh" else None)
    monkeypatch.setenv("SOPKIT_FIRST_VIEW_CACHE", "0")
    fv.show_first_view(page)
    assert voila_kernel == [before]  # no Chinese snapshot: a Chinese address gets the loading screen
    assert page.lang == "en" and page.message.value == ""


@pytest.mark.parametrize("name", ["chart.js", "first_view.js"])
def test_the_scripts_know_each_other(name):
    # chart.js claims the first view's plots; first_view.js offers them (sopkitFirstView.claim).
    text = (fv.HERE / name).read_text(encoding="utf-8")
    assert "sopkitFirstView" in text and "claim" in text
