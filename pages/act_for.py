import streamlit as st

from portal import auth, behalf
from portal.errors import FieldErrors, UserError
from portal.i18n import N_, format_when
from portal.text import md_text
from portal.ui import behalf_widgets as bw
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.shell import link_to
from portal.ui.widgets import field_slots

viewer = require("act_for")
t = viewer.t
state = st.session_state


def done_lines(items: list[behalf.Done]) -> None:
    if not items:
        st.info(t(N_("Nothing has been done on anyone's behalf yet.")))
    for d in items:
        text = t(
            behalf.KIND_TEXTS[d.kind],
            actor=d.actor,
            resident=d.resident,
            target=d.target_id,
            method=t(d.method),
            title=d.title,
        )
        st.markdown("- " + md_text(format_when(viewer.language, d.at, "short") + " · " + text))


def _withdraw(consent_id: int) -> None:
    with db() as session:
        behalf.end_consent(session, consent_id=consent_id, user_id=viewer.user_id)
    state["behalf_withdrawn"] = True


def resident_view() -> None:
    """A resident sees who acted for them, what was done, and can end a consent still running."""
    st.markdown(t(N_("Here you see what your grid worker did for you with your consent.")))
    if state.pop("behalf_withdrawn", False):
        st.success(t(N_("Your consent is withdrawn. Nobody can act for you with it any more.")))
    with db() as session:
        consents = behalf.consents_for(session, viewer.user_id)
        done = behalf.done_for(session, viewer.user_id)
    st.subheader(t(N_("Consents you gave")))
    if not consents:
        st.info(t(N_("You have not asked anyone to act for you.")))
    for consent, actor, valid in consents:
        with st.container(border=True):
            st.markdown(
                md_text(
                    t(
                        N_("{actor} · {method} · given {given} · until {until}"),
                        actor=actor,
                        method=t(behalf.METHOD_LABELS[consent.method]),
                        given=format_when(viewer.language, consent.given_at, "short"),
                        until=format_when(viewer.language, consent.valid_until, "short"),
                    )
                )
            )
            if valid:
                st.button(
                    t(N_("Withdraw this consent")),
                    key=f"behalf_withdraw_{consent.id}",
                    on_click=_withdraw,
                    args=(consent.id,),
                )
            else:
                st.markdown(t(N_("Ended")))
    st.subheader(t(N_("Done for you")))
    done_lines(done)


def _claim(consent_id: int, task_id: int, title: str) -> None:
    try:
        with db() as session:
            behalf.claim_task(
                session, consent_id=consent_id, actor_id=viewer.user_id, task_id=task_id
            )
    except UserError as exc:
        state["behalf_claim_msg"] = ("error", bw.say(viewer, exc.message))
    else:
        state["behalf_claim_msg"] = (
            "success",
            t(N_("“{title}” is claimed for the resident."), title=md_text(title)),
        )


def acting_view(who: behalf.Acting) -> None:
    st.markdown(t(N_("What would {resident} like to do?"), resident=md_text(who.resident_name)))
    link_to(
        auth.PAGE_BY_KEY["report_new"],
        viewer,
        t(N_("Snap a report for {resident}"), resident=md_text(who.resident_name)),
    )
    link_to(
        auth.PAGE_BY_KEY["wish_wall"],
        viewer,
        t(N_("Support wishes for {resident}"), resident=md_text(who.resident_name)),
    )
    st.subheader(t(N_("Tasks open to {resident}"), resident=md_text(who.resident_name)))
    kind_msg = state.pop("behalf_claim_msg", None)
    if kind_msg:
        (st.success if kind_msg[0] == "success" else st.error)(kind_msg[1])
    with db() as session:
        cards = behalf.tasks_for(session, who)
    if not cards:
        st.info(t(N_("No open tasks for the resident's grid right now.")))
    for card in cards:
        with st.container(border=True):
            st.markdown(f"**{md_text(card.task.title)}**")
            st.markdown(
                t(
                    N_("{points} points · places left: {left}"),
                    points=card.task.points,
                    left=card.places_left,
                )
            )
            if card.places_left:
                st.button(
                    t(N_("Claim for {resident}"), resident=md_text(who.resident_name)),
                    key=f"behalf_claim_{card.task.id}",
                    type="primary",
                    width="stretch",
                    on_click=_claim,
                    args=(who.consent_id, card.task.id, card.task.title),
                )


