"""Translation layer: gettext catalogs in i18n/<lang>/LC_MESSAGES/*.po, read with Babel.

Message ids are English. Each capability may keep its own .po file per language; all files of a
language are merged. Services mark strings with N_() and return them untranslated; the UI layer
translates at the last moment in the reader's language.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from gettext import c2py
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_timedelta
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from portal.config import ROOT
from portal.localtime import local_time, noon

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


@functools.cache
def catalog(code: str) -> dict[str, str]:
    """msgid → msgstr for one language, fuzzy and empty entries left out (plurals: see below)."""
    merged: dict[str, str] = {}
    for path in catalog_files(code):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=Locale.parse(code)):
                if message.id and message.string and not message.fuzzy and not message.pluralizable:
                    merged[str(message.id)] = str(message.string)
    return merged


@functools.cache
def plural_catalog(code: str) -> dict[str, tuple[str, ...]]:
    """Singular msgid → the language's plural forms (msgstr[0], msgstr[1], …), fuzzy left out.
    A form left empty stays empty here: `plural_forms_missing` reports it."""
    merged: dict[str, tuple[str, ...]] = {}
    for path in catalog_files(code):
        with path.open("rb") as fh:
            for message in read_po(fh, locale=Locale.parse(code)):
                if message.pluralizable and not message.fuzzy:
                    merged[str(message.id[0])] = tuple(str(form) for form in message.string)
    return merged


def plural_count(code: str | None) -> int:
    """How many plural forms the language has (gettext's nplurals, from Babel's rules)."""
    return get_plural(language(code).code).num_plurals


@functools.cache
def _plural_index(code: str):
    return c2py(get_plural(code).plural_expr)


def plural_forms_missing(code: str, singular: str) -> bool:
    forms = plural_catalog(code).get(singular, ())
    return len(forms) != plural_count(code) or not all(forms)


def translate_plural(code: str | None, singular: str, plural: str, n: int, **params: object) -> str:
    """The form of the message for the count n in the language (gettext plural rules), with {n}
    written with the language's digit grouping; else Simplified Chinese, else the English ids."""
    code = language(code).code
    params = {"n": format_number(code, n)} | params
    for lang in (code, DEFAULT_LANGUAGE):
        if not plural_forms_missing(lang, singular):
            text = plural_catalog(lang)[singular][_plural_index(lang)(n)]
            break
    else:
        text = singular if n == 1 else plural
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return (singular if n == 1 else plural).format(**params)


# Corrections by the community's reviewers (portal.translation_reviews), language → msgid → text:
# they win over the catalogs. Replaced whole (never edited in place) when a correction is saved
# or another process's correction is noticed, so translate reads a plain dict and no database.
_reviewed: dict[str, dict[str, str]] = {}


def set_reviewed(by_language: dict[str, dict[str, str]]) -> None:
    global _reviewed
    _reviewed = by_language


def _lookup(code: str, msgid: str) -> str | None:
    return _reviewed.get(code, {}).get(msgid) or catalog(code).get(msgid)


def own_text(code: str, msgid: str) -> str:
    """The language's own text of a message, placeholders unfilled, no fallback ("" if none)."""
    return _lookup(code, msgid) or ""


def is_reviewed(code: str, msgid: str) -> bool:
    return msgid in _reviewed.get(code, {})


def translate(code: str | None, msgid: str, **params: object) -> str:
    """The message in the language (a reviewer's correction first, then the catalog), else
    Simplified Chinese, else the English id; then filled in."""
    code = language(code).code
    text = _lookup(code, msgid) or _lookup(DEFAULT_LANGUAGE, msgid) or msgid
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return msgid.format(**params)
    return text


def format_when(code: str | None, moment: datetime, fmt: str = "medium") -> str:
    return _babel_datetime(local_time(moment), format=fmt, locale=language(code).code)


def format_number(code: str | None, value: float | int) -> str:
    return format_decimal(value, locale=language(code).code)


def format_duration(code: str | None, seconds: float) -> str:
    return format_timedelta(timedelta(seconds=seconds), locale=language(code).code, threshold=1.1)


