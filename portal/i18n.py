"""Translation layer: gettext catalogs in i18n/<lang>/LC_MESSAGES/*.po, read with Babel.

Message ids are English. Each capability may keep its own .po file per language; all files of a
language are merged. Services mark strings with N_() and return them untranslated; the UI layer
translates at the last moment in the reader's language.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_timedelta
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from portal.config import ROOT, TIMEZONE

CATALOG_DIR = ROOT / "i18n"
DEFAULT_LANGUAGE = "zh_Hans"


@dataclass(frozen=True)
class Language:
    code: str  # catalog folder and Babel locale
    native_name: str
    html_lang: str  # BCP 47 tag for <html lang>
    direction: str  # "ltr" or "rtl"


LANGUAGES: tuple[Language, ...] = (
    Language("zh_Hans", "简体中文", "zh-Hans", "ltr"),
    Language("en", "English", "en", "ltr"),
    Language("bo", "བོད་ཡིག", "bo", "ltr"),
    Language("ug", "ئۇيغۇرچە", "ug", "rtl"),
    Language("ii", "ꆈꌠꉙ", "ii", "ltr"),
)
LANGUAGE_CODES = tuple(lang.code for lang in LANGUAGES)


def N_(msgid: str) -> str:
    """Marks a string for extraction without translating it (translated later, by the reader)."""
    return msgid


def language(code: str | None) -> Language:
    for lang in LANGUAGES:
        if lang.code == code:
            return lang
    return LANGUAGES[0]


def catalog_files(code: str) -> list[Path]:
    return sorted((CATALOG_DIR / code / "LC_MESSAGES").glob("*.po"))


@functools.lru_cache(maxsize=None)
def catalog(code: str) -> dict[str, str]:
    """msgid → msgstr for one language, fuzzy and empty entries left out."""
    merged: dict[str, str] = {}
    for path in catalog_files(code):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=Locale.parse(code)):
                if message.id and message.string and not message.fuzzy:
                    merged[str(message.id)] = str(message.string)
    return merged


def translate(code: str | None, msgid: str, **params: object) -> str:
    """The message in the language, else Simplified Chinese, else the English id; then filled in."""
    code = language(code).code
    text = catalog(code).get(msgid) or catalog(DEFAULT_LANGUAGE).get(msgid) or msgid
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return msgid.format(**params)
    return text


def local_time(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(TIMEZONE))


def format_when(code: str | None, moment: datetime, fmt: str = "medium") -> str:
    return _babel_datetime(local_time(moment), format=fmt, locale=language(code).code)


def format_number(code: str | None, value: float | int) -> str:
    return format_decimal(value, locale=language(code).code)


def format_duration(code: str | None, seconds: float) -> str:
    return format_timedelta(seconds, locale=language(code).code, threshold=1.1)
