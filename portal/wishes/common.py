"""The wish wall's limits, states, labels and messages, and the helpers every step uses: the
permission check, the row-locked read, the guarded move (a conditional UPDATE plus its WishEvent
row and notices), commit-or-"changed", and storing a photo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_wishes import Wish, WishEvent
from db.types import row_id, rowcount
from portal.areas import area_of
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.permissions import NOTHING, OUTSIDE_AREA, On, can, roles_for
from portal.wishes import notices

DEFAULT_THRESHOLD = 10

DEFAULT_EXPIRE_DAYS = 60

DAILY_LIMIT = 9

TITLE_MAX = 80

BODY_MAX = 1000

NOTE_MAX = 500

REASON_MAX = 300

PAGE_SIZE = 20

MAX_PROMISE_DAYS = 366

# Who may do what: portal/permissions.py (wish.post, wish.adopt, wish.moderate, wish.confirm…).
MODERATOR_ROLES = roles_for("wish.moderate")

ACTIVE_STATES = ("open", "adopted", "fulfilled", "promoted")

STATE_LABELS = {
    "open": N_("Open for support"),
    "adopted": N_("Adopted"),
    "fulfilled": N_("Fulfilled, waiting for the author"),
    "confirmed": N_("Done"),
    "promoted": N_("Sent to the council"),
    "decided": N_("Decided by the council"),
    "hidden": N_("Hidden by the moderators"),
    "expired": N_("Expired"),
}

CATEGORY_LABELS = {
    "facility": N_("Facilities and repairs"),
    "help": N_("Help for a neighbour"),
    "culture": N_("Culture and activities"),
    "environment": N_("Greenery and cleanliness"),
    "safety": N_("Safety"),
    "other": N_("Other"),
}

SORTS = {
    "support": N_("Most support"),
    "newest": N_("Newest"),
    "near": N_("Near me"),
}

EVENT_LABELS = {
    "posted": N_("Posted"),
    "adopted": N_("Adopted"),
    "released": N_("Adoption given back"),
    "fulfilled": N_("Reported as fulfilled"),
    "confirmed": N_("Confirmed by the author"),
    "disputed": N_("Disputed by the author"),
    "promoted": N_("Sent to the council"),
    "decided": N_("Decided by the council"),
    "hidden": N_("Hidden"),
    "restored": N_("Shown again"),
    "expired": N_("Expired"),
    "flagged": N_("Flagged"),
    "vote_withdrawn": N_("Support withdrawn"),
    "flags_dismissed": N_("Flags looked at, wish kept"),
}

CHANGED = N_("This wish has just changed. Please look at it again.")

NOT_FOUND = N_("This wish could not be found.")


def _too_long(text: str, most: int) -> Message:
    """The field message for a text longer than `most` characters, with its length now."""
    return Message(N_("Use at most {n} characters (now {count})."), {"n": most, "count": len(text)})


def _require(session: Session, user_id: int, action: str) -> User:
    """The active user, if permissions.can() lets them do `action`; else UserError with why."""
    user = active_user(session, user_id)
    allowed = can(user, action)
    if not allowed:
        raise UserError(allowed.reason)
    return user


def _in_area(
    session: Session,
    user: User | None,
    grid_id: int | None,
    action: str | None = None,
    on: On = NOTHING,
) -> None:
    """Refuses (rolling back) acting on a wish of another community: `action` decided by
    permissions.can with On(outside=...), or, for a step without a rule of its own (support,
    flag), the area alone."""
    outside = user is not None and not area_of(session, user).covers(grid_id)
    if action is not None:
        decision = can(user, action, replace(on, outside=outside))
        allowed, reason = bool(decision), decision.reason
    else:
        allowed, reason = not outside, OUTSIDE_AREA
    if not allowed:
        session.rollback()
        raise UserError(reason)


def _locked_wish(session: Session, wish_id: int) -> Wish:
    """The wish, row-locked on PostgreSQL until the end of the transaction (SQLite: plain read)."""
    wish = session.exec(
        select(Wish)
        .where(col(Wish.id) == wish_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if wish is None:
        raise UserError(NOT_FOUND)
    return wish


def _move(
    session: Session,
    wish: Wish,
    *,
    to_state: str,
    actor_id: int | None,
    kind: str,
    now: datetime,
    note: str | None = None,
    photo_path: str | None = None,
    where: Iterable = (),
    **values,
) -> None:
    """Conditional transition from the state we read: refused if anyone changed it meanwhile."""
    from_state = wish.state
    result = session.execute(
        update(Wish)
        .where(col(Wish.id) == wish.id, col(Wish.state) == from_state, *where)
        .values(state=to_state, state_changed_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(CHANGED)
    session.add(
        WishEvent(
            wish_id=row_id(wish),
            actor_id=actor_id,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            note=note or None,
            photo_path=photo_path,
            at=now,
        )
    )
    if kind != "disputed":
        notices.state_changed(session, wish, to_state, now)  # outbox: same commit


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(CHANGED) from None
    session.expire_all()  # conditional UPDATEs bypass the identity map


def _commit_wish(session: Session, wish_id: int) -> Wish:
    """Commits, then the wish as the database now has it."""
    _commit(session)
    wish = session.get(Wish, wish_id)
    if wish is None:  # removed by someone else meanwhile
        raise UserError(CHANGED)
    return wish


def _save_photo(photo: bytes | None, media_root: Path | None, field_name: str) -> str | None:
    if not photo:
        return None
    from portal import media

    try:
        checked = media.check_photo(photo)
    except UserError as exc:
        raise FieldErrors({field_name: exc.message}) from None
    stored, _thumb = media.store_for(media_root).save_photo(checked)  # None: the configured store
    return stored
