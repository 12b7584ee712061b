"""Wish wall (微心愿) tables: wishes, votes, flags, promotions to the council, per-grid rules, and the
trail of every change of a wish (who, when, from which state to which, why)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_values, utcnow

WISH_STATES = (
    "open",
    "adopted",
    "fulfilled",
    "confirmed",
    "promoted",
    "decided",
    "hidden",
    "expired",
)
WISH_CATEGORIES = ("facility", "help", "culture", "environment", "safety", "other")
WISH_LANGUAGES = ("zh_Hans", "en", "bo", "ug", "ii")


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class Wish(SQLModel, table=True):
    """A small, concrete wish (or a micro-grid chief's proposal) on the wall.

    `state` is the current step of the lifecycle; every step is also a WishEvent row, and every
    transition is a conditional UPDATE ... WHERE state = <expected> so two browsers cannot both win.
    """

    __tablename__ = "wish"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_values(WISH_STATES)})", name="state"),
        CheckConstraint(f"category IN ({sql_values(WISH_CATEGORIES)})", name="category"),
        CheckConstraint(f"language IN ({sql_values(WISH_LANGUAGES)})", name="language"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        CheckConstraint("adopter_id IS NULL OR adopter_id <> author_id", name="not_own_adopter"),
        Index("ix_wish_state_created", "state", "created_at"),
        Index("ix_wish_author_created", "author_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    author_id: int = Field(foreign_key="account.id")
    grid_id: int = Field(foreign_key="grid.id", index=True)
    title: str = Field(max_length=80)
    body: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=16)
    language: str = Field(max_length=16)  # the language the wish is written in (lang="…")
    personal: bool = Field(default=False)  # a personal need: shown without the author's name
    proposal: bool = Field(default=False)  # put on the wall by a grid worker for residents to vote
    photo_path: str | None = Field(default=None, max_length=200)
    state: str = Field(default="open", max_length=16)
    created_at: datetime = _when(default_factory=utcnow)
    state_changed_at: datetime = _when(default_factory=utcnow)
    adopter_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    promised_date: date | None = Field(default=None)
    hidden_reason: str | None = Field(default=None, max_length=300)


class WishVote(SQLModel, table=True):
    """One person's support for one wish. Withdrawing deletes the row (and leaves a WishEvent)."""

    __tablename__ = "wish_vote"
    __table_args__ = (UniqueConstraint("wish_id", "user_id", name="wish_vote_once"),)

    id: int | None = Field(default=None, primary_key=True)
    wish_id: int = Field(foreign_key="wish.id")
    user_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = _when(default_factory=utcnow)


class WishFlag(SQLModel, table=True):
    """A resident telling the moderators that a wish should not be on the wall."""

    __tablename__ = "wish_flag"
    __table_args__ = (UniqueConstraint("wish_id", "user_id", name="wish_flag_once"),)

    id: int | None = Field(default=None, primary_key=True)
    wish_id: int = Field(foreign_key="wish.id")
    user_id: int = Field(foreign_key="account.id", index=True)
    reason: str = Field(default="", max_length=300)
    created_at: datetime = _when(default_factory=utcnow)
    resolved_at: datetime | None = _when(nullable=True, default=None)


class WishEvent(SQLModel, table=True):
    """Trail of a wish: posted, adopted, fulfilled, confirmed, disputed, promoted, hidden…"""

    __tablename__ = "wish_event"

    id: int | None = Field(default=None, primary_key=True)
    wish_id: int = Field(foreign_key="wish.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id")  # None: the scheduler
    kind: str = Field(max_length=24)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    photo_path: str | None = Field(default=None, max_length=200)
    at: datetime = _when(default_factory=utcnow, index=True)


class WishPromotion(SQLModel, table=True):
    """A wish that reached its grid's support threshold: a candidate agenda item for the next
    monthly council. The council module reads the candidates and calls portal.wishes.decide()."""

    __tablename__ = "wish_promotion"
    __table_args__ = (
        CheckConstraint("status IN ('candidate','decided')", name="status"),
        CheckConstraint("threshold > 0", name="threshold_positive"),
    )

    id: int | None = Field(default=None, primary_key=True)
    wish_id: int = Field(foreign_key="wish.id", unique=True)
    promoted_at: datetime = _when(default_factory=utcnow)
    threshold: int
    support: int  # votes counted when it was promoted
    status: str = Field(default="candidate", max_length=16, index=True)
    decided_at: datetime | None = _when(nullable=True, default=None)
    decided_by: int | None = Field(default=None, foreign_key="account.id")
    decision: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class WishGridRule(SQLModel, table=True):
    """Support threshold and expiry for the wishes of a grid (and the grids below it).

    Append-only: the newest row of a grid is in force, older rows are its history."""

    __tablename__ = "wish_grid_rule"
    __table_args__ = (
        CheckConstraint("support_threshold BETWEEN 1 AND 10000", name="threshold_range"),
        CheckConstraint("expire_days BETWEEN 1 AND 3650", name="expire_range"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    support_threshold: int
    expire_days: int
    set_by: int | None = Field(default=None, foreign_key="account.id")
    set_at: datetime = _when(default_factory=utcnow)
