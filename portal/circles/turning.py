"""Turning a post into a wish (portal.wishes.post_wish) or a report (portal.reports.submit), keeping
the link both ways: the post names what it became (`turned_into_kind`/`_id`, unique together, so
one wish or report comes from one post) and `source_of` finds the post of a wish or report.

One click makes one: the post is first claimed by a conditional UPDATE (kind set WHERE it is
still NULL) and committed, so a second click or a second tab finds it taken; if the wish or the
report is then refused (a field, the daily limit), the claim is given back."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models_circles import CirclePost
from db.types import row_id, rowcount, utcnow
from portal.circles.common import (
    ALREADY_TURNED,
    POST_NOT_FOUND,
    acting,
    facts,
    get_circle,
    refuse_unless,
)
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from portal.media import MediaStore

WISH_TITLE = 30  # characters of the post taken as the wish's title


def source_of(session: Session, kind: str, target_id: int) -> CirclePost | None:
    """The circle post a wish or report was made from, if any (the link back)."""
    return session.exec(
        select(CirclePost).where(
            col(CirclePost.turned_into_kind) == kind, col(CirclePost.turned_into_id) == target_id
        )
    ).first()


def _turn(
    session: Session, post_id: int, actor_id: int, kind: str, make: Callable[[CirclePost], int]
) -> int:
    actor = acting(session, actor_id)
    item = session.get(CirclePost, post_id)
    if item is None or item.hidden_at is not None:
        raise UserError(POST_NOT_FOUND)
    circle = get_circle(session, item.circle_id)
    own = item.author_id == actor_id
    refuse_unless(session, actor, "circle.turn", facts(session, actor, circle).on(own=own))
    claimed = session.execute(
        update(CirclePost)
        .where(
            col(CirclePost.id) == post_id,
            col(CirclePost.turned_into_kind).is_(None),
            col(CirclePost.hidden_at).is_(None),
        )
        .values(turned_into_kind=kind)
        .execution_options(synchronize_session=False)
    )
    if rowcount(claimed) != 1:
        session.rollback()
        raise UserError(ALREADY_TURNED)
    session.commit()
    try:
        target_id = make(item)
    except (FieldErrors, UserError):
        session.rollback()
        _give_back(session, post_id)
        raise
    session.execute(
        update(CirclePost)
        .where(col(CirclePost.id) == post_id)
        .values(turned_into_id=target_id)
        .execution_options(synchronize_session=False)
    )
    try:
        session.commit()
    except IntegrityError:  # the report service gave back one sent moments ago from another post
        session.rollback()
        _give_back(session, post_id)
        raise UserError(ALREADY_TURNED) from None
    session.expire_all()
    return target_id


def _give_back(session: Session, post_id: int) -> None:
    session.execute(
        update(CirclePost)
        .where(col(CirclePost.id) == post_id, col(CirclePost.turned_into_id).is_(None))
        .values(turned_into_kind=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _title(body: str) -> str:
    first = body.splitlines()[0].strip() if body.strip() else body
    return first if len(first) <= WISH_TITLE else first[: WISH_TITLE - 1] + "…"


def turn_into_wish(
    session: Session,
    *,
    post_id: int,
    actor_id: int,
    category: str,
    title: str = "",
    now: datetime | None = None,
) -> int:
    """The post becomes a wish on the wall (written by the actor: a grid worker's is a proposal);
    returns the wish's id."""
    from portal import wishes

    def make(item: CirclePost) -> int:
        wish = wishes.post_wish(
            session,
            author_id=actor_id,
            title=title or _title(item.body),
            body=item.body,
            category=category,
            language=item.language,
            now=now or utcnow(),
        )
        return row_id(wish)

    return _turn(session, post_id, actor_id, "wish", make)


def turn_into_report(
    session: Session,
    index: GridIndex,
    store: MediaStore,
    *,
    post_id: int,
    actor_id: int,
    category_id: int | None,
    now: datetime | None = None,
) -> int:
    """The post becomes a report filed by the actor, placed in the circle's courtyard (else the
    actor's home grid); returns the report's id."""
    from portal import reports

    def make(item: CirclePost) -> int:
        circle = get_circle(session, item.circle_id)
        actor = acting(session, actor_id)
        where = circle.courtyard_grid_id or actor.home_grid_id or circle.grid_id
        centre = index.shapes[where].representative_point()
        report = reports.submit(
            session,
            index,
            store,
            reporter_id=actor_id,
            category_id=category_id,
            description=item.body,
            lat=centre.y,
            lon=centre.x,
            place_source="home",
            language=item.language,
            now=now or utcnow(),
        )
        return row_id(report)

    return _turn(session, post_id, actor_id, "report", make)
