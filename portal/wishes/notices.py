"""Who hears about a wish: its author, and its supporters for milestones, promotion and decision.
Called before the wish steps' commit (outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from db.models_wishes import Wish, WishVote
from db.types import row_id
from portal.i18n import N_
from portal.notifications import notify

MILESTONES = (10, 50, 100, 200, 500, 1000)
STATE_WORDS = {
    "adopted": N_("adopted"),
    "fulfilled": N_("fulfilled"),
    "promoted": N_("promoted to the council"),
    "decided": N_("decided"),
}
TOLD_SUPPORTERS = ("promoted", "decided")


def supporters(session: Session, wish_id: int) -> list[int]:
    return list(session.exec(select(WishVote.user_id).where(WishVote.wish_id == wish_id)))


def state_changed(session: Session, wish: Wish, to_state: str, now: datetime) -> None:
    if to_state not in STATE_WORDS:
        return
    people = [wish.author_id]
    if to_state in TOLD_SUPPORTERS:
        people += supporters(session, row_id(wish))
    notify(
        session,
        people,
        "wish_changed",
        {"title": wish.title, "state": STATE_WORDS[to_state]},
        f"wish_detail?id={wish.id}",
        now=now,
    )


def support_counted(session: Session, wish: Wish, count: int, now: datetime) -> None:
    """Past a milestone: the author and every supporter hear it, once per milestone."""
    if count not in MILESTONES:
        return
    notify(
        session,
        [wish.author_id, *supporters(session, row_id(wish))],
        "wish_milestone",
        {"title": wish.title, "supporters": count},
        f"wish_detail?id={wish.id}",
        once_key=f"wish_milestone:{wish.id}:{count}",
        now=now,
    )