def _search() -> None:
    state.pop("behalf_hits", None)
    try:
        with db() as session:
            state["behalf_hits"] = behalf.find_residents(
                session, actor_id=viewer.user_id, query=state.get("behalf_query", "")
            )
    except UserError as exc:
        state["behalf_query_error"] = bw.say(viewer, exc.message)


def continue_open() -> None:
    """Consents still running (recorded in another browser, or before a reload): act under one again."""
    with db() as session:
        running = behalf.open_consents_by(session, viewer.user_id)
    for who in running:
        st.button(
            t(
                N_("Continue acting for {resident} (until {until})"),
                resident=md_text(who.resident_name),
                until=format_when(viewer.language, who.valid_until, "short"),
            ),
            key=f"behalf_continue_{who.consent_id}",
            on_click=bw.start,
            args=(who.consent_id,),
            icon=":material/play_arrow:",
        )


def find_and_consent() -> None:
    st.markdown(
        t(
            N_(
                "Visiting a resident who needs help? Find them, ask for their consent, then act for them."
            )
        )
    )
    continue_open()
    st.subheader(t(N_("1. Find the resident")))
    st.text_input(
        t(N_("Name, last digits of the phone number, or house")),
        key="behalf_query",
        max_chars=behalf.QUERY_MAX,
    )
    st.button(t(N_("Find")), key="behalf_find", icon=":material/search:", on_click=_search)
    error = state.pop("behalf_query_error", None)
    if error:
        st.error(error, icon=":material/error:")
    hits = state.get("behalf_hits")
    if hits is None:
        return
    if not hits:
        st.warning(t(N_("No resident of your grids matches. Check the spelling or try the house.")))
        return
    labels = {
        h.user_id: md_text(
            " · ".join(
                p
                for p in (
                    h.name,
                    h.grid_name,
                    ", ".join(h.houses),
                    h.phone_tail and "…" + h.phone_tail,
                )
                if p
            )
        )
        for h in hits
    }
    st.subheader(t(N_("2. Record the resident's consent")))
    with st.form("behalf_consent_form"):
        st.radio(
            t(N_("Resident")), list(labels), key="behalf_resident", format_func=labels.__getitem__
        )
        slots = field_slots(("resident",))
        st.checkbox(t(N_("The resident has agreed that I act for them")), key="behalf_agreed")
        slots |= field_slots(("agreed",))
        st.selectbox(
            t(N_("How did they agree?")),
            list(behalf.METHOD_LABELS),
            key="behalf_method",
            index=None,
            placeholder=t(N_("Choose…")),
            format_func=lambda m: t(behalf.METHOD_LABELS[m]),
        )
        slots |= field_slots(("method",))
        st.radio(
            t(N_("How long")),
            list(behalf.DURATION_LABELS),
            key="behalf_duration",
            format_func=lambda d: t(behalf.DURATION_LABELS[d]),
            horizontal=True,
        )
        slots |= field_slots(("duration",))
        st.text_input(
            t(N_("Note about the consent (optional)")), key="behalf_note", max_chars=behalf.NOTE_MAX
        )
        slots |= field_slots(("note",))
        go = st.form_submit_button(
            t(N_("Record consent and start acting")), type="primary", width="stretch"
        )
    if go:
        try:
            with db() as session:
                consent = behalf.record_consent(
                    session,
                    actor_id=viewer.user_id,
                    resident_id=state.get("behalf_resident"),
                    agreed=state.get("behalf_agreed") is True,
                    method=state.get("behalf_method"),
                    note=state.get("behalf_note", ""),
                    duration=state.get("behalf_duration") or "today",
                )
        except FieldErrors as exc:
            for name, message in exc.errors.items():
                (slots.get(name) or st).error(bw.say(viewer, message), icon=":material/error:")
        except UserError as exc:
            st.error(bw.say(viewer, exc.message), icon=":material/error:")
        else:
            bw.start(consent.id)
            for key in ("behalf_hits", "behalf_agreed", "behalf_note", "behalf_method"):
                state.pop(key, None)
            st.rerun()


st.title(t(N_("Acting on behalf")))
if viewer.role == auth.RESIDENT:
    resident_view()
else:
    current = bw.acting_now(viewer)
    if current is not None:
        acting_view(current)
    else:
        find_and_consent()
    st.subheader(t(N_("What you did for residents")))
    with db() as session:
        done_lines(behalf.done_by(session, viewer.user_id, limit=20))
