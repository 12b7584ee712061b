"""Snap-a-report: report → dispatch by grid → handle / escalate → verify → rate → close.

Every transition is a ReportEvent row; the Report row holds the current state and a version number
so that two handlers acting at once cannot both win. `sweep()` is the clock: it escalates overdue
reports one level and closes resolved reports nobody rated within a week (no zombie orders).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Department, GridDuty, User
from db.models_reports import (
    JointTask,
    Report,
    ReportCategory,
    ReportEvent,
    ReportMedia,
    ReportSupporter,
)
from db.types import row_id, utcnow
from portal import report_notices
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.grids import GridIndex, locate
from portal.i18n import DEFAULT_LANGUAGE, N_
from portal.i18n import translate as _catalog_lookup  # for ids that are data, not literals
from portal.media import Audio, MediaStore, Photo
from portal.permissions import NOT_YOURS, On, can
from portal.report_clock import OPEN_STATES, resident_due

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


# --- reading ---------------------------------------------------------------------------------


def category_name(category: ReportCategory, language: str) -> str:
    """The name staff gave in that language, else the catalog's translation of the English name."""
    names = json.loads(category.names)
    if names.get(language):
        return names[language]
    if names.get("en"):
        translated = _catalog_lookup(language, names["en"])
        if translated != names["en"] or language == "en":
            return translated
    return names.get(DEFAULT_LANGUAGE) or names.get("en") or category.code


def categories(session: Session, active_only: bool = True) -> list[ReportCategory]:
    query = select(ReportCategory).order_by(col(ReportCategory.kind), col(ReportCategory.id))
    if active_only:
        query = query.where(col(ReportCategory.active))
    return list(session.exec(query))


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371000 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Nearby:
    report: Report
    metres: float
    supporters: int


def nearby_open(
    session: Session, *, category_id: int, lat: float, lon: float, now: datetime | None = None
) -> list[Nearby]:
    """Open reports of the same category near the place, within the category's radius and days."""
    now = now or utcnow()
    category = session.get(ReportCategory, category_id)
    if category is None:
        return []
    radius = category.duplicate_radius_m
    dlat = radius / 111_000
    dlon = radius / (111_000 * max(0.1, math.cos(math.radians(lat))))
    candidates = session.exec(
        select(Report).where(
            col(Report.category_id) == category_id,
            col(Report.state).in_(OPEN_STATES),
            col(Report.created_at) >= now - timedelta(days=category.duplicate_days),
            col(Report.lat).between(lat - dlat, lat + dlat),
            col(Report.lon).between(lon - dlon, lon + dlon),
        )
    ).all()
    found = [(r, distance_m(lat, lon, r.lat, r.lon)) for r in candidates]
    found = [(r, d) for r, d in found if d <= radius]
    counts = _supporter_counts(session, [r.id for r, _ in found])
    return sorted(
        (Nearby(r, d, counts.get(row_id(r), 0)) for r, d in found), key=lambda n: n.metres
    )


