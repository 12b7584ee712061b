"""Booking a venue, cancelling, the owner's decision, and recording who came.

A booking writes its quarter-hour cells (venue_cell, UNIQUE (venue_id, cell_start)) in its own
transaction: of two people booking the same time at once exactly one commits, the other gets
TAKEN. Points per the venue's rule go through the one ledger (portal.points): a cost is taken in
the same transaction and returned when the booking is rejected, cancelled by the office, or
cancelled by the booker at least REFUND_HOURS before it starts; an earn is credited once the
owner records that the venue was used.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models_venues import Venue, VenueBooking, VenueCell
from db.types import row_id, rowcount, utcnow
from portal import localtime
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.permissions import On
from portal.points import award
from portal.points.common import move_points
from portal.text import clean_text
from portal.venues import notices
from portal.venues.common import (
    CHANGED,
    GROUP_MAX,
    MAX_UPCOMING,
    NOTE_MAX,
    PURPOSE_MAX,
    REFUND_HOURS,
    TAKEN,
    cells,
    commit,
    decider_on,
    get_venue,
    locked_booking,
    reaches,
    require,
    span_for,
    utc,
    windows_of,
)

FEE, REFUND, EARN = "venue_fee", "refund", "venue"


def _ledger_key(booking_id: int) -> str:
    return f"venue-booking-{booking_id}"


def book(
    session: Session,
    *,
    user_id: int,
    venue_id: int,
    starts: datetime,
    slots: int = 1,
    purpose: str,
    group_name: str = "",
    people: object = 1,
    now: datetime | None = None,
) -> VenueBooking:
    """Books `slots` consecutive slots from `starts` (an aware datetime). Raises FieldErrors for
    the form, UserError TAKEN when someone else holds any part of that time."""
    now = now or utcnow()
    venue = get_venue(session, venue_id)
    user = require(session, user_id, "venue.book")
    require(session, user_id, "venue.book", On(outside=not reaches(session, user, venue)))
    if not venue.active:
        raise UserError(N_("This venue is not taking bookings at the moment."))
    errors: dict[str, Message] = {}
    purpose, group_name = clean_text(purpose), clean_text(group_name)
    if not purpose:
        errors["purpose"] = Message(N_("Please say what the venue is for (e.g. square dancing)."))
    elif len(purpose) > PURPOSE_MAX:
        errors["purpose"] = Message(
            N_("Use at most {n} characters (now {count})."),
            {"n": PURPOSE_MAX, "count": len(purpose)},
        )
    if len(group_name) > GROUP_MAX:
        errors["group_name"] = Message(
            N_("Use at most {n} characters (now {count})."),
            {"n": GROUP_MAX, "count": len(group_name)},
        )
    try:
        headcount = int(str(people).strip())
    except (TypeError, ValueError):
        headcount = 0
    if not 1 <= headcount <= venue.capacity:
        errors["people"] = Message(N_("The venue holds at most {n} people."), {"n": venue.capacity})
    ends = None
    if not 1 <= int(slots) <= venue.max_slots:
        errors["slots"] = Message(
            N_("One booking can take from 1 to {n} slots in a row."), {"n": venue.max_slots}
        )
    elif starts <= now:
        errors["slots"] = Message(N_("This time has already passed."))
    elif localtime.local_time(starts).date() > localtime.today(now) + timedelta(
        days=venue.book_ahead_days
    ):
        errors["slots"] = Message(
            N_("This venue can be booked at most {n} days ahead."), {"n": venue.book_ahead_days}
        )
    else:
        ends = span_for(windows_of(session, venue_id), starts, int(slots))
        if ends is None:
            errors["slots"] = Message(N_("The venue is not open for all of this time."))
    if errors or ends is None:
        raise FieldErrors(errors)
    upcoming = session.exec(
        select(func.count())
        .select_from(VenueBooking)
        .where(
            col(VenueBooking.user_id) == user_id,
            col(VenueBooking.venue_id) == venue_id,
            col(VenueBooking.state).in_(("pending", "confirmed")),
            col(VenueBooking.ends_at) > now,
        )
    ).one()
    if upcoming >= MAX_UPCOMING:
        raise UserError(
            N_("You already have {n} bookings to come at this venue. Please use those first."),
            n=MAX_UPCOMING,
        )
    booking = VenueBooking(
        venue_id=venue_id,
        user_id=user_id,
        starts_at=utc(starts),
        ends_at=utc(ends),
        purpose=purpose,
        group_name=group_name,
        people=headcount,
        state="pending" if venue.needs_approval else "confirmed",
        created_at=now,
    )
    try:
        session.add(booking)
        session.flush()
        session.add_all(
            VenueCell(venue_id=venue_id, cell_start=c, booking_id=row_id(booking))
            for c in cells(starts, ends)
        )
        session.flush()
    except IntegrityError:  # a cell is held: someone booked part of this time
        session.rollback()
        raise UserError(TAKEN) from None
    if venue.points_per_booking > 0:
        try:
            move_points(
                session,
                user=user,
                amount=-venue.points_per_booking,
                source=FEE,
                source_id=_ledger_key(row_id(booking)),
                reason=venue.name,
                actor_id=user_id,
                now=now,
            )
        except UserError:
            session.rollback()
            raise
        booking.points = -venue.points_per_booking
    if booking.state == "pending":
        notices.asked(session, venue, booking, user.display_name, now)
    commit(session)
    return session.get(VenueBooking, row_id(booking)) or booking


def _release(session: Session, booking: VenueBooking, venue: Venue, refund: bool, now) -> None:
    """Gives the booking's cells back and, when it paid and refund, its points."""
    session.execute(delete(VenueCell).where(col(VenueCell.booking_id) == booking.id))
    if booking.points < 0 and refund:
        from db.models import User

        owner = session.get(User, booking.user_id)
        if owner is not None:
            move_points(
                session,
                user=owner,
                amount=-booking.points,
                source=REFUND,
                source_id=_ledger_key(row_id(booking)),
                reason=venue.name,
                actor_id=None,
                now=now,
            )


