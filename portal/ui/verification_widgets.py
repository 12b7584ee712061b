"""Telling an unconfirmed (self-registered) resident, in their language and at the moment they
act, that their support does not count toward a threshold yet, and how to get confirmed.

The rule is portal/permissions.py ("wish.support_counts", "council.support_counts"); this module
only asks it and says the answer."""

from __future__ import annotations

import streamlit as st

from db.models import User
from portal import auth
from portal.i18n import N_
from portal.permissions import can
from portal.ui.data import db
from portal.ui.session import Viewer
from portal.ui.shell import link_to

NOT_COUNTED_YET = N_(
    "Your support is recorded, but it does not count toward the threshold yet: your account "
    "is not confirmed."
)
HOW_TO_CONFIRM = N_(
    "To be confirmed, show your grid worker your house number in person (or ask them to come "
    "by); the page “{page}” says who looks after your building."
)


def support_counts(viewer: Viewer, action: str) -> bool:
    """Whether this person's support counts (action: "wish.support_counts" or
    "council.support_counts"). Not logged in: nothing to say, so True."""
    if not viewer.logged_in:
        return True
    with db() as session:
        user = session.get(User, viewer.user_id)
    return user is None or bool(can(user, action))


def _how(viewer: Viewer) -> str:
    return viewer.t(HOW_TO_CONFIRM, page=viewer.t(auth.PAGE_BY_KEY["my_grid"].title))


def thanks(viewer: Viewer, done: str, counts: bool) -> str:
    """The message after supporting: done, and when it does not count, why and how to fix it."""
    if counts:
        return done
    return " ".join((done, viewer.t(NOT_COUNTED_YET), _how(viewer)))


def not_counted_notice(viewer: Viewer) -> None:
    """On a page where one supports: the same words, and a link to "My grid"."""
    st.info(f"{viewer.t(NOT_COUNTED_YET)} {_how(viewer)}", icon=":material/badge:")
    page = auth.PAGE_BY_KEY["my_grid"]
    if auth.can_view(viewer.role, "my_grid"):
        link_to(page, viewer)
