from datetime import timedelta

import streamlit as st

from db.models import User
from db.types import utcnow
from portal import localtime, maps, venues
from portal.i18n import N_
from portal.permissions import can, role_can
from portal.text import record_id
from portal.ui.actions import in_session, run_action
from portal.ui.data import db, settings
from portal.ui.guard import require
from portal.ui.speech_widgets import readable, readable_list, show_flash_at
from portal.ui.venue_widgets import (
    FLASH,
    STATUS_WORDS,
    add_venue_pins,
    booking_line,
    day_text,
    monday_of,
    span_text,
    styles,
    venue_facts,
    venue_photos,
    week_grid,
)
from portal.ui.widgets import field_slots, folium_map

viewer = require("venues")
t = viewer.t
uid = viewer.require_id()
state = st.session_state
styles(viewer)

st.title(t(N_("Shared venues")))
st.markdown(
    t(
        N_(
            "Sports grounds, car parks and meeting rooms that schools, offices and the community "
            "lend out when they stand idle. Choose one, look at its week and book a time."
        )
    )
)
show_flash_at(FLASH, viewer)

with db() as session:
    found = venues.visible_venues(session, uid)
if not found:
    st.info(t(N_("No venue is open for booking in your community yet.")))
    st.stop()

by_id = {v.id: v for v in found}
if "venue_pick" not in state and "id" in st.query_params:
    wanted = record_id(st.query_params["id"])
    if wanted in by_id:
        state["venue_pick"] = wanted
if state.get("venue_pick") not in by_id:
    state["venue_pick"] = found[0].id
st.selectbox(
    t(N_("Venue")),
    list(by_id),
    key="venue_pick",
    format_func=lambda vid: by_id[vid].name,
)
venue = by_id[state["venue_pick"]]
st.query_params["id"] = str(venue.id)
readable(venue.name)

south, west = min(v.lat for v in found) - 0.003, min(v.lon for v in found) - 0.003
north, east = max(v.lat for v in found) + 0.003, max(v.lon for v in found) + 0.003
fmap = maps.base_map(settings(), (south, west, north, east))
add_venue_pins(fmap, found, settings(), venue.id)
st.markdown("#### " + t(N_("Venues on the map")))
folium_map(fmap, key="venues_map", height=300)

with db() as session:
    windows = venues.windows_of(session, venue.id or 0)
    with st.container(border=True):
        venue_facts(viewer, venue, windows)
        venue_photos(viewer, session, venue.id or 0)

# --- the week ---------------------------------------------------------------------------------
today = localtime.today()
offset = int(state.get("venue_week", 0))
monday = monday_of(today) + timedelta(days=7 * offset)
st.markdown("#### " + t(N_("Week of {day}"), day=day_text(viewer, monday)))
left, right = st.columns(2)
if left.button(
    t(N_("Previous week")),
    key="venue_prev",
    disabled=offset <= 0,
    width="stretch",
    icon=":material/chevron_left:",
):
    state["venue_week"] = max(0, offset - 1)
    st.rerun()
if right.button(
    t(N_("Next week")),
    key="venue_next",
    disabled=offset >= 4,
    width="stretch",
    icon=":material/chevron_right:",
):
    state["venue_week"] = offset + 1
    st.rerun()
with db() as session:
    days = venues.week(session, venue, uid, monday)
week_grid(viewer, days)
free_count = sum(1 for _d, views in days for v in views if v.status == "free")
readable(t(N_("Free slots this week: {n}"), n=free_count))

# --- booking ----------------------------------------------------------------------------------
st.markdown("#### " + t(N_("Book a time")))
with db() as session:
    may_book = can(session.get(User, uid), "venue.book")
if not may_book:
    st.info(t(may_book.reason))
    if not role_can(viewer.role, "venue.book"):
        st.markdown(t(N_("Residents and merchants of the community book venues here.")))
