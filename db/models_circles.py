"""Topic circles (话题圈) tables: circles of a community (interest or one courtyard's own),
their members, posts and replies. A post hidden by a moderator keeps its reason (its author sees
it); a post turned into a wish or a report keeps the link (one wish or report per post)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_values, utcnow

CIRCLE_KINDS = ("interest", "courtyard")
TURNED_KINDS = ("wish", "report")
TEXT_MAX = 500


def _when(nullable: bool = False, **kw: Any) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class Circle(SQLModel, table=True):
    """An interest group (dance, chess, parents) of a community, or a courtyard's own circle
    (`courtyard_grid_id`: only residents living in that grid join it)."""

    __tablename__ = "circle"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(CIRCLE_KINDS)})", name="kind"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint(
            "(kind = 'courtyard') = (courtyard_grid_id IS NOT NULL)", name="courtyard_grid"
        ),
        UniqueConstraint("grid_id", "name", name="circle_name_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)  # the community
    name: str = Field(max_length=60)
    kind: str = Field(default="interest", max_length=16)
    courtyard_grid_id: int | None = Field(default=None, foreign_key="grid.id")
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)


class CircleMember(SQLModel, table=True):
    """One person in one circle; leaving deletes the row."""

    __tablename__ = "circle_member"
    __table_args__ = (UniqueConstraint("circle_id", "user_id", name="circle_member_once"),)

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(foreign_key="circle.id")
    user_id: int = Field(foreign_key="account.id", index=True)
    joined_at: datetime = _when(default_factory=utcnow)


class _Said(SQLModel):
    """What a post and a reply both are: a member's short text, and its moderation."""

    author_id: int = Field(foreign_key="account.id", index=True)
    body: str = Field(max_length=TEXT_MAX)
    language: str = Field(default="zh_Hans", max_length=16)
    created_at: datetime = _when(default_factory=utcnow)
    hidden_at: datetime | None = _when(nullable=True, default=None)
    hidden_by: int | None = Field(default=None, foreign_key="account.id")
    hidden_reason: str | None = Field(default=None, max_length=300)


class CirclePost(_Said, table=True):
    """A short text in a circle's feed. `turned_into_kind`/`_id`: the wish or report made of it
    (the kind is set first, as the claim that makes a second click fail; the id follows)."""

    __tablename__ = "circle_post"
    __table_args__ = (
        CheckConstraint(f"length(body) BETWEEN 1 AND {TEXT_MAX}", name="body_length"),
        CheckConstraint(
            f"turned_into_kind IS NULL OR turned_into_kind IN ({sql_values(TURNED_KINDS)})",
            name="turned_into_kind",
        ),
        CheckConstraint(
            "turned_into_id IS NULL OR turned_into_kind IS NOT NULL", name="turned_into_id"
        ),
        UniqueConstraint("turned_into_kind", "turned_into_id", name="circle_post_turned_once"),
        Index("ix_circle_post_circle_created", "circle_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    circle_id: int = Field(foreign_key="circle.id")
    photo_path: str | None = Field(default=None, max_length=200)  # in the media store (JPEG)
    turned_into_kind: str | None = Field(default=None, max_length=16)
    turned_into_id: int | None = Field(default=None)


class CircleReply(_Said, table=True):
    """A reply under a post; moderators hide replies like posts."""

    __tablename__ = "circle_reply"
    __table_args__ = (
        CheckConstraint(f"length(body) BETWEEN 1 AND {TEXT_MAX}", name="body_length"),
        Index("ix_circle_reply_post_created", "post_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="circle_post.id")
