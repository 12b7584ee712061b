"""Voice notes a person records instead of (or beside) typing: on a wish, a council proposal or the
proof of a points task. (Reports keep theirs in report_media.)

A note is reserved before the item it belongs to is saved (subject_id still empty), then attached to
it; one person cannot send the same recording twice for the same kind of item (a second click on
"send" or a second browser is refused by the database, not only by Python).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_values, utcnow

SUBJECT_KINDS = ("wish", "proposal", "task_proof")


class VoiceNote(SQLModel, table=True):
    """One recording, stored by content hash under the media folder."""

    __tablename__ = "voice_note"
    __table_args__ = (
        CheckConstraint(f"subject_kind IN ({sql_values(SUBJECT_KINDS)})", name="subject_kind"),
        CheckConstraint("seconds > 0", name="seconds_positive"),
        CheckConstraint("size > 0", name="size_positive"),
        UniqueConstraint("created_by", "subject_kind", "sha256", name="uq_voice_note_once"),
        Index("ix_voice_note_subject", "subject_kind", "subject_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    subject_kind: str = Field(max_length=16)
    subject_id: int | None = Field(default=None)  # empty while reserved, before the item is saved
    path: str = Field(max_length=200)  # relative to the media folder
    mime: str = Field(max_length=32)
    size: int = Field()
    seconds: float = Field()
    sha256: str = Field(max_length=64)
    language: str = Field(max_length=16)  # the language the person spoke (their item's language)
    created_by: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, default_factory=utcnow)
    transcript: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    transcript_engine: str | None = Field(default=None, max_length=32)
