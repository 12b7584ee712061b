"""Read models: the venues a person sees, a venue's week of slots, one's own bookings, what an
approver or the office has to decide or record, and repeated no-shows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from db.models import User
from db.models_venues import Venue, VenueBooking
from db.types import utcnow
from portal import localtime
from portal.areas import area_of
from portal.auth import active_user
from portal.permissions import can
from portal.venues.common import (
    FREED_STATES,
    NO_SHOW_DAYS,
    Slot,
    slots_on,
    windows_of,
)


def visible_venues(session: Session, viewer_id: int, *, managed: bool = False) -> list[Venue]:
    """Active venues of the viewer's community (and of its street and district) for booking;
    managed=True: every venue the viewer manages (inside their office area) or approves."""
    viewer = active_user(session, viewer_id)
    area = area_of(session, viewer)
    query = select(Venue).order_by(col(Venue.name), col(Venue.id))
    if managed:
        if not can(viewer, "venue.manage"):
            query = query.where(col(Venue.approver_id) == viewer.id)
        elif not area.whole:
            query = query.where(
                or_(col(Venue.grid_id).in_(area.grid_list()), col(Venue.approver_id) == viewer.id)
            )
    else:
        query = query.where(col(Venue.active).is_(True))
        if not area.whole:
            query = query.where(col(Venue.grid_id).in_(area.reach_list()))
    return list(session.exec(query).all())


@dataclass(frozen=True)
class SlotView:
    slot: Slot
    status: str  # free, taken, mine, past
    booking_id: int | None = None  # the viewer's own booking holding it


def week(
    session: Session, venue: Venue, viewer_id: int, monday: date, now: datetime | None = None
) -> list[tuple[date, list[SlotView]]]:
    """Seven days from `monday`: each day's slots, free, taken, the viewer's own, or past."""
    now = now or utcnow()
    windows = windows_of(session, venue.id or 0)
    start, end = localtime.day_start(monday), localtime.day_start(monday + timedelta(days=7))
    held = session.exec(
        select(VenueBooking).where(
            col(VenueBooking.venue_id) == venue.id,
            col(VenueBooking.state).not_in(FREED_STATES),
            col(VenueBooking.starts_at) < end,
            col(VenueBooking.ends_at) > start,
        )
    ).all()
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        views = []
        for slot in slots_on(windows, day):
            holder = next(
                (b for b in held if b.starts_at < slot.ends and b.ends_at > slot.starts), None
            )
            if holder is not None and holder.user_id == viewer_id:
                views.append(SlotView(slot, "mine", holder.id))
            elif holder is not None:
                views.append(SlotView(slot, "taken"))
            elif slot.starts <= now:
                views.append(SlotView(slot, "past"))
            else:
                views.append(SlotView(slot, "free"))
        days.append((day, views))
    return days


@dataclass(frozen=True)
class BookingLine:
    booking: VenueBooking
    venue: Venue
    booker: str  # display name
    no_shows: int  # the booker's no-shows in the last NO_SHOW_DAYS days at these venues


def my_bookings(session: Session, user_id: int, limit: int = 30) -> list[BookingLine]:
    rows = session.exec(
        select(VenueBooking, Venue)
        .join(Venue, col(Venue.id) == col(VenueBooking.venue_id))
        .where(col(VenueBooking.user_id) == user_id)
        .order_by(col(VenueBooking.starts_at).desc())
        .limit(limit)
    ).all()
    return [BookingLine(b, v, "", 0) for b, v in rows]


def _no_show_counts(session: Session, user_ids: set[int], now: datetime) -> Counter:
    if not user_ids:
        return Counter()
    rows = session.exec(
        select(col(VenueBooking.user_id), func.count())
        .where(
            col(VenueBooking.user_id).in_(sorted(user_ids)),
            col(VenueBooking.state) == "no_show",
            col(VenueBooking.starts_at) >= now - timedelta(days=NO_SHOW_DAYS),
        )
        .group_by(col(VenueBooking.user_id))
    ).all()
    return Counter(dict(rows))


def bookings_to_handle(
    session: Session, viewer_id: int, now: datetime | None = None, limit: int = 100
) -> list[BookingLine]:
    """Pending bookings to decide and begun confirmed ones to record, at the venues the viewer
    manages or approves; soonest first, each with the booker's recent no-shows."""
    now = now or utcnow()
    venues = {v.id: v for v in visible_venues(session, viewer_id, managed=True)}
    if not venues:
        return []
    rows = session.exec(
        select(VenueBooking, User)
        .join(User, col(User.id) == col(VenueBooking.user_id))
        .where(
            col(VenueBooking.venue_id).in_(sorted(v for v in venues if v is not None)),
            or_(
                col(VenueBooking.state) == "pending",
                (col(VenueBooking.state) == "confirmed") & (col(VenueBooking.starts_at) <= now),
            ),
            col(VenueBooking.starts_at) >= now - timedelta(days=30),
        )
        .order_by(col(VenueBooking.starts_at))
        .limit(limit)
    ).all()
    counts = _no_show_counts(session, {u.id for _, u in rows if u.id is not None}, now)
    return [BookingLine(b, venues[b.venue_id], u.display_name, counts[u.id]) for b, u in rows]


def upcoming_at(
    session: Session, viewer_id: int, venue_id: int, now: datetime | None = None
) -> list[BookingLine]:
    """The bookings still to come at one venue the viewer manages (the office may cancel)."""
    now = now or utcnow()
    venues = {v.id: v for v in visible_venues(session, viewer_id, managed=True)}
    if venue_id not in venues:
        return []
    rows = session.exec(
        select(VenueBooking, User)
        .join(User, col(User.id) == col(VenueBooking.user_id))
        .where(
            col(VenueBooking.venue_id) == venue_id,
            col(VenueBooking.state).in_(("pending", "confirmed")),
            col(VenueBooking.ends_at) > now,
        )
        .order_by(col(VenueBooking.starts_at))
        .limit(100)
    ).all()
    counts = _no_show_counts(session, {u.id for _, u in rows if u.id is not None}, now)
    return [BookingLine(b, venues[venue_id], u.display_name, counts[u.id]) for b, u in rows]


def repeated_no_shows(
    session: Session, viewer_id: int, now: datetime | None = None, least: int = 2
) -> list[tuple[str, str, int]]:
    """(display name, user name, count) of people with at least `least` no-shows in the last
    NO_SHOW_DAYS days at the venues the viewer manages, most first."""
    now = now or utcnow()
    venue_ids = [v.id for v in visible_venues(session, viewer_id, managed=True)]
    if not venue_ids:
        return []
    rows = session.exec(
        select(col(User.display_name), col(User.username), func.count())
        .select_from(VenueBooking)
        .join(User, col(User.id) == col(VenueBooking.user_id))
        .where(
            col(VenueBooking.venue_id).in_(venue_ids),
            col(VenueBooking.state) == "no_show",
            col(VenueBooking.starts_at) >= now - timedelta(days=NO_SHOW_DAYS),
        )
        .group_by(col(User.display_name), col(User.username))
        .having(func.count() >= least)
        .order_by(func.count().desc())
    ).all()
    return [(name, username, n) for name, username, n in rows]
