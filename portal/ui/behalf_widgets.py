"""Acting on behalf (代办) in the UI: which consent this browser session acts under, the banner that
says so on every page, and the small pieces other pages call (support a wish for the resident, the
note "claimed for you by …").

The consent lives in the database; this session only remembers its id. Every run checks it again,
so when it ends (stop acting on the phone, the resident withdraws it, it runs out) the PC's banner
goes and its next action is refused with the reason."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from portal import auth, behalf
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_, format_when
from portal.text import md_text
from portal.ui.data import db
from portal.ui.session import Viewer

CONSENT_KEY = "behalf_consent_id"
ENDED_KEY = "behalf_ended"
FLASH_KEY = "behalf_flash"
ACTING_PAGES = ("report_new",)  # pages an actor may open while acting though their role may not


def say(viewer: Viewer, message: Message) -> str:
    """A message in the viewer's words, with times shown in Beijing time in their language (for
    Markdown: a name it repeats shows as typed)."""
    params = {
        k: format_when(viewer.language, v, "short")
        if isinstance(v, datetime)
        else md_text(v)
        if isinstance(v, str)
        else v
        for k, v in message.params.items()
    }
    return viewer.t(message.msgid, **params)


def acting_now(viewer: Viewer) -> behalf.Acting | None:
    """The consent this session acts under, checked now; None (and the reason kept) if it ended."""
    consent_id = st.session_state.get(CONSENT_KEY)
    if consent_id is None or not viewer.logged_in:
        return None
    try:
        with db() as session:
            return behalf.acting(session, consent_id=consent_id, actor_id=viewer.user_id)
    except UserError as exc:
        st.session_state.pop(CONSENT_KEY, None)
        st.session_state[ENDED_KEY] = say(viewer, exc.message)
        return None


def opens(viewer: Viewer, page_key: str) -> bool:
    """Whether acting lets this viewer open a page their role alone may not (staff filing a report)."""
    return (
        page_key in ACTING_PAGES
        and viewer.role in behalf.ACTOR_ROLES
        and acting_now(viewer) is not None
    )


def start(consent_id: int) -> None:
    st.session_state[CONSENT_KEY] = consent_id
    st.session_state.pop(ENDED_KEY, None)


def _stop(viewer: Viewer, consent_id: int) -> None:
    with db() as session:
        try:
            behalf.end_consent(session, consent_id=consent_id, user_id=viewer.require_id())
        except UserError:
            pass  # already gone: stopping is what was wanted
    st.session_state.pop(CONSENT_KEY, None)
    st.session_state[FLASH_KEY] = viewer.t(
        N_("You stopped acting for the resident. The consent is ended.")
    )


def acting_line(viewer: Viewer, who: behalf.Acting) -> str:
    return viewer.t(
        N_("You are acting for {resident} (consent: {method}, until {until})."),
        resident=who.resident_name,
        method=viewer.t(who.method),
        until=format_when(viewer.language, who.valid_until, "short"),
    )


def banner(viewer: Viewer) -> None:
    """On every page: who this session acts for, and a button to stop; or why acting ended."""
    if not viewer.logged_in or viewer.role not in behalf.ACTOR_ROLES:
        return
    who = acting_now(viewer)
    ended = st.session_state.pop(ENDED_KEY, None)
    flash = st.session_state.pop(FLASH_KEY, None)
    error = st.session_state.pop(FLASH_KEY + "_error", None)
    if error:
        st.error(error, icon=":material/error:")
    if ended:
        st.warning(ended, icon=":material/person_off:")
    if flash:
        st.success(flash, icon=":material/check_circle:")
    if who is None:
        return
    with st.container(border=True, key="behalf_banner"):
        st.markdown(f"**{md_text(acting_line(viewer, who))}**")
        st.button(
            viewer.t(N_("Stop acting")),
            key="behalf_stop",
            icon=":material/logout:",
            on_click=_stop,
            args=(viewer, who.consent_id),
        )


# --- pieces other pages call ---------------------------------------------------------------------


def report_submitter(viewer: Viewer):
    """reports.submit, or while acting the same call filed for the resident (代办)."""
    from portal import reports

    if st.session_state.get(CONSENT_KEY) is None:
        return reports.submit

    def submit(session, index, store, *, reporter_id, **fields):
        try:
            return behalf.file_report(
                session,
                index,
                store,
                consent_id=st.session_state.get(CONSENT_KEY),
                actor_id=reporter_id,
                **fields,
            )
        except UserError as exc:  # the consent ended meanwhile: shown above the form, form kept
            st.session_state.pop(CONSENT_KEY, None)
            raise FieldErrors({"behalf": Message(say(viewer, exc.message))}) from None

    return submit


def _support(viewer: Viewer, consent_id: int, wish_id: int) -> None:
    try:
        with db() as session:
            who = behalf.acting(session, consent_id=consent_id, actor_id=viewer.user_id)
            behalf.support_wish(
                session, consent_id=consent_id, actor_id=viewer.require_id(), wish_id=wish_id
            )
    except UserError as exc:
        st.session_state[FLASH_KEY + "_error"] = say(viewer, exc.message)
    else:
        st.session_state[FLASH_KEY] = viewer.t(
            N_("Your support for {resident} was recorded."), resident=md_text(who.resident_name)
        )


def wish_support(viewer: Viewer, wish_id: int, *, key_prefix: str = "behalf_wish") -> None:
    """While acting: a button to support this wish in the resident's name, or why not."""
    if st.session_state.get(CONSENT_KEY) is None or viewer.role not in behalf.ACTOR_ROLES:
        return
    who = acting_now(viewer)
    if who is None:
        return
    with db() as session:
        can = behalf.may_support(session, who, wish_id)
        has = wish_id in behalf.resident_votes(session, who, [wish_id])
    if has:
        st.markdown(
            viewer.t(N_("{resident} supports this wish."), resident=md_text(who.resident_name))
        )
    elif can:
        st.button(
            viewer.t(N_("Support for {resident}"), resident=md_text(who.resident_name)),
            key=f"{key_prefix}_{wish_id}",
            type="primary",
            width="stretch",
            icon=":material/volunteer_activism:",
            on_click=_support,
            args=(viewer, who.consent_id, wish_id),
        )


