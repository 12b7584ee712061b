"""Reading the wall: one page of wish cards for a viewer (sorted by support, newest or near
home), and one wish in full with its trail and what the viewer may do with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, func
from sqlmodel import Session, col, select

from db.models import User
from db.models_wishes import WISH_CATEGORIES, Wish, WishEvent, WishFlag, WishPromotion, WishVote
from portal.areas import Area, area_of
from portal.errors import UserError
from portal.grids import parent_map, subtree
from portal.permissions import OUTSIDE_AREA, can
from portal.wishes.common import ACTIVE_STATES, NOT_FOUND, PAGE_SIZE, STATE_LABELS
from portal.wishes.grid_rules import _latest_rules, _resolve
from portal.wishes.voting import _support_subquery


@dataclass(frozen=True)
class Promotion:
    promoted_at: datetime
    threshold: int
    support: int
    status: str
    decided_at: datetime | None
    decision: str | None


@dataclass(frozen=True)
class WishCard:
    id: int
    title: str
    body: str
    language: str
    category: str
    state: str
    personal: bool
    proposal: bool
    grid_id: int
    created_at: datetime
    support: int
    threshold: int
    mine: bool  # the viewer wrote it
    my_vote: bool
    author_name: str | None  # None for a personal need the viewer may not see the name of
    adopter_id: int | None
    adopter_name: str | None
    promised_date: date | None
    hidden_reason: str | None  # only for the author and moderators
    photo_path: str | None
    open_flags: int = 0  # moderators only
    promotion: Promotion | None = None


@dataclass(frozen=True)
class WallPage:
    cards: list[WishCard]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.cards) < self.total


def wall(
    session: Session,
    *,
    viewer_id: int | None,
    sort: str = "support",
    categories: Iterable[str] = (),
    states: Iterable[str] = ACTIVE_STATES,
    grid_id: int | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    mine_only: bool = False,
    area: Area | None = None,
) -> WallPage:
    """One page of wish cards for a viewer, sorted by support, newest, or near the viewer's home:
    only the wishes of the viewer's area (their community; `area` when the caller has it)."""
    viewer = session.get(User, viewer_id) if viewer_id else None
    area = area if area is not None else area_of(session, viewer)
    moderator = bool(can(viewer, "wish.moderate"))
    states = [s for s in states if s in STATE_LABELS] or list(ACTIVE_STATES)
    counts = _support_subquery()
    n = func.coalesce(counts.c.n, 0)
    conditions: list[ColumnElement[bool]] = [col(Wish.state).in_(states)]
    if not moderator:  # a hidden wish is seen by its author (with the reason) and moderators only
        conditions.append(
            (col(Wish.state) != "hidden") | (col(Wish.author_id) == (viewer_id or -1))
        )
    categories = [c for c in categories if c in WISH_CATEGORIES]
    if categories:
        conditions.append(col(Wish.category).in_(categories))
    if not area.whole:
        conditions.append(col(Wish.grid_id).in_(area.grid_list() or [-1]))
    parents = parent_map(session)
    if grid_id is not None:
        conditions.append(col(Wish.grid_id).in_(sorted(subtree(parents, grid_id))))
    if mine_only and viewer_id:
        conditions.append(col(Wish.author_id) == viewer_id)
    order: list[ColumnElement[Any]] = []
    if sort == "near" and viewer is not None and viewer.home_grid_id:
        home = viewer.home_grid_id
        general = parents.get(home)
        nearby = subtree(parents, general) if general else {home}
        order.append(
            case(
                (col(Wish.grid_id) == home, 0), (col(Wish.grid_id).in_(sorted(nearby)), 1), else_=2
            )
        )
    if sort == "newest":
        order += [col(Wish.created_at).desc(), col(Wish.id).desc()]
    else:
        order += [n.desc(), col(Wish.created_at).desc(), col(Wish.id).desc()]
    total = session.exec(select(func.count()).select_from(Wish).where(*conditions)).one()
    rows = session.exec(
        select(Wish, n)
        .outerjoin(counts, counts.c.wish_id == col(Wish.id))
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    ).all()
    cards = _cards(session, viewer, moderator, rows, parents)
    return WallPage(cards, total, offset, limit)


