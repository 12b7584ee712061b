"""Support: one vote row per person per wish (a unique constraint); support is always counted
from the rows, and only verified people's votes count. A vote may promote the wish."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_wishes import Wish, WishEvent, WishVote
from db.types import rowcount, utcnow
from portal.auth import active_user
from portal.errors import UserError
from portal.grids import parent_map, subtree
from portal.i18n import N_
from portal.permissions import VERIFIED
from portal.wishes import notices
from portal.wishes.common import _commit, _in_area, _locked_wish
from portal.wishes.grid_rules import _latest_rules, _resolve
from portal.wishes.promotion import _maybe_promote


def _counted(query):
    """Only verified people's votes count toward support (permissions: wish.support_counts)."""
    return query.join(User, User.id == WishVote.user_id).where(User.verification == VERIFIED)


def support(session: Session, wish_id: int) -> int:
    """Votes for a wish that count, from the rows."""
    return session.exec(
        _counted(select(func.count()).select_from(WishVote)).where(WishVote.wish_id == wish_id)
    ).one()


def _support_subquery():
    query = select(WishVote.wish_id, func.count().label("n"))
    return _counted(query).group_by(WishVote.wish_id).subquery()


def vote(session: Session, *, wish_id: int, user_id: int, now: datetime | None = None) -> int:
    """Supports a wish (once per person); returns the support now. May promote the wish."""
    now = now or utcnow()
    user = active_user(session, user_id)
    wish = _locked_wish(session, wish_id)
    _in_area(session, user, wish.grid_id)  # only wishes of one's own community
    if wish.author_id == user_id:
        session.rollback()
        raise UserError(N_("You cannot support your own wish."))
    if wish.state != "open":
        session.rollback()
        raise UserError(N_("This wish is no longer open for support."))
    session.add(WishVote(wish_id=wish_id, user_id=user_id, created_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise UserError(N_("You already support this wish.")) from None
    # Holding the write lock now (SQLite) or the row lock (PostgreSQL): state and count are current.
    state = session.exec(select(col(Wish.state)).where(col(Wish.id) == wish_id)).one()
    if state != "open":
        session.rollback()
        raise UserError(N_("This wish is no longer open for support."))
    count = support(session, wish_id)
    notices.support_counted(session, wish, count, now)
    _maybe_promote(session, wish, count, now)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(N_("You already support this wish.")) from None
    session.expire_all()
    return count


def withdraw_vote(
    session: Session, *, wish_id: int, user_id: int, now: datetime | None = None
) -> int:
    """Takes back one's support while the wish is open; returns the support now."""
    now = now or utcnow()
    user = active_user(session, user_id)
    wish = _locked_wish(session, wish_id)
    _in_area(session, user, wish.grid_id)
    if wish.state != "open":
        session.rollback()
        raise UserError(N_("Support can only be withdrawn while the wish is open."))
    result = session.execute(
        delete(WishVote)
        .where(col(WishVote.wish_id) == wish_id, col(WishVote.user_id) == user_id)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(N_("You do not support this wish."))
    state = session.exec(select(col(Wish.state)).where(col(Wish.id) == wish_id)).one()
    if state != "open":
        session.rollback()
        raise UserError(N_("Support can only be withdrawn while the wish is open."))
    session.add(WishEvent(wish_id=wish_id, actor_id=user_id, kind="vote_withdrawn", at=now))
    count = support(session, wish_id)
    _commit(session)
    return count


def promote_reached(session: Session, grid_id: int, now: datetime) -> int:
    """Promotes the open public wishes in this grid and below that the rules now in force say
    have enough support (after a threshold was lowered). Returns how many were promoted."""
    rules, parents = _latest_rules(session), parent_map(session)
    counts = _support_subquery()
    rows = session.exec(
        select(Wish, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.wish_id == col(Wish.id))
        .where(
            col(Wish.state) == "open",
            col(Wish.personal).is_(False),
            col(Wish.grid_id).in_(subtree(parents, grid_id)),
        )
    ).all()
    promoted = 0
    for wish, count in rows:
        rule = _resolve(wish.grid_id, rules, parents)
        if count >= rule.support_threshold and _maybe_promote(session, wish, count, now, rule):
            promoted += 1
    return promoted
