"""Widget inputs are untrusted: arbitrary text and bytes never break a page."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sopkit.ui import CoveragePage, RankingsPage

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def coverage(fw):
    return CoveragePage(fw)


@pytest.fixture(scope="module")
def rankings(fw):
    return RankingsPage(fw)


@FAST
@given(text=st.text(max_size=3000))
def test_search_takes_any_text(coverage, text):
    coverage.search.value = text
    assert coverage.t("error.unexpected") not in coverage.message.value
    if text.strip():
        assert "sop-search-count" in coverage.results.value
    assert "<script" not in coverage.results.value.lower()  # the query is shown escaped


@FAST
@given(content=st.binary(max_size=4000), name=st.text(max_size=300))
def test_mapping_upload_takes_any_bytes(coverage, content, name):
    before = coverage.coverage.table.copy()
    coverage.mapping_upload.on_change({"new": [{"name": name, "content": content}]})
    assert coverage.t("error.unexpected") not in coverage.message.value
    if "sop-message-error" in coverage.upload_note.value:
        assert coverage.coverage.table.equals(before)  # a bad upload keeps the mapping in use


@FAST
@given(content=st.binary(max_size=4000), name=st.text(max_size=300))
def test_responses_upload_takes_any_bytes(rankings, content, name):
    rankings.responses_upload.on_change({"new": [{"name": name, "content": content}]})
    assert rankings.t("error.unexpected") not in rankings.message.value
    rankings.strength.value = 0.25 if rankings.strength.value != 0.25 else 0.75
    assert rankings.weighted.figure is not None


def test_oversized_uploads_are_refused_before_parsing(coverage, rankings):
    big = b"variant,item,item_type,theme,rationale_en,seed_hint,derived\n" + b"4,D.1,objective,T4,x,,true\n" * 60_000
    coverage.mapping_upload.on_change({"new": [{"name": "big.csv", "content": big}]})
    assert "big.csv" in coverage.upload_note.value and "larger than 1 MB" in coverage.upload_note.value
    rankings.responses_upload.on_change({"new": [{"name": "big.csv", "content": b"respondent,item,rank\n" + b"r,ITU-D.1,1\n" * 200_000}]})
    assert "big.csv" in rankings.upload_note.value and "sop-message-error" in rankings.upload_note.value
    assert "larger than 1 MB" in rankings.upload_note.value
