"""Cockpit tables: smart devices in houses, their events and alarms, notices (with translations and
target grids), and message threads between residents and their micro-grid chief.

Measures have no table: they are computed from the event rows of other capabilities."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_in, utcnow

DEVICE_KINDS = ("smoke", "fall", "meter")
ALARM_RULES = ("smoke", "fall", "no_use")
NOTICE_KINDS = ("public", "activity", "policy")


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class Device(SQLModel, table=True):
    """A smoke detector, fall detector or electricity meter installed in a house of a micro-grid."""

    __tablename__ = "device"
    __table_args__ = (CheckConstraint(sql_in("kind", DEVICE_KINDS), name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True, index=True)  # the id the device sends
    kind: str = Field(max_length=16)
    grid_id: int = Field(foreign_key="grid.id", index=True)  # the micro-grid of the house
    house: str = Field(max_length=120)  # building, unit, room
    lat: float
    lon: float
    resident_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    registered_by: int = Field(foreign_key="account.id")
    registered_at: datetime = _when(default_factory=utcnow)
    active: bool = Field(default=True)


class DeviceEvent(SQLModel, table=True):
    """One reading or signal. `idem_key` makes a second upload of the same event a no-op."""

    __tablename__ = "device_event"
    __table_args__ = (Index("ix_device_event_device_at", "device_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    idem_key: str = Field(max_length=64, unique=True)
    device_id: int = Field(foreign_key="device.id")
    kind: str = Field(max_length=16)
    at: datetime = _when()
    value: float
    received_at: datetime = _when(default_factory=utcnow)
    received_by: int | None = Field(default=None, foreign_key="account.id")  # None: the command
    alarm_id: int | None = Field(default=None, foreign_key="device_alarm.id", index=True)


class DeviceAlarm(SQLModel, table=True):
    """An ongoing condition of a device and the one report it opened.

    `open_key` is "<device>:<rule>" while the alarm is open and NULL once closed: the unique
    constraint lets only one alarm per device and rule be open, even with two uploads at once."""

    __tablename__ = "device_alarm"
    __table_args__ = (
        CheckConstraint(sql_in("rule", ALARM_RULES), name="rule"),
        UniqueConstraint("open_key", name="uq_device_alarm_open_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    device_id: int = Field(foreign_key="device.id", index=True)
    rule: str = Field(max_length=16)
    open_key: str | None = Field(default=None, max_length=80)
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    opened_at: datetime = _when(default_factory=utcnow, index=True)
    last_seen_at: datetime = _when(default_factory=utcnow)
    closed_at: datetime | None = _when(nullable=True, default=None)
    closed_reason: str | None = Field(default=None, max_length=32)


class Notice(SQLModel, table=True):
    """A notice (公示, activity, policy) for the whole community or chosen grids."""

    __tablename__ = "notice"
    __table_args__ = (
        CheckConstraint(sql_in("kind", NOTICE_KINDS), name="kind"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        Index("ix_notice_published_expires", "published_at", "expires_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    title: str = Field(max_length=120)
    body: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(default="zh_Hans", max_length=16)
    everyone: bool = Field(default=True)  # False: only the grids in notice_grid (and below)
    # The office grid it belongs to (community, street or district); `everyone` means everyone
    # under it. None: the whole deployment.
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    image_path: str | None = Field(default=None, max_length=255)
    image_alt: str | None = Field(default=None, max_length=200)
    published_by: int = Field(foreign_key="account.id")
    published_at: datetime = _when(default_factory=utcnow)
    expires_at: datetime | None = _when(nullable=True, default=None)
    withdrawn_at: datetime | None = _when(nullable=True, default=None)
    withdrawn_by: int | None = Field(default=None, foreign_key="account.id")


class NoticeGrid(SQLModel, table=True):
    __tablename__ = "notice_grid"

    notice_id: int = Field(foreign_key="notice.id", primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", primary_key=True, index=True)


class NoticeTranslation(SQLModel, table=True):
    __tablename__ = "notice_translation"
    __table_args__ = (UniqueConstraint("notice_id", "language", name="uq_notice_translation_once"),)

    id: int | None = Field(default=None, primary_key=True)
    notice_id: int = Field(foreign_key="notice.id", index=True)
    language: str = Field(max_length=16)
    title: str = Field(max_length=120)
    body: str = Field(sa_column=Column(Text, nullable=False))


class MessageThread(SQLModel, table=True):
    """A resident's conversation with whoever is micro-grid chief of their courtyard."""

    __tablename__ = "message_thread"
    __table_args__ = (UniqueConstraint("resident_id", "grid_id", name="uq_message_thread_once"),)

    id: int | None = Field(default=None, primary_key=True)
    resident_id: int = Field(foreign_key="account.id", index=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    created_at: datetime = _when(default_factory=utcnow)


class ThreadMessage(SQLModel, table=True):
    __tablename__ = "thread_message"
    __table_args__ = (
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        Index("ix_thread_message_thread_at", "thread_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="message_thread.id")
    author_id: int = Field(foreign_key="account.id")
    body: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = _when(default_factory=utcnow)
