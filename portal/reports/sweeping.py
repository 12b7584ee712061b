"""The clock rules: warn before a report falls due, escalate overdue ones, close unrated ones."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from db.models_reports import Report, ReportEvent
from db.types import utcnow
from portal.errors import UserError
from portal.grids import GridIndex
from portal.reports import notices
from portal.reports.common import DUE_SOON, LEVELS, RATE_WINDOW, WORKING_STATES, _event, _move
from portal.reports.handling import _escalate
from portal.reports.routing import _responder


def _warn_due_soon(session: Session, index: GridIndex, now: datetime) -> int:
    """Tells the handler and one level up that a report falls due within DUE_SOON (once each)."""
    warned = 0
    soon = session.exec(
        select(Report).where(
            Report.state.in_(WORKING_STATES), Report.due_at >= now, Report.due_at < now + DUE_SOON
        )
    ).all()
    for report in soon:
        up = []
        if report.level != LEVELS[-1]:
            assignee, department = _responder(
                session, index, report, LEVELS[LEVELS.index(report.level) + 1]
            )
            up = (
                [assignee]
                if assignee
                else notices.department_handlers(session, [department] if department else [])
            )
        warned += notices.tell_due_soon(
            session, report, [*notices.handlers_of(session, report), *up], now
        )
        session.commit()
    return warned


def sweep(session: Session, index: GridIndex, now: datetime | None = None) -> dict[str, int]:
    """Escalates overdue reports one level and closes unrated resolved ones after 7 days."""
    now = now or utcnow()
    done = {
        "escalated": 0,
        "flagged": 0,
        "closed": 0,
        "warned": _warn_due_soon(session, index, now),
    }
    overdue = session.exec(
        select(Report).where(col(Report.state).in_(WORKING_STATES), col(Report.due_at) < now)
    ).all()
    for report in overdue:
        try:
            if report.level == LEVELS[-1]:
                flagged = session.exec(
                    select(col(ReportEvent.id)).where(
                        col(ReportEvent.report_id) == report.id,
                        col(ReportEvent.action) == "overdue",
                        col(ReportEvent.level) == report.level,
                    )
                ).first()
                if flagged is None:
                    before = report.state
                    _move(session, report, WORKING_STATES, {"overdue": True, "updated_at": now})
                    _event(session, report, "overdue", None, before, at=now)
                    session.commit()
                    done["flagged"] += 1
                continue
            _escalate(session, index, report, None, "auto_escalate", None, now)
            done["escalated"] += 1
        except UserError:
            session.rollback()  # a handler acted at the same moment; the next sweep looks again
    stale = session.exec(
        select(Report).where(
            col(Report.state).in_(("resolved", "verified")),
            col(Report.resolved_at) < now - RATE_WINDOW,
        )
    ).all()
    for report in stale:
        try:
            before = report.state
            _move(
                session,
                report,
                ("resolved", "verified"),
                {"state": "closed", "closed_at": now, "updated_at": now},
            )
            _event(session, report, "auto_close", None, before, at=now)
            session.commit()
            done["closed"] += 1
        except UserError:
            session.rollback()
    return done
