"""Shared venues (社区资源地图): idle places a community office lends out (a school's sports ground
at night, an office car park at weekends, a meeting room), their opening windows per weekday,
photos, bookings and the occupied time cells that make double booking impossible.

No double booking: every booking writes one `venue_cell` row per quarter hour it covers, in the
same transaction, and the database refuses a second row for the same (venue, cell start) on
SQLite and PostgreSQL alike. Cancelling or rejecting deletes the booking's cells.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_values, utcnow

CELL_MINUTES = 15  # the grain of occupation: slot lengths and window starts are multiples of it
BOOKING_STATES = ("pending", "confirmed", "rejected", "cancelled", "attended", "no_show")
HOLDING_STATES = ("pending", "confirmed")  # a booking in these holds its cells


def _when(nullable: bool = False, **kw) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class Venue(SQLModel, table=True):
    """A place to book, managed by the office of its grid (a community, or a street)."""

    __tablename__ = "venue"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint("capacity BETWEEN 1 AND 10000", name="capacity_range"),
        CheckConstraint("points_per_booking BETWEEN -1000 AND 1000", name="points_range"),
        CheckConstraint("max_slots BETWEEN 1 AND 96", name="max_slots_range"),
        CheckConstraint("book_ahead_days BETWEEN 1 AND 180", name="ahead_range"),
        CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="place"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)  # the office grid that manages it
    name: str = Field(max_length=80)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    address: str = Field(default="", max_length=200)
    lat: float
    lon: float
    capacity: int
    owner_unit: str = Field(default="", max_length=80)  # e.g. 成都市第七中学; "" = the office
    approver_id: int | None = Field(default=None, foreign_key="account.id")  # the unit's person
    needs_approval: bool = Field(default=False)
    points_per_booking: int = Field(default=0)  # > 0: costs that much; < 0: earns, once used
    max_slots: int = Field(default=4)  # consecutive slots one booking may take
    book_ahead_days: int = Field(default=14)
    active: bool = Field(default=True)
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)


class VenueWindow(SQLModel, table=True):
    """One opening window on one weekday (0 Monday … 6 Sunday), Beijing wall clock, in minutes
    after midnight, cut into slots of slot_minutes."""

    __tablename__ = "venue_window"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("start_minute >= 0 AND end_minute <= 1440", name="day"),
        CheckConstraint("end_minute > start_minute", name="order"),
        CheckConstraint(f"slot_minutes BETWEEN {CELL_MINUTES} AND 480", name="slot_range"),
        CheckConstraint(f"slot_minutes % {CELL_MINUTES} = 0", name="slot_grain"),
        CheckConstraint(f"start_minute % {CELL_MINUTES} = 0", name="start_grain"),
        CheckConstraint("(end_minute - start_minute) % slot_minutes = 0", name="whole_slots"),
    )

    id: int | None = Field(default=None, primary_key=True)
    venue_id: int = Field(foreign_key="venue.id", index=True)
    weekday: int
    start_minute: int
    end_minute: int
    slot_minutes: int


class VenuePhoto(SQLModel, table=True):
    """A photo of a venue, in the media store (served by the portal's media route)."""

    __tablename__ = "venue_photo"

    id: int | None = Field(default=None, primary_key=True)
    venue_id: int = Field(foreign_key="venue.id", index=True)
    path: str = Field(max_length=200)
    thumb_path: str | None = Field(default=None, max_length=200)
    uploaded_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)


class VenueBooking(SQLModel, table=True):
    """One booking of one or more consecutive slots. `points` is what it moved in the ledger
    (negative: paid; positive: earned), for refunds and the record."""

    __tablename__ = "venue_booking"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_values(BOOKING_STATES)})", name="state"),
        CheckConstraint("ends_at > starts_at", name="order"),
        CheckConstraint("people >= 1", name="people"),
        Index("ix_venue_booking_venue_start", "venue_id", "starts_at"),
        Index("ix_venue_booking_user_start", "user_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    venue_id: int = Field(foreign_key="venue.id")
    user_id: int = Field(foreign_key="account.id")
    starts_at: datetime = _when()
    ends_at: datetime = _when()
    purpose: str = Field(max_length=200)
    group_name: str = Field(default="", max_length=80)  # booking for a group (舞蹈队, 篮球队…)
    people: int = Field(default=1)
    state: str = Field(default="pending", max_length=16)
    points: int = Field(default=0)
    created_at: datetime = _when(default_factory=utcnow)
    decided_by: int | None = Field(default=None, foreign_key="account.id")
    decided_at: datetime | None = _when(nullable=True, default=None)
    note: str | None = Field(default=None, max_length=300)  # why rejected / cancelled


class VenueCell(SQLModel, table=True):
    """A quarter hour of a venue held by a booking: the database's guarantee against overlap."""

    __tablename__ = "venue_cell"
    __table_args__ = (UniqueConstraint("venue_id", "cell_start", name="venue_cell_once"),)

    id: int | None = Field(default=None, primary_key=True)
    venue_id: int = Field(foreign_key="venue.id")
    cell_start: datetime = _when()
    booking_id: int = Field(foreign_key="venue_booking.id", index=True)