def _move(
    session: Session, booking: VenueBooking, from_states: tuple[str, ...], to_state: str, **values
) -> None:
    result = session.execute(
        update(VenueBooking)
        .where(col(VenueBooking.id) == booking.id, col(VenueBooking.state).in_(from_states))
        .values(state=to_state, **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(CHANGED)


def _as_decider(session: Session, actor_id: int, booking_id: int) -> tuple[VenueBooking, Venue]:
    """The booking (row-locked) and its venue, if the actor is its approver or its office."""
    booking = locked_booking(session, booking_id)
    venue = get_venue(session, booking.venue_id)
    actor = active_user(session, actor_id)
    require(session, actor_id, "venue.decide", decider_on(session, actor, venue))
    return booking, venue


def _note(note: str) -> str | None:
    text = clean_text(note or "")
    if len(text) > NOTE_MAX:
        raise UserError(
            N_("Use at most {n} characters (now {count})."),
            field="note",
            n=NOTE_MAX,
            count=len(text),
        )
    return text or None


def cancel(
    session: Session, *, actor_id: int, booking_id: int, note: str = "", now: datetime | None = None
) -> VenueBooking:
    """The booker (before it starts) or the office cancels; the points come back when the office
    cancels or the booker does so at least REFUND_HOURS before the start."""
    now = now or utcnow()
    booking = locked_booking(session, booking_id)
    venue = get_venue(session, booking.venue_id)
    actor = require(session, actor_id, "venue.cancel", On(own=booking.user_id == actor_id))
    office = booking.user_id != actor_id
    if office:
        require(session, actor_id, "venue.cancel", decider_on(session, actor, venue))
    if booking.state not in ("pending", "confirmed"):
        session.rollback()
        raise UserError(CHANGED)
    if not office and booking.starts_at <= now:
        session.rollback()
        raise UserError(N_("This booking has already begun and can no longer be cancelled."))
    text = _note(note)
    _move(
        session,
        booking,
        ("pending", "confirmed"),
        "cancelled",
        decided_by=actor_id,
        decided_at=now,
        note=text,
    )
    in_time = office or booking.starts_at - now >= timedelta(hours=REFUND_HOURS)
    _release(session, booking, venue, in_time, now)
    if office:
        notices.told(session, venue, booking, "cancelled by the community office", now)
    commit(session, CHANGED)
    return session.get(VenueBooking, booking_id) or booking


def decide(
    session: Session,
    *,
    actor_id: int,
    booking_id: int,
    approve: bool,
    note: str = "",
    now: datetime | None = None,
) -> VenueBooking:
    """The venue's approver or the office approves or rejects a pending booking (rejecting gives
    the time and the points back; a reason is asked for)."""
    now = now or utcnow()
    booking, venue = _as_decider(session, actor_id, booking_id)
    text = _note(note)
    if not approve and not text:
        session.rollback()
        raise UserError(N_("Please say why the booking is not approved."), field="note")
    _move(
        session,
        booking,
        ("pending",),
        "confirmed" if approve else "rejected",
        decided_by=actor_id,
        decided_at=now,
        note=text,
    )
    if not approve:
        _release(session, booking, venue, True, now)
    notices.told(session, venue, booking, "approved" if approve else "rejected", now)
    commit(session, CHANGED)
    return session.get(VenueBooking, booking_id) or booking


def record_use(
    session: Session,
    *,
    actor_id: int,
    booking_id: int,
    came: bool,
    now: datetime | None = None,
) -> VenueBooking:
    """After the start, the approver or the office records that the booker came (a venue that
    earns points credits them now) or did not (a no-show, counted for staff to see)."""
    now = now or utcnow()
    booking, venue = _as_decider(session, actor_id, booking_id)
    if booking.starts_at > now:
        session.rollback()
        raise UserError(N_("This can be recorded once the booking has begun."))
    _move(
        session,
        booking,
        ("confirmed",),
        "attended" if came else "no_show",
        decided_by=actor_id,
        decided_at=now,
    )
    if came and venue.points_per_booking < 0:
        entry = award(
            session,
            user_id=booking.user_id,
            source=EARN,
            source_id=_ledger_key(row_id(booking)),
            reason=venue.name,
            amount=-venue.points_per_booking,
            now=now,
        )
        if entry is not None:
            session.execute(
                update(VenueBooking)
                .where(col(VenueBooking.id) == booking.id)
                .values(points=entry.amount)
                .execution_options(synchronize_session=False)
            )
    commit(session, CHANGED)
    return session.get(VenueBooking, booking_id) or booking
