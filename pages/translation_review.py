import hashlib
import html

import streamlit as st

from portal import translation_reviews as tr
from portal.i18n import N_, format_when, language
from portal.text import md_text
from portal.ui.actions import in_session, run_action
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.speech_widgets import show_flash_at

viewer = require("translation_review")
t = viewer.t
state = st.session_state

st.title(t(N_("Translation review")))
st.markdown(
    t(
        N_(
            "Much of the portal's Tibetan, Uyghur and Yi was not written by native speakers. "
            "Correct a message here: readers see your text at once, and it is kept with your "
            "name and the time."
        )
    )
)


def _reviewers() -> None:
    """Staff: who reviews which language; appoint and end appointments."""
    with st.expander(t(N_("Reviewers")), expanded=False):
        with db() as session:
            current = tr.appointments(session)
        for row in current:
            left, right = st.columns([3, 1], vertical_alignment="center")
            left.markdown(
                f"**{md_text(row.name)}** · {language(row.language).native_name} · "
                + t(
                    N_("since {when}"), when=format_when(viewer.language, row.appointed_at, "short")
                )
            )
            if right.button(t(N_("End")), key=f"tr_end_{row.id}"):
                with db() as session:
                    tr.end_appointment(session, appointment_id=row.id, by=viewer.user_id)
                state["tr_staff_flash"] = ("success", t(N_("The appointment has ended.")))
                st.rerun()
        if not current:
            st.markdown(t(N_("No reviewers appointed yet.")))
        person = st.text_input(t(N_("Username of the new reviewer")), key="tr_person")
        lang_code = st.selectbox(
            t(N_("Language to review")),
            tr.REVIEWED_LANGUAGES,
            key="tr_appoint_language",
            format_func=lambda c: language(c).native_name,
        )
        slot = st.empty()
        if st.button(t(N_("Appoint as reviewer")), key="tr_appoint", icon=":material/person_add:"):

            def appoint(session):
                user = tr.find_person(session, person)
                tr.appoint(session, user_id=user.id, language=lang_code, by=viewer.user_id)

            if run_action(viewer, in_session(appoint), slots={}, at=slot):
                state["tr_staff_flash"] = ("success", t(N_("Appointed.")))
                st.rerun()
        show_flash_at("tr_staff_flash")


with db() as session:
    languages = tr.languages_for(session, viewer.user_id, viewer.role)
if viewer.role in tr.APPOINTER_ROLES:
    _reviewers()

default = viewer.language if viewer.language in languages else languages[0]
lang_code = st.radio(
    t(N_("Language")),
    languages,
    index=languages.index(default),
    key="tr_language",
    horizontal=True,
    format_func=lambda c: language(c).native_name,
)
lang = language(lang_code)
query = st.text_input(t(N_("Find a message (English, Chinese or your language)")), key="tr_query")
only_open = st.toggle(t(N_("Only messages nobody has reviewed yet")), key="tr_only_open")
needle = query.strip().lower()
listed = [
    m
    for m in tr.messages(lang_code)
    if (not only_open or not m.reviewed)
    and (not needle or needle in f"{m.msgid}\n{m.chinese}\n{m.current}".lower())
]
st.caption(t(N_("{n} messages"), n=len(listed)))
if not listed:
    st.info(t(N_("No message matches.")))
    st.stop()

by_id = {m.msgid: m for m in listed}
msgid = st.selectbox(
    t(N_("Message")),
    list(by_id),
    key="tr_message",
    format_func=lambda m: ("✓ " if by_id[m].reviewed else "○ ") + m[:90],
)
message = by_id[msgid]

english, chinese, now = t(N_("English")), t(N_("Chinese")), t(N_("Now"))
with st.container(border=True):
    st.markdown(
        f'**{html.escape(english)}:** <span lang="en">{html.escape(message.msgid)}</span>',
        unsafe_allow_html=True,
    )
    st.markdown(
        f'**{html.escape(chinese)}:** <span lang="zh-Hans">{html.escape(message.chinese)}</span>',
        unsafe_allow_html=True,
    )
    st.markdown(
        f"**{html.escape(now)}:** "
        f'<span lang="{lang.html_lang}" dir="{lang.direction}">{html.escape(message.current)}</span>',
        unsafe_allow_html=True,
    )
    st.caption(t(N_("Where it appears: {places}"), places=", ".join(message.places[:6])))

edit_key = f"tr_text_{lang_code}_{hashlib.sha1(msgid.encode()).hexdigest()[:12]}"
state.setdefault(edit_key, message.current)
st.text_area(t(N_("Your text")), key=edit_key, height=100)
slot = st.empty()
if st.button(t(N_("Save the correction")), key="tr_save", type="primary", icon=":material/save:"):
    corrected = run_action(
        viewer,
        in_session(
            lambda session: tr.correct(
                session,
                language=lang_code,
                msgid=msgid,
                text=state[edit_key],
                reviewer_id=viewer.user_id,
            )
        ),
        slots={},
        at=slot,
    )
    if corrected:
        state["tr_flash"] = ("success", t(N_("Saved. Readers see the corrected text now.")))
        st.rerun()
show_flash_at("tr_flash")

with db() as session:
    earlier = tr.history(session, lang_code, msgid)
if earlier:
    st.subheader(t(N_("Corrections so far")))
    for item in earlier:
        st.markdown(
            f'<span lang="{lang.html_lang}" dir="{lang.direction}">{html.escape(item.text)}</span>'
            f" — {html.escape(item.name)}, "
            f"{html.escape(format_when(viewer.language, item.created_at, 'short'))}",
            unsafe_allow_html=True,
        )