def format_day(code: str | None, day: date, fmt: str = "medium") -> str:
    """A calendar date (no time of day) in the locale's words: "2026年11月22日", "Nov 22, 2026"."""
    return _babel_date(day, format=fmt, locale=language(code).code)


# CLDR (Babel 2.18) has no relative-time words for Tibetan or Yi: Babel falls back to "-3 h".
# There the portal's own catalogs supply them, one message per unit and direction.
_UNITS: tuple[tuple[str, int], ...] = (
    ("year", 3600 * 24 * 365),
    ("month", 3600 * 24 * 30),
    ("week", 3600 * 24 * 7),
    ("day", 3600 * 24),
    ("hour", 3600),
    ("minute", 60),
    ("second", 1),
)
RELATIVE_WORDS: dict[tuple[str, str], str] = {
    ("year", "past"): N_("{n} years ago"),
    ("year", "future"): N_("in {n} years"),
    ("month", "past"): N_("{n} months ago"),
    ("month", "future"): N_("in {n} months"),
    ("week", "past"): N_("{n} weeks ago"),
    ("week", "future"): N_("in {n} weeks"),
    ("day", "past"): N_("{n} days ago"),
    ("day", "future"): N_("in {n} days"),
    ("hour", "past"): N_("{n} hours ago"),
    ("hour", "future"): N_("in {n} hours"),
    ("minute", "past"): N_("{n} minutes ago"),
    ("minute", "future"): N_("in {n} minutes"),
    ("second", "past"): N_("{n} seconds ago"),
    ("second", "future"): N_("in {n} seconds"),
}
JUST_NOW = N_("just now")


@functools.cache
def cldr_has_relative_time(code: str) -> bool:
    """Whether CLDR has "… ago" words for this locale (not only the root fallback "-3 h")."""
    probe = (-3 * 3600, -3 * 86400, 2 * 86400)
    return any(
        format_timedelta(s, add_direction=True, locale=code)
        != format_timedelta(s, add_direction=True, locale="root")
        for s in probe
    )


def _unit_and_count(seconds: float, threshold: float = 0.85) -> tuple[str, int]:
    """The unit Babel would choose for this span, and the rounded count (same rule as Babel)."""
    span = abs(seconds)
    for unit, size in _UNITS:
        value = span / size
        if value >= threshold:
            return unit, max(1, round(value))
    return "second", 0


def format_ago(code: str | None, moment: datetime, now: datetime | None = None) -> str:
    """ "3 hours ago" / "in 2 days" in the reader's language (Babel; our catalogs for bo and ii)."""
    code = language(code).code
    now = now or datetime.now(UTC)
    seconds = (moment - now).total_seconds()
    unit, count = _unit_and_count(seconds)
    if count == 0 or (unit == "second" and abs(seconds) < 45):
        return translate(code, JUST_NOW)
    if cldr_has_relative_time(code):
        return format_timedelta(
            timedelta(seconds=seconds), threshold=0.85, add_direction=True, locale=code
        )
    direction = "future" if seconds > 0 else "past"
    return translate(code, RELATIVE_WORDS[(unit, direction)], n=format_number(code, count))


def format_when_ago(code: str | None, moment: datetime, now: datetime | None = None) -> str:
    """The local date and time, then how long ago: "2026/11/22 09:00 · 3小时前". In a right-to-left
    language each part is a bidi isolate, so "2 ھەپتە ئىلگىرى" keeps its number beside Chinese names."""
    when, ago = format_when(code, moment, "short"), format_ago(code, moment, now)
    if language(code).direction == "rtl":
        when, ago = isolate(when), isolate(ago)
    return f"{when} · {ago}"


def isolate(text: str) -> str:
    """Unicode first-strong isolate (FSI … PDI): the text keeps its own order inside any paragraph."""
    return f"\u2068{text}\u2069"


def format_day_ago(code: str | None, day: date, now: datetime | None = None) -> str:
    """A due date and how far it is: "2026年11月30日 · 8天后"."""
    day_text, ago = format_day(code, day), format_ago(code, noon(day), now)
    if language(code).direction == "rtl":
        day_text, ago = isolate(day_text), isolate(ago)
    return f"{day_text} · {ago}"
