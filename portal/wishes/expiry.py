"""The scheduler's rule: open wishes without new support for their grid's expiry time expire,
and an open wish that reached its threshold but was missed is promoted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from db.models_wishes import Wish, WishEvent, WishVote
from db.types import row_id, rowcount, utcnow
from portal.grids import parent_map
from portal.wishes.common import _commit
from portal.wishes.grid_rules import _latest_rules, _resolve
from portal.wishes.promotion import _maybe_promote
from portal.wishes.voting import _support_subquery


def expire_stale(session: Session, now: datetime | None = None) -> int:
    """Open wishes with no new support for their grid's expiry time become expired; also promotes
    any open wish that reached its threshold but was missed. Returns how many expired."""
    now = now or utcnow()
    rules, parents = _latest_rules(session), parent_map(session)
    last_vote = (
        select(col(WishVote.wish_id), func.max(col(WishVote.created_at)).label("last"))
        .group_by(col(WishVote.wish_id))
        .subquery()
    )
    counts = _support_subquery()
    rows = session.exec(
        select(Wish, last_vote.c.last, func.coalesce(counts.c.n, 0))
        .outerjoin(last_vote, last_vote.c.wish_id == col(Wish.id))
        .outerjoin(counts, counts.c.wish_id == col(Wish.id))
        .where(col(Wish.state) == "open")
    ).all()
    expired = 0
    for wish, last, count in rows:
        rule = _resolve(wish.grid_id, rules, parents)
        if not wish.personal and count >= rule.support_threshold:
            _maybe_promote(session, wish, count, now, rule)
            continue
        last = _aware(last) if last is not None else None
        since = max(wish.state_changed_at, last) if last else wish.state_changed_at
        if now - since < timedelta(days=rule.expire_days):
            continue
        result = session.execute(
            update(Wish)
            .where(col(Wish.id) == wish.id, col(Wish.state) == "open")
            .values(state="expired", state_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) == 1:
            session.add(
                WishEvent(
                    wish_id=row_id(wish),
                    kind="expired",
                    from_state="open",
                    to_state="expired",
                    note=None,
                    at=now,
                )
            )
            expired += 1
    _commit(session)
    return expired


def _aware(value) -> datetime:
    """Aggregates skip the column type on some backends: make sure we compare aware datetimes."""

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
