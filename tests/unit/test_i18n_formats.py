"""Dates, numbers and relative times are formatted by Babel (CLDR) for each of the five locales;
where CLDR has no relative-time words (Tibetan, Yi) the portal's own catalogs supply them."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from babel import Locale
from babel.dates import format_timedelta

from portal.i18n import (
    JUST_NOW,
    LANGUAGE_CODES,
    RELATIVE_WORDS,
    catalog,
    cldr_has_relative_time,
    format_ago,
    format_day,
    format_day_ago,
    format_number,
    format_when,
    format_when_ago,
    translate,
)

NOW = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_babel_knows_every_locale(code):
    locale = Locale.parse(code)
    assert locale.language == code.split("_")[0]
    assert locale.text_direction == ("rtl" if code == "ug" else "ltr")


def test_cldr_relative_time_coverage_is_what_we_expect():
    # If a future CLDR adds Tibetan or Yi words, this tells us to drop our own.
    assert {c for c in LANGUAGE_CODES if cldr_has_relative_time(c)} == {"zh_Hans", "en", "ug"}


@pytest.mark.parametrize(
    "code,past,future",
    [
        ("zh_Hans", "3小时前", "2天后"),
        ("en", "3 hours ago", "in 2 days"),
        ("ug", "3 سائەت ئىلگىرى", "2 كۈندىن كېيىن"),
    ],
)
def test_relative_times_from_cldr(code, past, future):
    assert format_ago(code, NOW - timedelta(hours=3), NOW) == past
    assert format_ago(code, NOW + timedelta(days=2), NOW) == future
    # and they are Babel's own words, not ours
    assert format_ago(code, NOW - timedelta(hours=3), NOW) == format_timedelta(
        -3 * 3600, add_direction=True, locale=code, threshold=0.85
    )


@pytest.mark.parametrize("code", ["bo", "ii"])
def test_relative_times_without_cldr_come_from_our_catalogs(code):
    past = format_ago(code, NOW - timedelta(hours=3), NOW)
    future = format_ago(code, NOW + timedelta(days=2), NOW)
    assert past == translate(code, RELATIVE_WORDS[("hour", "past")], n="3")
    assert future == translate(code, RELATIVE_WORDS[("day", "future")], n="2")
    for text in (past, future):
        assert " h" not in text and " d" not in text and not text.startswith(("-", "+"))
        assert re.search(r"[\u0F00-\u0FFF\uA000-\uA4CF]", text), text  # Tibetan or Yi script
    assert past != future


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_every_unit_and_direction_is_in_the_catalog(code):
    for msgid in [*RELATIVE_WORDS.values(), JUST_NOW]:
        assert catalog(code).get(msgid), (code, msgid)


@pytest.mark.parametrize("code", LANGUAGE_CODES)
@pytest.mark.parametrize(
    "delta,unit",
    [
        (timedelta(minutes=-5), "minute"),
        (timedelta(days=-3), "day"),
        (timedelta(days=-14), "week"),
        (timedelta(days=-95), "month"),
        (timedelta(days=-800), "year"),
        (timedelta(minutes=30), "minute"),
    ],
)
def test_past_and_future_differ_and_name_the_count(code, delta, unit):  # noqa: ARG001 (unit names the case)
    text = format_ago(code, NOW + delta, NOW)
    mirror = format_ago(code, NOW - delta, NOW)
    assert text != mirror
    assert re.search(r"\d", text), text
    assert text != translate(code, JUST_NOW)


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_just_now_for_a_few_seconds(code):
    assert format_ago(code, NOW - timedelta(seconds=5), NOW) == translate(code, JUST_NOW)
    assert format_ago(code, NOW + timedelta(seconds=5), NOW) == translate(code, JUST_NOW)


def test_format_ago_defaults_to_the_real_clock():
    assert format_ago("en", datetime.now(UTC) - timedelta(hours=2)) == "2 hours ago"


@pytest.mark.parametrize(
    "code,expected",
    [
        ("zh_Hans", "2026年11月22日"),
        ("en", "Nov 22, 2026"),
        ("ug", "22-نويابىر، 2026"),
    ],
)
def test_calendar_days(code, expected):
    assert format_day(code, date(2026, 11, 22)) == expected


@pytest.mark.parametrize("code", ["bo", "ii"])
def test_calendar_days_in_tibetan_and_yi_use_their_month_words(code):
    text = format_day(code, date(2026, 11, 22))
    assert "2026" in text and "22" in text and text != "2026-11-22"
    assert re.search(r"[\u0F00-\u0FFF\uA000-\uA4CF]", text)


def test_due_day_says_how_far_it_is():
    assert format_day_ago("zh_Hans", date(2026, 11, 25), NOW) == "2026年11月25日 · 3天后"
    assert format_day_ago("en", date(2026, 11, 19), NOW) == "Nov 19, 2026 · 3 days ago"


def test_times_are_shown_in_shanghai():
    assert format_when("en", NOW, "short") == "11/22/26, 12:00\u202fPM"
    assert format_when("zh_Hans", NOW, "short") == "2026/11/22 12:00"
    assert format_when_ago("zh_Hans", NOW - timedelta(hours=1), NOW) == "2026/11/22 11:00 · 1小时前"


@pytest.mark.parametrize(
    "code,expected",
    [
        ("zh_Hans", "1,234,567.5"),
        ("en", "1,234,567.5"),
        ("bo", "1,234,567.5"),
        ("ug", "1,234,567.5"),
        ("ii", "1,234,567.5"),
    ],
)
def test_numbers(code, expected):
    assert format_number(code, 1234567.5) == expected


def test_unknown_language_falls_back_to_chinese():
    assert format_ago("xx", NOW - timedelta(days=2), NOW) == "2天前"
    assert format_ago(None, NOW - timedelta(days=2), NOW) == "2天前"


def test_right_to_left_parts_are_bidi_isolates():
    text = format_when_ago("ug", NOW - timedelta(days=14), NOW)
    when, ago = text.split(" · ")
    assert when.startswith("\u2068") and when.endswith("\u2069")
    assert ago == "\u2068" + format_ago("ug", NOW - timedelta(days=14), NOW) + "\u2069"
    assert "\u2068" in format_day_ago("ug", date(2026, 11, 25), NOW)
    assert "\u2068" not in format_when_ago("zh_Hans", NOW, NOW) + format_day_ago(
        "bo", date(2026, 11, 25), NOW
    )
