import streamlit as st

from portal import notifications
from portal.errors import UserError
from portal.i18n import N_
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.notification_widgets import failed_section, notice_card

viewer = require("inbox")
t = viewer.t

st.title(t(N_("Notifications")))
token = st.query_params.get("confirm_email")
if token:
    try:
        with db() as session:
            notifications.confirm_email(session, viewer.user_id, token)
    except UserError as exc:
        st.error(t(exc.message.msgid, **exc.message.params))
    else:
        st.success(t(N_("Your email address is confirmed.")))
    del st.query_params["confirm_email"]

with db() as session:
    notices = notifications.inbox(session, viewer.user_id)
if not notices:
    st.info(t(N_("No notifications yet.")))
elif any(n.read_at is None for n in notices) and st.button(
    t(N_("Mark all read")), key="read_all", icon=":material/done_all:"
):
    with db() as session:
        notifications.mark_read(session, viewer.user_id)
    st.rerun()
for notice in notices:
    notice_card(viewer, notice)

if viewer.role in ("staff", "admin"):
    failed_section(viewer)
