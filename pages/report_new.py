import streamlit as st

from db.models import User
from portal import addresses, maps, reports
from portal.errors import FieldErrors, UserError
from portal.grids import DUTY_LABELS, KIND_LABELS, chain_for, locate
from portal.i18n import DEFAULT_LANGUAGE, N_, translate
from portal.text import md_text
from portal.ui.area_widgets import area_base_map, viewer_area
from portal.ui.behalf_widgets import CONSENT_KEY, acting_now, report_submitter
from portal.ui.data import addresses as address_list
from portal.ui.data import db, grid_index, settings
from portal.ui.geolocation import ERRORS as LOCATION_ERRORS
from portal.ui.geolocation import location_button
from portal.ui.guard import require
from portal.ui.report_widgets import media_store, user_text
from portal.ui.speech_widgets import announce
from portal.ui.voice_note_widgets import read_voice, voice_input
from portal.ui.widgets import (
    checked_photo,
    field_slots,
    folium_map,
    grid_label,
    say,
    show_field_errors,
)
from portal.voice_clips import RESULT_REPORT_SENT

viewer = require("report_new")
t = viewer.t
index = grid_index()
# A sent form starts afresh. A widget's key taken out of the session state can come back with
# the value its box still shows in the browser, so the boxes get their empty values set, and the
# upload boxes (which take no value from the server) are drawn anew under the next form number.
FRESH = {
    "rp_use_camera": False,
    "rp_category": None,
    "rp_text": "",
    "rp_public_text": False,
    "rp_address_query": "",
}
DROPPED = ("rp_where", "rp_gps", "rp_gps_error", "rp_address", "rp_point")

if "report_sent" in st.session_state:  # a finished report: clear the form before drawing it
    sent = st.session_state.pop("report_sent")
    for key in DROPPED:
        st.session_state.pop(key, None)
    st.session_state.update(FRESH)
    st.session_state["rp_where_reset"] = True  # the first place (my courtyard) once more
    st.session_state["rp_form"] = st.session_state.get("rp_form", 0) + 1
    done = N_("Thank you. Report #{id} was sent to {name}.")
    announce(
        viewer,
        t(done, id=sent["id"], name=md_text(sent["to"])),
        phrases=(RESULT_REPORT_SENT,),
        chinese=translate(DEFAULT_LANGUAGE, done, id=sent["id"], name=sent["to"]),
        spoken=t(done, id=sent["id"], name=sent["to"]),
    )

form = st.session_state.setdefault("rp_form", 0)
PHOTO_KEY, CAMERA_KEY, VOICE_KEY = f"rp_photo_{form}", f"rp_camera_{form}", f"rp_voice_{form}"
st.title(t(N_("Snap a report")))
st.markdown(t(N_("Tell us about a problem in the community. A photo or a voice note is enough.")))

# 1. what
with db() as session:
    cats = {c.id: reports.category_name(c, viewer.language) for c in reports.categories(session)}
st.selectbox(
    t(N_("What kind of problem?")),
    list(cats),
    key="rp_category",
    index=None,
    format_func=cats.__getitem__,
    placeholder=t(N_("Choose…")),
)
slots = field_slots(("category",))
st.file_uploader(t(N_("Photo")), type=["jpg", "jpeg", "png", "webp"], key=PHOTO_KEY)
if st.toggle(t(N_("Take a photo with the camera")), key="rp_use_camera"):
    st.camera_input(t(N_("Camera")), key=CAMERA_KEY)
slots |= field_slots(("photo",))
voice_input(viewer, VOICE_KEY)
slots |= field_slots(("voice",))
st.text_area(
    t(N_("A few words (optional with a photo or voice note)")),
    key="rp_text",
    max_chars=reports.MAX_DESCRIPTION,
    height=110,
)
slots |= field_slots(("description",))
st.checkbox(  # default off: residents write names and room numbers in their words
    t(N_('Show my words publicly on "Problems in our community" (without my name)')),
    key="rp_public_text",
    disabled=acting_now(viewer) is not None,  # 代办: the resident did not choose
)

