"""A filed report's life: a handler's steps, escalation, reassignment, whistle, joint parts, rating, me too."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Department, User
from db.models_reports import JointTask, Report, ReportCategory, ReportEvent, ReportSupporter
from db.types import row_id, rowcount, utcnow
from portal.areas import Area, area_of, require_inside
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.grids import GridIndex
from portal.i18n import N_
from portal.media import MediaStore, Photo
from portal.permissions import NOT_YOURS, On, can
from portal.reports.clock import OPEN_STATES
from portal.reports.common import (
    CONFLICT,
    HANDLER_ACTIONS,
    LEVELS,
    LOW_RATING,
    WHISTLE_HOURS,
    WORKING_STATES,
    _event,
    _load,
    _move,
)
from portal.reports.filing import _store_photo
from portal.reports.routing import _responder, category_department, facts, may_handle_why


def _area(session: Session, actor: User) -> Area:
    return area_of(session, actor)


def _refuse_unless(decision) -> None:
    if not decision:
        raise UserError(decision.reason or NOT_YOURS)


def _person_grid(session: Session, user: User) -> int | None:
    """The grid a person works from: a handler's department's, everyone else's home grid."""
    if user.role == "handler" and user.department_id is not None:
        department = session.get(Department, user.department_id)
        return department.grid_id if department else None
    return user.home_grid_id


def choosable(area: Area, grid_id: int | None) -> bool:
    """A person or department one may send a report to: inside one's area, an office above it,
    or serving the whole deployment."""
    return area.reaches(grid_id)


def _need_note(note: str | None, field: str = "note") -> str:
    text = (note or "").strip()
    if not text:
        raise FieldErrors({field: Message(N_("Please give a reason."))})
    if len(text) > 1000:
        raise FieldErrors({field: Message(N_("Use at most {n} characters."), {"n": 1000})})
    return text


def act(
    session: Session,
    index: GridIndex,
    *,
    report_id: int,
    actor_id: int,
    action: str,
    note: str | None = None,
    photo: Photo | None = None,
    store: MediaStore | None = None,
    now: datetime | None = None,
) -> Report:
    """A handler's step: accept, start, resolve, return, escalate or verify."""
    now = now or utcnow()
    if action not in HANDLER_ACTIONS:
        raise UserError(N_("Unknown action."))
    report, actor = _load(session, report_id), active_user(session, actor_id)
    if action == "verify":
        _refuse_unless(can(actor, "report.verify", facts(session, index, actor, report)))
    else:
        _refuse_unless(may_handle_why(session, index, actor, report))
    before = report.state
    if action == "resolve" and not (note or "").strip() and photo is None:
        raise FieldErrors({"note": Message(N_("Please say what was done, or add a photo."))})
    if action in ("return", "escalate"):
        note = _need_note(note)
    media_id = None
    if photo is not None and store is not None:
        media_id = _store_photo(session, store, photo, actor_id, report.id).id
    if action == "accept":
        _move(
            session,
            report,
            ("assigned", "reopened"),
            {"state": "accepted", "assignee_id": actor_id, "updated_at": now},
        )
    elif action == "start":
        _move(session, report, ("accepted",), {"state": "in_progress", "updated_at": now})
    elif action == "resolve":
        _move(
            session,
            report,
            ("accepted", "in_progress"),
            {"state": "resolved", "resolved_at": now, "updated_at": now, "overdue": False},
        )
    elif action == "verify":
        _move(session, report, ("resolved",), {"state": "verified", "updated_at": now})
    elif action == "return":
        _move(
            session,
            report,
            ("assigned", "accepted"),
            {"state": "returned", "assignee_id": None, "updated_at": now},
        )
    else:  # escalate
        return _escalate(session, index, report, actor_id, "escalate", note, now)
    _event(session, report, action, actor_id, before, (note or "").strip() or None, media_id, now)
    if action == "verify":
        _award_verified_report(session, report, actor_id, now)
    session.commit()
    return report


def _award_verified_report(session: Session, report: Report, actor_id: int, now: datetime) -> None:
    """Credits the reporter through the points ledger, once per report, when points exist."""
    try:
        from portal import points
    except ImportError:  # the points capability is optional
        return
    points.award(
        session,
        user_id=report.on_behalf_of_id or report.reporter_id,  # 代办: the resident
        source="report",
        source_id=row_id(report),
        reason=N_("A useful report, checked on site"),
        actor_id=actor_id,
        now=now,
    )


