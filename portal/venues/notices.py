"""Who hears about a booking: the venue's approver (or its office's staff) when one waits for
approval, the booker when it is approved, not approved, or cancelled by the office. Called before
the booking step's commit (outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from db.models import User
from db.models_venues import Venue, VenueBooking
from portal.notifications import notify


def _approvers(session: Session, venue: Venue) -> list[int]:
    if venue.approver_id is not None:
        return [venue.approver_id]
    staff = session.exec(
        select(col(User.id)).where(
            col(User.role) == "staff",
            col(User.home_grid_id) == venue.grid_id,
            col(User.is_active).is_(True),
        )
    ).all()
    return [uid for uid in staff if uid is not None]


def asked(session: Session, venue: Venue, booking: VenueBooking, who: str, now: datetime) -> None:
    notify(
        session,
        _approvers(session, venue),
        "venue_request",
        {
            "who": who,
            "venue": venue.name,
            "starts_at": booking.starts_at.isoformat(),
            "what": booking.purpose,
        },
        "venues_manage",
        now=now,
    )


def told(session: Session, venue: Venue, booking: VenueBooking, verdict: str, now) -> None:
    notify(
        session,
        [booking.user_id],
        "venue_decided",
        {"venue": venue.name, "starts_at": booking.starts_at.isoformat(), "verdict": verdict},
        f"venues?id={venue.id}",
        now=now,
    )