photo, photo_error = None, None
upload = st.session_state.get(CAMERA_KEY) or st.session_state.get(PHOTO_KEY)
if upload is not None:
    try:
        photo = checked_photo(upload)  # decoded once per upload, not on every rerun
    except UserError as exc:
        photo_error = exc
        slots["photo"].error(say(viewer, exc.message), icon=":material/error:")

if photo is not None and photo.gps is None:  # said, not silently ignored
    slots["photo"].info(
        t(
            N_(
                "This photo has no location information. Please choose the place on the map or "
                "use my location."
            )
        ),
        icon=":material/location_off:",
    )


def _choose_address(address: addresses.Address) -> None:
    st.session_state["rp_address"] = address
    st.session_state["rp_where"] = "address"


# 2. where: my location, an address from the community's list, my courtyard, the photo, the map
st.subheader(t(N_("Where is it?")))
fix = location_button(viewer, "rp_locate")
if fix is not None:
    if fix.error is not None:
        st.session_state["rp_gps_error"] = fix.error
    else:
        st.session_state.pop("rp_gps_error", None)
        st.session_state["rp_gps"] = fix
        st.session_state["rp_where"] = "gps"
if (gps_error := st.session_state.get("rp_gps_error")) is not None:
    st.warning(t(LOCATION_ERRORS[gps_error]), icon=":material/location_disabled:")
query = st.text_input(
    t(N_("Search for an address")),
    key="rp_address_query",
    max_chars=addresses.MAX_QUERY,
    placeholder=t(N_("A courtyard, building, shop or school, in characters or pinyin")),
)
if query.strip():
    found = addresses.search(address_list(), query, limit=6)
    if not found:
        st.caption(t(N_("No address in our community matches this.")))
    for n, address in enumerate(found):
        st.button(
            f"{address.name} · {address.within}" if address.within else address.name,
            key=f"rp_address_pick_{n}",
            icon=":material/pin_drop:",
            on_click=_choose_address,
            args=(address,),
            width="stretch",
        )
with db() as session:
    me = session.get(
        User, getattr(acting_now(viewer), "resident_id", viewer.user_id)
    )  # 代办: their home
home = index.grids.get(me.home_grid_id) if me and me.home_grid_id else None
gps = st.session_state.get("rp_gps")
chosen_address = st.session_state.get("rp_address")
options = {}
if home is not None:  # a resident's own courtyard comes first: the default
    options["home"] = t(N_("In my courtyard: {place}"), place=md_text(grid_label(index, home)))
if gps is not None:
    options["gps"] = (
        t(N_("Where I am now (accurate to about {m} m)"), m=round(gps.accuracy))
        if gps.accuracy is not None
        else t(N_("Where I am now"))
    )
if chosen_address is not None:
    options["address"] = t(N_("At the address: {place}"), place=md_text(chosen_address.name))
if photo is not None and photo.gps is not None:
    options["photo"] = t(N_("Where the photo was taken"))
options["map"] = t(N_("I will click the place on the map"))
if st.session_state.pop("rp_where_reset", False) or st.session_state.get("rp_where") not in options:
    st.session_state["rp_where"] = next(iter(options))
where = st.radio(t(N_("Place")), list(options), key="rp_where", format_func=options.__getitem__)
point = st.session_state.get("rp_point")
if where == "home" and home is not None:
    centre = index.shapes[home.id].representative_point()
    point = (centre.y, centre.x)
elif where == "gps" and gps is not None:
    point = (gps.lat, gps.lon)
elif where == "address" and chosen_address is not None:
    point = (chosen_address.lat, chosen_address.lon)
elif where == "photo" and photo is not None and photo.gps is not None:
    point = photo.gps

