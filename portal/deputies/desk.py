"""Commands of the deputies' desk: profiles and slots (the office), requests and bookings
(residents), answers, outlines, forwarding and closing (the deputy or the office)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_deputies import (
    DEPUTY_BODIES,
    DEPUTY_LEVELS,
    Deputy,
    DeputyRequest,
    DeputyRequestEvent,
    DeputySlot,
)
from db.models_reports import Report
from db.types import row_id, rowcount, utcnow
from portal import reports
from portal.areas import area_of
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.grids import GridIndex
from portal.i18n import N_
from portal.media import MediaStore
from portal.notifications import notify
from portal.permissions import On, can

NAME_MAX, BIO_MAX, PLACE_MAX, DAYS_MAX = 60, 300, 120, 120
TOPIC_MAX, BODY_MAX, OUTLINE_MAX, ANSWER_MAX = 80, 1000, 300, 1000
SLOT_MINUTES = (15, 30, 45, 60, 90, 120)

BODY_LABELS = {"npc": N_("People's congress deputy"), "cppcc": N_("CPPCC member")}
LEVEL_LABELS = {
    "national": N_("National"),
    "province": N_("Provincial"),
    "city": N_("City"),
    "district": N_("District"),
}
STATE_LABELS = {
    "received": N_("Received"),
    "answered": N_("Answered"),
    "forwarded": N_("Forwarded as a report"),
    "closed": N_("Closed"),
}
assert tuple(BODY_LABELS) == DEPUTY_BODIES and tuple(LEVEL_LABELS) == DEPUTY_LEVELS

NO_DEPUTY = N_("This deputy could not be found.")
NO_REQUEST = N_("This request could not be found.")
SLOT_TAKEN = N_("Someone has just booked this time. Please choose another one.")
MOVED = N_("Someone else has just acted on this request. Please look at it again.")
TOO_LONG = N_("Use at most {n} characters.")


def _refuse_unless(decision) -> None:
    if not decision:
        raise UserError(decision.reason)


def _text(errors: dict, field: str, value: object, most: int, needed: str | None = None) -> str:
    text = str(value or "").strip()
    if needed and not text:
        errors[field] = Message(needed)
    elif len(text) > most:
        errors[field] = Message(TOO_LONG, {"n": most})
    return text


def deputy_of(session: Session, deputy_id: int | None) -> Deputy:
    deputy = session.get(Deputy, deputy_id) if deputy_id else None
    if deputy is None or not deputy.active:
        raise UserError(NO_DEPUTY)
    return deputy


# --- the office: profiles and slots ---------------------------------------------------------


def save_deputy(
    session: Session,
    *,
    actor_id: int,
    grid_id: int | None,
    name: str,
    body: str | None,
    level: str | None,
    bio: str = "",
    reception_place: str = "",
    reception_days: str = "",
    username: str = "",
    deputy_id: int | None = None,
) -> Deputy:
    """Adds (or, with deputy_id, changes) a deputy's profile in a community of the actor's area.
    `username`: the deputy's own account, who then answers their requests themselves."""
    actor = active_user(session, actor_id)
    grid = session.get(Grid, grid_id) if grid_id else None
    area = area_of(session, actor)
    errors: dict[str, Message] = {}
    if grid is None or grid.kind != "community":
        errors["grid"] = Message(N_("Please choose the community."))
    _refuse_unless(
        can(actor, "deputy.manage", On(outside=grid is not None and not area.covers(grid.id)))
    )
    name = _text(errors, "name", name, NAME_MAX, N_("Please enter the name."))
    if body not in DEPUTY_BODIES:
        errors["body"] = Message(N_("Please choose people's congress or CPPCC."))
    if level not in DEPUTY_LEVELS:
        errors["level"] = Message(N_("Please choose the level."))
    bio = _text(errors, "bio", bio, BIO_MAX)
    place = _text(errors, "place", reception_place, PLACE_MAX)
    days = _text(errors, "days", reception_days, DAYS_MAX)
    user_id = None
    if (username or "").strip():
        user = session.exec(select(User).where(col(User.username) == username.strip())).first()
        if user is None or not user.is_active:
            errors["username"] = Message(N_("No account has this user name."))
        else:
            user_id = user.id
    if errors or grid is None:
        raise FieldErrors(errors)
    deputy = session.get(Deputy, deputy_id) if deputy_id else None
    if deputy_id and (deputy is None or not area.covers(deputy.grid_id)):
        raise UserError(NO_DEPUTY)
    deputy = deputy or Deputy(
        created_by=row_id(actor), grid_id=row_id(grid), name=name, body="npc", level="district"
    )
    deputy.grid_id, deputy.name, deputy.body, deputy.level = (
        row_id(grid),
        name,
        str(body),
        str(level),
    )
    deputy.bio, deputy.reception_place, deputy.reception_days = bio, place, days
    deputy.user_id = user_id
    session.add(deputy)
    try:
        session.commit()
    except IntegrityError:  # that account is already another deputy
        session.rollback()
        raise FieldErrors({"username": Message(N_("This account is already a deputy."))}) from None
    session.refresh(deputy)
    return deputy


