"""The outcome coverage page, driven through its widgets without a browser or kernel.

Uploads are simulated the way ipywidgets 8 stores them: ``FileUpload.value``
becomes a tuple of ``{name, type, size, content, last_modified}`` dicts.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import sopkit
from sopkit import analysis
from sopkit.i18n import t
from sopkit.limits import MAX_QUERY_CHARS, MAX_UPLOAD_BYTES
from sopkit.ui import CoveragePage, OptionsPage, OverviewPage, RankingsPage
from ui_helpers import download, edited_mapping, html_table, text_of, upload_value, without_column

ROOT = Path(__file__).resolve().parent.parent
MAPPING = ROOT / "data" / "mapping.csv"
D1_ITEMS = 12  # outcomes and outputs of ATU objective D.1


@pytest.fixture(scope="module")
def framework() -> sopkit.Framework:
    return sopkit.load_framework()


@pytest.fixture
def page(framework) -> CoveragePage:
    return CoveragePage(framework)


def covered(page: CoveragePage) -> dict[str, int]:
    table = page.coverage.table
    return dict(zip(table["theme"], table["items"]))


def upload(page: CoveragePage, name: str, content: bytes) -> None:
    page.upload.value = upload_value(name, content)


# ---- charts and filters ----------------------------------------------------------------------


def test_excluding_discussion_changes_the_heatmap(page, framework):
    before = [np.asarray(trace["z"]) for trace in page.heatmap.figure.data]
    assert [z.shape for z in before] == [(7, 2), (7, 2)]

    page.include_discussion.value = False

    after = [np.asarray(trace["z"]) for trace in page.heatmap.figure.data]
    assert [z.shape for z in after] == [(7, 1), (7, 1)]
    for z_before, z_after in zip(before, after):
        assert (z_after[:, 0] == z_before[:, 0]).all()  # the agreed column stays as it was
    assert list(page.heatmap.figure.data[0]["x"]) == [t("status.agreed")]
    assert set(page.coverage.table["outcomes discussion"]) == {0}
    assert set(page.heatmap.table.filter(like="discussion").to_numpy().ravel()) == {0}


def test_variant_toggle_changes_the_coverage_chart(page):
    # the priorities, then the cross-cutting placement
    assert len(page.coverage.figure.data[0]["y"]) == 4 + 1
    page.variant.value = 5
    assert len(page.coverage.figure.data[0]["y"]) == 5 + 1
    assert list(page.coverage.table["theme"]) == ["T1", "T2", "T3", "T4", "T5", "X"]


def test_language_switch(page):
    page.lang_switch.value = "zh"
    assert page.title.value == f"<h1>{t('coverage.title', 'zh')}</h1>"
    assert page.heatmap.figure.layout["title"]["text"].replace("<br>", "") == t("fig.heatmap.title", "zh")
    assert page.search.placeholder == t("coverage.search_placeholder", "zh")
    assert page.upload.description == t("coverage.upload", "zh")
    page.lang_switch.value = "en"
    assert page.heatmap.figure.layout["title"]["text"].replace("<br>", " ") == t("fig.heatmap.title")


# ---- search ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["宽带", "broadband", "BROADBAND"])
def test_search_finds_items_in_either_language(page, framework, query):
    assert text_of(page.results.value).strip() == t("coverage.search_hint")
    page.search.value = query
    expected = analysis.search_items(framework, query)["item"].tolist()
    assert expected == ["D.2-1", "D.7-b", "D.7-e"]
    assert t("coverage.search_count", count=3, query=query) in text_of(page.results.value)
    assert html_table(page.results.value)[t("col.item")].tolist() == expected


@pytest.mark.parametrize("query", [".*", "[(", "a|b", "\\", "(?P<x>", "%s{0}", "*" * 50])
def test_search_takes_regex_metacharacters_literally(page, query):
    page.search.value = query
    assert page.message.value == ""  # no error shown
    assert t("coverage.search_count", count=0, query=query) in text_of(page.results.value)


def test_search_escapes_html(page):
    page.search.value = "<img src=x onerror=alert(1)>"
    assert "<img" not in page.results.value
    assert "&lt;img" in page.results.value


def test_very_long_query_is_cut_and_answered(page):
    page.search.value = "x" * 10_000
    shown = text_of(page.results.value)
    assert t("coverage.search_count", count=0, query="x" * MAX_QUERY_CHARS) in shown
    assert "x" * (MAX_QUERY_CHARS + 1) not in shown
    assert page.message.value == ""


def test_clearing_the_search_shows_the_hint_again(page):
    page.search.value = "broadband"
    page.search.value = "   "
    assert text_of(page.results.value).strip() == t("coverage.search_hint")


# ---- upload ---------------------------------------------------------------------------------------


def test_upload_of_an_edited_mapping_changes_coverage(page):
    before = covered(page)
    heatmap_before = [np.asarray(tr["z"]).tolist() for tr in page.heatmap.figure.data]

    upload(page, "my-mapping.csv", edited_mapping("T1"))

    after = covered(page)
    assert after["T1"] == before["T1"] + D1_ITEMS
    assert after["T4"] + after["X"] == before["T4"] + before["X"] - D1_ITEMS  # D.1: 4 on T4, 8 cross-cutting
    assert "my-mapping.csv" in page.mapping_status.value
    assert text_of(page.upload_note.value).strip() == t("coverage.upload_ok", name="my-mapping.csv")
    assert page.message.value == ""
    # agreed/contested counts do not depend on the mapping
    assert [np.asarray(tr["z"]).tolist() for tr in page.heatmap.figure.data] == heatmap_before


def test_upload_of_the_options_page_download(page, framework):
    options = OptionsPage(framework)
    options.whatif_item.value = "D.1"
    options.whatif_theme.value = "T2"

    upload(page, "mapping.csv", download(options.mapping_download.value, "sop-download-mapping"))

    assert "sop-message-error" not in page.upload_note.value
    options_cov = html_table(options.coverage_table.value)
    assert dict(zip(options_cov[t("col.theme")], options_cov[t("col.items")].astype(int))) == covered(page)


def test_reset_returns_to_the_bundled_mapping(page):
    before = covered(page)
    upload(page, "my-mapping.csv", edited_mapping("T1"))
    assert covered(page) != before
    page.reset.click()
    assert covered(page) == before
    assert text_of(page.mapping_status.value).strip() == t("coverage.mapping_bundled")


def _unknown_item() -> bytes:
    return edited_mapping().replace(b"\n4,D.1-a,", b"\n4,D.9-z,", 1)


def _wrong_columns() -> bytes:
    return b"objective,priority\nD.1,T1\n"


def _not_utf8() -> bytes:
    # a mapping without its Chinese reasons (as older files are), saved as Latin-1
    return without_column(edited_mapping(), "rationale_zh").decode("utf-8").replace("International", "Internätional").encode("latin-1")


def _too_large() -> bytes:
    return edited_mapping() + b"#" * MAX_UPLOAD_BYTES


BAD_UPLOADS = {
    "unknown-item.csv": (_unknown_item, "D.9-z"),
    "wrong-columns.csv": (_wrong_columns, "objective"),
    "latin1.csv": (_not_utf8, "UTF-8"),
    "huge.csv": (_too_large, "larger than 1 MB"),
    "empty.csv": (lambda: b"", "empty"),
}


@pytest.mark.parametrize("name", list(BAD_UPLOADS))
def test_bad_upload_is_refused_with_a_readable_message(page, name):
    upload(page, "good.csv", edited_mapping("T2"))
    kept = covered(page)
    content, detail = BAD_UPLOADS[name]

    upload(page, name, content())

    message = page.upload_note.value  # beside the upload control, not at the top of the page
    assert "sop-message-error" in message
    assert page.scrolled_to[-1] == ".sop-mapping-message"
    text = text_of(message)
    assert name in text and detail in text
    # Every problem line names the user's file (a file-size refusal is one line, not a list).
    problems = [text_of(li).strip() for li in re.findall(r"<li>(.*?)</li>", message)]
    assert problems or name == "huge.csv"
    assert all(p.startswith(f"{name}:") for p in problems), problems
    assert "Traceback" not in text
    assert covered(page) == kept  # the previous (uploaded) mapping stays on screen ...
    assert "good.csv" in page.mapping_status.value
    assert name in text_of(page.mapping_status.value)  # ... said to be the previous file's
    page.variant.value = 5
    page.variant.value = 4
    assert covered(page) == kept  # ... and in use for the next redraw
    assert "good.csv" in page.mapping_status.value


def test_uploaded_file_name_is_reduced_to_its_base_name(page):
    upload(page, "../../etc/evil<script>.csv", _wrong_columns())
    text = text_of(page.upload_note.value)
    assert "evil<script>.csv" in text and "../" not in text
    assert "<script>" not in page.upload_note.value  # escaped, not markup


# ---- broken data -------------------------------------------------------------------------------------


def _break_status(folder: Path) -> str:
    path = folder / "outcomes.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",agreed,", ",agreeed,", 1), encoding="utf-8")
    return "outcomes.csv"


def _drop_table(folder: Path) -> str:
    (folder / "themes.csv").unlink()
    return "themes.csv"


@pytest.mark.parametrize("breaker", [_break_status, _drop_table])
@pytest.mark.parametrize("page_class", [CoveragePage, OptionsPage, OverviewPage, RankingsPage])
def test_broken_data_shows_an_error_not_a_traceback(tmp_path, monkeypatch, breaker, page_class):
    folder = Path(shutil.copytree(ROOT / "data", tmp_path / "data"))
    file_name = breaker(folder)
    monkeypatch.setenv("SOPKIT_DATA", str(folder))

    page = page_class()

    assert page.fw is None
    body = page.body.value
    assert 'class="sop-message-error"' in body
    assert file_name in text_of(body)
    assert t("error.data") in text_of(body)
    assert "Traceback" not in body
    assert page.title.value == f"<h1>{t(f'{page.key}.title')}</h1>"
    page.lang_switch.value = "zh"  # still operable, and the error follows the language
    assert page.title.value == f"<h1>{t(f'{page.key}.title', 'zh')}</h1>"
    assert t("error.data", "zh") in text_of(page.body.value)


# ---- cross-cutting and the reasons (issue 11, part 4) --------------------------------------------


def test_placements_table_gives_every_item_its_home_and_reason(page):
    value = page.placements.value
    assert t("coverage.placements", variant=4, count=15) in value  # D.4 and 14 outcomes and outputs
    table = html_table(value).set_index(t("col.item"))
    assert len(table) == 67
    assert table.loc["D.4-2", t("col.theme")] == "X" and table.loc["D.4-2", t("col.rule_name")] == "Delivery for every priority"
    assert "audience" in table.loc["D.4-2", t("col.rationale")]
    page.variant.value = 5
    assert html_table(page.placements.value).set_index(t("col.item")).loc["D.6-a", t("col.theme")] == "T5"


def test_placements_follow_an_uploaded_mapping(page):
    upload(page, "my-mapping.csv", edited_mapping("T1"))
    table = html_table(page.placements.value).set_index(t("col.item"))
    assert table.loc["D.1-1", t("col.theme")] == "T1"
    assert t("coverage.placements_caption_user") in page.placements.value


def test_coverage_chart_shows_cross_cutting_apart(page):
    assert page.coverage.figure.data[0]["y"][-1].startswith("X ")
    assert page.coverage.table.set_index("theme").loc["X", "items"] == 14


def test_a_mapping_without_chinese_reasons_loads_and_shows_its_own_words(framework):
    # rationale_zh is optional in an uploaded mapping: missing, it is empty, and a Chinese page
    # shows the file's rationale_en (the user's words), never an empty cell or an English-only tag.
    content = without_column(edited_mapping(), "rationale_zh")
    fw = framework.with_mapping(content, name="old.csv")
    assert fw.mapping["rationale_zh"].isna().all()
    page = CoveragePage(framework, lang="zh")
    upload(page, "old.csv", content)
    assert page.mapping_name == "old.csv"
    table = html_table(page.placements.value).set_index(t("col.item", "zh"))
    assert "audience" in table.loc["D.4-2", t("col.rationale", "zh")]
    # the project's own mapping: its Chinese reason
    page = CoveragePage(framework, lang="zh")
    reason = html_table(page.placements.value).set_index(t("col.item", "zh")).loc["D.4-2", t("col.rationale", "zh")]
    assert "受益对象" in reason and "audience" not in reason
