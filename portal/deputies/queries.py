"""Read models of the deputies' desk: the community's deputies with their free reception times,
a resident's own requests, a deputy's (or the office's) incoming requests, and the public trail.

Detail (the resident's text and name, the answer) only for the resident, the deputy and the
community's office (permissions "deputy.see_detail"); the trail carries the outline alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from db.models import User
from db.models_deputies import Deputy, DeputyRequest, DeputySlot
from db.types import row_id, utcnow
from portal.areas import Area, area_of
from portal.auth import active_user
from portal.deputies.desk import NO_REQUEST, facts
from portal.errors import UserError
from portal.permissions import can, role_can


@dataclass(frozen=True)
class Slot:
    id: int
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class DeputyCard:
    id: int
    name: str
    body: str
    level: str
    bio: str
    reception_place: str
    reception_days: str
    has_account: bool
    free_slots: tuple[Slot, ...]


@dataclass(frozen=True)
class RequestDetail:
    id: int
    deputy_name: str
    resident_name: str
    topic: str
    body: str
    state: str
    outline: str | None
    answer: str | None
    report_id: int | None
    slot_starts_at: datetime | None
    created_at: datetime
    state_changed_at: datetime


@dataclass(frozen=True)
class TrailItem:
    """One line of the public trail: no resident, no text, no answer."""

    id: int
    deputy_name: str
    topic: str
    state: str
    outline: str
    created_at: datetime
    state_changed_at: datetime


def _in_area(query, column, area: Area):
    return query if area.whole else query.where(col(column).in_(area.grid_list() or [-1]))


def deputies(session: Session, *, actor_id: int, now: datetime | None = None) -> list[DeputyCard]:
    """The active deputies of the actor's community, each with their free future slots."""
    now = now or utcnow()
    actor = active_user(session, actor_id)
    area = area_of(session, actor)
    rows = session.exec(
        _in_area(select(Deputy).where(col(Deputy.active)), Deputy.grid_id, area).order_by(
            col(Deputy.body).desc(), col(Deputy.name), col(Deputy.id)
        )
    ).all()
    ids = [row_id(d) for d in rows]
    booked = select(DeputyRequest.slot_id).where(col(DeputyRequest.slot_id).is_not(None))
    slots = session.exec(
        select(DeputySlot)
        .where(
            col(DeputySlot.deputy_id).in_(ids or [-1]),
            col(DeputySlot.starts_at) > now,
            col(DeputySlot.id).not_in(booked),
        )
        .order_by(col(DeputySlot.starts_at))
    ).all()
    free: dict[int, list[Slot]] = {}
    for s in slots:
        free.setdefault(s.deputy_id, []).append(Slot(row_id(s), s.starts_at, s.ends_at))
    return [
        DeputyCard(
            row_id(d),
            d.name,
            d.body,
            d.level,
            d.bio,
            d.reception_place,
            d.reception_days,
            d.user_id is not None,
            tuple(free.get(row_id(d), ())),
        )
        for d in rows
    ]


def deputy_ids_of(session: Session, user_id: int) -> list[int]:
    """The deputy rows this account is (a user is a deputy when a deputy row names them)."""
    return [
        row_id(d)
        for d in session.exec(
            select(Deputy).where(col(Deputy.user_id) == user_id, col(Deputy.active))
        ).all()
    ]


def _details(session: Session, query) -> list[RequestDetail]:
    rows = session.exec(query).all()
    names = {
        row_id(d): d.name
        for d in session.exec(
            select(Deputy).where(col(Deputy.id).in_({r.deputy_id for r in rows} or {-1}))
        ).all()
    }
    people = dict(
        session.exec(
            select(User.id, User.display_name).where(
                col(User.id).in_({r.resident_id for r in rows} or {-1})
            )
        ).all()
    )
    slot_ids = {r.slot_id for r in rows if r.slot_id is not None}
    starts = dict(
        session.exec(
            select(DeputySlot.id, DeputySlot.starts_at).where(
                col(DeputySlot.id).in_(slot_ids or {-1})
            )
        ).all()
    )
    return [
        RequestDetail(
            row_id(r),
            names.get(r.deputy_id, ""),
            people.get(r.resident_id, ""),
            r.topic,
            r.body,
            r.state,
            r.outline,
            r.answer,
            r.report_id,
            starts.get(r.slot_id) if r.slot_id is not None else None,
            r.created_at,
            r.state_changed_at,
        )
        for r in rows
    ]


def my_requests(session: Session, *, actor_id: int, limit: int = 50) -> list[RequestDetail]:
    """The actor's own requests, newest first (their detail is theirs)."""
    return _details(
        session,
        select(DeputyRequest)
        .where(col(DeputyRequest.resident_id) == actor_id)
        .order_by(col(DeputyRequest.created_at).desc(), col(DeputyRequest.id).desc())
        .limit(limit),
    )


def may_respond(session: Session, actor_id: int) -> bool:
    """Whether this person answers requests at all: a deputy with an account, or the office."""
    actor = active_user(session, actor_id)
    return bool(role_can(actor.role, "deputy.respond")) or bool(deputy_ids_of(session, actor_id))


def incoming(session: Session, *, actor_id: int, limit: int = 100) -> list[RequestDetail]:
    """Requests the actor answers: their own as a deputy; the office: every request of its area.
    Open ones first (oldest first), then the settled ones (newest first)."""
    actor = active_user(session, actor_id)
    query = select(DeputyRequest)
    if role_can(actor.role, "deputy.respond"):
        query = _in_area(query, DeputyRequest.grid_id, area_of(session, actor))
    else:
        mine = deputy_ids_of(session, actor_id)
        if not mine:
            return []
        query = query.where(col(DeputyRequest.deputy_id).in_(mine))
    rows = _details(session, query.order_by(col(DeputyRequest.created_at)).limit(limit))
    settled = ("closed",)
    return [r for r in rows if r.state not in settled] + sorted(
        (r for r in rows if r.state in settled), key=lambda r: r.created_at, reverse=True
    )


def request_detail(session: Session, *, actor_id: int, request_id: int) -> RequestDetail:
    """One request in full: for the resident who wrote it, the deputy and the community's office."""
    actor = active_user(session, actor_id)
    request = session.get(DeputyRequest, request_id)
    if request is None:
        raise UserError(NO_REQUEST)
    allowed = can(actor, "deputy.see_detail", facts(session, actor, request))
    if not allowed:
        raise UserError(allowed.reason)
    return _details(session, select(DeputyRequest).where(col(DeputyRequest.id) == request_id))[0]


def trail(session: Session, *, actor_id: int, limit: int = 50) -> list[TrailItem]:
    """The public trail of the actor's community: requests whose outline the deputy or the office
    has written (what was raised, what happened), newest first. No names, no detail."""
    actor = active_user(session, actor_id)
    if not can(actor, "deputy.see_outline"):
        return []
    area = area_of(session, actor)
    query = _in_area(
        select(DeputyRequest, Deputy.name)
        .join(Deputy, col(Deputy.id) == DeputyRequest.deputy_id)
        .where(col(DeputyRequest.outline).is_not(None)),
        DeputyRequest.grid_id,
        area,
    ).order_by(col(DeputyRequest.state_changed_at).desc(), col(DeputyRequest.id).desc())
    return [
        TrailItem(
            row_id(r), name, r.topic, r.state, r.outline or "", r.created_at, r.state_changed_at
        )
        for r, name in session.exec(query.limit(limit)).all()
    ]
