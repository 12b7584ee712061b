"""The office's side: a venue's facts and rules, its opening windows per weekday, its photos."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_venues import CELL_MINUTES, Venue, VenuePhoto, VenueWindow
from db.types import utcnow
from portal.areas import OFFICE_KINDS, area_of
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.permissions import On, can
from portal.text import clean_text
from portal.venues.common import get_venue, minute_of, require, windows_of

NAME_MAX = 80
DESCRIPTION_MAX = 1000
ADDRESS_MAX = 200
SLOT_CHOICES = (30, 60, 90, 120, 180, 240)


def _managed(session: Session, actor_id: int, venue_id: int) -> tuple[User, Venue]:
    venue = get_venue(session, venue_id)
    actor = require(session, actor_id, "venue.manage")
    outside = not area_of(session, actor).covers(venue.grid_id)
    require(session, actor_id, "venue.manage", On(outside=outside))
    return actor, venue


def _whole(value: object, least: int, most: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if least <= number <= most else None


def _range(least: int, most: int) -> Message:
    return Message(
        N_("Enter a whole number from {least} to {most}."), {"least": least, "most": most}
    )


def save_venue(
    session: Session,
    *,
    actor_id: int,
    venue_id: int | None = None,
    grid_id: int | None = None,
    name: str,
    description: str = "",
    address: str = "",
    lat: object,
    lon: object,
    capacity: object,
    owner_unit: str = "",
    approver: str = "",
    needs_approval: bool = False,
    points_per_booking: object = 0,
    max_slots: object = 4,
    book_ahead_days: object = 14,
    active: bool = True,
    now: datetime | None = None,
) -> Venue:
    """Creates (venue_id None) or updates a venue. approver: the username of the owner unit's
    person who approves bookings ("" = the office). Raises FieldErrors."""
    actor = require(session, actor_id, "venue.manage")
    venue = _managed(session, actor_id, venue_id)[1] if venue_id is not None else None
    errors: dict[str, Message] = {}
    name, description = clean_text(name), clean_text(description)
    address, owner_unit = clean_text(address), clean_text(owner_unit)
    if not name:
        errors["name"] = Message(N_("Please give the venue a name."))
    for field, text, most in (
        ("name", name, NAME_MAX),
        ("description", description, DESCRIPTION_MAX),
        ("address", address, ADDRESS_MAX),
        ("owner_unit", owner_unit, NAME_MAX),
    ):
        if len(text) > most:
            errors[field] = Message(
                N_("Use at most {n} characters (now {count})."), {"n": most, "count": len(text)}
            )
    grid_id = grid_id or (venue.grid_id if venue else actor.home_grid_id)
    grid = session.get(Grid, grid_id) if grid_id else None
    if grid is None or grid.kind not in OFFICE_KINDS:
        errors["grid"] = Message(N_("Please choose the community the venue belongs to."))
    elif not area_of(session, actor).covers(grid.id):
        errors["grid"] = Message(N_("This belongs to another community."))
    try:
        lat_value, lon_value = float(str(lat)), float(str(lon))
        if not (-90 <= lat_value <= 90 and -180 <= lon_value <= 180):
            raise ValueError
    except (TypeError, ValueError):
        errors["place"] = Message(N_("Please put the venue on the map."))
        lat_value = lon_value = 0.0
    numbers = {}
    for field, value, least, most in (
        ("capacity", capacity, 1, 10000),
        ("points_per_booking", points_per_booking, -1000, 1000),
        ("max_slots", max_slots, 1, 96),
        ("book_ahead_days", book_ahead_days, 1, 180),
    ):
        numbers[field] = _whole(value, least, most)
        if numbers[field] is None:
            errors[field] = _range(least, most)
    approver_id = None
    key = (approver or "").strip().lower()
    if key:
        person = session.exec(select(User).where(col(User.username) == key)).first()
        if person is None or not person.is_active or not can(person, "venue.approve_as"):
            errors["approver"] = Message(
                N_("No staff, handler or grid worker account has this user name.")
            )
        else:
            approver_id = person.id
    if errors:
        session.rollback()
        raise FieldErrors(errors)
    if venue is None:
        venue = Venue(
            grid_id=grid_id or 0,
            name=name,
            lat=lat_value,
            lon=lon_value,
            capacity=1,
            created_by=actor.id,
            created_at=now or utcnow(),
        )
        session.add(venue)
    venue.grid_id = grid_id or venue.grid_id
    venue.name, venue.description, venue.address = name, description, address
    venue.lat, venue.lon, venue.owner_unit = lat_value, lon_value, owner_unit
    venue.capacity = numbers["capacity"] or 1
    venue.points_per_booking = numbers["points_per_booking"] or 0
    venue.max_slots = numbers["max_slots"] or 1
    venue.book_ahead_days = numbers["book_ahead_days"] or 1
    venue.approver_id, venue.needs_approval = approver_id, bool(needs_approval)
    venue.active = bool(active)
    session.commit()
    session.refresh(venue)
    return venue


def add_window(
    session: Session,
    *,
    actor_id: int,
    venue_id: int,
    weekdays: list[int],
    start: time,
    end: time,
    slot_minutes: int,
) -> list[VenueWindow]:
    """Opens the venue on these weekdays from start to end, cut into slots. Raises FieldErrors."""
    _managed(session, actor_id, venue_id)
    errors: dict[str, Message] = {}
    days = sorted({int(d) for d in weekdays if 0 <= int(d) <= 6})
    if not days:
        errors["weekdays"] = Message(N_("Please choose at least one day of the week."))
    first, last = minute_of(start), minute_of(end) if end != time(0, 0) else 24 * 60
    if slot_minutes not in SLOT_CHOICES:
        errors["slot_minutes"] = Message(N_("Please choose how long one slot is."))
    elif first % CELL_MINUTES:
        errors["start"] = Message(
            N_("Please start on the hour or a quarter past, half past or a quarter to.")
        )
    elif last <= first:
        errors["end"] = Message(N_("The window must end after it starts."))
    elif (last - first) % slot_minutes:
        errors["end"] = Message(
            N_("The window must hold whole slots of {minutes} minutes."), {"minutes": slot_minutes}
        )
    if not errors:
        for w in windows_of(session, venue_id):
            if w.weekday in days and w.start_minute < last and first < w.end_minute:
                errors["start"] = Message(
                    N_("This overlaps another opening window on the same day.")
                )
                break
    if errors:
        session.rollback()
        raise FieldErrors(errors)
    added = [
        VenueWindow(
            venue_id=venue_id,
            weekday=d,
            start_minute=first,
            end_minute=last,
            slot_minutes=slot_minutes,
        )
        for d in days
    ]
    session.add_all(added)
    session.commit()
    return added


def remove_window(session: Session, *, actor_id: int, window_id: int) -> None:
    """Closes one window (bookings already made stay as they are)."""
    window = session.get(VenueWindow, window_id)
    if window is None:
        raise UserError(N_("This opening window is already removed."))
    _managed(session, actor_id, window.venue_id)
    session.delete(window)
    session.commit()


def add_photo(
    session: Session,
    *,
    actor_id: int,
    venue_id: int,
    photo: bytes,
    media_root: Path | None = None,
) -> VenuePhoto:
    from portal import media

    actor, _venue = _managed(session, actor_id, venue_id)
    try:
        checked = media.check_photo(photo)
    except UserError as exc:
        raise FieldErrors({"photo": exc.message}) from None
    stored, thumb = media.store_for(media_root).save_photo(checked)
    row = VenuePhoto(venue_id=venue_id, path=stored, thumb_path=thumb, uploaded_by=actor.id)
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def remove_photo(session: Session, *, actor_id: int, photo_id: int) -> None:
    row = session.get(VenuePhoto, photo_id)
    if row is None:
        raise UserError(N_("This photo is already removed."))
    _managed(session, actor_id, row.venue_id)
    session.delete(row)
    session.commit()


def photos_of(session: Session, venue_id: int) -> list[VenuePhoto]:
    return list(
        session.exec(
            select(VenuePhoto)
            .where(col(VenuePhoto.venue_id) == venue_id)
            .order_by(col(VenuePhoto.id))
        ).all()
    )
