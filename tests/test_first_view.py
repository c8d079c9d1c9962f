"""The first view of a page (sopkit/ui/first_view.py), without a browser: what the page's HTML
holds, and that only Voila's kernels emit it (nbval and JupyterLab see nothing new)."""

from __future__ import annotations

import html
import json
import re

import pytest

from sopkit.i18n import t
from sopkit.ui import OptionsPage, RankingsPage
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
    assert len(shown) == 1 and shown[0][1] is True and list(shown[0][0]) == [fv.MIME]


@pytest.mark.parametrize("name", ["chart.js", "first_view.js"])
def test_the_scripts_know_each_other(name):
    # chart.js claims the first view's plots; first_view.js offers them (sopkitFirstView.claim).
    text = (fv.HERE / name).read_text(encoding="utf-8")
    assert "sopkitFirstView" in text and "claim" in text
