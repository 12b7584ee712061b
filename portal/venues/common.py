"""The venues' limits, labels and messages, the slot arithmetic (Beijing wall clock) and the
helpers every step uses: the permission check with the area, the locked booking read, commit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_venues import CELL_MINUTES, Venue, VenueBooking, VenueWindow
from portal import localtime
from portal.areas import area_of
from portal.auth import active_user
from portal.errors import UserError
from portal.i18n import N_
from portal.permissions import On, can

MAX_UPCOMING = 3  # a person's bookings still to come, per venue
REFUND_HOURS = 2  # cancelling at least this long before the start returns the points
PURPOSE_MAX = 200
GROUP_MAX = 80
NOTE_MAX = 300
NO_SHOW_DAYS = 180  # no-shows counted over this many days for staff to see
WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)
STATE_LABELS = {
    "pending": N_("Waiting for approval"),
    "confirmed": N_("Booked"),
    "rejected": N_("Not approved"),
    "cancelled": N_("Cancelled"),
    "attended": N_("Used"),
    "no_show": N_("Did not come"),
}
FREED_STATES = ("rejected", "cancelled")  # their cells are given back

TAKEN = N_("This time was just taken by someone else. Please choose another time.")
CHANGED = N_("This booking has just changed. Please look at it again.")
NOT_FOUND = N_("This venue could not be found.")
BOOKING_NOT_FOUND = N_("This booking could not be found.")


@dataclass(frozen=True)
class Slot:
    starts: datetime  # aware, Beijing
    ends: datetime
    minutes: int


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def windows_of(session: Session, venue_id: int) -> list[VenueWindow]:
    return list(
        session.exec(
            select(VenueWindow)
            .where(col(VenueWindow.venue_id) == venue_id)
            .order_by(col(VenueWindow.weekday), col(VenueWindow.start_minute))
        ).all()
    )


def _clock(minute: int, day: date) -> datetime:
    return localtime.day_start(day) + timedelta(minutes=minute)


def slots_on(windows: Iterable[VenueWindow], day: date) -> list[Slot]:
    """The bookable slots of a Beijing calendar day, in order."""
    found = []
    for w in windows:
        if w.weekday != day.weekday():
            continue
        for start in range(w.start_minute, w.end_minute, w.slot_minutes):
            found.append(
                Slot(_clock(start, day), _clock(start + w.slot_minutes, day), w.slot_minutes)
            )
    return sorted(found, key=lambda s: s.starts)


def span_for(windows: Iterable[VenueWindow], starts: datetime, slots: int) -> datetime | None:
    """The end of `slots` consecutive slots from `starts`, all inside one window; None if the
    start is not a slot start or the slots run past the window."""
    local = localtime.local_time(starts)
    day = local.date()
    minute = local.hour * 60 + local.minute
    if local.second or local.microsecond:
        return None
    for w in windows:
        if w.weekday != day.weekday() or not w.start_minute <= minute < w.end_minute:
            continue
        if (minute - w.start_minute) % w.slot_minutes:
            return None
        end = minute + slots * w.slot_minutes
        return _clock(end, day) if end <= w.end_minute else None
    return None


def cells(starts: datetime, ends: datetime) -> list[datetime]:
    """The quarter hours a booking holds (UTC)."""
    step = timedelta(minutes=CELL_MINUTES)
    found, at = [], utc(starts)
    while at < utc(ends):
        found.append(at)
        at += step
    return found


def minute_of(value: time) -> int:
    return value.hour * 60 + value.minute


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def require(session: Session, user_id: int, action: str, on: On = On()) -> User:
    """The active user, if permissions.can() lets them do `action` on the target; else UserError."""
    user = active_user(session, user_id)
    allowed = can(user, action, on)
    if not allowed:
        session.rollback()
        raise UserError(allowed.reason)
    return user


def get_venue(session: Session, venue_id: int) -> Venue:
    venue = session.get(Venue, venue_id)
    if venue is None:
        raise UserError(NOT_FOUND)
    return venue


def reaches(session: Session, user: User, venue: Venue) -> bool:
    """The venue is the person's community's (or their street's, their district's)."""
    return area_of(session, user).reaches(venue.grid_id)


def manages(session: Session, user: User, venue: Venue) -> bool:
    """The venue lies inside the person's office area."""
    return area_of(session, user).covers(venue.grid_id)


def decider_on(session: Session, user: User, venue: Venue) -> On:
    """The facts for venue.decide: named = the venue's approver; outside = neither named nor
    inside the person's area."""
    named = venue.approver_id is not None and venue.approver_id == user.id
    return On(named=named, outside=not named and not manages(session, user, venue))


def locked_booking(session: Session, booking_id: int) -> VenueBooking:
    """The booking, row-locked on PostgreSQL until the end of the transaction."""
    booking = session.exec(
        select(VenueBooking)
        .where(col(VenueBooking.id) == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if booking is None:
        raise UserError(BOOKING_NOT_FOUND)
    return booking


def commit(session: Session, message: str = TAKEN) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(message) from None
    session.expire_all()
