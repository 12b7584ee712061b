"""The first call of every page: who is looking, draw the shell, refuse what the role may not see."""

from __future__ import annotations

import streamlit as st

from portal import auth, translation_reviews
from portal.i18n import N_
from portal.ui import behalf_widgets, data, shell
from portal.ui.outage import restore_typed
from portal.ui.session import LOGIN_ENDED, Viewer, current_viewer
from portal.ui.speech_widgets import read_page_purpose


def require(page_key: str) -> Viewer:
    """Returns the viewer if the permission table lets their role see the page; else stops."""
    restore_typed()  # after a database outage: what the user typed before it
    data.prepare()
    data.housekeeping()
    data.reviewed_translations()
    viewer = current_viewer()
    shell.render(viewer)
    behalf_widgets.banner(viewer)  # 代办: "You are acting for …" on every page
    if (
        auth.can_view(viewer.role, page_key)
        or behalf_widgets.opens(viewer, page_key)
        or _appointed(viewer, page_key)
    ):
        read_page_purpose(viewer, auth.PAGE_BY_KEY[page_key])
        return viewer
    if not viewer.logged_in and st.session_state.get(LOGIN_ENDED) and page_key != "login":
        st.switch_page(auth.PAGE_BY_KEY["login"].path)  # ended in another tab: the login form
    if not viewer.logged_in:
        st.warning(viewer.t(N_("Please log in to see this page.")))
        shell.link_to(auth.PAGE_BY_KEY["login"], viewer)
    else:
        page = auth.home_page_for(viewer.role)
        if page_key in ("login", "register"):
            st.info(viewer.t(N_("You are already logged in.")))
        else:
            st.error(viewer.t(N_("This page is not available for your role.")))
        shell.link_to(page, viewer)
    st.stop()


def _appointed(viewer: Viewer, page_key: str) -> bool:
    """Pages opened by an appointment rather than a role: translation review, for reviewers."""
    if page_key != "translation_review" or not viewer.logged_in:
        return False
    with data.db() as session:
        return translation_reviews.may_open(session, viewer.user_id, viewer.role)
