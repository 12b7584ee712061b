"""Pieces of the venues pages: a venue's facts and opening hours, its photos, the week of slots
(free / taken / mine as words and marks, never colour alone; large in elder mode, wrapping on a
phone), the venues layer of a folium map, and one booking's line."""

from __future__ import annotations

import html
from datetime import date, timedelta

import streamlit as st
from sqlmodel import Session

from db.models_venues import Venue, VenueBooking, VenueWindow
from portal import localtime, venues
from portal.config import Settings
from portal.i18n import N_, format_day
from portal.ui.private_media import PrivateFile, private_image_tag
from portal.ui.report_widgets import media_store
from portal.ui.session import Viewer

FLASH = "venue_flash"
ERRORS = "venue_errors"

VENUE_CSS = """<style>
.linli-venue p { margin: 0 0 .35rem 0; line-height: 1.6; overflow-wrap: anywhere; }
.linli-week h4 { margin: .6rem 0 .2rem 0; font-size: 1.05rem; }
.linli-slots { display: flex; flex-wrap: wrap; gap: .35rem; list-style: none; margin: 0;
  padding: 0; }
.linli-slots li { border: 2px solid #1f4e79; border-radius: 6px; padding: .25rem .5rem;
  font-size: 1rem; line-height: 1.4; min-width: 7.5rem; }
.linli-slot-free { background: #fff; color: #1f4e79; }
.linli-slot-taken { background: #e3e3e3; color: #2b2b2b; border-color: #6b6b6b !important;
  border-style: dashed !important; }
.linli-slot-mine { background: #1f4e79; color: #fff; }
.linli-slot-past { background: #f4f4f4; color: #4a4a4a; border-color: #9a9a9a !important; }
.linli-closed { color: #4a4a4a; margin: 0; }
.linli-photos img { margin: 0 .4rem .4rem 0; }
</style>"""
ELDER_CSS = """<style>
.linli-slots li { font-size: 1.35rem; padding: .5rem .8rem; min-width: 10rem; }
.linli-week h4 { font-size: 1.4rem; }
</style>"""
STATUS_WORDS = {
    "free": N_("Free"),
    "taken": N_("Taken"),
    "mine": N_("Your booking"),
    "past": N_("Passed"),
}
STATUS_MARKS = {"free": "○", "taken": "✕", "mine": "★", "past": "–"}


def styles(viewer: Viewer) -> None:
    st.html(VENUE_CSS + (ELDER_CSS if viewer.elder else ""))


def esc(text: object) -> str:
    return html.escape(str(text))


def span_text(viewer: Viewer, starts, ends) -> str:
    """ "11月9日 周一 19:00–21:00" in the viewer's words, Beijing time."""
    local = localtime.local_time(starts)
    day = format_day(viewer.language, local.date(), "medium")
    weekday = viewer.t(venues.WEEKDAYS[local.weekday()])
    return f"{day} {weekday} {local:%H:%M}–{localtime.local_time(ends):%H:%M}"


def day_text(viewer: Viewer, day: date) -> str:
    """ "Monday 2026年11月9日" in the viewer's words."""
    return (
        f"{viewer.t(venues.WEEKDAYS[day.weekday()])} {format_day(viewer.language, day, 'medium')}"
    )


def hours_lines(viewer: Viewer, windows: list[VenueWindow]) -> list[str]:
    """One line per weekday that opens: "Monday: 18:00–22:00 (60 min slots)"."""
    lines = []
    for day in range(7):
        parts = [
            viewer.t(
                N_("{start}–{end} ({minutes} min slots)"),
                start=venues.hhmm(w.start_minute),
                end=venues.hhmm(w.end_minute),
                minutes=w.slot_minutes,
            )
            for w in windows
            if w.weekday == day
        ]
        if parts:
            lines.append(f"{viewer.t(venues.WEEKDAYS[day])}: {', '.join(parts)}")
    return lines


def rule_lines(viewer: Viewer, venue: Venue) -> list[str]:
    t = viewer.t
    lines = [t(N_("Up to {n} people."), n=venue.capacity)]
    lines.append(t(N_("Owned by: {unit}"), unit=venue.owner_unit or t(N_("the community office"))))
    if venue.needs_approval:
        lines.append(t(N_("The owner approves each booking.")))
    else:
        lines.append(t(N_("Bookings are confirmed at once.")))
    if venue.points_per_booking > 0:
        lines.append(
            t(
                N_(
                    "A booking costs {n} points; cancelled at least {hours} hours ahead, they come back."
                ),
                n=venue.points_per_booking,
                hours=venues.REFUND_HOURS,
            )
        )
    elif venue.points_per_booking < 0:
        lines.append(
            t(N_("Using it for the community earns {n} points."), n=-venue.points_per_booking)
        )
    lines.append(
        t(
            N_("At most {slots} slots in a row, up to {days} days ahead."),
            slots=venue.max_slots,
            days=venue.book_ahead_days,
        )
    )
    return lines


