"""Notifications: one outbox row per person and event, one delivery row per channel.

The notification row is written in the same transaction as the change that causes it (outbox),
so a change that rolls back tells nobody. Its content is never changed afterwards; only the
recipient's read mark (read_at) is set. Deliveries carry the state of each outside channel.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_in, utcnow

CHANNELS = ("email", "sms")
DELIVERY_STATES = ("pending", "sending", "sent", "failed")


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class Notification(SQLModel, table=True):
    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("recipient_id", "once_key", name="notification_once"),
        Index("ix_notification_unread", "recipient_id", "read_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    recipient_id: int = Field(foreign_key="account.id")
    event: str = Field(max_length=32)
    params: str = Field(sa_column=Column(Text, nullable=False))  # JSON, filled into the texts
    link: str = Field(default="", max_length=200)  # page key and query, e.g. my_reports?report=3
    urgent: bool = Field(default=False)
    once_key: str | None = Field(default=None, max_length=80)  # clock rules: once per due item
    created_at: datetime = _when(default_factory=utcnow)
    read_at: datetime | None = _when(nullable=True, default=None)


class NotificationDelivery(SQLModel, table=True):
    """A notification sent over one outside channel: claimed by one worker, retried, then failed."""

    __tablename__ = "notification_delivery"
    __table_args__ = (
        UniqueConstraint("notification_id", "channel", name="notification_delivery_once"),
        CheckConstraint(sql_in("channel", CHANNELS), name="channel"),
        CheckConstraint(sql_in("status", DELIVERY_STATES), name="status"),
        Index("ix_notification_delivery_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="notification.id", index=True)
    channel: str = Field(max_length=8)
    address: str = Field(max_length=254)
    status: str = Field(default="pending", max_length=8)
    attempts: int = Field(default=0, ge=0)
    next_attempt_at: datetime = _when(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=64)
    last_error: str | None = Field(default=None, max_length=300)
    sent_at: datetime | None = _when(nullable=True, default=None)


class NotificationSetting(SQLModel, table=True):
    """A person's opt-in addresses and choices. No row: in-app only, which is the default."""

    __tablename__ = "notification_setting"

    user_id: int = Field(foreign_key="account.id", primary_key=True)
    email: str | None = Field(default=None, max_length=254)
    email_confirmed_at: datetime | None = _when(nullable=True, default=None)
    email_token_hash: str | None = Field(default=None, max_length=64, index=True)
    phone: str | None = Field(default=None, max_length=32)
    use_email: bool = Field(default=False)
    use_sms: bool = Field(default=False)
    muted_events: str = Field(default="", max_length=800)  # comma-separated event keys
    quiet_hours: bool = Field(default=True)  # 22:00–07:00 Beijing time, urgent ones excepted
