"""Uploads tell the truth where the user looks (widget layer, no browser).

The problem message sits in the upload's own message area and is scrolled into
view; a file that is not text gets one line saying what it is; file bytes are
never echoed; a refused file never looks accepted; the same file can be chosen
twice; a user's mapping is called theirs everywhere.
"""

from __future__ import annotations

import pytest

from sopkit import survey
from sopkit.errors import CODES, Problem, not_text
from sopkit.i18n import t
from sopkit.limits import MAX_UPLOAD_BYTES
from sopkit.ui import CoveragePage, OptionsPage, RankingsPage
from sopkit.ui.common import ChartView
from ui_helpers import edited_mapping, html_tables, text_of, upload_value

NOT_TEXT = {
    "workbook.xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 40, "excel", {}),
    "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(range(256)) * 40, "excel_legacy", {}),
    "report.pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40, "pdf", {}),
    "chart.png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 40, "image", {"format": "PNG"}),
    "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 40, "image", {"format": "JPEG"}),
    "anim.gif": (b"GIF89a" + bytes(range(256)) * 40, "image", {"format": "GIF"}),
    "unicode.csv": ("respondent,item,rank\nr1,ITU-D.4,1\n".encode("utf-16"), "utf16", {}),
}


@pytest.fixture
def rankings(fw):
    return RankingsPage(fw)


@pytest.fixture
def coverage(fw):
    return CoveragePage(fw)


def responses_csv(fw, n: int = 5, seed: int = 1) -> bytes:
    items = survey.survey_items(fw, "itu-d-objectives")
    return survey.synthetic_responses(items, n, seed=seed).to_csv(index=False).encode()


def lines(markup: str) -> list[str]:
    return [text_of(li).strip() for li in markup.split("<li>")[1:]]


@pytest.mark.parametrize("name", list(NOT_TEXT))
def test_a_file_that_is_not_text_gets_one_line_saying_what_it_is(fw, coverage, rankings, name):
    content, code, params = NOT_TEXT[name]
    assert not_text(content) == (code, params)
    expected = Problem(name, None, None, code, params).text("en")
    for page, area in ((coverage, "mapping"), (rankings, "responses")):
        page.upload.value = upload_value(name, content)
        note = page.upload_note.value
        assert lines(note) == [f"{name}: -: {expected}"]
        assert "\\x" not in note and "\x00" not in note  # no file bytes echoed
        assert page.message.value == ""  # not at the top of the page, out of sight
        assert page.scrolled_to[-1] == f".sop-{area}-message"


def test_a_binary_file_without_a_signature_is_not_echoed(coverage):
    junk = bytes(range(128, 256)) * 200 + b"\n" + bytes(range(1, 127)) * 50
    coverage.upload.value = upload_value("junk.csv", junk)
    found = lines(coverage.upload_note.value)
    assert 1 <= len(found) <= 21  # capped, never a screenful of binary
    assert all(len(line) < 200 for line in found)


def test_long_values_are_shortened_and_escaped(fw, rankings):
    item = "<b>" + "x" * 500
    rankings.upload.value = upload_value("long.csv", f"respondent,item,rank\nr1,{item},1\n".encode())
    (line,) = lines(rankings.upload_note.value)
    assert len(line) < 200 and "x" * 60 not in line
    assert "&lt;b&gt;x" in rankings.upload_note.value and "<b>x" not in rankings.upload_note.value  # escaped


def test_a_refused_file_never_looks_accepted(fw, rankings):
    rankings.upload.value = upload_value("bad.csv", b"who,what\nx,y\n")
    assert "sop-message-error" in rankings.upload_note.value
    assert rankings.distribution.widget.layout.display == "none"
    assert text_of(rankings.responses_status.value).strip() == t("rankings.no_responses")


def test_a_refused_file_after_a_good_one_is_marked_so(fw, rankings):
    rankings.upload.value = upload_value("good.csv", responses_csv(fw))
    assert "good.csv" in rankings.responses_status.value
    rankings.upload.value = upload_value("bad.csv", b"who,what\nx,y\n")
    status = text_of(rankings.responses_status.value)
    assert "sop-previous" in rankings.responses_status.value
    assert "bad.csv" in status and "good.csv" in status  # whose analysis is on screen
    assert status.strip() != t("rankings.responses_loaded", name="good.csv", count=5)
    assert "bad.csv" in text_of(rankings.upload_note.value)


def test_the_same_file_chosen_twice_is_handled_twice(fw, coverage, rankings):
    content = b"who,what\nx,y\n"
    for page in (coverage, rankings):
        page.upload.value = upload_value("same.csv", content)
        assert page.upload.value == ()  # emptied after handling: the next choice is a change
        page.upload_note.value = ""
        page.upload.value = upload_value("same.csv", content)
        assert "same.csv" in page.upload_note.value
        assert len(page.scrolled_to) == 2


def test_the_same_good_file_again_after_clearing(fw, rankings):
    rankings.upload.value = upload_value("good.csv", responses_csv(fw))
    rankings.clear.click()
    assert rankings.responses is None
    rankings.upload.value = upload_value("good.csv", responses_csv(fw))
    assert rankings.responses is not None
    assert "good.csv" in rankings.responses_status.value