def _supporter_counts(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.exec(
        select(col(ReportSupporter.report_id), func.count())
        .where(col(ReportSupporter.report_id).in_(ids))
        .group_by(col(ReportSupporter.report_id))
    ).all()
    return dict(rows)


# --- who answers where -------------------------------------------------------------------------


def _department(session: Session, code: str) -> Department | None:
    return session.exec(select(Department).where(col(Department.code) == code)).first()


def _responder(
    session: Session, index: GridIndex, report: Report, level: str
) -> tuple[int | None, int | None]:
    """(assignee user id, department id) for a level of the chain."""
    if level == "grid":
        placement = locate(session, index, report.lat, report.lon)
        lead = placement.lead() if placement.inside else None
        if lead is not None and lead.duty != "secretary":
            return lead.user_id, None
        level = "community"
    if level == "community":
        office = _department(session, "office")
        community = next((g for g in index.grids.values() if g.kind == "community"), None)
        secretary = None
        if community is not None:
            secretary = session.exec(
                select(col(GridDuty.user_id)).where(
                    col(GridDuty.grid_id) == community.id, col(GridDuty.duty) == "secretary"
                )
            ).first()
        return secretary, office.id if office else None
    department = _department(session, {"street": "street", "district": "district"}[level])
    return None, department.id if department else None


def _grid_chain_ids(index: GridIndex, grid_id: int) -> list[int]:
    grid = index.grids.get(grid_id)
    return [g.id for g in index.ancestors(grid)] if grid else []


def _is_grid_worker_for(session: Session, index: GridIndex, user: User, report: Report) -> bool:
    chain = [
        gid
        for gid in _grid_chain_ids(index, report.grid_id)
        if index.grids[gid].kind != "community"
    ]
    if not chain:
        return False
    return (
        session.exec(
            select(col(GridDuty.id)).where(
                col(GridDuty.user_id) == user.id,
                col(GridDuty.grid_id).in_(chain),
                col(GridDuty.duty).in_(GRID_DUTIES),
            )
        ).first()
        is not None
    )


def _holds_for_department(session: Session, user: User, report: Report) -> bool:
    """The report is with the person's department (assigned to it, or it leads the joint order)."""
    if user.department_id is None:
        return False
    if report.department_id == user.department_id:
        return True
    return (
        session.exec(
            select(JointTask.id).where(
                JointTask.report_id == report.id,
                JointTask.department_id == user.department_id,
                JointTask.role == "lead",
            )
        ).first()
        is not None
    )


def facts(session: Session, index: GridIndex, user: User, report: Report) -> On:
    """What permissions.can() needs to know about this person and this report."""
    return On(
        own=user.id in (report.reporter_id, report.on_behalf_of_id),
        answers_for=_is_grid_worker_for(session, index, user, report),
        named=report.assignee_id == user.id,
        department=_holds_for_department(session, user, report),
    )


def may_handle(session: Session, index: GridIndex, user: User, report: Report) -> bool:
    """Whether the person may move the report at its present level."""
    on = facts(session, index, user, report)
    if report.level == "grid":  # a grid worker holds it; above the grid, a department
        on = On(named=on.named, answers_for=on.answers_for)
    else:
        on = On(named=on.named, department=on.department)
    return bool(can(user, "report.handle", on))


# --- writing ---------------------------------------------------------------------------------


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
    report_notices.tell(session, report, action, note, at or utcnow())  # outbox: same commit


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
    if result.rowcount != 1:
        session.rollback()
        raise UserError(CONFLICT)
    session.refresh(report)
    return report


def _store_photo(
    session: Session, store: MediaStore, photo: Photo, uploader_id: int, report_id: int | None
) -> ReportMedia:
    path, thumb = store.save_photo(photo)
    media = ReportMedia(
        report_id=report_id,
        uploader_id=uploader_id,
        kind="photo",
        path=path,
        thumb_path=thumb,
        content_type="image/jpeg",
        size=len(photo.data),
        width=photo.width,
        height=photo.height,
        sha256=photo.sha256,
    )
    session.add(media)
    session.flush()
    return media


def _store_audio(
    session: Session, store: MediaStore, audio: Audio, uploader_id: int, report_id: int | None
) -> ReportMedia:
    media = ReportMedia(
        report_id=report_id,
        uploader_id=uploader_id,
        kind="audio",
        path=store.save_audio(audio),
        content_type=audio.content_type,
        size=len(audio.data),
        seconds=audio.seconds,
        sha256=audio.sha256,
    )
    session.add(media)
    session.flush()
    return media


def check_place(session: Session, index: GridIndex, lat: object, lon: object):
    """The placement of a report's place, or FieldErrors for the 'place' field."""
    if lat is None or lon is None:
        raise FieldErrors({"place": Message(N_("Please choose the place on the map."))})
    placement = locate(session, index, lat, lon)
    if not placement.inside:
        raise FieldErrors(
            {"place": Message(placement.message or N_("Please choose the place on the map."))}
        )
    return placement


RESEND_WINDOW = timedelta(minutes=2)


def _just_sent(
    session: Session,
    reporter_id: int,
    on_behalf_of_id: int | None,
    category_id: int,
    text: str,
    lat: float,
    lon: float,
    now: datetime,
) -> Report | None:
    """The same report (same person, kind, words and place) sent moments ago, if there is one."""
    return session.exec(
        select(Report)
        .where(
            col(Report.reporter_id) == reporter_id,
            col(Report.on_behalf_of_id) == on_behalf_of_id,
            col(Report.category_id) == category_id,
            col(Report.description) == text,
            func.abs(col(Report.lat) - lat) < 1e-7,
            func.abs(col(Report.lon) - lon) < 1e-7,
            col(Report.created_at) >= now - RESEND_WINDOW,
            col(Report.created_at) <= now,
        )
        .order_by(col(Report.id))
    ).first()


def submission_key(
    reporter_id: int,
    on_behalf_of_id: int | None,
    category_id: int,
    text: str,
    lat: float,
    lon: float,
    photo: Photo | None,
    audio: Audio | None,
    now: datetime,
) -> str:
    """Hash of who sends what, where, in which minute (UTC): the database keeps one report per
    key, so identical sends racing each other cannot both be stored. Sends straddling a minute
    boundary get two keys; _just_sent() catches them when they are not simultaneous."""
    parts = (
        reporter_id,
        on_behalf_of_id,
        category_id,
        text,
        f"{lat:.6f}",
        f"{lon:.6f}",
        photo.sha256 if photo else "",
        audio.sha256 if audio else "",
        now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"),
    )
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def submit(
    session: Session,
    index: GridIndex,
    store: MediaStore,
    *,
    reporter_id: int,
    category_id: int | None,
    description: str,
    lat: object,
    lon: object,
    place_source: str = "map",
    photo: Photo | None = None,
    audio: Audio | None = None,
    language: str = DEFAULT_LANGUAGE,
    on_behalf_of_id: int | None = None,
    public_description: bool = False,
    now: datetime | None = None,
    with_report: Callable[[Report], None] | None = None,
) -> Report:
    """Files a report and dispatches it by the grid it lies in. Raises FieldErrors.
    `public_description`: the reporter chose to show the words on the public pages (never for a
    report filed on someone's behalf: the resident did not choose).
    `with_report` adds the caller's own rows for the new report in the same transaction."""
    now = now or utcnow()
    text = (description or "").strip()
    errors: dict[str, Message] = {}
    category = session.get(ReportCategory, category_id) if category_id else None
    if category is None or not category.active:
        errors["category"] = Message(N_("Please choose what kind of problem it is."))
    if len(text) > MAX_DESCRIPTION:
        errors["description"] = Message(N_("Use at most {n} characters."), {"n": MAX_DESCRIPTION})
    elif not text and photo is None and audio is None:
        errors["description"] = Message(
            N_("Please describe the problem in a few words, add a photo or record a voice note.")
        )
    try:
        placement = check_place(session, index, lat, lon)
    except FieldErrors as exc:
        errors |= exc.errors
    if errors:
        raise FieldErrors(errors)
    again = _just_sent(
        session, reporter_id, on_behalf_of_id, category.id, text, float(lat), float(lon), now
    )
    if again is not None:  # a second click, or the same form sent from a second tab
        return again
    key = submission_key(
        reporter_id, on_behalf_of_id, category.id, text, float(lat), float(lon), photo, audio, now
    )
    report = Report(
        submit_key=key,
        reporter_id=reporter_id,
        on_behalf_of_id=on_behalf_of_id,
        category_id=category.id,
        description=text,
        public_description=bool(public_description) and on_behalf_of_id is None,
        language=language,
        lat=float(lat),
        lon=float(lon),
        place_source=place_source,
        grid_id=placement.grid.id,
        state="submitted",
        level="grid",
        due_at=(due := resident_due(now, category.time_limit_hours)),  # one limit, two clocks
        resident_due_at=due,
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    try:
        session.flush()
    except IntegrityError:  # the same report, sent at the same moment from another tab
        session.rollback()
        return session.exec(select(Report).where(Report.submit_key == key)).one()
    media_id = None
    if photo is not None:
        media_id = _store_photo(session, store, photo, reporter_id, report.id).id
    if audio is not None:
        _store_audio(session, store, audio, reporter_id, report.id)
    _event(session, report, "submit", reporter_id, None, text or None, media_id, now)
    _dispatch(session, index, report, "grid", category, now)
    _event(session, report, "assign", None, "submitted", at=now)
    if with_report is not None:
        with_report(report)
    session.commit()
    return report


def submit_alarm(
    session: Session,
    index: GridIndex,
    *,
    reporter_id: int,
    category_code: str,
    description: str,
    lat: float,
    lon: float,
    urgent: bool = False,
    now: datetime | None = None,
) -> Report:
    """A report raised by a smart-device alarm, dispatched like any report to the grid's lead.

    Urgent ones (smoke, a fall) are flagged and due within WHISTLE_HOURS. Adds and flushes in the
    caller's transaction and does NOT commit (the alarm row and its report are saved together)."""
    now = now or utcnow()
    category = session.exec(
        select(ReportCategory).where(col(ReportCategory.code) == category_code)
    ).first()
    if category is None:
        raise UserError(N_("Please choose what kind of problem it is."))
    placement = check_place(session, index, lat, lon)
    hours = min(category.time_limit_hours, WHISTLE_HOURS) if urgent else category.time_limit_hours
    report = Report(
        reporter_id=reporter_id,
        category_id=row_id(category),
        description=(description or "")[:MAX_DESCRIPTION],
        language=DEFAULT_LANGUAGE,
        lat=float(lat),
        lon=float(lon),
        place_source="device",
        grid_id=placement.grid.id,
        state="submitted",
        level="grid",
        urgent=urgent,
        due_at=now + timedelta(hours=hours),
        resident_due_at=resident_due(now, hours),
        created_at=now,
        updated_at=now,
    )
    session.add(report)
    session.flush()
    _event(session, report, "submit", reporter_id, None, report.description or None, at=now)
    _dispatch(session, index, report, "grid", category, now)
    _event(session, report, "assign", None, "submitted", at=now)
    return report


def _dispatch(
    session: Session,
    index: GridIndex,
    report: Report,
    level: str,
    category: ReportCategory,
    now: datetime,
) -> None:
    assignee, department = _responder(session, index, report, level)
    if level == "grid" and assignee is None:
        level = "community"
    if level != "grid" and department is None and category.department_id:
        department = category.department_id
    report.level, report.assignee_id, report.department_id = level, assignee, department
    report.state, report.updated_at = "assigned", now
    session.add(report)
    session.flush()


def _load(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise UserError(N_("This report does not exist."))
    session.refresh(report)
    return report


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
        allowed = can(actor, "report.verify", facts(session, index, actor, report))
        if not allowed:
            raise UserError(allowed.reason)
    elif not may_handle(session, index, actor, report):
        raise UserError(NOT_YOURS)
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
        department = category.department_id
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
    """Community staff send a returned (or stuck) report to a person or a department."""
    now = now or utcnow()
    report, actor = _load(session, report_id), active_user(session, actor_id)
    if not can(actor, "report.reassign"):
        raise UserError(NOT_YOURS)
    if assignee_id is None and department_id is None:
        raise FieldErrors({"assignee": Message(N_("Please choose who should handle it."))})
    level = report.level
    if department_id is not None:
        department = session.get(Department, department_id)
        if department is None:
            raise FieldErrors({"assignee": Message(N_("Please choose who should handle it."))})
        level = department.level if department.level in LEVELS else "community"
    if assignee_id is not None and session.get(User, assignee_id) is None:
        raise FieldErrors({"assignee": Message(N_("Please choose who should handle it."))})
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
    if not can(actor, "report.whistle", facts(session, index, actor, report)):
        raise UserError(NOT_YOURS)
    lead = session.get(Department, lead_department_id) if lead_department_id else None
    if lead is None:
        raise FieldErrors({"lead": Message(N_("Please choose the lead department."))})
    assists = [d for d in dict.fromkeys(assist_department_ids) if d != lead.id]
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
    for department_id, role in [(lead.id, "lead"), *((d, "assist") for d in assists)]:
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
    if not can(actor, "report.finish_joint_part", On(department=task is not None)):
        raise UserError(NOT_YOURS)
    if task.status == "done":
        raise UserError(N_("Your part is already marked done."))
    result = session.exec(
        update(JointTask)
        .where(col(JointTask.id) == task.id, col(JointTask.status) == "open")
        .values(status="done", updated_at=now)
    )
    if result.rowcount != 1:
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
    allowed = can(active_user(session, actor_id), "report.rate", On(own=own))
    if not allowed:
        raise UserError(allowed.reason)
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
                else report_notices.department_handlers(session, [department] if department else [])
            )
        warned += report_notices.tell_due_soon(
            session, report, [*report_notices.handlers_of(session, report), *up], now
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


# --- categories (staff edit the list) ----------------------------------------------------------


def save_category(
    session: Session,
    *,
    actor_id: int,
    category_id: int | None,
    code: str,
    kind: str,
    name_zh: str,
    name_en: str,
    department_id: int | None,
    time_limit_hours: int,
    duplicate_radius_m: int,
    duplicate_days: int,
    active: bool = True,
) -> ReportCategory:
    """Adds or changes a category. Raises FieldErrors."""
    actor = active_user(session, actor_id)
    if not can(actor, "report.categories"):
        raise UserError(NOT_YOURS)
    errors: dict[str, Message] = {}
    code = (code or "").strip().lower()
    if not code or len(code) > 32 or not code.replace("_", "").isalnum():
        errors["code"] = Message(N_("Use letters, digits and underscores (at most 32)."))
    if kind not in ("component", "event"):
        errors["kind"] = Message(N_("Please choose component or event."))
    if not (name_zh or "").strip():
        errors["name_zh"] = Message(N_("Please enter a name."))
    for field, value, low, high in (
        ("time_limit_hours", time_limit_hours, 1, 720),
        ("duplicate_radius_m", duplicate_radius_m, 5, 2000),
        ("duplicate_days", duplicate_days, 1, 90),
    ):
        if not isinstance(value, int) or not low <= value <= high:
            errors[field] = Message(
                N_("Enter a whole number from {low} to {high}."), {"low": low, "high": high}
            )
    if department_id is not None and session.get(Department, department_id) is None:
        errors["department"] = Message(N_("Please choose who should handle it."))
    clash = session.exec(
        select(col(ReportCategory.id)).where(col(ReportCategory.code) == code)
    ).first()
    if clash is not None and clash != category_id:
        errors["code"] = Message(N_("This code is already used."))
    if errors:
        raise FieldErrors(errors)
    found = session.get(ReportCategory, category_id) if category_id else None
    if category_id and found is None:
        raise ValueError(f"no report category {category_id}")  # pages offer existing ones only
    category = found or ReportCategory(code=code)
    names = json.loads(category.names) if category.names else {}
    names.update({"zh_Hans": name_zh.strip()[:60], "en": (name_en or "").strip()[:60]})
    category.code, category.kind, category.names = code, kind, json.dumps(names, ensure_ascii=False)
    category.department_id, category.time_limit_hours = department_id, time_limit_hours
    category.duplicate_radius_m, category.duplicate_days = duplicate_radius_m, duplicate_days
    category.active = active
    session.add(category)
    session.commit()
    return category
