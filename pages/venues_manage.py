from datetime import time

import streamlit as st

from db.models import User
from db.models_venues import Venue
from portal import maps, venues
from portal.areas import area_of, communities_in
from portal.i18n import N_
from portal.permissions import role_can
from portal.ui.actions import in_session, run_action
from portal.ui.data import db, grid_index, settings
from portal.ui.guard import require
from portal.ui.speech_widgets import readable_list, show_flash_at
from portal.ui.venue_widgets import (
    FLASH,
    add_venue_pins,
    booking_line,
    hours_lines,
    styles,
    venue_photos,
)
from portal.ui.widgets import field_slots, folium_map

viewer = require("venues_manage")
t = viewer.t
uid = viewer.require_id()
state = st.session_state
index = grid_index()
styles(viewer)

st.title(t(N_("Venues and bookings")))
show_flash_at(FLASH, viewer)


def _act(work, done: str) -> None:
    run_action(viewer, in_session(work), done=done, flash_key=FLASH)


def _pair(bid: int, first: tuple, second: tuple) -> None:
    """Two buttons side by side, the first the main one: each (label, key, work, done)."""
    for column, (label, key, work, done), kind in zip(
        st.columns(2), (first, second), ("primary", "secondary"), strict=True
    ):
        column.button(
            t(label),
            key=f"{key}_{bid}",
            type=kind,
            width="stretch",
            on_click=_act,
            args=(work, t(done)),
        )


# --- bookings to decide and to record ---------------------------------------------------------
st.markdown("### " + t(N_("To decide and to record")))
with db() as session:
    to_handle = venues.bookings_to_handle(session, uid)
if not to_handle:
    st.markdown(t(N_("Nothing to decide or record now.")))
lines = []
for line in to_handle:
    booking = line.booking
    text = booking_line(viewer, booking, line.venue.name, line.booker)
    lines.append(text)
    with st.container(border=True):
        st.markdown(text)
        st.markdown(t(N_("For: {purpose}"), purpose=booking.purpose))
        if line.no_shows:
            st.warning(
                t(N_("Did not come {n} times in the last 180 days."), n=line.no_shows),
                icon=":material/warning:",
            )
        bid = booking.id or 0
        if booking.state == "pending":
            st.text_input(t(N_("Reason, if not approved")), key=f"vm_note_{bid}", max_chars=300)
            _pair(
                bid,
                (
                    N_("Approve"),
                    "vm_ok",
                    lambda s, b=bid: venues.decide(s, actor_id=uid, booking_id=b, approve=True),
                    N_("Approved."),
                ),
                (
                    N_("Do not approve"),
                    "vm_no",
                    lambda s, b=bid: venues.decide(
                        s,
                        actor_id=uid,
                        booking_id=b,
                        approve=False,
                        note=state.get(f"vm_note_{b}", ""),
                    ),
                    N_("Not approved; the time is free again."),
                ),
            )
        else:
            _pair(
                bid,
                (
                    N_("They came"),
                    "vm_came",
                    lambda s, b=bid: venues.record_use(s, actor_id=uid, booking_id=b, came=True),
                    N_("Recorded as used."),
                ),
                (
                    N_("They did not come"),
                    "vm_absent",
                    lambda s, b=bid: venues.record_use(s, actor_id=uid, booking_id=b, came=False),
                    N_("Recorded as a no-show."),
                ),
            )
readable_list(viewer, lines)

with db() as session:
    absent = venues.repeated_no_shows(session, uid)
if absent:
    st.markdown("### " + t(N_("Repeated no-shows")))
    for name, username, n in absent:
        st.markdown(
            "- " + t(N_("{name} ({username}): {n} times"), name=name, username=username, n=n)
        )

if not role_can(viewer.role, "venue.manage"):
    st.stop()

# --- the office: venues -----------------------------------------------------------------------
st.markdown("### " + t(N_("Venues")))
with db() as session:
    managed = venues.visible_venues(session, uid, managed=True)
    area = area_of(session, session.get(User, uid))
by_id: dict[int, Venue] = {v.id or 0: v for v in managed}
choices = [0, *by_id]
if state.get("vm_pick") not in choices:
    state["vm_pick"] = choices[1] if len(choices) > 1 else 0
st.selectbox(
    t(N_("Venue to change")),
    choices,
    key="vm_pick",
    format_func=lambda vid: by_id[vid].name if vid else t(N_("A new venue")),
)
venue = by_id.get(state["vm_pick"])
key = f"vm_{venue.id if venue else 0}"

offices = [g for g in index.grids.values() if g.kind in ("community", "street", "district")]
offices = [g for g in offices if area.covers(g.id)] or communities_in(index, area)
office_ids = [g.id for g in offices if g.id is not None]
default_grid = venue.grid_id if venue else viewer.home_grid_id
if f"{key}_lat" not in state:
    if venue:
        state[f"{key}_lat"], state[f"{key}_lon"] = venue.lat, venue.lon
    else:
        grid = index.grids.get(default_grid or (office_ids[0] if office_ids else -1))
        shape = index.shapes.get(grid.id) if grid is not None and grid.id is not None else None
        centre = shape.centroid if shape is not None else None
        state[f"{key}_lat"] = round(centre.y, 6) if centre else 30.6
        state[f"{key}_lon"] = round(centre.x, 6) if centre else 104.0

