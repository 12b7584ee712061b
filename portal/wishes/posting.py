"""Posting a wish on the wall: the form checks, the daily limit per author, the first event."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_wishes import WISH_CATEGORIES, Wish, WishEvent
from db.types import row_id, utcnow
from portal import localtime
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import LANGUAGE_CODES, N_
from portal.permissions import can
from portal.text import clean_text
from portal.wishes.common import (
    BODY_MAX,
    DAILY_LIMIT,
    TITLE_MAX,
    _commit_wish,
    _in_area,
    _require,
    _save_photo,
    _too_long,
)


def post_wish(
    session: Session,
    *,
    author_id: int,
    title: str,
    body: str,
    category: str,
    grid_id: int | None = None,
    language: str | None = None,
    personal: bool = False,
    photo: bytes | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> Wish:
    """Puts a wish on the wall. Raises FieldErrors (title, body, category, grid, language, photo)."""
    now = now or utcnow()
    author = _require(session, author_id, "wish.post")
    title, body = clean_text(title), clean_text(body)
    errors: dict[str, Message] = {}
    if not title:
        errors["title"] = Message(N_("Please write a short title."))
    elif len(title) > TITLE_MAX:
        errors["title"] = _too_long(title, TITLE_MAX)
    if not body:
        errors["body"] = Message(N_("Please say in a few sentences what you wish for."))
    elif len(body) > BODY_MAX:
        errors["body"] = _too_long(body, BODY_MAX)
    if category not in WISH_CATEGORIES:
        errors["category"] = Message(N_("Please choose a category."))
    grid_id = grid_id or author.home_grid_id
    if grid_id is None or session.get(Grid, grid_id) is None:
        errors["grid"] = Message(N_("Please choose the grid the wish concerns."))
    else:  # on one's own community's wall only
        _in_area(session, author, grid_id, "wish.post")
    language = language or author.language
    if language not in LANGUAGE_CODES:
        errors["language"] = Message(N_("Please choose the language the wish is written in."))
    if errors or grid_id is None:
        raise FieldErrors(errors)
    photo_path = _save_photo(photo, media_root, "photo")

    # Lock the author's row (PostgreSQL) so two browsers cannot both post the 10th wish; on SQLite
    # the INSERT below takes the write lock before we count.
    session.exec(select(col(User.id)).where(col(User.id) == author_id).with_for_update()).first()
    wish = Wish(
        author_id=author_id,
        grid_id=grid_id,
        title=title,
        body=body,
        category=category,
        language=language,
        personal=bool(personal),
        proposal=bool(can(author, "wish.post_as_proposal")),
        photo_path=photo_path,
        created_at=now,
        state_changed_at=now,
    )
    session.add(wish)
    session.flush()
    today = session.exec(
        select(func.count())
        .select_from(Wish)
        .where(
            col(Wish.author_id) == author_id,
            col(Wish.created_at) >= localtime.day_start(localtime.today(now)),
        )
    ).one()
    if today > DAILY_LIMIT:
        session.rollback()
        raise UserError(
            N_("You have posted {n} wishes today. Please post more tomorrow."), n=DAILY_LIMIT
        )
    session.add(
        WishEvent(wish_id=row_id(wish), actor_id=author_id, kind="posted", to_state="open", at=now)
    )
    return _commit_wish(session, row_id(wish))
