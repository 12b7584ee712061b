"""Community review of the interface's translations: reviewers appointed by staff per language,
and their corrections (append-only: the newest correction of a message in a language is in use;
the older ones stay as the record of who wrote what, and when)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_in, utcnow

REVIEW_LANGUAGES = ("zh_Hans", "en", "bo", "ug", "ii")


class TranslationReviewer(SQLModel, table=True):
    """An appointment of a person as reviewer of one language; ending it stamps ended_at."""

    __tablename__ = "translation_reviewer"
    __table_args__ = (
        CheckConstraint(sql_in("language", REVIEW_LANGUAGES), name="language"),
        Index(
            "uq_translation_reviewer_current",
            "user_id",
            "language",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    language: str = Field(max_length=16)
    appointed_by: int = Field(foreign_key="account.id")
    appointed_at: datetime = Field(sa_type=UTCDateTime, nullable=False, default_factory=utcnow)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    ended_by: int | None = Field(default=None, foreign_key="account.id")


class TranslationCorrection(SQLModel, table=True):
    """One reviewer's text for one message id in one language."""

    __tablename__ = "translation_correction"
    __table_args__ = (
        CheckConstraint(sql_in("language", REVIEW_LANGUAGES), name="language"),
        CheckConstraint("length(msgid) > 0", name="msgid_not_empty"),
        CheckConstraint("length(text) > 0", name="text_not_empty"),
        Index("ix_translation_correction_message", "language", "msgid", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    language: str = Field(max_length=16)
    msgid: str = Field(sa_column=Column(Text, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    reviewer_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, default_factory=utcnow)