st.markdown(t(N_("Click on the map to put the venue there.")))
lat, lon = float(state[f"{key}_lat"]), float(state[f"{key}_lon"])
fmap = maps.base_map(settings(), (lat - 0.004, lon - 0.004, lat + 0.004, lon + 0.004))
shown = Venue(name=venue.name if venue else "·", lat=lat, lon=lon, capacity=1, grid_id=0, id=-1)
add_venue_pins(fmap, [shown], settings(), -1)
clicked = maps.clicked_point(
    folium_map(fmap, key=f"{key}_map", height=300, clicks=True), settings()
)
if clicked is not None and (round(clicked[0], 6), round(clicked[1], 6)) != (lat, lon):
    state[f"{key}_lat"], state[f"{key}_lon"] = round(clicked[0], 6), round(clicked[1], 6)
    st.rerun()

points_kinds = {"none": N_("No points"), "cost": N_("Costs points"), "earn": N_("Earns points")}
if f"{key}_pkind" not in state:
    ppb = venue.points_per_booking if venue else 0
    state[f"{key}_pkind"] = "cost" if ppb > 0 else "earn" if ppb < 0 else "none"
    state[f"{key}_pts"] = abs(ppb) or 5
with st.form(f"{key}_form"):
    slots = field_slots(("grid",))
    if len(office_ids) > 1:
        st.selectbox(
            t(N_("Community")),
            office_ids,
            key=f"{key}_grid",
            index=office_ids.index(default_grid) if default_grid in office_ids else 0,
            format_func=lambda gid: index.grids[gid].name,
        )
    st.text_input(t(N_("Name")), key=f"{key}_name", value=venue.name if venue else "", max_chars=80)
    slots |= field_slots(("name",))
    st.text_area(
        t(N_("What it is, what it suits, what to mind")),
        key=f"{key}_desc",
        value=venue.description if venue else "",
        max_chars=1000,
    )
    slots |= field_slots(("description",))
    st.text_input(
        t(N_("Address or entrance")),
        key=f"{key}_addr",
        value=venue.address if venue else "",
        max_chars=200,
    )
    slots |= field_slots(("address",))
    left, right = st.columns(2)
    left.number_input(t(N_("Latitude")), key=f"{key}_lat", format="%.6f", step=0.0001)
    right.number_input(t(N_("Longitude")), key=f"{key}_lon", format="%.6f", step=0.0001)
    slots |= field_slots(("place",))
    st.number_input(
        t(N_("Capacity (people)")),
        key=f"{key}_cap",
        min_value=1,
        max_value=10000,
        value=venue.capacity if venue else 20,
    )
    slots |= field_slots(("capacity",))
    st.text_input(
        t(N_("Owner unit (empty: the community office)")),
        key=f"{key}_unit",
        value=venue.owner_unit if venue else "",
        max_chars=80,
    )
    slots |= field_slots(("owner_unit",))
    with db() as session:
        approver = ""
        if venue and venue.approver_id:
            person = session.get(User, venue.approver_id)
            approver = person.username if person else ""
    st.text_input(
        t(N_("User name of the unit's approver (empty: the community office approves)")),
        key=f"{key}_approver",
        value=approver,
    )
    slots |= field_slots(("approver",))
    st.checkbox(
        t(N_("Each booking needs the owner's approval")),
        key=f"{key}_approval",
        value=venue.needs_approval if venue else False,
    )
    st.radio(
        t(N_("Points per booking")),
        list(points_kinds),
        key=f"{key}_pkind",
        format_func=lambda k: t(points_kinds[k]),
        horizontal=True,
    )
    st.number_input(t(N_("Points")), key=f"{key}_pts", min_value=1, max_value=1000)
    slots |= field_slots(("points_per_booking",))
    left, right = st.columns(2)
    left.number_input(
        t(N_("Most slots in a row")),
        key=f"{key}_max",
        min_value=1,
        max_value=96,
        value=venue.max_slots if venue else 4,
    )
    right.number_input(
        t(N_("Days ahead one can book")),
        key=f"{key}_ahead",
        min_value=1,
        max_value=180,
        value=venue.book_ahead_days if venue else 14,
    )
    slots |= field_slots(("max_slots", "book_ahead_days"))
    st.checkbox(
        t(N_("Taking bookings")), key=f"{key}_active", value=venue.active if venue else True
    )
    if st.form_submit_button(t(N_("Save the venue")), type="primary", width="stretch"):
        sign = {"none": 0, "cost": 1, "earn": -1}[state[f"{key}_pkind"]]
        saved = run_action(
            viewer,
            in_session(
                lambda s: venues.save_venue(
                    s,
                    actor_id=uid,
                    venue_id=venue.id if venue else None,
                    grid_id=state.get(f"{key}_grid") or default_grid,
                    name=state[f"{key}_name"],
                    description=state[f"{key}_desc"],
                    address=state[f"{key}_addr"],
                    lat=state[f"{key}_lat"],
                    lon=state[f"{key}_lon"],
                    capacity=state[f"{key}_cap"],
                    owner_unit=state[f"{key}_unit"],
                    approver=state[f"{key}_approver"],
                    needs_approval=state[f"{key}_approval"],
                    points_per_booking=sign * int(state[f"{key}_pts"]),
                    max_slots=state[f"{key}_max"],
                    book_ahead_days=state[f"{key}_ahead"],
                    active=state[f"{key}_active"],
                )
            ),
            done=t(N_("The venue is saved.")),
            slots=slots,
            flash_key=FLASH,
        )
        if saved and saved.value is not None:
            state["vm_pick"] = saved.value.id
            st.rerun()