def test_oversized_upload_is_a_problem_code(coverage, rankings):
    big = b"x" * (MAX_UPLOAD_BYTES + 1)
    for page in (coverage, rankings):
        page.upload.value = upload_value("big.csv", big)
        assert lines(page.upload_note.value) == ["big.csv: -: " + t("problem.too_large", limit="1 MB")]


def test_problems_in_the_visitors_language(fw):
    page = RankingsPage(fw, lang="zh")
    page.upload.value = upload_value("workbook.xlsx", NOT_TEXT["workbook.xlsx"][0])
    assert lines(page.upload_note.value) == ["workbook.xlsx: -: " + t("problem.excel", "zh")]
    assert t("rankings.upload_invalid", "zh", name="workbook.xlsx") in text_of(page.upload_note.value)


# ---- whose mapping --------------------------------------------------------------------------------------


def mapping_labels(page) -> list[str]:
    """Chart titles, table captions and headers of a page: where a mapping is named."""
    found = []
    for view in vars(page).values():
        if isinstance(view, ChartView) and view.figure is not None:
            found += [view.figure.layout["title"]["text"] or "", view.caption]
    for widget in vars(page).values():
        value = getattr(widget, "value", None)
        if isinstance(value, str) and "<" in value:
            for table in html_tables(value):
                found += [table.attrs["caption"], *table.columns]
            found.append(text_of(value))
    return found


def says_proposal(texts: list[str], lang: str = "en") -> bool:
    """A title ending "— project's proposal", the proposal's caption or column, "by the project's mapping"."""
    return any(
        x.endswith(t("derived.short", lang)) or x in (t("derived.caption", lang), t("col.derived", lang)) or t("derived.partly", lang) in x
        for x in texts
    )


def says_yours(texts: list[str], lang: str = "en") -> bool:
    return any(t("derived.short_user", lang) in x for x in texts)


def test_coverage_says_the_uploaded_mapping_is_yours(coverage):
    assert says_proposal(mapping_labels(coverage)) and not says_yours(mapping_labels(coverage))
    coverage.upload.value = upload_value("mine.csv", edited_mapping("T1"))
    texts = mapping_labels(coverage)
    assert says_yours(texts) and not says_proposal(texts), texts
    assert coverage.coverage.caption == t("derived.caption_user")
    assert text_of(coverage.coverage_notice.value).strip() == text_of(t("derived.mapping_notice_user")).strip()
    coverage.reset.click()
    assert says_proposal(mapping_labels(coverage)) and not says_yours(mapping_labels(coverage))


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_options_says_the_edited_mapping_is_yours(fw, lang):
    page = OptionsPage(fw, lang=lang)
    assert says_proposal(mapping_labels(page), lang)
    page.whatif_item.value = "D.1"
    page.whatif_theme.value = "T1"
    texts = mapping_labels(page)
    assert says_yours(texts, lang) and not says_proposal(texts, lang), texts
    page.reset.click()
    assert says_proposal(mapping_labels(page), lang) and not says_yours(mapping_labels(page), lang)


def test_every_problem_code_renders_in_both_languages():
    for code, fields in CODES.items():
        params = {name: "x" for name in fields}
        for lang in ("en", "zh"):
            text = Problem("f.csv", 2, "c", code, params).text(lang)
            assert text and "{" not in text and text != f"problem.{code}", (code, lang)


@pytest.mark.parametrize("which", ["coverage", "rankings"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_file_the_server_stopped_as_too_large_is_said_beside_its_upload(fw, which, lang):
    """sopkit-serve hands the upload widget a small "too-large" note instead of a file over the
    limit (sopkit.serve.protocol): the page says so where the visitor looks, in their language."""
    page = (CoveragePage if which == "coverage" else RankingsPage)(fw, lang=lang)
    page.too_large_heard({"sopkit": "too-large", "bytes": 30 * 2**20}, page.upload_note, ".sop-upload-message")
    note = text_of(page.upload_note.value)
    assert "sop-message-error" in page.upload_note.value
    assert "1 MB" in note and t("upload.refused", lang) in note
    page.too_large_heard({"other": 1}, page.upload_note, ".sop-upload-message")  # anything else is not for this handler
    assert text_of(page.upload_note.value) == note


@pytest.mark.parametrize("broken", ["missing", "a-file", "descriptor-is-a-folder"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_unreadable_data_folder_gets_the_data_notice_without_server_paths(tmp_path, broken, lang):
    folder = tmp_path / "secret-server-path" / "data"
    if broken == "a-file":
        folder.parent.mkdir(parents=True)
        folder.write_text("not a folder")
    elif broken == "descriptor-is-a-folder":
        (folder / "datapackage.json").mkdir(parents=True)
    from sopkit.errors import DataError
    from sopkit.model import load_framework

    with pytest.raises(DataError):  # never an OSError escaping to Voila's English error page
        load_framework(folder)
    import os

    os.environ["SOPKIT_DATA"] = str(folder)
    try:
        page = OptionsPage(lang=lang)
    finally:
        del os.environ["SOPKIT_DATA"]
    shown = text_of(page.body.value)
    assert page.fw is None and t("error.data", lang) in shown
    assert str(tmp_path) not in page.body.value and "secret-server-path" not in page.body.value
