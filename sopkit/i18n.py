"""UI strings in English and Chinese, from ``messages/<lang>.json``.

Keys are dotted names (``options.title``). Values may hold ``str.format``
fields (``{count}``). A missing key in one language falls back to English and
then to the key itself, so a gap shows as a visible key, never as a crash;
``tests/test_messages.py`` keeps the two files in step.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pandas as pd

LANGUAGES = ("en", "zh")


def other_language(lang: str) -> str:
    """The other of the two languages (a bilingual notice's second half, a page's other snapshot)."""
    return "zh" if lang == "en" else "en"


MESSAGES_DIR = Path(__file__).parent / "messages"


@cache
def messages(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {LANGUAGES}, not {lang!r}")
    return json.loads((MESSAGES_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def t(key: str, lang: str = "en", /, **fields: object) -> str:
    """The UI string *key* in *lang*, formatted with *fields*."""
    text = messages(lang).get(key) or messages("en").get(key) or key
    return text.format(**fields) if fields else text


def pick(row: object, column: str, lang: str) -> str:
    """``row[column_zh]`` or ``row[column_en]`` for *lang* (e.g. ``pick(r, "text", "zh")``)."""
    value = row[f"{column}_{lang}"]  # type: ignore[index]
    return "" if value is None or pd.isna(value) else str(value)


def pick_or_en(row: object, column: str, lang: str) -> str:
    """``pick`` in *lang*, else the English: for texts a user's file may hold in English only
    (``rationale_zh`` is optional in an uploaded mapping: the file's own words are shown then)."""
    get = getattr(row, "get", None)
    value = get(f"{column}_{lang}") if get is not None else row[f"{column}_{lang}"]  # type: ignore[index]
    text = "" if value is None or pd.isna(value) else str(value)
    return text or (pick(row, column, "en") if lang != "en" else "")


# Chinese characters and CJK punctuation (full-width forms included), in runs.
_CHINESE_RUN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")


def mark_chinese(markup: str) -> str:
    """Escaped HTML with each run of Chinese marked as such (``<span lang="zh">``): the report's
    own words quoted in a text of another language (screen readers switch voice; the workbook's
    tests tell a labelled quotation from Chinese that has no place on an English page)."""
    return _CHINESE_RUN.sub(lambda m: f'<span lang="zh">{m.group(0)}</span>', markup)
