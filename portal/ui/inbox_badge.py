"""The unread count in the shell of every page (kept apart from the heavier inbox widgets)."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from portal import notifications
from portal.i18n import N_
from portal.ui.data import db
from portal.ui.session import Viewer
from portal.ui.speech_widgets import read_aloud

UNREAD = N_("You have {n} unread notifications")


def unread_line(viewer: Viewer) -> None:
    """Every page: the unread count (one indexed query) as a link to the inbox; in elder mode as
    a large line that can be read aloud."""
    if viewer.user_id is None:
        return
    with db() as session:
        count = notifications.unread_count(session, viewer.user_id)
    if not count:
        return
    label = viewer.t(UNREAD, n=count)
    try:
        st.page_link("pages/inbox.py", label=f"**{label}**", icon=":material/notifications_active:")
    except StreamlitPageNotFoundError:  # a bare deep link before navigation: a plain link
        st.markdown(f"[{label}](/inbox)")
    if viewer.elder:
        read_aloud(viewer, label, viewer.language, key="unread_read")