def wish_trail(viewer: Viewer, wish_id: int) -> None:
    """Support given for residents (代办), for the resident, the one who acted, and moderators."""
    if not viewer.logged_in:
        return
    with db() as session:
        done = [
            d
            for d in behalf.on_target_all(session, "wish_vote", wish_id)
            if viewer.role in behalf.ACTOR_ROLES or d.resident_id == viewer.user_id
        ]
    for d in done:
        st.markdown(
            "- "
            + md_text(
                format_when(viewer.language, d.at, "short")
                + " · "
                + viewer.t(
                    behalf.SUPPORTED_FOR_TEXT,
                    actor=d.actor,
                    resident=d.resident,
                    method=viewer.t(d.method),
                )
            )
        )


def claim_note(viewer: Viewer, claim_id: int) -> None:
    """Under a task the resident holds: "Claimed for you by 王网格 (consent: in person)"."""
    with db() as session:
        done = behalf.on_target(session, "task_claim", [claim_id]).get(claim_id)
    if done is not None:
        st.markdown(
            md_text(
                viewer.t(behalf.CLAIMED_FOR_TEXT, actor=done.actor, method=viewer.t(done.method))
            )
        )


def ledger_note(viewer: Viewer, line) -> str:
    """For a points history line earned through something done for the resident: who did it."""
    kinds = {"task": "task_claim", "report": "report"}
    kind = kinds.get(getattr(line, "source", ""))
    source_id = str(getattr(line, "source_id", ""))
    if kind is None or not source_id.isdigit():
        return ""
    with db() as session:
        done = behalf.on_target(session, kind, [int(source_id)]).get(int(source_id))
    if done is None:
        return ""
    return " · " + md_text(
        viewer.t(
            N_("done for you by {actor} (consent: {method})"),
            actor=done.actor,
            method=viewer.t(done.method),
        )
    )


def link_to_act_for(viewer: Viewer) -> None:
    from portal.ui.shell import link_to

    link_to(auth.PAGE_BY_KEY["act_for"], viewer)
