"""One way to run a service action from the UI and show what came of it.

    done = run_action(viewer, lambda: service.do(...), slots=slots, done=t(N_("Saved.")))

- a form (slots given, or a page run): a refusal shows now, each message under its field
  (FieldErrors, or a UserError naming a field), else at `at` (a placeholder the page keeps for
  it) or where the page is; the form is drawn again with the same widget keys, so what the user
  typed stays;
- a button callback (flash_key given, no slots): a refusal is kept under flash_key and shown at
  the top of the next run by speech_widgets.show_flash_at, all its messages in one line;
  keep_errors also keeps the field messages for the next run's form;
- success: `done` (text, or a function of the result) is flashed under flash_key for the next run,
  or shown now with st.success when there is no flash_key.

The result says whether it worked and carries the action's return value. in_session(f) makes an
action of f(session) that opens the page's database session. A lost database is not a refusal:
portal.ui.data.db() handles it (portal.ui.outage).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

import streamlit as st
from sqlmodel import Session
from streamlit.delta_generator import DeltaGenerator

from portal.errors import FieldErrors, UserError
from portal.ui.data import db
from portal.ui.session import Viewer
from portal.ui.widgets import say, show_field_errors

T = TypeVar("T")
Done = str | Callable[[T], str] | None


@dataclass(frozen=True)
class Outcome(Generic[T]):
    ok: bool
    value: T | None = None

    def __bool__(self) -> bool:
        return self.ok


def in_session(work: Callable[[Session], T]) -> Callable[[], T]:
    """An action that runs work(session) in a database session of its own."""

    def action() -> T:
        with db() as session:
            return work(session)

    return action


def refusal_text(viewer: Viewer, exc: FieldErrors | UserError) -> str:
    """Every message of a refusal in one line (a flash has no fields to put them under)."""
    if isinstance(exc, FieldErrors):
        return " ".join(say(viewer, m) for m in exc.errors.values())
    return say(viewer, exc.message)


def show_refusal(
    viewer: Viewer, slots: dict, exc: FieldErrors | UserError, at: DeltaGenerator | None = None
) -> None:
    """Now, under the fields at fault (a message that names none: at `at`, else where the page is)."""
    if isinstance(exc, FieldErrors):
        show_field_errors(viewer, slots, exc.errors)
        return
    target = slots.get(exc.field) if exc.field else None
    (target or at or st).error(say(viewer, exc.message), icon=":material/error:")


def run_action(
    viewer: Viewer,
    action: Callable[[], T],
    *,
    done: Done[T] = None,
    slots: dict | None = None,
    flash_key: str | None = None,
    keep_errors: str | None = None,
    at: DeltaGenerator | None = None,
) -> Outcome[T]:
    """Calls the service action once and shows its outcome (see the module's text)."""
    try:
        value = action()
    except (FieldErrors, UserError) as exc:
        if slots is None and flash_key is not None:
            if keep_errors and isinstance(exc, FieldErrors):
                st.session_state[keep_errors] = exc.errors
            st.session_state[flash_key] = ("error", refusal_text(viewer, exc))
        else:
            show_refusal(viewer, slots or {}, exc, at)
        return Outcome(False)
    if done is not None:
        text = done(value) if callable(done) else done
        if flash_key is not None:
            st.session_state[flash_key] = ("success", text)
        else:
            st.success(text, icon=":material/check_circle:")
    return Outcome(True, value)
