"""Starting a circle, joining and leaving it, posting and replying, and moderation (hide with a
reason the author sees, show again)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Grid
from db.models_circles import CIRCLE_KINDS, Circle, CircleMember, CirclePost, CircleReply
from db.types import rowcount, utcnow
from portal.areas import area_of, community_of, parents_of
from portal.circles.common import (
    NAME_MAX,
    POST_NOT_FOUND,
    acting,
    checked_reason,
    checked_text,
    facts,
    get_circle,
    refuse_unless,
    too_long,
)
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.notifications import notify
from portal.permissions import On
from portal.text import clean_text
from portal.wishes.common import _save_photo


def _kinds(session: Session) -> dict[int, str]:
    rows = session.exec(select(col(Grid.id), col(Grid.kind))).all()
    return {gid: kind for gid, kind in rows if gid is not None}


def create_circle(
    session: Session,
    *,
    actor_id: int,
    name: str,
    kind: str = "interest",
    courtyard_grid_id: int | None = None,
    now: datetime | None = None,
) -> Circle:
    """A grid worker or the office starts a circle in their community (a courtyard circle: for
    the people living in that grid)."""
    now = now or utcnow()
    actor = acting(session, actor_id)
    refuse_unless(session, actor, "circle.create", On())
    name = clean_text(name)
    errors: dict[str, Message] = {}
    if not name:
        errors["name"] = Message(N_("Please give the circle a name."))
    elif len(name) > NAME_MAX:
        errors["name"] = too_long(name, NAME_MAX)
    if kind not in CIRCLE_KINDS:
        errors["kind"] = Message(N_("Please choose the kind of circle."))
    if kind == "courtyard" and (
        courtyard_grid_id is None or session.get(Grid, courtyard_grid_id) is None
    ):
        errors["courtyard"] = Message(N_("Please choose the courtyard."))
    if errors:
        raise FieldErrors(errors)
    parents, kinds = parents_of(session), _kinds(session)
    where = courtyard_grid_id if kind == "courtyard" else actor.home_grid_id
    community = community_of(parents, kinds, where)
    if community is None:
        raise UserError(N_("A circle belongs to a community: please choose a grid inside one."))
    refuse_unless(
        session, actor, "circle.create", On(outside=not area_of(session, actor).covers(community))
    )
    circle = Circle(
        grid_id=community,
        name=name,
        kind=kind,
        courtyard_grid_id=courtyard_grid_id if kind == "courtyard" else None,
        created_by=actor_id,
        created_at=now,
    )
    session.add(circle)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise FieldErrors(
            {"name": Message(N_("The community already has a circle of this name."))}
        ) from None
    return circle


def join(session: Session, *, circle_id: int, user_id: int, now: datetime | None = None) -> None:
    """Joins the circle (a second join changes nothing)."""
    user = acting(session, user_id)
    circle = get_circle(session, circle_id)
    found = facts(session, user, circle)
    refuse_unless(session, user, "circle.join", found.on())
    if found.member:
        return
    session.add(CircleMember(circle_id=circle_id, user_id=user_id, joined_at=now or utcnow()))
    try:
        session.commit()
    except IntegrityError:  # joined from another tab at the same moment
        session.rollback()


def leave(session: Session, *, circle_id: int, user_id: int) -> None:
    acting(session, user_id)
    session.execute(
        delete(CircleMember).where(
            col(CircleMember.circle_id) == circle_id, col(CircleMember.user_id) == user_id
        )
    )
    session.commit()


def post(
    session: Session,
    *,
    circle_id: int,
    author_id: int,
    body: str,
    photo: bytes | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> CirclePost:
    """A member's short text (at most 500 characters) in the circle's feed, with a photo if
    given (checked and stored like a wish's: FieldErrors on "photo")."""
    author = acting(session, author_id)
    circle = get_circle(session, circle_id)
    refuse_unless(session, author, "circle.post", facts(session, author, circle).on())
    text = checked_text(body)
    item = CirclePost(
        circle_id=circle_id,
        author_id=author_id,
        body=text,
        language=author.language,
        photo_path=_save_photo(photo, media_root, "photo"),
        created_at=now or utcnow(),
    )
    session.add(item)
    session.commit()
    return item


def _post(session: Session, post_id: int) -> CirclePost:
    item = session.get(CirclePost, post_id)
    if item is None:
        raise UserError(POST_NOT_FOUND)
    return item


def reply(
    session: Session, *, post_id: int, author_id: int, body: str, now: datetime | None = None
) -> CircleReply:
    """A member's reply under a post that is shown (not hidden)."""
    author = acting(session, author_id)
    parent = _post(session, post_id)
    circle = get_circle(session, parent.circle_id)
    refuse_unless(session, author, "circle.post", facts(session, author, circle).on())
    if parent.hidden_at is not None:
        raise UserError(POST_NOT_FOUND)
    item = CircleReply(
        post_id=post_id,
        author_id=author_id,
        body=checked_text(body),
        language=author.language,
        created_at=now or utcnow(),
    )
    session.add(item)
    session.commit()
    return item


def _table(kind: str) -> type[CirclePost] | type[CircleReply]:
    if kind not in ("post", "reply"):
        raise ValueError(kind)
    return CirclePost if kind == "post" else CircleReply


def _circle_of(session: Session, kind: str, item_id: int) -> Circle:
    if kind == "post":
        return get_circle(session, _post(session, item_id).circle_id)
    found = session.get(CircleReply, item_id)
    if found is None:
        raise UserError(POST_NOT_FOUND)
    return get_circle(session, _post(session, found.post_id).circle_id)


def _moderated(session: Session, kind: str, item_id: int, moderator_id: int) -> Circle:
    """The circle of a post or reply, if the moderator may moderate it (else UserError)."""
    moderator = acting(session, moderator_id)
    circle = _circle_of(session, kind, item_id)
    refuse_unless(session, moderator, "circle.moderate", facts(session, moderator, circle).on())
    return circle


def _set_hidden(session: Session, kind: str, item_id: int, hidden: bool, **values) -> int:
    """Hides or shows the item if it is not so already (a conditional UPDATE: two moderators at
    once, one wins); its author's id, or UserError (rolled back) when it already was."""
    table = _table(kind)
    was = col(table.hidden_at).is_(None) if hidden else col(table.hidden_at).is_not(None)
    result = session.execute(
        update(table)
        .where(col(table.id) == item_id, was)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(N_("This is already hidden.") if hidden else N_("This is not hidden."))
    return session.exec(select(col(table.author_id)).where(col(table.id) == item_id)).one()


def hide(
    session: Session,
    *,
    kind: str,
    item_id: int,
    moderator_id: int,
    reason: str,
    now: datetime | None = None,
) -> None:
    """A grid worker of the community takes a post or reply out of the feed; its author still
    sees it, with the reason, and is told."""
    now = now or utcnow()
    circle = _moderated(session, kind, item_id, moderator_id)
    reason = checked_reason(reason)
    author = _set_hidden(
        session, kind, item_id, True, hidden_at=now, hidden_by=moderator_id, hidden_reason=reason
    )
    notify(  # the author hears why (outbox: same commit)
        session,
        [author],
        "circle_hidden",
        {"title": circle.name, "reason": reason},
        f"circles?id={circle.id}",
        now=now,
    )
    session.commit()
    session.expire_all()


def unhide(session: Session, *, kind: str, item_id: int, moderator_id: int) -> None:
    """Shows a hidden post or reply again (the reason is cleared)."""
    _moderated(session, kind, item_id, moderator_id)
    _set_hidden(session, kind, item_id, False, hidden_at=None, hidden_by=None, hidden_reason=None)
    session.commit()
    session.expire_all()