def venue_facts(viewer: Viewer, venue: Venue, windows: list[VenueWindow]) -> None:
    parts = [f'<h2 lang="zh-Hans">{esc(venue.name)}</h2>']
    if venue.description:
        parts.append(f'<p lang="zh-Hans">{esc(venue.description)}</p>')
    if venue.address:
        parts.append(f"<p>{esc(viewer.t(N_('Address: {address}'), address=venue.address))}</p>")
    parts += [f"<p>{esc(line)}</p>" for line in rule_lines(viewer, venue)]
    hours = hours_lines(viewer, windows)
    parts.append(f"<p><strong>{esc(viewer.t(N_('Opening hours')))}</strong></p>")
    if hours:
        parts += [f"<p>{esc(line)}</p>" for line in hours]
    else:
        parts.append(f"<p>{esc(viewer.t(N_('No opening hours yet.')))}</p>")
    if not venue.active:
        parts.append(f"<p><strong>{esc(viewer.t(N_('Not taking bookings.')))}</strong></p>")
    st.html(f'<div class="linli-venue">{"".join(parts)}</div>')


def venue_photos(viewer: Viewer, session: Session, venue_id: int) -> None:
    tags = []
    store = media_store()
    for n, photo in enumerate(venues.photos_of(session, venue_id), start=1):
        data = store.read(photo.thumb_path or photo.path)
        if data and photo.id is not None:
            alt = viewer.t(N_("Photo {n} of the venue"), n=n)
            tags.append(
                private_image_tag(
                    PrivateFile("venue", photo.id, data, "image/jpeg"),
                    alt,
                    "max-width:min(100%,240px);height:auto;border-radius:4px",
                    thumb=True,
                )
            )
    if tags:
        st.markdown(f'<div class="linli-photos">{"".join(tags)}</div>', unsafe_allow_html=True)


def week_grid(viewer: Viewer, days: list[tuple[date, list[venues.SlotView]]]) -> None:
    """The week as one list per day, each slot a chip with its time, a mark and a word."""
    t = viewer.t
    parts = ['<div class="linli-week">']
    for day, slots in days:
        label = f"{t(venues.WEEKDAYS[day.weekday()])} {format_day(viewer.language, day, 'short')}"
        parts.append(f"<h4>{esc(label)}</h4>")
        if not slots:
            parts.append(f'<p class="linli-closed">{esc(t(N_("Closed")))}</p>')
            continue
        chips = []
        for view in slots:
            local, end = (
                localtime.local_time(view.slot.starts),
                localtime.local_time(view.slot.ends),
            )
            word = f"{STATUS_MARKS[view.status]} {t(STATUS_WORDS[view.status])}"
            chips.append(
                f'<li class="linli-slot-{view.status}">{local:%H:%M}–{end:%H:%M} · {esc(word)}</li>'
            )
        parts.append(f'<ul class="linli-slots">{"".join(chips)}</ul>')
    parts.append("</div>")
    st.html("".join(parts))


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def add_venue_pins(fmap, found: list[Venue], settings: Settings, selected_id: int | None) -> None:
    """The venues layer: one labelled square pin per venue (the chosen one larger)."""
    import folium

    from portal.maps import Projection, tooltip_text

    projection = Projection(settings.tile_provider)
    layer = folium.FeatureGroup(name="venues")
    for venue in found:
        lat, lon = projection.to_map(venue.lat, venue.lon)
        big = venue.id == selected_id
        size = 28 if big else 20
        fill = "#5b2a86" if big else "#ffffff"
        # a square drawn by CSS: folium's RegularPolygonMarker loads leaflet-dvf from a CDN,
        # which offline (and in mainland China) left the whole map frame empty
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html=(
                    f'<div style="width:{size}px;height:{size}px;box-sizing:border-box;'
                    f'border:3px solid #5b2a86;background:{fill};opacity:0.9"></div>'
                ),
                icon_size=(size, size),
                icon_anchor=(size // 2, size // 2),
                class_name="linli-venue",
            ),
            tooltip=tooltip_text(venue.name),
        ).add_to(layer)
    layer.add_to(fmap)


def booking_line(viewer: Viewer, booking: VenueBooking, venue_name: str, who: str = "") -> str:
    t = viewer.t
    parts = [
        venue_name,
        span_text(viewer, booking.starts_at, booking.ends_at),
        t(venues.STATE_LABELS[booking.state]),
    ]
    if who:
        parts.insert(0, who)
    if booking.group_name:
        parts.append(t(N_("for {group}"), group=booking.group_name))
    parts.append(t(N_("People: {n}"), n=booking.people))
    if booking.note:
        parts.append(t(N_("Note: {note}"), note=booking.note))
    return " · ".join(p for p in parts if p)
