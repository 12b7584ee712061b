"""Beijing days: "today" and day bounds follow Asia/Shanghai, not the UTC date."""

from datetime import UTC, date, datetime, timedelta

from portal import localtime


def test_today_is_beijings_day_which_starts_eight_hours_before_utcs():
    evening_utc = datetime(2026, 11, 22, 17, 30, tzinfo=UTC)  # 01:30 on the 23rd in Beijing
    assert evening_utc.date() == date(2026, 11, 22)
    assert localtime.today(evening_utc) == date(2026, 11, 23)
    assert localtime.today(datetime(2026, 11, 22, 15, 59, tzinfo=UTC)) == date(2026, 11, 22)


def test_a_beijing_day_runs_from_16_00_to_16_00_utc():
    start, end = localtime.day_start(date(2026, 11, 23)), localtime.day_end(date(2026, 11, 23))
    assert start.astimezone(UTC) == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert end - start == timedelta(days=1, microseconds=-1)
    assert localtime.month_of(datetime(2026, 11, 30, 16, 0, tzinfo=UTC)) == "2026-12"
