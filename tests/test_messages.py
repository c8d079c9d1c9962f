"""The UI strings: en.json and zh.json in step, and every key the code asks for exists.

A missing key does not crash the workbook (``t`` falls back to English, then
to the key itself), so only these tests notice one.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import string
from pathlib import Path

import pytest

import sopkit
from sopkit import analysis
from sopkit.i18n import LANGUAGES, MESSAGES_DIR, t
from sopkit.ui import CoveragePage, OptionsPage, Page
from ui_helpers import upload_value

SOURCE = Path(sopkit.__file__).resolve().parent
# t("key"), self.t('key'), t(f"option.{o}", lang) ... ; group 1 = "f" for an f-string
CALL = re.compile(r"""\bt\(\s*(f?)(["'])(.*?)\2""", re.S)
FIELD = re.compile(r"\{[^{}]*\}")


def pairs(lang: str) -> list[tuple[str, str]]:
    # Read the files directly, not through the cached messages(): duplicates must be seen.
    return json.loads((MESSAGES_DIR / f"{lang}.json").read_text(encoding="utf-8"), object_pairs_hook=list)


MESSAGES = {lang: dict(pairs(lang)) for lang in LANGUAGES}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def keys_in_source() -> tuple[set[str], set[str]]:
    """(literal keys, f-string key templates) passed to t() anywhere in sopkit."""
    literal, templates = set(), set()
    for path in sorted(SOURCE.rglob("*.py")):
        for is_f, _, key in CALL.findall(path.read_text(encoding="utf-8")):
            (templates if is_f and "{" in key else literal).add(key)
    return literal, templates


def page_classes() -> list[type[Page]]:
    found, todo = [], list(Page.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo += cls.__subclasses__()
    return found


def page_names() -> list[str]:
    """Keys of every page: the Page subclasses and the pages the overview links to."""
    linked = getattr(importlib.import_module("sopkit.ui.overview"), "PAGES", ()) if importlib.util.find_spec("sopkit.ui.overview") else ()
    return sorted({cls.key for cls in page_classes()} | set(linked))


def families() -> dict[str, list[str]]:
    """f-string key shapes whose values come from a vocabulary the code defines."""
    return {
        "option.{}": list(sopkit.load_framework().option_ids),
        "status.{}": list(analysis.STATUSES),
        "detail.{}": list(analysis.STATUSES),
        "kind.{}": list(analysis.KINDS),
        "kind.{}s": list(analysis.KINDS),
        "{}.title": page_names(),
        "{}.intro": [cls.key for cls in page_classes()],
        "timeline.{}": list(getattr(analysis, "TIMELINE_KINDS", ())),
    }


def shape(template: str) -> str:
    return FIELD.sub("{}", template)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_key_is_defined_twice(lang):
    keys = [k for k, _ in pairs(lang)]
    assert not {k for k in keys if keys.count(k) > 1}, f"{lang}.json defines a key more than once"


def test_both_languages_have_the_same_keys():
    en, zh = set(MESSAGES["en"]), set(MESSAGES["zh"])
    assert not en - zh, f"missing in zh.json: {sorted(en - zh)}"
    assert not zh - en, f"missing in en.json: {sorted(zh - en)}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_empty_messages(lang):
    empty = [k for k, v in MESSAGES[lang].items() if not isinstance(v, str) or not v.strip()]
    assert not empty, f"empty in {lang}.json: {empty}"


def test_chinese_messages_are_translated():
    # Identical text is fine for names and codes ("CSV"), not for sentences.
    same = [k for k, v in MESSAGES["zh"].items() if v == MESSAGES["en"][k] and len(v.split()) > 2]
    assert not same, f"zh.json repeats the English text for {same}"


def test_placeholders_match_between_languages():
    differ = {
        key: (placeholders(MESSAGES["en"][key]), placeholders(MESSAGES["zh"][key]))
        for key in MESSAGES["en"].keys() & MESSAGES["zh"].keys()
        if placeholders(MESSAGES["en"][key]) != placeholders(MESSAGES["zh"][key])
    }
    assert not differ, f"placeholders differ (en, zh): {differ}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_formats(lang):
    for key, text in MESSAGES[lang].items():
        fields = {name: "x" for name in placeholders(text)}
        if fields:
            assert "{" not in t(key, lang, **fields), key


def test_the_source_scan_finds_keys():
    literal, templates = keys_in_source()
    # guards the regex itself: these calls are in sopkit/ui and sopkit/figures.py
    assert {"error.unexpected", "whatif.moved", "fig.heatmap.title", "download.csv"} <= literal
    assert {"option.{o}", "{self.key}.title"} <= templates


def test_every_literal_key_exists():
    literal, _ = keys_in_source()
    missing = sorted(k for k in literal if k not in MESSAGES["en"])
    assert not missing, f"used in sopkit but not in en.json: {missing}"


def test_every_key_family_exists():
    _, templates = keys_in_source()
    known = families()
    used = {shape(tpl) for tpl in templates} & known.keys()
    assert {"option.{}", "status.{}", "kind.{}", "kind.{}s", "detail.{}", "{}.title", "{}.intro"} <= used
    missing = sorted({s.format(v) for s in used for v in known[s]} - MESSAGES["en"].keys())
    assert not missing, f"used in sopkit (f-string keys) but not in en.json: {missing}"


def test_other_key_families_have_messages():
    """Families without a vocabulary here (e.g. a local list of card names): at least one
    key of the family exists; the keys actually asked for are checked at run time below."""
    _, templates = keys_in_source()
    unknown = {shape(tpl) for tpl in templates} - families().keys()
    empty = [s for s in unknown if not any(re.fullmatch(re.escape(s).replace(r"\{\}", "[^.]+"), k) for k in MESSAGES["en"])]
    assert not empty, f"no message at all for the key families {empty}"


@pytest.fixture
def requested_keys(monkeypatch) -> set[str]:
    """Every message key looked up while the test runs (through t() or localise_columns)."""
    import sopkit.i18n
    import sopkit.ui.tables

    seen: set[str] = set()
    original = sopkit.i18n.messages

    class Recording(dict):
        def get(self, key, default=None):
            seen.add(key)
            return super().get(key, default)

    def recording(lang: str) -> dict[str, str]:
        return Recording(original(lang))

    monkeypatch.setattr(sopkit.i18n, "messages", recording)
    monkeypatch.setattr(sopkit.ui.tables, "messages", recording)
    return seen


def exercise(page: Page) -> None:
    """Click through a page the way a visitor would, in both languages."""
    for lang in ("zh", "en"):
        page.lang_switch.value = lang
        if isinstance(page, OptionsPage):
            for option in page.fw.option_ids:
                page.option.value = option
            for objective in page.fw.objectives["id"]:
                page.objective.value = objective
            page.whatif_item.value = "D.1"
            page.whatif_theme.value = "T1"
            page.reset.click()
            page.include_discussion.value = not page.include_discussion.value
        if isinstance(page, CoveragePage):
            page.search.value = "broadband" if lang == "en" else "宽带"
            page.upload.value = upload_value(f"bad-{lang}.csv", b"a,b\n1,2\n")
            page.upload.value = upload_value(f"big-{lang}.csv", b"#" * 2_000_000)
            page.reset.click()
            page.variant.value = 5 if page.variant.value == 4 else 4


def test_keys_requested_at_run_time_exist(requested_keys):
    fw = sopkit.load_framework()
    for cls in page_classes():
        exercise(cls(fw))
    assert len(requested_keys) > 50
    for lang in LANGUAGES:
        missing = sorted(requested_keys - MESSAGES[lang].keys())
        assert not missing, f"asked for at run time but not in {lang}.json: {missing}"


def test_every_column_shown_in_a_table_has_a_header():
    fw = sopkit.load_framework()
    columns: set[str] = set()
    for page in (cls(fw) for cls in page_classes()):
        for view in vars(page).values():
            table = getattr(view, "table", None)
            if table is not None and hasattr(table, "columns"):
                columns |= set(table.columns)
    columns |= set(analysis.compare_options(fw).columns)
    columns |= set(analysis.mapping_issues(fw, 4).columns)
    columns |= set(analysis.theme_coverage(fw, 4).columns) - {"name_en", "name_zh", "inferred", "derived"} | {"name"}
    columns |= {"item", "objective", "item_type", "status", "text"}  # the search results
    assert len(columns) > 15
    missing = sorted(c for c in columns if f"col.{c}" not in MESSAGES["en"])
    assert not missing, f"table columns without a col.<name> message: {missing}"


def test_every_problem_code_has_a_message_with_its_placeholders():
    from sopkit.errors import CODES

    for lang in LANGUAGES:
        missing = sorted(code for code in CODES if f"problem.{code}" not in MESSAGES[lang])
        assert not missing, f"problem codes without a message in {lang}.json: {missing}"
        differ = {
            code: placeholders(MESSAGES[lang][f"problem.{code}"])
            for code, fields in CODES.items()
            if placeholders(MESSAGES[lang][f"problem.{code}"]) != set(fields)
        }
        assert not differ, f"{lang}.json: placeholders differ from sopkit.errors.CODES: {differ}"
    unused = sorted(k for k in MESSAGES["en"] if k.startswith("problem.") and k[len("problem.") :] not in CODES)
    assert not unused, f"problem messages without a code: {unused}"
