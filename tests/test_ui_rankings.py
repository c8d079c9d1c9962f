"""The priority rankings page, driven through its widgets without a browser or kernel.

The report publishes only the rank order; the uploads here are synthetic responses
(``survey.synthetic_responses``) or ballots written in the test, never real answers.
"""

from __future__ import annotations

import pytest

from sopkit import survey
from sopkit.i18n import t
from sopkit.ui import RankingsPage
from sopkit.ui.rankings import MAX_UPLOAD_BYTES
from ui_helpers import html_table, text_of, upload_value

ITU_D = "itu-d-objectives"
GOALS = "strategic-goals"


@pytest.fixture
def page(fw) -> RankingsPage:
    return RankingsPage(fw)


def upload(page: RankingsPage, name: str, content: bytes) -> None:
    page.upload.value = upload_value(name, content)


def ballots(order: list[str], n: int) -> bytes:
    """*n* respondents who all rank the items in *order*."""
    lines = ["respondent,item,rank"] + [f"r{r},{item},{k}" for r in range(1, n + 1) for k, item in enumerate(order, start=1)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def scores_shown(page: RankingsPage) -> list[float]:
    """Scores of the weighted-coverage bars, one per option in the data's order."""
    return [round(float(y), 3) for y in page.weighted.figure.data[0]["y"]]


# ---- published order, landing, survey ----------------------------------------------------------------


def test_opens_on_the_first_survey_with_its_published_order(page, fw):
    assert page.survey.value == fw.surveys["id"].iloc[0] == ITU_D
    assert list(page.order.table["item"]) == survey.published_order(fw, ITU_D)
    assert list(page.order.table["rank"]) == [1, 2, 3, 4]
    assert page.distribution.widget.layout.display == "none"  # no responses are bundled
    assert text_of(page.responses_status.value).strip() == t("rankings.no_responses")


def test_survey_dropdown_changes_every_view(page, fw):
    landing_before = page.landing.table.copy()

    page.survey.value = GOALS

    assert list(page.order.table["item"]) == survey.published_order(fw, GOALS)
    assert len(page.order.figure.data[0]["y"]) == 5
    assert len(page.landing.table) == 5 * len(fw.option_ids)
    assert not page.landing.table.equals(landing_before)
    expected = survey.weighted_coverage(fw, GOALS, page.strength.value)["score"].round(3).tolist()
    assert scores_shown(page) == expected
    assert "Goal 1" in text_of(page.responses_help.value)


def test_landing_table_names_each_option(page, fw):
    assert set(page.landing.table["option"]) == {t(f"option.{o}") for o in fw.option_ids}
    page.lang_switch.value = "zh"
    assert set(page.landing.table["option"]) == {t(f"option.{o}", "zh") for o in fw.option_ids}


# ---- weighting ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("strength", [0.0, 1.0])
def test_strength_slider_changes_the_scores(page, fw, strength):
    before = scores_shown(page)

    page.strength.value = strength

    expected = survey.weighted_coverage(fw, ITU_D, strength)["score"].round(3).tolist()
    assert scores_shown(page) == expected
    assert scores_shown(page) != before
    parts = page.weighted.table
    assert parts["weight"].groupby(parts["option"]).sum().round(3).tolist() == [1.0] * len(fw.option_ids)


# ---- uploaded responses ------------------------------------------------------------------------------------


def test_upload_of_responses_shows_distribution_and_aggregate(page, fw):
    responses = survey.synthetic_responses(survey.survey_items(fw, ITU_D), 12, seed=1)

    upload(page, "answers.csv", responses.to_csv(index=False).encode("utf-8"))

    assert "sop-message-error" not in page.upload_note.value
    assert text_of(page.upload_note.value).strip() == f"{t('rankings.upload_ok', name='answers.csv')} {t('rankings.kept_here')}"
    assert page.distribution.widget.layout.display is None
    assert text_of(page.responses_status.value).strip() == t("rankings.responses_loaded", name="answers.csv", count=12)
    table = html_table(page.aggregate.value)
    assert sorted(table[t("col.item")]) == sorted(survey.survey_items(fw, ITU_D))
    expected = survey.aggregate(responses, "borda", survey.survey_items(fw, ITU_D))
    assert list(table[t("col.item")]) == list(expected["item"])


def test_unanimous_published_order_matches_and_a_reversed_one_differs(page, fw):
    published = survey.published_order(fw, ITU_D)

    upload(page, "same.csv", ballots(published, 3))
    assert t("rankings.matches") in text_of(page.aggregate.value)

    upload(page, "reversed.csv", ballots(published[::-1], 3))
    assert t("rankings.differs") in text_of(page.aggregate.value)


def test_method_dropdown_changes_the_aggregate(page, fw):
    upload(page, "answers.csv", ballots(survey.published_order(fw, ITU_D), 2))
    borda = html_table(page.aggregate.value)

    page.method.value = "mean_rank"

    mean = html_table(page.aggregate.value)
    assert list(mean[t("col.score")]) != list(borda[t("col.score")])
    assert t("method.mean_rank.help") in page.aggregate.value


def test_another_survey_clears_the_responses(page, fw):
    upload(page, "answers.csv", ballots(survey.published_order(fw, ITU_D), 2))
    page.survey.value = GOALS
    assert text_of(page.upload_note.value).strip() == t("rankings.responses_cleared")
    assert page.responses is None and page.aggregate.value == ""
    assert page.distribution.widget.layout.display == "none"


def test_clear_button(page, fw):
    upload(page, "answers.csv", ballots(survey.published_order(fw, ITU_D), 2))
    page.clear.click()
    assert page.responses is None
    assert text_of(page.responses_status.value).strip() == t("rankings.no_responses")


@pytest.mark.parametrize(
    ("content", "detail"),
    [
        (b"respondent,item,rank\nr1,ITU-D.9,1\n", "ITU-D.9"),
        (b"respondent,item\nr1,ITU-D.4\n", "rank"),
        (b"respondent,item,rank\n" + b"r1,ITU-D.4,1\n" * (MAX_UPLOAD_BYTES // 10), "1 MB"),
    ],
)
def test_bad_upload_is_refused_and_keeps_what_was_there(page, fw, content, detail):
    upload(page, "good.csv", ballots(survey.published_order(fw, ITU_D), 2))
    kept = text_of(page.aggregate.value)  # the table, not its downloads (an XLSX carries its build time)

    upload(page, "bad.csv", content)

    message = text_of(page.upload_note.value)
    assert "sop-message-error" in page.upload_note.value
    assert "bad.csv" in message and detail in message
    assert "Traceback" not in message
    assert text_of(page.aggregate.value) == kept and page.uploaded.name == "good.csv"


# ---- language ------------------------------------------------------------------------------------------------


def test_language_switch_relabels_the_page(page, fw):
    page.lang_switch.value = "zh"
    assert page.title.value == f"<h1>{t('rankings.title', 'zh')}</h1>"
    assert page.survey.description == t("rankings.survey", "zh")
    assert [label for label, _ in page.survey.options] == fw.surveys["name_zh"].tolist()
    assert [label for label, _ in page.method.options] == [t(f"method.{m}", "zh") for m in survey.METHODS]
    assert set(page.order.table["name"]) <= set(fw.rankings["label_zh"])
    page.lang_switch.value = "en"
    assert set(page.order.table["name"]) <= set(fw.rankings["label_en"])


# ---- the report's findings beside the order (issue 11, part 1) ------------------------------------


def test_findings_are_shown_beside_the_published_order(page, fw):
    from ui_helpers import text_of

    page.survey.value = "itu-d-objectives"
    text = text_of(page.findings.value)
    assert "informal survey" in text and "secretariat provided a document with the survey results" in text
    assert "mean rank of objective 1 (coordination) was clearly lower" in text
    assert "as a recommendation" in text
    assert "goal 2 (inclusiveness)" not in text  # the other ranking's findings stay with it
    # the D.4 label: official English differs from the report's Chinese (the project's note)
    assert "inclusive information society" in text
    page.survey.value = "strategic-goals"
    text = text_of(page.findings.value)
    assert "goal 2 (inclusiveness), closely followed by goal 1 (growth)" in text and "objective 1 (coordination)" not in text
    page.lang_switch.value = "zh"
    assert "总体目标2（包容性）和紧随其后的总体目标1（增长）" in text_of(page.findings.value)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_missing_score_is_a_dash_in_the_table_not_nan(fw, lang):
    # mean rank of an item nobody ranked has no value: the table says "–", not nan, None or nothing
    page = RankingsPage(fw, lang=lang)
    items = survey.survey_items(fw, page.survey.value)
    content = survey.synthetic_responses(items[:-1], 5, seed=4).to_csv(index=False).encode()
    page.upload.value = upload_value("responses.csv", content)
    page.method.value = "mean_rank"
    cells = page.aggregate.value.split("<tbody>", 1)[1]
    assert "–" in cells
    assert not any(word in cells for word in ("nan", "None", "&lt;NA&gt;", "<td></td>")), cells
