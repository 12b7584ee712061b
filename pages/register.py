import streamlit as st

from portal import auth
from portal.areas import office_above
from portal.errors import FieldErrors
from portal.grids import home_choices
from portal.i18n import N_
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.session import log_in
from portal.ui.shell import link_to
from portal.ui.widgets import field_slots, grid_label, show_field_errors

viewer = require("register")
t = viewer.t
index = grid_index()
st.title(t(N_("Register")))
st.markdown(t(N_("Register as a resident or merchant of a courtyard in the community.")))
communities = {g.id: g.name for g in index.of_kind("community")}
places = home_choices(index)
if len(communities) > 1:  # a street's or district's deployment: the community first
    community = st.selectbox(
        t(N_("Your community")),
        list(communities),
        key="reg_community",
        index=None,
        format_func=communities.__getitem__,
        placeholder=t(N_("Choose…")),
    )
    places = [g for g in places if office_above(index, g.id, "community") == community]
homes = {g.id: grid_label(index, g) for g in places}
with st.form("register_form"):
    st.text_input(t(N_("Your name")), key="reg_name", max_chars=40)
    slots = field_slots(("display_name",))
    st.text_input(
        t(N_("Username")),
        key="reg_username",
        max_chars=32,
        autocomplete="username",
        help=t(N_("3–32 characters: letters, digits, dot, dash or underscore.")),
    )
    slots |= field_slots(("username",))
    st.text_input(
        t(N_("Password")),
        key="reg_password",
        type="password",
        max_chars=128,
        autocomplete="new-password",
    )
    slots |= field_slots(("password",))
    st.text_input(
        t(N_("Repeat the password")),
        key="reg_repeat",
        type="password",
        max_chars=128,
        autocomplete="new-password",
    )
    slots |= field_slots(("repeat_password",))
    st.selectbox(
        t(N_("Your courtyard or building")),
        list(homes),
        key="reg_home",
        index=None,
        format_func=homes.__getitem__,
        placeholder=t(N_("Choose…")),
    )
    slots |= field_slots(("home_grid",))
    st.radio(
        t(N_("I am a")),
        [auth.RESIDENT, auth.MERCHANT],
        key="reg_role",
        horizontal=True,
        format_func=lambda role: t(auth.ROLE_LABELS[role]),
    )
    slots |= field_slots(("role",))
    submitted = st.form_submit_button(t(N_("Register")), type="primary", width="stretch")

if submitted:
    state = st.session_state
    try:
        with db() as session:
            user = auth.register_resident(
                session,
                username=state.get("reg_username", ""),
                password=state.get("reg_password", ""),
                password_repeat=state.get("reg_repeat", ""),
                display_name=state.get("reg_name", ""),
                home_grid_id=state.get("reg_home"),
                role=state.get("reg_role", auth.RESIDENT),
                language=viewer.language,
                elder_mode=viewer.elder,
            )
    except FieldErrors as exc:
        show_field_errors(viewer, slots, exc.errors)
    else:
        log_in(user)
        st.switch_page(auth.home_page_for(user.role).path)

link_to(auth.PAGE_BY_KEY["login"], viewer, t(N_("I already have an account")))
