"""Filing a report (by a resident, on someone's behalf, or by a device alarm) and dispatching it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models_reports import Report, ReportCategory, ReportMedia
from db.types import row_id, utcnow
from portal.errors import FieldErrors, Message, UserError
from portal.grids import GridIndex, Placement, locate
from portal.i18n import DEFAULT_LANGUAGE, N_
from portal.media import Audio, MediaStore, Photo
from portal.reports.clock import resident_due
from portal.reports.common import MAX_DESCRIPTION, WHISTLE_HOURS, _event
from portal.reports.routing import _responder, category_department


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


def check_place(session: Session, index: GridIndex, lat: object, lon: object) -> Placement:
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
    if errors or category is None:
        raise FieldErrors(errors)
    category_key, lat_f, lon_f = row_id(category), placement.lat, placement.lon
    again = _just_sent(session, reporter_id, on_behalf_of_id, category_key, text, lat_f, lon_f, now)
    if again is not None:  # a second click, or the same form sent from a second tab
        return again
    key = submission_key(
        reporter_id, on_behalf_of_id, category_key, text, lat_f, lon_f, photo, audio, now
    )
    report = Report(
        submit_key=key,
        reporter_id=reporter_id,
        on_behalf_of_id=on_behalf_of_id,
        category_id=category_key,
        description=text,
        public_description=bool(public_description) and on_behalf_of_id is None,
        language=language,
        lat=lat_f,
        lon=lon_f,
        place_source=place_source,
        grid_id=placement.grid_id(),
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
        grid_id=placement.grid_id(),
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
        department = category_department(session, index, report, category.department_id)
    report.level, report.assignee_id, report.department_id = level, assignee, department
    report.state, report.updated_at = "assigned", now
    session.add(report)
    session.flush()
