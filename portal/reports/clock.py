"""The one clock of a report, as the resident sees it.

A report is due `category.time_limit_hours` (72 unless staff set another limit) after it was
submitted: `Report.resident_due_at`, set once at submission and never moved by escalation, a
reassignment or reopening. A report is overdue while it is still open (OPEN_STATES) and that moment
has passed. `Report.due_at` is only the current level's own hand-off deadline (the sweep escalates
on it); it may be shown beside the resident's clock but never decides "overdue".

Every surface (work queue, staff map, public page, cockpit, exports, Open311) asks here:
`is_overdue` for a row in Python, `overdue_sql` for a query.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement
from sqlmodel import col

from db.models_reports import DEFAULT_TIME_LIMIT_HOURS, Report
from db.types import utcnow

OPEN_STATES = ("submitted", "assigned", "accepted", "in_progress", "reopened", "returned")


def resident_due(created_at: datetime, time_limit_hours: int | None) -> datetime:
    """When the resident was promised an answer: submission + the category's limit (72 h)."""
    return created_at + timedelta(hours=time_limit_hours or DEFAULT_TIME_LIMIT_HOURS)


def is_overdue(report: Report, now: datetime | None = None) -> bool:
    """Still open and past the resident's due time (now by default)."""
    return report.state in OPEN_STATES and report.resident_due_at < (now or utcnow())


def overdue_sql(now: datetime) -> ColumnElement[bool]:
    """The same rule as a SQL condition on the report table."""
    return col(Report.state).in_(OPEN_STATES) & (col(Report.resident_due_at) < now)


def due_today_sql(now: datetime, day_end: datetime) -> ColumnElement[bool]:
    """Open, not yet overdue, and due before `day_end` (the end of today in Asia/Shanghai)."""
    return (
        col(Report.state).in_(OPEN_STATES)
        & (col(Report.resident_due_at) >= now)
        & (col(Report.resident_due_at) < day_end)
    )