if venue is None:
    st.stop()
vid = venue.id or 0

# --- opening hours ----------------------------------------------------------------------------
st.markdown("### " + t(N_("Opening hours")))
with db() as session:
    windows = venues.windows_of(session, vid)
for w in windows:
    text = hours_lines(viewer, [w])[0]
    left, right = st.columns([3, 1])
    left.markdown(text)
    right.button(
        t(N_("Remove")),
        key=f"vm_rmw_{w.id}",
        width="stretch",
        on_click=_act,
        args=(
            lambda s, i=w.id: venues.remove_window(s, actor_id=uid, window_id=i),
            t(N_("The opening window is removed.")),
        ),
    )
with st.form(f"vm_window_{vid}"):
    st.multiselect(
        t(N_("Days of the week")),
        list(range(7)),
        key=f"vm_days_{vid}",
        format_func=lambda d: t(venues.WEEKDAYS[d]),
    )
    wslots = field_slots(("weekdays",))
    left, right = st.columns(2)
    left.time_input(t(N_("Opens at")), key=f"vm_open_{vid}", value=time(18, 0), step=900)
    right.time_input(t(N_("Closes at")), key=f"vm_close_{vid}", value=time(22, 0), step=900)
    wslots |= field_slots(("start", "end"))
    st.selectbox(
        t(N_("One slot lasts")),
        list(venues.SLOT_CHOICES),
        index=1,
        key=f"vm_len_{vid}",
        format_func=lambda m: t(N_("{n} minutes"), n=m),
    )
    wslots |= field_slots(("slot_minutes",))
    if st.form_submit_button(t(N_("Add opening hours")), width="stretch"):
        added = run_action(
            viewer,
            in_session(
                lambda s: venues.add_window(
                    s,
                    actor_id=uid,
                    venue_id=vid,
                    weekdays=state[f"vm_days_{vid}"],
                    start=state[f"vm_open_{vid}"],
                    end=state[f"vm_close_{vid}"],
                    slot_minutes=state[f"vm_len_{vid}"],
                )
            ),
            done=t(N_("The opening hours are added.")),
            slots=wslots,
            flash_key=FLASH,
        )
        if added:
            st.rerun()

# --- photos -----------------------------------------------------------------------------------
st.markdown("### " + t(N_("Photos")))
with db() as session:
    venue_photos(viewer, session, vid)
    photos = venues.photos_of(session, vid)
for n, photo in enumerate(photos, start=1):
    st.button(
        t(N_("Remove photo {n}"), n=n),
        key=f"vm_rmp_{photo.id}",
        on_click=_act,
        args=(
            lambda s, i=photo.id: venues.remove_photo(s, actor_id=uid, photo_id=i),
            t(N_("The photo is removed.")),
        ),
    )
upload = st.file_uploader(
    t(N_("Add a photo")), type=["jpg", "jpeg", "png", "webp"], key=f"vm_photo_{vid}"
)
pslot = field_slots(("photo",))
if upload is not None and st.button(t(N_("Save the photo")), key=f"vm_photo_save_{vid}"):
    if run_action(
        viewer,
        in_session(
            lambda s: venues.add_photo(s, actor_id=uid, venue_id=vid, photo=upload.getvalue())
        ),
        done=t(N_("The photo is added.")),
        slots=pslot,
        flash_key=FLASH,
    ):
        st.rerun()

# --- bookings to come -------------------------------------------------------------------------
st.markdown("### " + t(N_("Bookings to come")))
with db() as session:
    coming = venues.upcoming_at(session, uid, vid)
if not coming:
    st.markdown(t(N_("No bookings to come.")))
for line in coming:
    bid = line.booking.id or 0
    with st.container(border=True):
        st.markdown(booking_line(viewer, line.booking, line.venue.name, line.booker))
        st.markdown(t(N_("For: {purpose}"), purpose=line.booking.purpose))
        st.text_input(t(N_("Reason for cancelling")), key=f"vm_cnote_{bid}", max_chars=300)
        st.button(
            t(N_("Cancel this booking")),
            key=f"vm_cancel_{bid}",
            width="stretch",
            on_click=_act,
            args=(
                lambda s, b=bid: venues.cancel(
                    s, actor_id=uid, booking_id=b, note=state.get(f"vm_cnote_{b}", "")
                ),
                t(N_("The booking is cancelled.")),
            ),
        )
