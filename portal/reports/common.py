"""What every report rule shares: levels and states, labels, the event row and the guarded move."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col

from db.models_reports import Report, ReportEvent
from db.types import row_id, rowcount, utcnow
from portal.errors import UserError
from portal.i18n import N_
from portal.permissions import NOT_YOURS
from portal.reports import notices

LEVELS = ("grid", "community", "street", "district")
WORKING_STATES = ("assigned", "accepted", "in_progress", "reopened")
DONE_STATES = ("resolved", "verified", "rated", "closed")
RATE_WINDOW = timedelta(days=7)
DUE_SOON = timedelta(hours=4)  # the handler and one level up are warned this long before
WHISTLE_HOURS = 4
LOW_RATING = 2
MAX_DESCRIPTION = 2000
HANDLER_ACTIONS = ("accept", "start", "resolve", "verify", "return", "escalate")
GRID_DUTIES = ("micro_chief", "responsible", "chief", "full_time", "part_time")

STATE_LABELS = {
    "submitted": N_("Submitted"),
    "assigned": N_("Sent to the person responsible"),
    "accepted": N_("Accepted"),
    "in_progress": N_("Being handled"),
    "resolved": N_("Resolved"),
    "verified": N_("Checked on site"),
    "rated": N_("Rated"),
    "closed": N_("Closed"),
    "returned": N_("Returned to the community office"),
    "reopened": N_("Reopened"),
}
# One letter per state, so the map never tells states apart by colour alone.
STATE_MARKS = {
    "submitted": "S",
    "assigned": "A",
    "accepted": "A",
    "in_progress": "H",
    "resolved": "R",
    "verified": "V",
    "rated": "V",
    "closed": "C",
    "returned": "B",
    "reopened": "O",
}
STATE_COLOURS = {
    "submitted": "#6b4c9a",
    "assigned": "#b3261e",
    "accepted": "#c25e00",
    "in_progress": "#c25e00",
    "resolved": "#1e6b35",
    "verified": "#1e6b35",
    "rated": "#1e6b35",
    "closed": "#4a4a4a",
    "returned": "#6b4c9a",
    "reopened": "#b3261e",
}
LEVEL_LABELS = {
    "grid": N_("Grid"),
    "community": N_("Community"),
    "street": N_("Street office"),
    "district": N_("District"),
}
ACTION_TEXTS = {
    "submit": N_("{actor} reported the problem."),
    "assign": N_("Sent to {assignee} ({level})."),
    "accept": N_("{actor} accepted it."),
    "start": N_("{actor} started work on it."),
    "resolve": N_("{actor} resolved it."),
    "verify": N_("{actor} checked the result on site."),
    "rate": N_("{actor} rated it."),
    "close": N_("Closed."),
    "auto_close": N_("Closed automatically: not rated within 7 days."),
    "return": N_("{actor} returned it: not their responsibility."),
    "reassign": N_("{actor} sent it to {assignee}."),
    "reopen": N_("Reopened after a low rating; back to {assignee}."),
    "escalate": N_("{actor} escalated it to the {level}."),
    "auto_escalate": N_("Overdue: escalated automatically to the {level}."),
    "overdue": N_("Overdue at the highest level."),
    "whistle": N_("{actor} blew the whistle: urgent, sent straight to the departments."),
    "joint_done": N_("{actor} finished their part."),
    "me_too": N_("{actor} reported the same problem too."),
}
CONFLICT = N_("Someone else has just acted on this report. Please look at it again.")


def _event(
    session: Session,
    report: Report,
    action: str,
    actor_id: int | None,
    from_state: str | None,
    note: str | None = None,
    media_id: int | None = None,
    at: datetime | None = None,
) -> None:
    session.add(
        ReportEvent(
            report_id=row_id(report),
            actor_id=actor_id,
            action=action,
            from_state=from_state,
            to_state=report.state,
            level=report.level,
            assignee_id=report.assignee_id,
            department_id=report.department_id,
            note=note,
            media_id=media_id,
            at=at or utcnow(),
        )
    )
    notices.tell(session, report, action, note, at or utcnow())  # outbox: same commit


def _move(session: Session, report: Report, expected: tuple[str, ...], changes: dict) -> Report:
    """Conditional UPDATE on (id, version, state): exactly one of two racing handlers succeeds."""
    if report.state not in expected:
        raise UserError(NOT_YOURS)
    changes = {**changes, "version": report.version + 1}
    result = session.exec(
        update(Report)
        .where(
            col(Report.id) == report.id,
            col(Report.version) == report.version,
            col(Report.state).in_(expected),
        )
        .values(**changes)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(CONFLICT)
    session.refresh(report)
    return report


def _load(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise UserError(N_("This report does not exist."))
    session.refresh(report)
    return report
