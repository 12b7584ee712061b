import streamlit as st

from portal import auth
from portal.i18n import N_
from portal.ui.actions import in_session, run_action
from portal.ui.guard import require
from portal.ui.session import LOGIN_ENDED, client_address, log_in
from portal.ui.shell import link_to

viewer = require("login")
t = viewer.t

st.title(t(N_("Linli community portal")))
if st.session_state.pop(LOGIN_ENDED, False):
    st.info(t(N_("You were logged out (on another page or device, or your password was changed).")))
st.markdown(t(N_("Report problems, share wishes and take part in your community.")))
with st.form("login_form"):
    st.subheader(t(N_("Log in")))
    st.text_input(t(N_("Username")), key="login_username", max_chars=64, autocomplete="username")
    st.text_input(
        t(N_("Password")),
        key="login_password",
        type="password",
        max_chars=128,
        autocomplete="current-password",
    )
    submitted = st.form_submit_button(t(N_("Log in")), type="primary", width="stretch")

if submitted:
    user = run_action(
        viewer,
        in_session(
            lambda session: auth.authenticate(
                session,
                st.session_state.get("login_username", ""),
                st.session_state.get("login_password", ""),
                client=client_address(),
            )
        ),
        slots={},
    ).value
    if user is not None:
        log_in(user)
        st.switch_page(auth.home_page_for(user.role).path)

st.markdown(t(N_("New here? Residents and merchants can register themselves.")))
link_to(auth.PAGE_BY_KEY["register"], viewer)
