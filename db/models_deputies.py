"""Deputies' desk (人大代表、政协委员板块) tables: the deputies of a community, their reception slots,
residents' requests to them, and the trail of every step of a request.

A user is a deputy when a deputy row names their account (`deputy.user_id`); a deputy without an
account is a profile the community office keeps and answers for. A reception slot is booked by
the request that names it: `deputy_request.slot_id` is unique, so a slot holds one booking.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_in, utcnow

DEPUTY_BODIES = ("npc", "cppcc")  # people's congress (人大) / political consultative (政协)
DEPUTY_LEVELS = ("national", "province", "city", "district")
REQUEST_STATES = ("received", "answered", "forwarded", "closed")


def _when(nullable: bool = False, **kw) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class Deputy(SQLModel, table=True):
    """A people's congress deputy or CPPCC member living or working in a community."""

    __tablename__ = "deputy"
    __table_args__ = (
        CheckConstraint(sql_in("body", DEPUTY_BODIES), name="body"),
        CheckConstraint(sql_in("level", DEPUTY_LEVELS), name="level"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)  # the community
    user_id: int | None = Field(default=None, foreign_key="account.id", unique=True)
    name: str = Field(max_length=60)
    body: str = Field(max_length=8)
    level: str = Field(max_length=12)
    bio: str = Field(default="", max_length=300)
    reception_place: str = Field(default="", max_length=120)
    reception_days: str = Field(default="", max_length=120)  # e.g. "每月第一个周三下午"
    active: bool = Field(default=True)
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)


class DeputySlot(SQLModel, table=True):
    """One reception slot of a deputy (one booking: the request that names it)."""

    __tablename__ = "deputy_slot"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        UniqueConstraint("deputy_id", "starts_at", name="deputy_slot_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deputy_id: int = Field(foreign_key="deputy.id")
    starts_at: datetime = _when(index=True)
    ends_at: datetime = _when()
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)


class DeputyRequest(SQLModel, table=True):
    """A resident's request to a deputy, optionally booking one of the deputy's slots.

    Detail (text, resident, answer) is private to the resident, the deputy and the community's
    office; the outline (topic, state, outline text, dates) is public to the community."""

    __tablename__ = "deputy_request"
    __table_args__ = (
        CheckConstraint(sql_in("state", REQUEST_STATES), name="state"),
        CheckConstraint("length(topic) > 0", name="topic_not_empty"),
        CheckConstraint("length(body) > 0 AND length(body) <= 1000", name="body_length"),
        Index("ix_deputy_request_grid_created", "grid_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deputy_id: int = Field(foreign_key="deputy.id", index=True)
    grid_id: int = Field(foreign_key="grid.id")  # the deputy's community, for area filters
    resident_id: int = Field(foreign_key="account.id", index=True)
    slot_id: int | None = Field(default=None, foreign_key="deputy_slot.id", unique=True)
    topic: str = Field(max_length=80)
    body: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="received", max_length=12)
    outline: str | None = Field(default=None, max_length=300)  # public, written by deputy/office
    answer: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    report_id: int | None = Field(default=None, foreign_key="report.id")  # forwarded as
    created_at: datetime = _when(default_factory=utcnow)
    state_changed_at: datetime = _when(default_factory=utcnow)


class DeputyRequestEvent(SQLModel, table=True):
    """Trail of a request: received, answered, outlined, forwarded, closed (who, when)."""

    __tablename__ = "deputy_request_event"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="deputy_request.id", index=True)
    actor_id: int = Field(foreign_key="account.id")
    kind: str = Field(max_length=16)
    from_state: str | None = Field(default=None, max_length=12)
    to_state: str | None = Field(default=None, max_length=12)
    at: datetime = _when(default_factory=utcnow)