def add_slot(
    session: Session,
    *,
    actor_id: int,
    deputy_id: int | None,
    starts_at: datetime | None,
    minutes: int | None,
    now: datetime | None = None,
) -> DeputySlot:
    """A reception slot of a deputy of the actor's area (the office)."""
    now = now or utcnow()
    actor = active_user(session, actor_id)
    deputy = deputy_of(session, deputy_id)
    area = area_of(session, actor)
    _refuse_unless(can(actor, "deputy.manage", On(outside=not area.covers(deputy.grid_id))))
    errors: dict[str, Message] = {}
    if starts_at is None or starts_at <= now:
        errors["start"] = Message(N_("Please choose a time in the future."))
    if minutes not in SLOT_MINUTES:
        errors["minutes"] = Message(N_("Please choose how long it lasts."))
    if errors or starts_at is None or minutes is None:
        raise FieldErrors(errors)
    slot = DeputySlot(
        deputy_id=row_id(deputy),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        created_by=row_id(actor),
        created_at=now,
    )
    session.add(slot)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise FieldErrors(
            {"start": Message(N_("This deputy already has a slot at that time."))}
        ) from None
    session.refresh(slot)
    return slot


# --- residents: requests and bookings -------------------------------------------------------


def _event(session: Session, request: DeputyRequest, kind: str, actor_id: int, before, at) -> None:
    """The trail row; a step that changes the state is also told to the resident (same commit)."""
    if before is not None and (request.state != before or kind == "answered"):
        deputy = session.get(Deputy, request.deputy_id)
        notify(
            session,
            [request.resident_id],
            "deputy_request",
            {
                "topic": request.topic,
                "deputy": deputy.name if deputy else "",
                "state": STATE_LABELS[request.state],
            },
            "deputies",
            now=at,
        )
    session.add(
        DeputyRequestEvent(
            request_id=row_id(request),
            actor_id=actor_id,
            kind=kind,
            from_state=before,
            to_state=request.state,
            at=at,
        )
    )


def leave_request(
    session: Session,
    *,
    actor_id: int,
    deputy_id: int | None,
    topic: str,
    text: str,
    slot_id: int | None = None,
    now: datetime | None = None,
) -> DeputyRequest:
    """A verified resident or merchant of the deputy's community leaves a request, optionally
    booking one free reception slot (one booking per slot, held by the database)."""
    now = now or utcnow()
    actor = active_user(session, actor_id)
    deputy = deputy_of(session, deputy_id)
    area = area_of(session, actor)
    _refuse_unless(can(actor, "deputy.request", On(outside=not area.covers(deputy.grid_id))))
    errors: dict[str, Message] = {}
    topic = _text(errors, "topic", topic, TOPIC_MAX, N_("Please give the request a short topic."))
    body = _text(errors, "text", text, BODY_MAX, N_("Please write what you would like to raise."))
    if slot_id is not None:
        slot = session.get(DeputySlot, slot_id)
        if slot is None or slot.deputy_id != deputy.id or slot.starts_at <= now:
            errors["slot"] = Message(N_("This reception time is no longer open."))
        elif session.exec(
            select(DeputyRequest.id).where(col(DeputyRequest.slot_id) == slot_id)
        ).first():
            errors["slot"] = Message(SLOT_TAKEN)
    if errors:
        raise FieldErrors(errors)
    request = DeputyRequest(
        deputy_id=row_id(deputy),
        grid_id=deputy.grid_id,
        resident_id=row_id(actor),
        slot_id=slot_id,
        topic=topic,
        body=body,
        state="received",
        created_at=now,
        state_changed_at=now,
    )
    session.add(request)
    try:
        session.flush()
    except IntegrityError:  # another resident booked the same slot at the same moment
        session.rollback()
        raise FieldErrors({"slot": Message(SLOT_TAKEN)}) from None
    _event(session, request, "received", row_id(actor), None, now)
    session.commit()
    session.refresh(request)
    return request


# --- the deputy (or the office for them) ----------------------------------------------------


def facts(session: Session, actor: User, request: DeputyRequest) -> On:
    """What a request is to the actor, for permissions.can: own = they wrote it; named = they are
    its deputy; outside = neither, and it lies outside their area (another community)."""
    deputy = session.get(Deputy, request.deputy_id)
    named = deputy is not None and deputy.user_id == actor.id
    own = request.resident_id == actor.id
    outside = not (own or named) and not area_of(session, actor).covers(request.grid_id)
    return On(own=own, named=named, outside=outside)


