"""Adoption and fulfilment: someone adopts an open wish with a promised date, may give it back,
reports it fulfilled; the author confirms (the adopter earns points once) or disputes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, col

from db.models_wishes import Wish
from db.types import utcnow
from portal import localtime, points
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.permissions import On
from portal.text import clean_text
from portal.wishes.common import (
    MAX_PROMISE_DAYS,
    NOTE_MAX,
    _commit_wish,
    _in_area,
    _locked_wish,
    _move,
    _require,
    _save_photo,
    _too_long,
)


def adopt(
    session: Session,
    *,
    wish_id: int,
    user_id: int,
    promised_date: date | None,
    note: str = "",
    now: datetime | None = None,
) -> Wish:
    """A resident, merchant or staff member takes on an open wish and promises a date."""
    now = now or utcnow()
    adopter = _require(session, user_id, "wish.adopt")
    note = clean_text(note)
    errors: dict[str, Message] = {}
    today = localtime.today(now)
    if promised_date is None:
        errors["promised_date"] = Message(N_("Please choose the date you promise."))
    elif promised_date < today:
        errors["promised_date"] = Message(N_("The promised date cannot be in the past."))
    elif promised_date > today + timedelta(days=MAX_PROMISE_DAYS):
        errors["promised_date"] = Message(N_("Please promise a date within a year."))
    if len(note) > NOTE_MAX:
        errors["note"] = _too_long(note, NOTE_MAX)
    if errors:
        raise FieldErrors(errors)
    wish = _locked_wish(session, wish_id)
    _in_area(session, adopter, wish.grid_id, "wish.adopt")
    if wish.author_id == user_id:
        session.rollback()
        raise UserError(N_("You cannot adopt your own wish."))
    if wish.state != "open":
        session.rollback()
        if wish.state == "adopted":
            raise UserError(N_("Someone has already adopted this wish."))
        raise UserError(N_("Only an open wish can be adopted."))
    _move(
        session,
        wish,
        to_state="adopted",
        actor_id=user_id,
        kind="adopted",
        now=now,
        note=note,
        adopter_id=user_id,
        promised_date=promised_date,
    )
    return _commit_wish(session, wish_id)


def release(
    session: Session, *, wish_id: int, user_id: int, note: str = "", now: datetime | None = None
) -> Wish:
    """The adopter gives the wish back to the wall."""
    now = now or utcnow()
    wish = _locked_wish(session, wish_id)
    if wish.state != "adopted" or wish.adopter_id != user_id:
        session.rollback()
        raise UserError(N_("Only the adopter can give back an adopted wish."))
    _move(
        session,
        wish,
        to_state="open",
        actor_id=user_id,
        kind="released",
        now=now,
        note=clean_text(note)[:NOTE_MAX],
        where=(col(Wish.adopter_id) == user_id,),
        adopter_id=None,
        promised_date=None,
    )
    return _commit_wish(session, wish_id)


def report_fulfilled(
    session: Session,
    *,
    wish_id: int,
    user_id: int,
    note: str,
    photo: bytes | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> Wish:
    """The adopter says the wish is done, with a note and optionally a photo."""
    now = now or utcnow()
    note = clean_text(note)
    errors: dict[str, Message] = {}
    if not note:
        errors["note"] = Message(N_("Please say in a few words what was done."))
    elif len(note) > NOTE_MAX:
        errors["note"] = _too_long(note, NOTE_MAX)
    if errors:
        raise FieldErrors(errors)
    wish = _locked_wish(session, wish_id)
    if wish.state != "adopted" or wish.adopter_id != user_id:
        session.rollback()
        raise UserError(N_("Only the adopter can report an adopted wish as fulfilled."))
    photo_path = _save_photo(photo, media_root, "photo")
    _move(
        session,
        wish,
        to_state="fulfilled",
        actor_id=user_id,
        kind="fulfilled",
        now=now,
        note=note,
        photo_path=photo_path,
        where=(col(Wish.adopter_id) == user_id,),
    )
    return _commit_wish(session, wish_id)


def confirm(
    session: Session, *, wish_id: int, user_id: int, note: str = "", now: datetime | None = None
) -> Wish:
    """The author confirms the fulfilment; the adopter earns points (once, in this transaction)."""
    now = now or utcnow()
    wish = _locked_wish(session, wish_id)
    on = On(own=wish.author_id == user_id, named=wish.adopter_id == user_id)
    _in_area(session, active_user(session, user_id), wish.grid_id, "wish.confirm", on)
    if wish.state != "fulfilled":
        session.rollback()
        raise UserError(N_("Only a fulfilled wish can be confirmed."))
    adopter_id = wish.adopter_id
    if adopter_id is None:  # cannot be: only the adopter reports a wish fulfilled
        session.rollback()
        raise ValueError(f"fulfilled wish {wish_id} has no adopter")
    _move(
        session,
        wish,
        to_state="confirmed",
        actor_id=user_id,
        kind="confirmed",
        now=now,
        note=clean_text(note)[:NOTE_MAX],
    )
    points.award(
        session,
        user_id=adopter_id,
        source="wish",
        source_id=wish_id,
        reason=N_("Fulfilled a neighbour's wish"),
        actor_id=user_id,
        now=now,
    )
    return _commit_wish(session, wish_id)


def dispute(
    session: Session, *, wish_id: int, user_id: int, note: str, now: datetime | None = None
) -> Wish:
    """The author says it is not done yet: back to adopted, with the reason for the adopter."""
    now = now or utcnow()
    note = clean_text(note)
    if not note:
        raise FieldErrors({"note": Message(N_("Please say what is still missing."))})
    if len(note) > NOTE_MAX:
        raise FieldErrors({"note": _too_long(note, NOTE_MAX)})
    wish = _locked_wish(session, wish_id)
    if wish.author_id != user_id:
        session.rollback()
        raise UserError(N_("Only the author can dispute the fulfilment."))
    if wish.state != "fulfilled":
        session.rollback()
        raise UserError(N_("Only a fulfilled wish can be disputed."))
    _move(session, wish, to_state="adopted", actor_id=user_id, kind="disputed", now=now, note=note)
    return _commit_wish(session, wish_id)