area = viewer_area(viewer)  # the map draws the reporter's community; a click may fall outside it
fmap = area_base_map(index, area.grids)
maps.add_grids(
    fmap,
    index,
    settings(),
    {k: t(v) for k, v in KIND_LABELS.items()},
    (t(N_("Name")), t(N_("Kind"))),
    kinds=("community", "general", "micro", "exclusive"),
    only=area.grids,
)
if point is not None:
    maps.add_marker(fmap, point[0], point[1], settings(), t(N_("The place of the problem")))
clicked = maps.clicked_point(
    folium_map(fmap, key="report_place_map", height=360, clicks=True), settings()
)
if where == "map" and clicked is not None and clicked != st.session_state.get("rp_point"):
    st.session_state["rp_point"] = clicked
    st.rerun()
slots |= field_slots(("place",))

placement = None
if point is not None:
    with db() as session:
        placement = locate(session, index, *point)
    if placement.inside:
        lead = placement.lead()
        text = t(N_("This place is in {place}."), place=md_text(grid_label(index, placement.grid)))
        if lead is not None:
            text += " " + t(
                N_("It will be sent to {name} ({duty})."),
                name=md_text(lead.name),
                duty=t(DUTY_LABELS.get(lead.duty, lead.duty)),
            )
        st.info(text, icon=":material/location_on:")
    else:
        slots["place"].error(t(placement.message), icon=":material/error:")

# 3. the same problem already reported nearby?
category_id = st.session_state.get("rp_category")
if point is not None and category_id and placement is not None and placement.inside:
    with db() as session:
        nearby = reports.nearby_open(session, category_id=category_id, lat=point[0], lon=point[1])
    acting_for = st.session_state.get(CONSENT_KEY)
    if nearby:
        st.warning(t(N_("Someone has already reported this nearby. Add yourself to it instead?")))
        for item in nearby[:3]:
            with st.container(border=True):
                st.markdown(
                    t(
                        N_("Report #{id}, {m} m away, {n} neighbours also reported it."),
                        id=item.report.id,
                        m=int(item.metres),
                        n=item.supporters,
                    )
                )
                if item.report.description:
                    user_text(item.report.description, item.report.language)
                if (
                    acting_for is not None
                ):  # 代办: "Me too" would add the grid worker, not the resident
                    continue
                if st.button(
                    t(N_("Me too")), key=f"metoo_{item.report.id}", icon=":material/group_add:"
                ):
                    try:
                        with db() as session:
                            reports.me_too(
                                session,
                                media_store(),
                                report_id=item.report.id,
                                user_id=viewer.user_id,
                                photo=photo,
                            )
                    except UserError as exc:
                        st.error(say(viewer, exc.message))
                    else:
                        st.success(t(N_("Added. You will see its progress under My reports.")))

if st.button(
    t(N_("Send the report")), type="primary", width="stretch", key="rp_send", icon=":material/send:"
):
    voice, errors = None, {}
    try:
        voice = read_voice(VOICE_KEY)
    except UserError as exc:
        errors["voice"] = exc.message
    if photo_error is not None:
        errors["photo"] = photo_error.message
    try:
        if errors:
            raise FieldErrors(errors)
        with db() as session:
            report = report_submitter(viewer)(  # 代办: filed for the resident while acting
                session,
                index,
                media_store(),
                reporter_id=viewer.user_id,
                category_id=category_id,
                description=st.session_state.get("rp_text", ""),
                public_description=bool(st.session_state.get("rp_public_text")),
                lat=point[0] if point else None,
                lon=point[1] if point else None,
                place_source=where,
                photo=photo,
                audio=voice,
                language=viewer.language,
            )
            placement = chain_for(session, index, index.grids[report.grid_id])
    except FieldErrors as exc:
        show_field_errors(viewer, slots, exc.errors)
    else:
        lead = placement.lead()
        st.session_state["report_sent"] = {
            "id": report.id,
            "to": lead.name if lead else t(N_("the community office")),
        }
        st.rerun()
