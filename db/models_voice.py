"""Read-aloud tables: recorded clips of fixed interface phrases (for languages no speech engine
speaks: Tibetan and Yi) and each account's read-aloud setting.

A clip is never overwritten: replacing or removing one stamps `removed_at` on the old row, and at
most one clip per (language, phrase) is current (a partial unique index), so two browsers recording
the same phrase at once cannot both win.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_values, utcnow

CLIP_LANGUAGES = ("bo", "ii")
CLIP_TYPES = ("audio/wav", "audio/mpeg", "audio/ogg")
CLIP_SOURCES = ("recorded", "machine")  # a person's recording, or made by the rule-based voice


class VoiceClip(SQLModel, table=True):
    """One recording of one interface phrase (a message id) in one language."""

    __tablename__ = "voice_clip"
    __table_args__ = (
        CheckConstraint(f"language IN ({sql_values(CLIP_LANGUAGES)})", name="language"),
        CheckConstraint(f"content_type IN ({sql_values(CLIP_TYPES)})", name="content_type"),
        CheckConstraint("length(msgid) > 0", name="msgid_not_empty"),
        CheckConstraint(f"source IN ({sql_values(CLIP_SOURCES)})", name="source"),
        Index(
            "uq_voice_clip_current",
            "language",
            "msgid",
            unique=True,
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    language: str = Field(max_length=16)
    msgid: str = Field(sa_column=Column(Text, nullable=False))  # the phrase's message id
    audio_path: str = Field(max_length=200)  # relative to the media folder
    content_type: str = Field(max_length=16)
    seconds: float = Field()
    sha256: str = Field(max_length=64)
    recorded_by: int = Field(foreign_key="account.id")
    source: str = Field(
        default="recorded", max_length=16, sa_column_kwargs={"server_default": "recorded"}
    )
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, default_factory=utcnow)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime, nullable=True)
    removed_by: int | None = Field(default=None, foreign_key="account.id")


class SpeechPreference(SQLModel, table=True):
    """An account's read-aloud setting: in elder mode, read each page aloud when it opens."""

    __tablename__ = "speech_preference"

    user_id: int = Field(foreign_key="account.id", primary_key=True)
    auto_read: bool = Field(default=False)
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False, default_factory=utcnow)
