"""UI strings in English and Chinese, from ``messages/<lang>.json``.

Keys are dotted names (``options.title``). Values may hold ``str.format``
fields (``{count}``). A missing key in one language falls back to English and
then to the key itself, so a gap shows as a visible key, never as a crash;
``tests/test_messages.py`` keeps the two files in step.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pandas as pd

LANGUAGES = ("en", "zh")
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
