"""Residents' verification: who confirmed that an account belongs to a resident, when and how.

Append-only, like Decidim's authorizations: a row is written once and never changed. One
confirmation per person (unique), so two workers confirming at once leave one row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.models import _when
from db.types import utcnow

VERIFICATION_METHODS = ("in_person", "house_visit")


class ResidentVerification(SQLModel, table=True):
    __tablename__ = "resident_verification"
    __table_args__ = (
        UniqueConstraint("resident_id", name="resident_verification_once"),
        CheckConstraint("method IN ('in_person','house_visit')", name="method"),
        CheckConstraint("resident_id <> verified_by", name="not_self"),
    )

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="account.id")
    verified_by: int = Field(foreign_key="account.id", index=True)
    method: str = Field(max_length=16)  # in_person: seen with papers; house_visit: at the door
    house: str = Field(max_length=60)  # the house number the resident lives at
    note: str | None = Field(default=None, max_length=200)
    verified_at: datetime = _when(default_factory=utcnow)