def _cards(session: Session, viewer: User | None, moderator: bool, rows, parents) -> list[WishCard]:
    if not rows:
        return []
    ids = [wish.id for wish, _n in rows]
    viewer_id = viewer.id if viewer else None
    my_votes = set(
        session.exec(
            select(col(WishVote.wish_id)).where(
                col(WishVote.wish_id).in_(ids), col(WishVote.user_id) == (viewer_id or -1)
            )
        ).all()
    )
    people = {w.author_id for w, _ in rows} | {w.adopter_id for w, _ in rows if w.adopter_id}
    names = dict(
        session.exec(
            select(col(User.id), col(User.display_name)).where(col(User.id).in_(people))
        ).all()
    )
    promotions = {
        p.wish_id: p
        for p in session.exec(select(WishPromotion).where(col(WishPromotion.wish_id).in_(ids)))
    }
    flags: dict[int, int] = {}
    if moderator:
        flags = dict(
            session.exec(
                select(col(WishFlag.wish_id), func.count())
                .where(col(WishFlag.wish_id).in_(ids), col(WishFlag.resolved_at).is_(None))
                .group_by(col(WishFlag.wish_id))
            ).all()
        )
    rules = _latest_rules(session)
    cards = []
    for wish, count in rows:
        mine = viewer_id is not None and wish.author_id == viewer_id
        see_name = not wish.personal or mine or moderator or wish.adopter_id == viewer_id
        p = promotions.get(wish.id)
        cards.append(
            WishCard(
                id=wish.id,
                title=wish.title,
                body=wish.body,
                language=wish.language,
                category=wish.category,
                state=wish.state,
                personal=wish.personal,
                proposal=wish.proposal,
                grid_id=wish.grid_id,
                created_at=wish.created_at,
                support=int(count),
                threshold=_resolve(wish.grid_id, rules, parents).support_threshold,
                mine=mine,
                my_vote=wish.id in my_votes,
                author_name=names.get(wish.author_id) if see_name else None,
                adopter_id=wish.adopter_id,
                adopter_name=names.get(wish.adopter_id),
                promised_date=wish.promised_date,
                hidden_reason=wish.hidden_reason if (mine or moderator) else None,
                photo_path=wish.photo_path,
                open_flags=flags.get(wish.id, 0),
                promotion=Promotion(
                    p.promoted_at, p.threshold, p.support, p.status, p.decided_at, p.decision
                )
                if p
                else None,
            )
        )
    return cards


@dataclass(frozen=True)
class TrailItem:
    kind: str
    at: datetime
    actor_name: str | None
    from_state: str | None
    to_state: str | None
    note: str | None
    photo_path: str | None


@dataclass(frozen=True)
class WishView:
    card: WishCard
    trail: list[TrailItem]
    can_vote: bool
    can_withdraw: bool
    can_adopt: bool
    can_release: bool
    can_report: bool
    can_confirm: bool
    can_flag: bool
    can_moderate: bool
    flags: list[tuple[str, str, datetime]] = field(
        default_factory=list
    )  # moderators: who, why, when


def detail(session: Session, *, wish_id: int, viewer_id: int | None) -> WishView:
    """Everything about one wish the viewer may see, and what they may do with it."""
    viewer = session.get(User, viewer_id) if viewer_id else None
    moderator = bool(can(viewer, "wish.moderate"))
    counts = _support_subquery()
    row = session.exec(
        select(Wish, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.wish_id == col(Wish.id))
        .where(col(Wish.id) == wish_id)
    ).first()
    if row is None or (
        row[0].state == "hidden" and not moderator and row[0].author_id != viewer_id
    ):
        raise UserError(NOT_FOUND)
    if not area_of(session, viewer).covers(row[0].grid_id):  # another community's wish
        raise UserError(OUTSIDE_AREA)
    card = _cards(session, viewer, moderator, [row], parent_map(session))[0]
    events = session.exec(
        select(WishEvent)
        .where(col(WishEvent.wish_id) == wish_id)
        .order_by(col(WishEvent.at), col(WishEvent.id))
    ).all()
    actor_ids = {e.actor_id for e in events if e.actor_id}
    names = dict(
        session.exec(
            select(col(User.id), col(User.display_name)).where(col(User.id).in_(actor_ids))
        ).all()
    )
    trail = []
    for e in events:
        if e.kind in ("vote_withdrawn", "flagged", "flags_dismissed") and not moderator:
            continue
        anonymous = card.personal and e.actor_id == row[0].author_id and card.author_name is None
        trail.append(
            TrailItem(
                e.kind,
                e.at,
                None if anonymous else names.get(e.actor_id),
                e.from_state,
                e.to_state,
                e.note,
                e.photo_path,
            )
        )
    flags = []
    if moderator:
        flags = [
            (name, reason, at)
            for name, reason, at in session.exec(
                select(col(User.display_name), col(WishFlag.reason), col(WishFlag.created_at))
                .join(User, col(User.id) == col(WishFlag.user_id))
                .where(col(WishFlag.wish_id) == wish_id, col(WishFlag.resolved_at).is_(None))
            ).all()
        ]
    logged_in = viewer is not None
    return WishView(
        card=card,
        trail=trail,
        can_vote=logged_in and card.state == "open" and not card.mine and not card.my_vote,
        can_withdraw=logged_in and card.state == "open" and card.my_vote,
        can_adopt=logged_in
        and card.state == "open"
        and not card.mine
        and bool(can(viewer, "wish.adopt")),
        can_release=logged_in and card.state == "adopted" and card.adopter_id == viewer_id,
        can_report=logged_in and card.state == "adopted" and card.adopter_id == viewer_id,
        can_confirm=logged_in and card.state == "fulfilled" and card.mine,
        can_flag=logged_in and not card.mine and card.state != "hidden",
        can_moderate=moderator,
        flags=flags,
    )
