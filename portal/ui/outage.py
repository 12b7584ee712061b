"""A database outage during a page: one clear message in the user's language ("nothing was
saved, try again in a moment"), what the user typed kept for the next run, and the page ends
normally so the portal's own menu stays (a raised error shows Streamlit's generic one).

portal.ui.data.db() calls `database_down()` for every page action and read; guard.require()
calls `restore_typed()` at the start of the next run. In app.py, before navigation, see
`before_navigation()`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st
from sqlalchemy.exc import InterfaceError, OperationalError
from streamlit.errors import StreamlitAPIException

from db.engine import DatabaseUnavailable
from portal.i18n import N_, translate

DATABASE_ERRORS = (DatabaseUnavailable, OperationalError, InterfaceError)
OUTAGE = N_(
    "The database cannot be reached at the moment, so nothing was saved. Please try again in a "
    "moment; what you typed is kept."
)
_KEPT = "_linli_kept_while_down"
_BEFORE_NAVIGATION: ContextVar[bool] = ContextVar("linli_before_navigation", default=False)
_SCALARS = (str, int, float)


def _typed(value: object) -> bool:
    """Text, numbers and choices the user made (not buttons, checkboxes' bare booleans or files)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, _SCALARS):
        return True
    return isinstance(value, (list, tuple)) and all(
        isinstance(v, _SCALARS) and not isinstance(v, bool) for v in value
    )


def keep_typed() -> None:
    state = st.session_state
    state[_KEPT] = {k: v for k, v in state.items() if not str(k).startswith("_") and _typed(v)}


def restore_typed() -> None:
    """Puts back what was typed before an outage (widgets not drawn in that run lost it)."""
    for key, value in st.session_state.pop(_KEPT, {}).items():
        if key not in st.session_state:
            try:
                st.session_state[key] = value
            except StreamlitAPIException:  # a widget whose value cannot be set: left as is
                pass


def database_down(error: BaseException, language: str | None = None) -> None:
    logging.getLogger(__name__).warning("database unavailable during a page run: %s", error)
    keep_typed()
    code = language or st.session_state.get("lang")
    st.error(translate(code, OUTAGE), icon=":material/cloud_off:")
    st.stop()


@contextmanager
def before_navigation() -> Iterator[None]:
    """app.py's work before st.navigation (preparing the database, loading the user): an outage
    there is raised to app.py instead of stopping, so it can still register the portal's pages
    (else Streamlit shows its raw list of pages/) and then say the outage like a page does."""
    token = _BEFORE_NAVIGATION.set(True)
    try:
        yield
    finally:
        _BEFORE_NAVIGATION.reset(token)


def raise_here() -> bool:
    """True inside before_navigation(): portal.ui.data.db() then lets the error through."""
    return _BEFORE_NAVIGATION.get()
