"""Acting on behalf (代办): a resident's consent that a grid worker acts for them, and every action
taken under it (so each trail can name both the person who acted and the person acted for)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_in, utcnow

CONSENT_METHODS = ("in_person", "signed_paper", "phone_resident", "phone_family")
ACTION_KINDS = ("report", "wish_vote", "task_claim")


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class BehalfConsent(SQLModel, table=True):
    """A resident agreed that this grid worker (or staff member) acts for them until valid_until.

    While a consent is open, `open_key` holds "actor:resident"; its unique index keeps one open
    consent per pair even when two browsers record it at once. Ending it clears the key."""

    __tablename__ = "behalf_consent"
    __table_args__ = (
        CheckConstraint(sql_in("method", CONSENT_METHODS), name="method"),
        CheckConstraint("actor_id <> resident_id", name="not_self"),
        CheckConstraint("valid_until > given_at", name="period"),
        Index("ix_behalf_consent_resident_given", "resident_id", "given_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    actor_id: int = Field(foreign_key="account.id", index=True)
    resident_id: int = Field(foreign_key="account.id")
    method: str = Field(max_length=16)
    note: str | None = Field(default=None, max_length=300)
    given_at: datetime = _when(default_factory=utcnow)
    valid_until: datetime = _when()
    revoked_at: datetime | None = _when(nullable=True, default=None)
    revoked_by: int | None = Field(default=None, foreign_key="account.id")
    open_key: str | None = Field(default=None, max_length=40, unique=True)


class BehalfAction(SQLModel, table=True):
    """One thing done for a resident under a consent: a report filed, a wish supported, a task
    claimed. target_id is the report id, the wish id or the task claim id."""

    __tablename__ = "behalf_action"
    __table_args__ = (
        CheckConstraint(sql_in("kind", ACTION_KINDS), name="kind"),
        Index("ix_behalf_action_target", "kind", "target_id"),
        Index("ix_behalf_action_resident_at", "resident_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    consent_id: int = Field(foreign_key="behalf_consent.id", index=True)
    actor_id: int = Field(foreign_key="account.id")
    resident_id: int = Field(foreign_key="account.id")
    kind: str = Field(max_length=16)
    target_id: int
    at: datetime = _when(default_factory=utcnow)
