"""Translations of what people wrote (a wish, a report's description, a council proposal) into
another language, added by the author or by staff. Append-only: a newer row for the same item and
language supersedes the older one, which stays as the record of who wrote what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_in, utcnow

TRANSLATED_KINDS = ("wish", "report", "proposal")
TRANSLATION_LANGUAGES = ("zh_Hans", "en", "bo", "ug", "ii")


class ContentTranslation(SQLModel, table=True):
    __tablename__ = "content_translation"
    __table_args__ = (
        CheckConstraint(sql_in("kind", TRANSLATED_KINDS), name="kind"),
        CheckConstraint(sql_in("language", TRANSLATION_LANGUAGES), name="language"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        Index("ix_content_translation_item", "kind", "item_id", "language", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)  # wish, report, proposal
    item_id: int  # the wish, report or proposal id (the kind says which table)
    language: str = Field(max_length=16)  # the language of this translation (lang="…")
    title: str | None = Field(default=None, max_length=80)  # wishes and proposals have titles
    body: str = Field(sa_column=Column(Text, nullable=False))
    translator_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime, nullable=False, default_factory=utcnow)
