import streamlit as st

from db.models import User
from portal import notices
from portal.i18n import N_, format_when_ago
from portal.text import md_text
from portal.ui.actions import run_action
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.report_widgets import user_text
from portal.ui.widgets import field_slots

viewer = require("messages")
t = viewer.t
RESIDENT_ROLES = ("resident", "merchant")

st.title(t(N_("Messages with the micro-grid chief")))
if "msg_flash" in st.session_state:
    st.success(st.session_state.pop("msg_flash"))


def show_thread(thread_id: int, me: int) -> None:
    with db() as session:
        rows = notices.messages(session, thread_id)
    for message, name in rows:
        who = t(N_("You")) if message.author_id == me else md_text(name)
        with st.container(border=True):
            st.markdown(f"**{who}** · {format_when_ago(viewer.language, message.at)}")
            user_text(message.body, viewer.language)


def reply_form(form_key: str, label: str, send) -> None:
    with st.form(form_key, clear_on_submit=False):
        st.text_area(label, key=f"{form_key}_body", max_chars=notices.MAX_MESSAGE)
        slots = field_slots(("body",))
        sent = st.form_submit_button(t(N_("Send")), type="primary", width="stretch")
    if sent and run_action(
        viewer, lambda: send(st.session_state.get(f"{form_key}_body", "")), slots=slots
    ):
        st.session_state["msg_flash"] = t(N_("Your message was sent."))
        del st.session_state[f"{form_key}_body"]
        st.rerun()


with db() as session:
    me = session.get(User, viewer.user_id)
    if viewer.role in RESIDENT_ROLES:
        chief = notices.chief_of(session, me.home_grid_id)
        thread = notices.thread_for(session, me)
    else:
        threads = notices.threads_for_chief(session, me)

if viewer.role in RESIDENT_ROLES:
    if chief is None:
        st.warning(
            t(N_("Your courtyard has no micro-grid chief yet. Please call the community office."))
        )
    else:
        st.markdown(
            t(
                N_("Your micro-grid chief is {name}. They read your messages and answer here."),
                name=md_text(chief.display_name),
            )
        )
        if thread is not None:
            show_thread(thread.id, viewer.user_id)

        def send(body: str) -> None:
            with db() as session:
                notices.send_to_chief(session, resident_id=viewer.user_id, body=body)

        reply_form("msg_new", t(N_("Your message")), send)
else:
    waiting = sum(1 for s in threads if s.waiting)
    st.markdown(t(N_("{n} conversations, {k} waiting for your answer."), n=len(threads), k=waiting))
    if threads:
        labels = {s.thread.id: (("● " if s.waiting else "") + s.resident_name) for s in threads}
        chosen = st.selectbox(
            t(N_("Conversation")), list(labels), key="msg_thread", format_func=labels.__getitem__
        )
        show_thread(chosen, viewer.user_id)

        def send(body: str) -> None:
            with db() as session:
                notices.answer(session, thread_id=chosen, author_id=viewer.user_id, body=body)

        reply_form("msg_answer", t(N_("Your answer")), send)
