import streamlit as st

from db.models import User
from portal import auth
from portal.errors import FieldErrors
from portal.i18n import N_
from portal.text import md_text
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.notification_widgets import settings_section
from portal.ui.session import keep_epoch, log_out
from portal.ui.widgets import field_slots, grid_label, show_field_errors

viewer = require("account")
t = viewer.t
index = grid_index()
with db() as session:
    user = session.get(User, viewer.user_id)

st.title(t(N_("My account")))
home = index.grids.get(user.home_grid_id) if user.home_grid_id else None
st.markdown(
    f"**{t(N_('Name'))}:** {md_text(user.display_name)}  \n"
    f"**{t(N_('Username'))}:** {md_text(user.username)}  \n"
    f"**{t(N_('Role'))}:** {t(auth.ROLE_LABELS[user.role])}"
    + (f"  \n**{t(N_('Home'))}:** {md_text(grid_label(index, home))}" if home else "")
)
st.markdown(
    t(
        N_(
            "Language and large text are at the top of every page and are remembered for your account."
        )
    )
)

with st.form("password_form", clear_on_submit=False):
    st.subheader(t(N_("Change password")))
    st.text_input(
        t(N_("Current password")),
        key="pw_old",
        type="password",
        max_chars=128,
        autocomplete="current-password",
    )
    slots = field_slots(("old_password",))
    st.text_input(
        t(N_("New password")),
        key="pw_new",
        type="password",
        max_chars=128,
        autocomplete="new-password",
    )
    slots |= field_slots(("new_password",))
    st.text_input(
        t(N_("Repeat the new password")),
        key="pw_repeat",
        type="password",
        max_chars=128,
        autocomplete="new-password",
    )
    slots |= field_slots(("repeat_password",))
    changed = st.form_submit_button(t(N_("Change password")), type="primary")

if changed:
    state = st.session_state
    try:
        with db() as session:
            epoch = auth.change_password(
                session,
                viewer.user_id,
                state.get("pw_old", ""),
                state.get("pw_new", ""),
                state.get("pw_repeat", ""),
                keep_token=state.get("login_token"),
            )
    except FieldErrors as exc:
        show_field_errors(viewer, slots, exc.errors)
    else:
        keep_epoch(epoch)
        st.success(t(N_("Your password was changed. Other devices have been logged out.")))

settings_section(viewer)

if st.button(t(N_("Log out")), key="account_logout", icon=":material/logout:"):
    log_out()
    st.switch_page(auth.home_page_for(None).path)
if st.button(
    t(N_("Log out on every device")), key="account_logout_everywhere", icon=":material/devices:"
):
    log_out(everywhere=True)
    st.switch_page(auth.home_page_for(None).path)
