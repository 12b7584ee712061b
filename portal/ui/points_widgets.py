"""Pieces the points pages share: safe text, flash messages, times, status labels."""

from __future__ import annotations

import streamlit as st

from portal.errors import FieldErrors, UserError
from portal.i18n import format_when
from portal.text import md_text
from portal.ui import actions
from portal.ui.session import Viewer
from portal.ui.speech_widgets import show_flash_at

esc = md_text  # user-typed text made inert for st.markdown


def when(viewer: Viewer, moment) -> str:
    return format_when(viewer.language, moment, "short")


def flash(kind: str, text: str) -> None:
    """A message shown once at the top of the next run."""
    st.session_state["points_flash"] = (kind, text)


def show_flash(viewer: Viewer | None = None) -> None:
    show_flash_at("points_flash", viewer)


def run_action(viewer: Viewer, action, success) -> None:
    """For button callbacks: call the service, flash the outcome (refusals in the reader's words)."""
    actions.run_action(viewer, action, done=success, flash_key="points_flash")


def show_errors(viewer: Viewer, slots: dict, exc: Exception) -> None:
    if isinstance(exc, (FieldErrors, UserError)):
        actions.show_refusal(viewer, slots, exc)
