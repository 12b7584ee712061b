"""Beijing time: moments are stored in UTC and shown, grouped into days and months in Asia/Shanghai.

The one place for "today", "midnight", "this month" in the portal's time zone; pages and services
use these instead of their own ZoneInfo or a hand-made eight-hour shift.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.config import TIMEZONE

ZONE = ZoneInfo(TIMEZONE)


def local_time(moment: datetime) -> datetime:
    """The moment on a Beijing clock."""
    return moment.astimezone(ZONE)


def today(now: datetime | None = None) -> date:
    """Today's calendar day in Beijing (not the UTC date, which lags until 08:00)."""
    return local_time(now or datetime.now(UTC)).date()


def day_start(day: date) -> datetime:
    """Midnight at the start of a Beijing calendar day, as an aware datetime."""
    return datetime.combine(day, time(0, 0), tzinfo=ZONE)


def day_end(day: date) -> datetime:
    """The last microsecond of a Beijing calendar day."""
    return day_start(day + timedelta(days=1)) - timedelta(microseconds=1)


def at(day: date, clock: time) -> datetime:
    """A Beijing wall-clock time on a calendar day."""
    return datetime.combine(day, clock, tzinfo=ZONE)


def noon(day: date) -> datetime:
    """A calendar day as a moment (midday in Beijing), for "in 3 days" words."""
    return at(day, time(12, 0))


def month_of(moment: datetime) -> str:
    """The Beijing calendar month of a moment, "2026-11"."""
    return local_time(moment).strftime("%Y-%m")
