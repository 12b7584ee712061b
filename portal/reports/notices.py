"""Who hears about a step of a report (called by portal.reports for every timeline row)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from db.models import User
from db.models_reports import JointTask, Report
from portal.notifications import notify

HANDLER_EVENTS = {
    "assign": "report_assigned",
    "reassign": "report_assigned",
    "escalate": "report_escalated",
    "auto_escalate": "report_escalated",
    "reopen": "report_reopened",
}
REPORTER_EVENTS = {
    "accept": "report_accepted",
    "resolve": "report_resolved",
    "auto_close": "report_auto_closed",
}


def department_handlers(session: Session, department_ids: list[int]) -> list[int]:
    if not department_ids:
        return []
    found = session.exec(
        select(col(User.id)).where(
            User.role == "handler", col(User.department_id).in_(department_ids), User.is_active
        )
    )
    return [i for i in found if i is not None]


def staff_ids(session: Session) -> list[int]:
    found = session.exec(select(col(User.id)).where(User.role == "staff", User.is_active))
    return [i for i in found if i is not None]


def handlers_of(session: Session, report: Report) -> list[int]:
    """The person the report is with, or else the handlers of its department."""
    if report.assignee_id is not None:
        return [report.assignee_id]
    return department_handlers(session, [report.department_id] if report.department_id else [])


def _what(report: Report) -> str:
    text = report.description or ""
    return text if len(text) <= 60 else text[:59] + "…"


def tell(session: Session, report: Report, action: str, note: str | None, now: datetime) -> None:
    """Adds the notices of one report step to the caller's transaction."""
    params = {"id": report.id, "what": _what(report), "note": note or ""}
    work, mine = f"work_queue?report={report.id}", f"my_reports?report={report.id}"
    if action in HANDLER_EVENTS:
        event = HANDLER_EVENTS[action]
        notify(session, handlers_of(session, report), event, params, work, report.urgent, now=now)
    elif action in REPORTER_EVENTS:
        reporter = report.on_behalf_of_id or report.reporter_id
        notify(session, [reporter], REPORTER_EVENTS[action], params, mine, now=now)
    elif action == "return":
        notify(session, staff_ids(session), "report_returned", params, work, now=now)
    elif action == "whistle":
        session.flush()
        departments = list(
            session.exec(select(JointTask.department_id).where(JointTask.report_id == report.id))
        )
        notify(
            session,
            department_handlers(session, departments),
            "report_whistle",
            params,
            work,
            urgent=True,
            now=now,
        )


def tell_due_soon(session: Session, report: Report, recipient_ids: list[int], now: datetime) -> int:
    """Warns the handler and one level up, once per report, level and deadline."""
    params = {"id": report.id, "what": _what(report), "due_at": report.due_at.isoformat()}
    key = f"due_soon:{report.id}:{report.level}:{int(report.due_at.timestamp())}"
    made = notify(
        session,
        recipient_ids,
        "report_due_soon",
        params,
        f"work_queue?report={report.id}",
        once_key=key,
        now=now,
    )
    return len(made)