def _escalate(
    session: Session,
    index: GridIndex,
    report: Report,
    actor_id: int | None,
    action: str,
    note: str | None,
    now: datetime,
) -> Report:
    if report.level == LEVELS[-1]:
        raise UserError(N_("This report is already at the highest level."))
    before = report.state
    level = LEVELS[LEVELS.index(report.level) + 1]
    category = session.get(ReportCategory, report.category_id)
    assignee, department = _responder(session, index, report, level)
    if department is None and category.department_id:
        department = category_department(session, index, report, category.department_id)
    _move(
        session,
        report,
        WORKING_STATES,
        {
            "state": "assigned",
            "level": level,
            "assignee_id": assignee,
            "department_id": department,
            "due_at": now + timedelta(hours=category.time_limit_hours),
            "updated_at": now,
            "overdue": action == "auto_escalate" or report.overdue,
        },
    )
    _event(session, report, action, actor_id, before, note, at=now)
    session.commit()
    return report


def reassign(
    session: Session,
    *,
    report_id: int,
    actor_id: int,
    assignee_id: int | None = None,
    department_id: int | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Community staff send a returned (or stuck) report to a person or a department of their
    own area or an office above it."""
    now = now or utcnow()
    report, actor = _load(session, report_id), active_user(session, actor_id)
    area = _area(session, actor)
    _refuse_unless(can(actor, "report.reassign", On(outside=not area.covers(report.grid_id))))
    choose = FieldErrors({"assignee": Message(N_("Please choose who should handle it."))})
    if assignee_id is None and department_id is None:
        raise choose
    level = report.level
    if department_id is not None:
        department = session.get(Department, department_id)
        if department is None or not choosable(area, department.grid_id):
            raise choose
        level = department.level if department.level in LEVELS else "community"
    if assignee_id is not None:
        assignee = session.get(User, assignee_id)
        if assignee is None or not choosable(area, _person_grid(session, assignee)):
            raise choose
    before = report.state
    category = session.get(ReportCategory, report.category_id)
    _move(
        session,
        report,
        ("returned", *WORKING_STATES),
        {
            "state": "assigned",
            "assignee_id": assignee_id,
            "department_id": department_id,
            "level": level,
            "due_at": now + timedelta(hours=category.time_limit_hours),
            "updated_at": now,
        },
    )
    _event(session, report, "reassign", actor_id, before, (note or "").strip() or None, at=now)
    session.commit()
    return report


def whistle(
    session: Session,
    index: GridIndex,
    *,
    report_id: int,
    actor_id: int,
    lead_department_id: int,
    assist_department_ids: list[int] | tuple[int, ...] = (),
    parts: dict[int, str] | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> Report:
    """网格吹哨、部门报到: urgent, straight to the named departments as a joint work order."""
    now = now or utcnow()
    report, actor = _load(session, report_id), active_user(session, actor_id)
    area = _area(session, actor)
    on = facts(session, index, actor, report, area)
    _refuse_unless(can(actor, "report.whistle", on))
    lead = session.get(Department, lead_department_id) if lead_department_id else None
    if lead is None or not choosable(area, lead.grid_id):
        raise FieldErrors({"lead": Message(N_("Please choose the lead department."))})
    assists = [d for d in dict.fromkeys(assist_department_ids) if d != lead.id]
    for assist in assists:
        found = session.get(Department, assist)
        if found is None or not choosable(area, found.grid_id):
            raise FieldErrors({"assist": Message(N_("Please choose who should handle it."))})
    parts = parts or {}
    before = report.state
    _move(
        session,
        report,
        WORKING_STATES,
        {
            "state": "assigned",
            "urgent": True,
            "department_id": lead.id,
            "assignee_id": None,
            "level": lead.level if lead.level in LEVELS else "street",
            "due_at": now + timedelta(hours=WHISTLE_HOURS),
            "updated_at": now,
        },
    )
    for department_id, role in [(row_id(lead), "lead"), *((d, "assist") for d in assists)]:
        existing = session.exec(
            select(JointTask).where(
                col(JointTask.report_id) == report.id, col(JointTask.department_id) == department_id
            )
        ).first()
        if existing is None:
            session.add(
                JointTask(
                    report_id=row_id(report),
                    department_id=department_id,
                    role=role,
                    part=(parts.get(department_id) or "")[:300],
                    updated_at=now,
                )
            )
    _event(session, report, "whistle", actor_id, before, (note or "").strip() or None, at=now)
    session.commit()
    return report


def finish_joint_part(
    session: Session,
    *,
    report_id: int,
    actor_id: int,
    note: str | None = None,
    now: datetime | None = None,
) -> JointTask:
    """A department marks its part of a joint order done."""
    now = now or utcnow()
    actor = active_user(session, actor_id)
    task = session.exec(
        select(JointTask).where(
            col(JointTask.report_id) == report_id,
            col(JointTask.department_id) == actor.department_id,
        )
    ).first()
    report = session.get(Report, report_id)
    outside = report is not None and not _area(session, actor).covers(report.grid_id)
    decision = can(
        actor, "report.finish_joint_part", On(department=task is not None, outside=outside)
    )
    if not decision or task is None:
        raise UserError(decision.reason or NOT_YOURS)
    if task.status == "done":
        raise UserError(N_("Your part is already marked done."))
    result = session.exec(
        update(JointTask)
        .where(col(JointTask.id) == task.id, col(JointTask.status) == "open")
        .values(status="done", updated_at=now)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(CONFLICT)
    report = _load(session, report_id)
    _event(
        session, report, "joint_done", actor_id, report.state, (note or "").strip() or None, at=now
    )
    session.commit()
    session.refresh(task)
    return task


def rate(
    session: Session,
    *,
    report_id: int,
    actor_id: int,
    stars: int,
    comment: str = "",
    now: datetime | None = None,
) -> Report:
    """The reporter rates the result 1–5; a low rating reopens it back to the handler."""
    now = now or utcnow()
    report = _load(session, report_id)
    own = actor_id in (report.reporter_id, report.on_behalf_of_id)
    actor = active_user(session, actor_id)
    # one's own report is one's own wherever one filed it (a resident may report a problem in the
    # next community); anyone else's outside one's area is another community's
    outside = not own and not _area(session, actor).covers(report.grid_id)
    _refuse_unless(can(actor, "report.rate", On(own=own, outside=outside)))
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise FieldErrors({"stars": Message(N_("Please choose 1 to 5 stars."))})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise FieldErrors({"comment": Message(N_("Use at most {n} characters."), {"n": 500})})
    if report.state not in ("resolved", "verified"):
        raise UserError(N_("This report cannot be rated now."))
    before = report.state
    _move(
        session,
        report,
        ("resolved", "verified"),
        {"state": "rated", "rating": stars, "rating_comment": comment or None, "updated_at": now},
    )
    _event(session, report, "rate", actor_id, before, comment or None, at=now)
    if stars <= LOW_RATING:
        resolver = session.exec(
            select(col(ReportEvent.actor_id))
            .where(col(ReportEvent.report_id) == report.id, col(ReportEvent.action) == "resolve")
            .order_by(col(ReportEvent.id).desc())
        ).first()
        category = session.get(ReportCategory, report.category_id)
        _move(
            session,
            report,
            ("rated",),
            {
                "state": "reopened",
                "assignee_id": resolver or report.assignee_id,
                "resolved_at": None,
                "due_at": now + timedelta(hours=category.time_limit_hours),
                "updated_at": now,
            },
        )
        _event(session, report, "reopen", None, "rated", at=now)
    else:
        _move(session, report, ("rated",), {"state": "closed", "closed_at": now, "updated_at": now})
        _event(session, report, "close", None, "rated", at=now)
    session.commit()
    return report


def me_too(
    session: Session,
    store: MediaStore,
    *,
    report_id: int,
    user_id: int,
    photo: Photo | None = None,
    now: datetime | None = None,
) -> ReportSupporter:
    """Adds a person (and their photo) to an open report instead of filing a duplicate."""
    now = now or utcnow()
    report = _load(session, report_id)
    if report.state not in OPEN_STATES:
        raise UserError(
            N_("This report is already being closed; please file a new one if the problem is back.")
        )
    if report.reporter_id == user_id:
        raise UserError(N_("You reported this yourself."))
    require_inside(_area(session, active_user(session, user_id)), report.grid_id)
    media_id = _store_photo(session, store, photo, user_id, report.id).id if photo else None
    supporter = ReportSupporter(
        report_id=row_id(report), user_id=user_id, media_id=media_id, at=now
    )
    session.add(supporter)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise UserError(N_("You have already added yourself to this report.")) from None
    _event(session, report, "me_too", user_id, report.state, None, media_id, now)
    session.commit()
    return supporter
