"""Shared venues (社区资源地图): the office lists idle places (a school's sports ground at night, an
office car park at weekends, a meeting room) with a place on the map, photos, capacity, opening
windows per weekday cut into slots, the unit that owns it and its rules; verified residents and
merchants of the community book one or more consecutive slots; the owner unit's approver (or the
office) approves where the venue asks for it and records afterwards who came or did not.

    (book) ──needs_approval──▶ pending ──approve──▶ confirmed ──record──▶ attended | no_show
              └──────────────────────────────────▶ confirmed
    pending ──reject──▶ rejected          pending | confirmed ──cancel──▶ cancelled

No double booking: every pending or confirmed booking holds one venue_cell row per quarter hour,
UNIQUE (venue_id, cell_start), written in the booking's transaction (db/models_venues.py).

Where each rule lives:
    common    limits, labels, messages; slot arithmetic in Beijing time; permission and area
    manage    the office: a venue's facts and rules, opening windows, photos
    booking   book, cancel, decide (approve / reject), record_use (came / no-show); points
    queries   venues one sees or manages, a venue's week, own bookings, what to decide, no-shows
"""

from __future__ import annotations

from portal.venues.booking import book, cancel, decide, record_use
from portal.venues.common import (
    MAX_UPCOMING,
    REFUND_HOURS,
    STATE_LABELS,
    TAKEN,
    WEEKDAYS,
    Slot,
    hhmm,
    slots_on,
    windows_of,
)
from portal.venues.manage import (
    SLOT_CHOICES,
    add_photo,
    add_window,
    photos_of,
    remove_photo,
    remove_window,
    save_venue,
)
from portal.venues.queries import (
    BookingLine,
    SlotView,
    bookings_to_handle,
    my_bookings,
    repeated_no_shows,
    upcoming_at,
    visible_venues,
    week,
)

__all__ = [
    "MAX_UPCOMING",
    "REFUND_HOURS",
    "SLOT_CHOICES",
    "STATE_LABELS",
    "TAKEN",
    "WEEKDAYS",
    "BookingLine",
    "Slot",
    "SlotView",
    "add_photo",
    "add_window",
    "book",
    "bookings_to_handle",
    "cancel",
    "decide",
    "hhmm",
    "my_bookings",
    "photos_of",
    "record_use",
    "remove_photo",
    "remove_window",
    "repeated_no_shows",
    "save_venue",
    "slots_on",
    "upcoming_at",
    "visible_venues",
    "week",
    "windows_of",
]
