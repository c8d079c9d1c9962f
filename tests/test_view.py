"""A page's view in a link: sopkit.view (pure parse/format) and the pages' plumbing, no browser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sopkit.i18n import t
from sopkit.ui import CoveragePage, OptionsPage, OverviewPage, RankingsPage
from sopkit.view import MAX_VIEW_PARAMS, MAX_VIEW_QUERY_CHARS, ViewField, format_query, parse_query, value_text

FIELDS = [
    ViewField("lang", "choice", "en", choices=("en", "zh"), always=True),
    ViewField("variant", "choice", 4, choices=(4, 5)),
    ViewField("strength", "choice", 0.5, choices=(0.0, 0.25, 0.5, 0.75, 1.0)),
    ViewField("discussion", "flag", True),
    ViewField("q", "text", ""),
]


def test_format_leaves_defaults_out_but_keeps_the_language_and_encodes_text():
    values = {"lang": "en", "variant": 5, "strength": 0.5, "discussion": False, "q": "ICT skills & 数字"}
    assert format_query(values, FIELDS) == "lang=en&variant=5&discussion=0&q=ICT%20skills%20%26%20%E6%95%B0%E5%AD%97"


def test_parse_reads_back_what_format_wrote():
    values = {"lang": "zh", "variant": 5, "strength": 0.25, "discussion": False, "q": "a=b&c"}
    parsed = parse_query("?" + format_query(values, FIELDS), FIELDS)
    assert parsed.values == values and parsed.ignored == []


@pytest.mark.parametrize(
    ("query", "values", "ignored"),
    [
        ("variant=9", {}, ["variant"]),  # not a choice
        ("strength=7&lang=fr", {}, ["strength", "lang"]),
        ("discussion=yes", {}, ["discussion"]),  # flags are 1 or 0
        ("option=themes-9&variant=5", {"variant": 5}, ["option"]),  # unknown key
        ("variant=5&variant=4", {"variant": 5}, ["variant"]),  # repeated: the first stays
        ("q=" + "x" * 10_000, {}, ["q"]),  # longer than a search
        ("q=a%00b", {}, ["q"]),  # control characters
        ("", {}, []),
        ("x" * (MAX_VIEW_QUERY_CHARS + 1), {}, ["…"]),  # not read at all
    ],
)
def test_bad_parts_are_ignored_and_named(query, values, ignored):
    parsed = parse_query(query, FIELDS)
    assert parsed.values == values
    assert parsed.ignored == ignored


def test_too_many_parameters_and_long_keys_are_cut():
    parsed = parse_query("&".join(f"k{i}=1" for i in range(50)), FIELDS)
    assert len(parsed.ignored) == MAX_VIEW_PARAMS + 1 and parsed.ignored[-1] == "…"
    assert parse_query("k" * 500 + "=1", FIELDS).ignored == ["k" * 24 + "…"]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_parse_never_raises_and_keeps_only_allowed_values(query):
    parsed = parse_query(query, FIELDS)
    by_key = {f.key: f for f in FIELDS}
    for key, value in parsed.values.items():
        assert by_key[key].read(value_text(value)) == (True, value)


# ---- the pages ------------------------------------------------------------------------------------------


def test_every_page_declares_its_view_and_starts_at_the_default(fw):
    for page_class, keys in (
        (OverviewPage, ["lang"]),
        (OptionsPage, ["lang", "option", "variant", "discussion", "proposed", "objective", "mapping", "compare"]),
        (CoveragePage, ["lang", "discussion", "proposed", "variant", "q", "mapping", "compare"]),
        (RankingsPage, ["lang", "survey", "strength", "method"]),
    ):
        page = page_class(fw)
        assert [f.key for f in page.view_fields()] == keys
        assert page.view_query() == "lang=en"
        assert page.bridge.view == "lang=en"


def test_a_view_applies_as_if_chosen_and_bad_parts_get_a_bilingual_notice(fw):
    page = OptionsPage(fw, view="lang=zh&option=themes-5&objective=D.3&strength=7")
    assert (page.lang, page.option.value, page.variant.value, page.objective.value) == ("zh", "themes-5", 5, "D.3")
    assert page.view_query() == "lang=zh&option=themes-5&variant=5&objective=D.3"
    assert page.bridge.view.startswith("lang=zh&option=themes-5")  # published for the address bar
    notice = page.message.value
    assert t("view.ignored", "zh", keys="strength") in notice and t("view.ignored", "en", keys="strength") in notice
    # The flow chart follows the variant from the link, as after a click.
    assert page.flow.table is not None and set(page.flow.table["theme"]) <= {*(f"T{i}" for i in range(1, 6)), "X"}  # X: cross-cutting


def test_the_browser_hello_is_untrusted_and_acknowledged(fw):
    page = CoveragePage(fw)
    page.bridge.heard_from_browser(
        {"type": "hello", "n": 1, "href": "https://example.org/voila/render/coverage.ipynb?variant=5&q=skills&zz=" + "x" * 10_000}
    )
    assert (page.variant.value, page.search.value) == (5, "skills")
    assert page.bridge.heard == 1
    assert "zz" in page.message.value and "x" * 50 not in page.message.value
    assert page.view_url() == "https://example.org/voila/render/coverage.ipynb?lang=en&variant=5&q=skills"
    for junk in ["not json", [], {"n": "x"}, {"n": 2, "href": "javascript:alert(1)?variant=4"}, {"n": 3, "href": "x" * 100_000}]:
        page.bridge.heard_from_browser({"type": "hello", **junk} if isinstance(junk, dict) else junk)
    assert page.variant.value == 4  # the javascript: address's query applies; its address is not kept
    assert page.view_url().startswith("https://example.org/")


def test_rankings_view(fw):
    page = RankingsPage(fw, view="strength=0.25&method=copeland")
    assert (page.strength.value, page.method.value) == (0.25, "copeland")
    assert page.view_query() == "lang=en&strength=0.25&method=copeland"


class RecordingComm:
    """A widget's comm that records the ``index`` each state message would send to the browser."""

    kernel = True

    def __init__(self, name: str, sent: list) -> None:
        self.name, self.sent = name, sent
        self.comm_id = f"recording-{name}-{id(self)}"

    def on_msg(self, _callback) -> None:
        pass

    def send(self, data=None, buffers=None, **_kwargs) -> None:
        if data and data.get("method") == "update":
            self.sent.extend((self.name, v) for k, v in data["state"].items() if k == "index")


@pytest.mark.parametrize(
    ("page_class", "view", "dropdowns"),
    [
        (RankingsPage, "survey=S2&method=copeland", ("survey", "method")),
        (OptionsPage, "option=themes-5&objective=D.3", ("option", "objective")),
    ],
)
def test_a_language_switch_keeps_the_view_at_every_moment(fw, page_class, view, dropdowns):
    # ipywidgets selects a dropdown's first option whenever its options change; relabelling puts
    # the value back, but neither the browser nor the address bar may ever see the first option.
    page = page_class(fw, view=view)
    query = page.view_query()
    published: list[str] = []
    page.bridge.observe(lambda change: published.append(change["new"]), "view")
    sent: list[tuple[str, object]] = []
    for name in dropdowns:
        widget = getattr(page, name)
        widget.comm = RecordingComm(name, sent)  # what would reach the browser
    kept = {name: getattr(page, name).index for name in dropdowns}
    for lang in ("zh", "en"):
        page.lang_switch.value = lang
        assert page.view_query() == query.replace("lang=en", f"lang={lang}")
    assert published and all(query.split("&", 1)[1] in view for view in published), published
    assert all(index == kept[name] for name, index in sent), sent
