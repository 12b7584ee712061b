"""Read models: the circles of a person's community, and one circle's feed as that person may see
it (hidden posts and replies only for their authors, with the reason, and for the moderators)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models_circles import Circle, CircleMember, CirclePost, CircleReply
from portal.areas import area_of, parents_of
from portal.auth import display_names
from portal.circles.common import FEED_SIZE, acting, facts, facts_from, get_circle
from portal.errors import UserError
from portal.permissions import OUTSIDE_AREA, On, can


@dataclass(frozen=True)
class CircleCard:
    id: int
    name: str
    kind: str
    members: int
    posts: int
    member: bool
    can_join: bool


@dataclass(frozen=True)
class ReplyView:
    id: int
    author: str
    body: str
    language: str
    at: datetime
    mine: bool
    hidden_reason: str | None  # set only when hidden (then seen by its author and moderators)


@dataclass(frozen=True)
class PostView:
    id: int
    author: str
    body: str
    language: str
    at: datetime
    mine: bool
    hidden_reason: str | None
    photo_path: str | None  # a stored photo (served by the media route: media_access "circle")
    turned_kind: str | None
    turned_id: int | None
    can_turn: bool
    replies: tuple[ReplyView, ...]


@dataclass(frozen=True)
class Feed:
    circle: Circle
    member: bool
    can_join: bool
    join_refused: str  # why the viewer may not join (message id), "" when they may or are in
    can_post: bool
    can_moderate: bool
    posts: tuple[PostView, ...]


def circles_for(session: Session, viewer_id: int) -> list[CircleCard]:
    """The circles of the viewer's area (their community), by name."""
    viewer = acting(session, viewer_id)
    if not can(viewer, "circle.read"):
        return []
    area = area_of(session, viewer)
    query = select(Circle).order_by(col(Circle.kind).desc(), col(Circle.name))
    if not area.whole:
        query = query.where(col(Circle.grid_id).in_(area.grid_list() or [-1]))
    circles = list(session.exec(query).all())
    ids = [c.id for c in circles]
    members = dict(
        session.exec(
            select(col(CircleMember.circle_id), func.count())
            .where(col(CircleMember.circle_id).in_(ids or [-1]))
            .group_by(col(CircleMember.circle_id))
        ).all()
    )
    posts = dict(
        session.exec(
            select(col(CirclePost.circle_id), func.count())
            .where(col(CirclePost.circle_id).in_(ids or [-1]), col(CirclePost.hidden_at).is_(None))
            .group_by(col(CirclePost.circle_id))
        ).all()
    )
    mine = set(
        session.exec(
            select(col(CircleMember.circle_id)).where(col(CircleMember.user_id) == viewer_id)
        ).all()
    )
    parents = parents_of(session)
    cards = []
    for circle in circles:
        found = facts_from(area, parents, viewer, circle, circle.id in mine)
        cards.append(
            CircleCard(
                id=circle.id or 0,
                name=circle.name,
                kind=circle.kind,
                members=members.get(circle.id or 0, 0),
                posts=posts.get(circle.id or 0, 0),
                member=found.member,
                can_join=not found.member and bool(can(viewer, "circle.join", found.on())),
            )
        )
    return cards


def may_see_post(session: Session, user, post: CirclePost) -> bool:
    """Whether the viewer may see this post (and so its photo): inside their area, and shown or
    theirs or they moderate (the media route asks: portal.media_access)."""
    circle = session.get(Circle, post.circle_id)
    if circle is None:
        return False
    found = facts(session, user, circle)
    if found.outside or not can(user, "circle.read"):
        return False
    own = post.author_id == user.id
    return post.hidden_at is None or bool(can(user, "circle.see_hidden", On(own=own)))


def feed(session: Session, *, circle_id: int, viewer_id: int) -> Feed:
    """One circle's newest posts with their replies, as the viewer may see them."""
    viewer = acting(session, viewer_id)
    circle = get_circle(session, circle_id)
    found = facts(session, viewer, circle)
    if found.outside or not can(viewer, "circle.read"):
        raise UserError(OUTSIDE_AREA)
    moderator = bool(can(viewer, "circle.moderate", found.on()))

    def shown(author_id: int, hidden: datetime | None) -> bool:
        own = author_id == viewer_id
        return hidden is None or bool(can(viewer, "circle.see_hidden", On(own=own)))

    rows = session.exec(
        select(CirclePost)
        .where(col(CirclePost.circle_id) == circle_id)
        .order_by(col(CirclePost.created_at).desc(), col(CirclePost.id).desc())
        .limit(FEED_SIZE * 2)
    ).all()
    posts = [p for p in rows if shown(p.author_id, p.hidden_at)][:FEED_SIZE]
    replies = session.exec(
        select(CircleReply)
        .where(col(CircleReply.post_id).in_([p.id for p in posts] or [-1]))
        .order_by(col(CircleReply.created_at), col(CircleReply.id))
    ).all()
    names = display_names(session, {p.author_id for p in posts} | {r.author_id for r in replies})
    by_post: dict[int, list[ReplyView]] = {}
    for r in replies:
        if shown(r.author_id, r.hidden_at):
            by_post.setdefault(r.post_id, []).append(
                ReplyView(
                    id=r.id or 0,
                    author=names.get(r.author_id, ""),
                    body=r.body,
                    language=r.language,
                    at=r.created_at,
                    mine=r.author_id == viewer_id,
                    hidden_reason=r.hidden_reason if r.hidden_at else None,
                )
            )
    views = tuple(
        PostView(
            id=p.id or 0,
            author=names.get(p.author_id, ""),
            body=p.body,
            language=p.language,
            at=p.created_at,
            mine=p.author_id == viewer_id,
            hidden_reason=p.hidden_reason if p.hidden_at else None,
            photo_path=p.photo_path,
            turned_kind=p.turned_into_kind,
            turned_id=p.turned_into_id,
            can_turn=p.hidden_at is None
            and p.turned_into_kind is None
            and bool(can(viewer, "circle.turn", found.on(own=p.author_id == viewer_id))),
            replies=tuple(by_post.get(p.id or 0, ())),
        )
        for p in posts
    )
    joining = can(viewer, "circle.join", found.on())
    return Feed(
        circle=circle,
        member=found.member,
        can_join=not found.member and bool(joining),
        join_refused="" if found.member or joining else joining.reason,
        can_post=bool(can(viewer, "circle.post", found.on())),
        can_moderate=moderator,
        posts=views,
    )
