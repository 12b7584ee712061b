"""Council extras: an agenda item's own options (instead of for / against / abstain) and the photos
and PDF documents attached to agenda items or to residents' proposals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow

OPTIONS_MIN, OPTIONS_MAX = 2, 6
OPTION_LABEL_MAX = 60
ATTACHMENT_KINDS = ("photo", "document")


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class CouncilItemOption(SQLModel, table=True):
    """One of an item's own options; a ballot for it has the choice "o<position>". Options are
    fixed once voting opens on the item's meeting (checked by portal.council.options)."""

    __tablename__ = "council_item_option"
    __table_args__ = (
        CheckConstraint(f"position BETWEEN 1 AND {OPTIONS_MAX}", name="position"),
        CheckConstraint("length(label) > 0", name="label_not_empty"),
        UniqueConstraint("item_id", "position", name="council_item_option_position_once"),
        UniqueConstraint("item_id", "label", name="council_item_option_label_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="council_item.id", index=True)
    position: int
    label: str = Field(max_length=OPTION_LABEL_MAX)
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)


class CouncilAttachment(SQLModel, table=True):
    """A photo (EXIF stripped, stored as JPEG with a thumbnail) or a PDF document on an agenda item
    or on a proposal (an accepted proposal's attachments show on its item). Removing one keeps the
    row (removed_at, removed_by); the file stays in the media store, named by its content hash."""

    __tablename__ = "council_attachment"
    __table_args__ = (
        CheckConstraint("kind IN ('photo', 'document')", name="kind"),
        CheckConstraint(
            "removed_at IS NOT NULL OR item_id IS NOT NULL OR proposal_id IS NOT NULL",
            name="attached_somewhere",
        ),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("length(caption) > 0", name="caption_not_empty"),
        Index("ix_council_attachment_item_removed", "item_id", "removed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int | None = Field(default=None, foreign_key="council_item.id")
    proposal_id: int | None = Field(default=None, foreign_key="council_proposal.id", index=True)
    kind: str = Field(max_length=16)
    path: str = Field(max_length=200)
    thumb_path: str | None = Field(default=None, max_length=200)
    file_name: str = Field(max_length=120)  # safe name offered on download
    caption: str = Field(max_length=200)  # alt text of a photo, title of a document
    content_type: str = Field(max_length=40)
    size_bytes: int
    sha256: str = Field(max_length=64)
    uploaded_by: int = Field(foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)
    removed_at: datetime | None = _when(nullable=True, default=None)
    removed_by: int | None = Field(default=None, foreign_key="account.id")
