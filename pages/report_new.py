import streamlit as st

from db.models import User
from portal import maps, reports
from portal.errors import FieldErrors, UserError
from portal.grids import DUTY_LABELS, KIND_LABELS, chain_for, locate
from portal.i18n import DEFAULT_LANGUAGE, N_, translate
from portal.text import md_text
from portal.ui.behalf_widgets import CONSENT_KEY, acting_now, report_submitter
from portal.ui.data import db, grid_index, settings
from portal.ui.guard import require
from portal.ui.report_widgets import media_store, user_text
from portal.ui.speech_widgets import announce
from portal.ui.voice_note_widgets import read_voice, voice_input, voice_keys
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
FIELDS = (
    "rp_photo",
    "rp_camera",
    "rp_use_camera",
    *voice_keys("rp_voice"),
    "rp_category",
    "rp_text",
    "rp_where",
    "rp_public_text",
)

if "report_sent" in st.session_state:  # a finished report: clear the form before drawing it
    sent = st.session_state.pop("report_sent")
    for key in (*FIELDS, "rp_point"):
        st.session_state.pop(key, None)
    done = N_("Thank you. Report #{id} was sent to {name}.")
    announce(
        viewer,
        t(done, id=sent["id"], name=md_text(sent["to"])),
        phrases=(RESULT_REPORT_SENT,),
        chinese=translate(DEFAULT_LANGUAGE, done, id=sent["id"], name=sent["to"]),
        spoken=t(done, id=sent["id"], name=sent["to"]),
    )

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
st.file_uploader(t(N_("Photo")), type=["jpg", "jpeg", "png", "webp"], key="rp_photo")
if st.toggle(t(N_("Take a photo with the camera")), key="rp_use_camera"):
    st.camera_input(t(N_("Camera")), key="rp_camera")
slots |= field_slots(("photo",))
voice_input(viewer, "rp_voice")
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
upload = st.session_state.get("rp_camera") or st.session_state.get("rp_photo")
if upload is not None:
    try:
        photo = checked_photo(upload)  # decoded once per upload, not on every rerun
    except UserError as exc:
        photo_error = exc
        slots["photo"].error(say(viewer, exc.message), icon=":material/error:")

# 2. where
st.subheader(t(N_("Where is it?")))
with db() as session:
    me = session.get(
        User, getattr(acting_now(viewer), "resident_id", viewer.user_id)
    )  # 代办: their home
home = index.grids.get(me.home_grid_id) if me and me.home_grid_id else None
options = {"map": t(N_("I will click the place on the map"))}
if home is not None:
    options["home"] = t(N_("In my courtyard: {place}"), place=md_text(grid_label(index, home)))
if photo is not None and photo.gps is not None:
    options["photo"] = t(N_("Where the photo was taken"))
where = st.radio(t(N_("Place")), list(options), key="rp_where", format_func=options.__getitem__)
point = st.session_state.get("rp_point")
if where == "home" and home is not None:
    centre = index.shapes[home.id].representative_point()
    point = (centre.y, centre.x)
elif where == "photo" and photo is not None and photo.gps is not None:
    point = photo.gps

fmap = maps.base_map(settings(), index.bounds())
maps.add_grids(
    fmap,
    index,
    settings(),
    {k: t(v) for k, v in KIND_LABELS.items()},
    (t(N_("Name")), t(N_("Kind"))),
    kinds=("community", "general", "micro", "exclusive"),
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
        voice = read_voice("rp_voice")
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
