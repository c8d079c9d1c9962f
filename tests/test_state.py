"""A page's state apart from its widgets (sopkit/ui/state.py): the view declared once on it,
widgets that only show it, and pages that follow it, set here as a link or a test sets it."""

from __future__ import annotations

import html

import ipywidgets as w
import pytest
from traitlets import Bool, Unicode

from sopkit import proposal
from sopkit.i18n import t
from sopkit.ui import CoveragePage, OptionsPage, RankingsPage
from sopkit.ui.state import Binding, PageState
from sopkit.whatif import WhatIf


class DemoState(PageState):
    VIEW = (("lang", "lang"), ("colour", "colour"), ("on", "flag"), ("q", "text"))
    colour = Unicode("red")
    flag = Bool(True)
    text = Unicode("").tag(max_chars=5)


def test_the_view_is_declared_on_the_state():
    state = DemoState({"colour": ("red", "blue")})
    assert [(f.key, f.kind, f.default) for f in state.view_fields()] == [
        ("lang", "choice", "en"),
        ("colour", "choice", "red"),
        ("on", "flag", True),
        ("q", "text", ""),
    ]
    assert state.view_query() == "lang=en"
    ignored = state.apply_query("colour=blue&on=0&q=toolong&zz=1")
    assert (state.colour, state.flag, state.text) == ("blue", False, "")
    assert ignored == ["q", "zz"]
    assert state.view_query() == "lang=en&colour=blue&on=0"


def test_a_bound_widget_shows_its_trait_and_a_visitor_sets_it():
    state = DemoState({"colour": ("red", "blue")})
    bind = Binding(state)
    box = bind.bind(w.Dropdown(options=[("Red", "red"), ("Blue", "blue")]), "colour")
    assert box.value == "red"
    state.colour = "blue"
    assert box.value == "blue"
    box.value = "red"  # the visitor chooses
    assert state.colour == "red"


def test_new_option_labels_never_reach_the_state_as_the_first_option():
    state = DemoState({"colour": ("red", "blue")})
    bind = Binding(state)
    box = bind.bind(w.Dropdown(options=[("Red", "red"), ("Blue", "blue")]), "colour")
    state.colour = "blue"
    seen = []
    state.observe(lambda change: seen.append(change["new"]), "colour")
    bind.set_options(box, [("红", "red"), ("蓝", "blue")])
    assert seen == [] and box.value == "blue" and box.label == "蓝"
    bind.set_options(box, [("Green", "green"), ("Red", "red")])  # blue no longer offered: the first option
    assert seen == ["green"] and state.colour == "green"


def test_setting_the_state_redraws_the_options_page(fw):
    page = OptionsPage(fw)
    page.state.option = "themes-5"
    assert page.state.variant == 5 and page.variant.value == 5  # the option's variant follows
    assert page.option.value == "themes-5"
    assert page.flow.table is not None and "T5" in set(page.flow.table["theme"])
    page.state.objective = "D.3"
    assert "D.3" in page.detail.value
    page.state.lang = "zh"
    assert page.lang == "zh" and t("options.title", "zh") in page.title.value
    assert page.view_query() == "lang=zh&option=themes-5&variant=5&objective=D.3"
    assert page.bridge.view == page.view_query()


def test_a_token_in_the_state_is_the_linked_proposal(fw):
    wi = WhatIf(fw, 4)
    wi.move("D.1-a", "T2")
    page = OptionsPage(fw)
    page.state.mapping = wi.token
    assert page.whose() == "linked" and page.whatif.edits == wi.edits
    assert t("derived.short_linked", "en") in page.flow.figure.layout["title"]["text"]
    page.state.whatif_item, page.state.whatif_theme = "D.3-c", "X"  # a move of the visitor's own
    assert page.whose() == "user" and page.state.mapping == page.whatif.token != wi.token


def test_a_refused_token_leaves_the_address(fw):
    page = CoveragePage(fw)
    page.state.mapping = "1" + "x" * 20
    assert page.state.mapping == "" and page.whose() == "project"
    assert html.escape(t("proposal.refused.damaged", "en")) in page.message.value


@pytest.mark.parametrize("page_class", [OptionsPage, CoveragePage])
def test_what_is_compared_is_state_too(fw, page_class):
    page = page_class(fw)
    page.state.mapping = proposal.encode(fw, WhatIf(fw, 4).mapping).token  # nothing moved: ""
    wi = WhatIf(fw, 4)
    wi.move("D.1-a", "T2")
    page.state.compare = wi.token
    assert page.compare.comparison is not None and page.compare.comparison.moved == 1
    assert page.state.compare_source == "link" and page.compare.source.value == "link"
    assert page.compare.moves.figure.data[0]["type"] == "sankey"
    page.state.compare = "project"
    assert page.compare.comparison.moved == 0 and page.state.compare_source == "bundled"
    page.state.compare_source = "none"
    assert page.state.compare == "" and page.compare.comparison is None
    assert page.compare.moves.widget.layout.display == "none"


def test_rankings_follow_their_state(fw):
    page = RankingsPage(fw)
    page.state.strength = 0.25
    assert page.strength.value == 0.25 and page.weighted.figure is not None
    other = fw.surveys["id"].iloc[1]
    page.state.survey = other
    assert page.survey.value == other and page.view_query() == f"lang=en&survey={other}&strength=0.25"


def test_the_comparison_is_in_the_brief(fw):
    page = OptionsPage(fw)
    wi = WhatIf(fw, 4)
    wi.move("D.1-a", "T2")
    page.state.compare = wi.token
    assert page.compare.moves in page.charts()
    brief = page.brief_html()
    assert "sankey" in brief and html.escape(t("compare.moves_caption", "en")) in brief
    assert f"compare={wi.token}" in brief  # its link back carries the comparison


def test_a_wrong_mapping_file_to_compare_with_is_refused_beside_its_button(fw):
    from ui_helpers import edited_mapping, upload_value

    page = CoveragePage(fw, lang="zh")
    page.state.compare_source = "file"
    page.compare.upload.value = upload_value("theirs.csv", b"variant,item\n4,D.9-z\n")
    assert "theirs.csv" in page.compare.note.value and "sop-message-error" in page.compare.note.value
    assert page.compare.comparison is None and page.state.compare == ""
    assert page.scrolled_to == [".sop-compare-message"]
    page.compare.upload.value = upload_value("ours.csv", edited_mapping())  # a good file next: compared, its name shown
    assert page.compare.comparison is not None and page.compare.comparison.moved > 0
    assert page.compare.note.value == "" and "ours.csv" in page.compare.summary.value
    assert page.state.compare not in ("", "project")  # its placements travel in the link