else:
    # The days and starts on offer keep what the person chose even when someone else has just
    # taken it meanwhile: booking it then says so (TAKEN) instead of quietly booking another time.
    with db() as session:
        weeks: dict = {}
        bookable: dict = {}
        for n in range(venue.book_ahead_days + 1):
            day = today + timedelta(days=n)
            if monday_of(day) not in weeks:
                weeks[monday_of(day)] = venues.week(session, venue, uid, monday_of(day))
            views = [v for v in weeks[monday_of(day)][day.weekday()][1] if v.status != "past"]
            if any(v.status == "free" for v in views) or state.get("venue_day") == day:
                bookable[day] = views
    if not bookable:
        st.info(t(N_("No free time in the coming days.")))
    else:
        day_keys = list(bookable)
        if state.get("venue_day") not in day_keys:
            state["venue_day"] = day_keys[0]
        st.selectbox(
            t(N_("Day")),
            day_keys,
            key="venue_day",
            format_func=lambda d: day_text(viewer, d),
        )
        offered = {v.slot.starts: v for v in bookable[state["venue_day"]]}
        starts_list = list(offered)
        if state.get("venue_start") not in starts_list:
            free_starts = [s for s, v in offered.items() if v.status == "free"]
            state["venue_start"] = (free_starts or starts_list)[0]
        st.selectbox(
            t(N_("Starting at")),
            starts_list,
            key="venue_start",
            format_func=lambda s: (
                f"{localtime.local_time(s):%H:%M}"
                + (
                    ""
                    if offered[s].status == "free"
                    else f" · {t(STATUS_WORDS[offered[s].status])}"
                )
            ),
        )
        slots_field = field_slots(("slots",))
        st.number_input(
            t(N_("Number of slots in a row")),
            min_value=1,
            max_value=venue.max_slots,
            value=1,
            step=1,
            key="venue_slots",
        )
        slots_field |= field_slots(("people",))
        st.number_input(
            t(N_("How many people")),
            min_value=1,
            max_value=venue.capacity,
            value=1,
            step=1,
            key="venue_people",
        )
        st.text_input(
            t(N_("What for")),
            key="venue_purpose",
            max_chars=200,
            placeholder=t(N_("e.g. square dancing, basketball, a residents' meeting")),
        )
        slots_field |= field_slots(("purpose",))
        st.text_input(t(N_("For a group (optional)")), key="venue_group", max_chars=80)
        slots_field |= field_slots(("group_name",))
        if st.button(
            t(N_("Book")),
            key="venue_book",
            type="primary",
            width="stretch",
            icon=":material/event_available:",
        ):
            done = run_action(
                viewer,
                in_session(
                    lambda s: venues.book(
                        s,
                        user_id=uid,
                        venue_id=venue.id or 0,
                        starts=state["venue_start"],
                        slots=int(state["venue_slots"]),
                        purpose=state.get("venue_purpose", ""),
                        group_name=state.get("venue_group", ""),
                        people=int(state["venue_people"]),
                    )
                ),
                done=lambda b: t(
                    N_("Booked: {when}. Waiting for the owner's approval.")
                    if b.state == "pending"
                    else N_("Booked: {when}. See you there."),
                    when=span_text(viewer, b.starts_at, b.ends_at),
                ),
                slots=slots_field,
                flash_key=FLASH,
            )
            if done:
                state.pop("venue_purpose", None)
                st.rerun()

# --- my bookings ------------------------------------------------------------------------------
st.markdown("#### " + t(N_("My bookings")))
with db() as session:
    mine = venues.my_bookings(session, uid)
if not mine:
    st.markdown(t(N_("You have no bookings yet.")))
now = utcnow()
lines = []


def _cancel(booking_id: int) -> None:
    run_action(
        viewer,
        in_session(lambda s: venues.cancel(s, actor_id=uid, booking_id=booking_id)),
        done=t(N_("The booking is cancelled.")),
        flash_key=FLASH,
    )


for line in mine:
    booking = line.booking
    text = booking_line(viewer, booking, line.venue.name)
    lines.append(text)
    with st.container(border=True):
        st.markdown(text)
        if booking.state in ("pending", "confirmed") and booking.starts_at > now:
            st.button(
                t(N_("Cancel this booking")),
                key=f"venue_cancel_{booking.id}",
                width="stretch",
                icon=":material/event_busy:",
                on_click=_cancel,
                args=(booking.id,),
            )
readable_list(viewer, lines)