def _responding(session: Session, actor_id: int, request_id: int | None):
    actor = active_user(session, actor_id)
    request = session.get(DeputyRequest, request_id) if request_id else None
    if request is None:
        raise UserError(NO_REQUEST)
    _refuse_unless(can(actor, "deputy.respond", facts(session, actor, request)))
    return actor, request


def _move(
    session: Session, request: DeputyRequest, expected: tuple[str, ...], to: str, changes: dict, now
) -> str:
    """Conditional UPDATE on (id, state): of two people acting at once exactly one wins."""
    before = request.state
    if before not in expected:
        raise UserError(MOVED)
    done = session.execute(
        update(DeputyRequest)
        .where(col(DeputyRequest.id) == request.id, col(DeputyRequest.state) == before)
        .values(state=to, state_changed_at=now, **changes)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise UserError(MOVED)
    return before


def answer(
    session: Session,
    *,
    actor_id: int,
    request_id: int | None,
    text: str,
    outline: str | None = None,
    now: datetime | None = None,
) -> DeputyRequest:
    """The deputy's answer to the resident (private); with `outline`, the public line too."""
    now = now or utcnow()
    actor, request = _responding(session, actor_id, request_id)
    errors: dict[str, Message] = {}
    text = _text(errors, "answer", text, ANSWER_MAX, N_("Please write the answer."))
    changes: dict[str, object] = {"answer": text}
    if outline is not None and outline.strip():
        changes["outline"] = _text(errors, "outline", outline, OUTLINE_MAX)
    if errors:
        raise FieldErrors(errors)
    before = _move(session, request, ("received", "answered"), "answered", changes, now)
    session.refresh(request)
    _event(session, request, "answered", row_id(actor), before, now)
    session.commit()
    return request


def write_outline(
    session: Session,
    *,
    actor_id: int,
    request_id: int | None,
    outline: str,
    now: datetime | None = None,
) -> DeputyRequest:
    """The public line of a request (what was raised, what happened): no names, no detail."""
    now = now or utcnow()
    actor, request = _responding(session, actor_id, request_id)
    errors: dict[str, Message] = {}
    text = _text(errors, "outline", outline, OUTLINE_MAX, N_("Please write the public outline."))
    if errors:
        raise FieldErrors(errors)
    request.outline = text
    session.add(request)
    _event(session, request, "outline", row_id(actor), request.state, now)
    session.commit()
    session.refresh(request)
    return request


def _place_of(session: Session, index: GridIndex, request: DeputyRequest) -> tuple[float, float]:
    """Where the forwarded report lies: the resident's home grid when it is in the deputy's
    community, else the community itself."""
    resident = session.get(User, request.resident_id)
    home = resident.home_grid_id if resident else None
    area_ok = home in index.shapes and any(
        g.id == request.grid_id for g in index.ancestors(index.grids[home])
    )
    grid_id = home if area_ok and home is not None else request.grid_id
    point = index.shapes[grid_id].representative_point()
    return point.y, point.x


def forward(
    session: Session,
    index: GridIndex,
    store: MediaStore,
    *,
    actor_id: int,
    request_id: int | None,
    category_id: int | None,
    now: datetime | None = None,
) -> Report:
    """Forwards the request as a report (portal.reports.submit, dispatched by its grid like any
    report) filed by the deputy or the office; the request keeps the link (report_id)."""
    now = now or utcnow()
    actor, request = _responding(session, actor_id, request_id)
    if request.state not in ("received", "answered"):
        raise UserError(MOVED)
    lat, lon = _place_of(session, index, request)
    request_key, actor_key, before = row_id(request), row_id(actor), request.state

    def link(report: Report) -> None:
        _move(
            session, request, ("received", "answered"), "forwarded", {"report_id": report.id}, now
        )
        session.refresh(request)
        _event(session, request, "forwarded", actor_key, before, now)

    try:
        report = reports.submit(
            session,
            index,
            store,
            reporter_id=actor_key,
            category_id=category_id,
            description=f"{request.topic}\n{request.body}",
            lat=lat,
            lon=lon,
            place_source="deputy",
            now=now,
            with_report=link,
        )
    except (UserError, FieldErrors):
        session.rollback()
        raise
    fresh = session.get(DeputyRequest, request_key)
    if fresh is not None and fresh.report_id is None:  # submit found the same report just sent
        link(report)
        session.commit()
    return report


def close(
    session: Session, *, actor_id: int, request_id: int | None, now: datetime | None = None
) -> DeputyRequest:
    now = now or utcnow()
    actor, request = _responding(session, actor_id, request_id)
    before = _move(session, request, ("received", "answered", "forwarded"), "closed", {}, now)
    session.refresh(request)
    _event(session, request, "closed", row_id(actor), before, now)
    session.commit()
    return request
