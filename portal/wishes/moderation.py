"""Moderation: residents flag a wish; moderators hide it (the author sees the reason), show it
again in its earlier state, or dismiss the flags; the queue of flagged wishes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models_wishes import Wish, WishEvent, WishFlag
from db.types import rowcount, utcnow
from portal.areas import EVERYWHERE, Area
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.text import clean_text
from portal.wishes.common import (
    NOT_FOUND,
    NOTE_MAX,
    REASON_MAX,
    _commit_wish,
    _in_area,
    _locked_wish,
    _move,
    _require,
    _too_long,
)


def flag(
    session: Session, *, wish_id: int, user_id: int, reason: str = "", now: datetime | None = None
) -> None:
    """A resident asks the moderators to look at a wish (once per person per wish)."""
    now = now or utcnow()
    user = active_user(session, user_id)
    reason = clean_text(reason)
    if len(reason) > REASON_MAX:
        raise FieldErrors({"reason": _too_long(reason, REASON_MAX)})
    wish = session.get(Wish, wish_id)
    if wish is None:
        raise UserError(NOT_FOUND)
    _in_area(session, user, wish.grid_id)
    session.add(WishFlag(wish_id=wish_id, user_id=user_id, reason=reason, created_at=now))
    session.add(
        WishEvent(wish_id=wish_id, actor_id=user_id, kind="flagged", note=reason or None, at=now)
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(
            N_("You have already flagged this wish. The moderators will look at it.")
        ) from None


def hide(
    session: Session, *, wish_id: int, moderator_id: int, reason: str, now: datetime | None = None
) -> Wish:
    """A moderator takes a wish off the wall; the reason is shown to the author."""
    now = now or utcnow()
    moderator = _require(session, moderator_id, "wish.moderate")
    reason = clean_text(reason)
    if not reason:
        raise FieldErrors({"reason": Message(N_("Please give the reason the author will see."))})
    if len(reason) > REASON_MAX:
        raise FieldErrors({"reason": _too_long(reason, REASON_MAX)})
    wish = _locked_wish(session, wish_id)
    _in_area(session, moderator, wish.grid_id, "wish.moderate")
    if wish.state == "hidden":
        session.rollback()
        raise UserError(N_("This wish is already hidden."))
    _move(
        session,
        wish,
        to_state="hidden",
        actor_id=moderator_id,
        kind="hidden",
        now=now,
        note=reason,
        hidden_reason=reason,
    )
    session.execute(
        update(WishFlag)
        .where(col(WishFlag.wish_id) == wish_id, col(WishFlag.resolved_at).is_(None))
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    return _commit_wish(session, wish_id)


def restore(
    session: Session,
    *,
    wish_id: int,
    moderator_id: int,
    note: str = "",
    now: datetime | None = None,
) -> Wish:
    """Shows a hidden wish again, in the state it had before it was hidden."""
    now = now or utcnow()
    moderator = _require(session, moderator_id, "wish.moderate")
    wish = _locked_wish(session, wish_id)
    _in_area(session, moderator, wish.grid_id, "wish.moderate")
    if wish.state != "hidden":
        session.rollback()
        raise UserError(N_("This wish is not hidden."))
    previous = (
        session.exec(
            select(col(WishEvent.from_state))
            .where(col(WishEvent.wish_id) == wish_id, col(WishEvent.kind) == "hidden")
            .order_by(col(WishEvent.id).desc())
        ).first()
        or "open"
    )
    _move(
        session,
        wish,
        to_state=previous,
        actor_id=moderator_id,
        kind="restored",
        now=now,
        note=clean_text(note)[:NOTE_MAX],
        hidden_reason=None,
    )
    return _commit_wish(session, wish_id)


def dismiss_flags(
    session: Session, *, wish_id: int, moderator_id: int, now: datetime | None = None
) -> int:
    """A moderator looked at the flags and keeps the wish on the wall."""
    now = now or utcnow()
    moderator = _require(session, moderator_id, "wish.moderate")
    wish = session.get(Wish, wish_id)
    if wish is None:
        raise UserError(NOT_FOUND)
    _in_area(session, moderator, wish.grid_id, "wish.moderate")
    result = session.execute(
        update(WishFlag)
        .where(col(WishFlag.wish_id) == wish_id, col(WishFlag.resolved_at).is_(None))
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(WishEvent(wish_id=wish_id, actor_id=moderator_id, kind="flags_dismissed", at=now))
    session.commit()
    return rowcount(result)


def flagged(session: Session, area: Area = EVERYWHERE) -> list[tuple[Wish, int]]:
    """Wishes of the area with flags nobody has looked at yet, most flagged first (the
    moderation queue)."""
    inside = [] if area.whole else [col(Wish.grid_id).in_(area.grid_list() or [-1])]
    return list(
        session.exec(
            select(Wish, func.count(col(WishFlag.id)))
            .join(WishFlag, col(WishFlag.wish_id) == col(Wish.id))
            .where(col(WishFlag.resolved_at).is_(None), col(Wish.state) != "hidden", *inside)
            .group_by(col(Wish.id))
            .order_by(func.count(col(WishFlag.id)).desc(), col(Wish.id))
        ).all()
    )
