"""The portal's HTTP and MQTT face: partner api keys, their rate windows, Open311 requests filed
through a key, refused messages (dead letters) and worker heartbeats."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_in

API_SCOPES = ("open311", "devices")
DEAD_LETTER_SOURCES = ("mqtt", "http_devices", "open311")


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class ApiKey(SQLModel, table=True):
    """A key issued by staff to one partner system. Only its SHA-256 is stored; the key itself is
    shown once. Reports filed with it are filed in the name of the staff member who issued it."""

    __tablename__ = "api_key"
    __table_args__ = (
        CheckConstraint(sql_in("scope", API_SCOPES), name="scope"),
        CheckConstraint("per_minute > 0 AND per_minute <= 100000", name="per_minute"),
        CheckConstraint("length(partner) > 0", name="partner_not_empty"),
    )

    id: int | None = Field(default=None, primary_key=True)
    partner: str = Field(max_length=80)  # the partner system, e.g. "街道12345热线"
    scope: str = Field(max_length=16)
    prefix: str = Field(max_length=12)  # the key's first characters, to tell keys apart
    key_hash: str = Field(max_length=64, unique=True)
    per_minute: int = Field(default=60)
    issued_by: int = Field(foreign_key="account.id")
    issued_at: datetime = _when()
    revoked_at: datetime | None = _when(nullable=True, default=None)
    revoked_by: int | None = Field(default=None, foreign_key="account.id")


class ApiKeyWindow(SQLModel, table=True):
    """Requests of one key in one minute: the rate limit, shared by every process."""

    __tablename__ = "api_key_window"

    api_key_id: int = Field(foreign_key="api_key.id", primary_key=True)
    minute: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    requests: int = Field(default=0)


class PartnerRequest(SQLModel, table=True):
    """A report filed over Open311: which key filed it, and the token the partner can look up."""

    __tablename__ = "partner_request"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", unique=True)
    api_key_id: int = Field(foreign_key="api_key.id", index=True)
    token: str = Field(max_length=40, unique=True)
    created_at: datetime = _when()


class DeadLetter(SQLModel, table=True):
    """A message or request that was refused, kept for staff: where from, what, and why."""

    __tablename__ = "dead_letter"
    __table_args__ = (CheckConstraint(sql_in("source", DEAD_LETTER_SOURCES), name="source"),)

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=16)
    topic: str = Field(default="", max_length=255)  # MQTT topic, or the HTTP path
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id")
    payload: str = Field(sa_column=Column(Text, nullable=False))  # cut to PAYLOAD_LIMIT
    reason: str = Field(max_length=255)  # message id
    params: str = Field(default="{}", max_length=1000)  # JSON of the message's parameters
    received_at: datetime = _when(index=True)


class Heartbeat(SQLModel, table=True):
    """The last time a worker (housekeeping, the MQTT subscriber) finished a round."""

    __tablename__ = "heartbeat"

    worker: str = Field(max_length=32, primary_key=True)
    at: datetime = _when()
