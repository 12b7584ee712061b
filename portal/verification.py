"""Residents' verification: a self-registered account is 'unverified' until a grid worker who
answers for the resident's grid (or community staff) confirms, in person or at the door, that a
real resident lives at the house. Until then the person may report problems and read, but earns
no points (points.award records nothing), their support does not count toward the wish and
council thresholds, and they cannot adopt wishes, claim tasks or redeem (permissions: the rules
marked verified=True).

Each confirmation is an append-only row (db/models_verification.py): who, whom, when, how.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_verification import VERIFICATION_METHODS, ResidentVerification
from db.types import row_id, rowcount, utcnow
from portal.areas import area_of
from portal.auth import active_user
from portal.cockpit_scope import duty_grids
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map, subtree
from portal.i18n import N_
from portal.permissions import PUBLIC, UNVERIFIED, VERIFIED, On, can, role_can

METHOD_LABELS = {
    "in_person": N_("In person, with an identity or residence paper"),
    "house_visit": N_("At the door of their home"),
}
assert tuple(METHOD_LABELS) == VERIFICATION_METHODS
HOUSE_MAX = 60
NOTE_MAX = 200
ALREADY = N_("This resident is already confirmed.")


@dataclass(frozen=True)
class Waiting:
    """An unverified resident the viewer may confirm."""

    user_id: int
    display_name: str
    username: str
    grid_name: str
    registered_at: datetime


def _grids_answered_for(session: Session, actor: User) -> set[int] | None:
    """The grids whose residents this person confirms; None = every grid (the office of the
    whole deployment; the office of a community or street: its area, portal.areas)."""
    if role_can(actor.role, "resident.verify", On(answers_for=False)):
        area = area_of(session, actor)
        return None if area.whole else set(area.grids or ())
    parents = parent_map(session)
    found: set[int] = set()
    for gid in duty_grids(session, row_id(actor)):
        found |= subtree(parents, gid)
    return found


def waiting(session: Session, *, actor_id: int, limit: int = 200) -> list[Waiting]:
    """Unverified residents and merchants of the grids this person answers for, oldest first."""
    actor = active_user(session, actor_id)
    if not can(actor, "resident.verify", On(answers_for=True)):
        return []
    grids = _grids_answered_for(session, actor)
    query = (
        select(User, Grid.name)
        .join(Grid, col(Grid.id) == User.home_grid_id)
        .where(
            col(User.verification) == UNVERIFIED, col(User.is_active), col(User.role).in_(PUBLIC)
        )
        .order_by(col(User.created_at), col(User.id))
        .limit(limit)
    )
    if grids is not None:
        query = query.where(col(User.home_grid_id).in_(grids or [-1]))
    return [
        Waiting(row_id(u), u.display_name, u.username, name, u.created_at)
        for u, name in session.exec(query).all()
    ]


def confirm(
    session: Session,
    *,
    actor_id: int,
    resident_id: int,
    method: str,
    house: str,
    note: str = "",
    now: datetime | None = None,
) -> ResidentVerification:
    """Record that the actor confirmed this resident (one row, once); the account counts from now.
    Raises FieldErrors (method, house, note) or UserError."""
    now = now or utcnow()
    actor = active_user(session, actor_id)
    resident = session.get(User, resident_id)
    if resident is None or resident.role not in PUBLIC or not resident.is_active:
        raise UserError(N_("This resident could not be found."))
    grids = _grids_answered_for(session, actor)
    inside = grids is None or resident.home_grid_id in grids
    office = bool(role_can(actor.role, "resident.verify", On(answers_for=False)))
    on = On(answers_for=inside, outside=office and not inside)  # the office of another community
    allowed = can(actor, "resident.verify", on)
    if not allowed:
        raise UserError(allowed.reason)
    if resident.id == actor.id:
        raise UserError(N_("You cannot check or confirm your own work."))
    house, note = (house or "").strip(), (note or "").strip()
    errors: dict[str, Message] = {}
    if method not in METHOD_LABELS:
        errors["method"] = Message(N_("Please choose how you confirmed them."))
    if not house:
        errors["house"] = Message(N_("Please enter the house number they live at."))
    elif len(house) > HOUSE_MAX:
        errors["house"] = Message(N_("Use at most {n} characters."), {"n": HOUSE_MAX})
    if len(note) > NOTE_MAX:
        errors["note"] = Message(N_("Use at most {n} characters."), {"n": NOTE_MAX})
    if errors:
        raise FieldErrors(errors)
    done = session.execute(
        update(User)
        .where(col(User.id) == resident.id, col(User.verification) == UNVERIFIED)
        .values(verification=VERIFIED)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise UserError(ALREADY)
    row = ResidentVerification(
        resident_id=row_id(resident),
        verified_by=row_id(actor),
        method=method,
        house=house,
        note=note or None,
        verified_at=now,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # confirmed by someone else at the same moment
        session.rollback()
        raise UserError(ALREADY) from None
    session.refresh(row)
    return row


def record_of(session: Session, resident_id: int) -> ResidentVerification | None:
    """Who confirmed this resident, when and how (None: not confirmed, or an account from before
    verification existed)."""
    return session.exec(
        select(ResidentVerification).where(ResidentVerification.resident_id == resident_id)
    ).first()
