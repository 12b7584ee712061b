from functools import partial

import streamlit as st

from portal import reports
from portal.i18n import DEFAULT_LANGUAGE, N_, format_when, translate
from portal.reports import queries
from portal.reports.clock import is_overdue
from portal.ui.actions import in_session, run_action
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.report_widgets import show_media, show_timeline, state_line, user_text
from portal.ui.speech_widgets import read_aloud, readable, readable_list
from portal.ui.translation_widgets import show_translation, translation_form
from portal.ui.widgets import field_slots
from portal.voice_clips import Reading

viewer = require("my_reports")
t = viewer.t
PAGE_SIZE = 10  # each card draws its trail, photos and translation: a long history comes in pages


def _rate(session, report_id: int):
    stars = st.session_state.get(f"stars_{report_id}")
    return reports.rate(
        session,
        report_id=report_id,
        actor_id=viewer.user_id,
        stars=(stars + 1) if stars is not None else 0,
        comment=st.session_state.get(f"comment_{report_id}", ""),
    )


st.title(t(N_("My reports")))
if thanks := st.session_state.pop("my_reports_thanks", None):
    st.success(t(N_("Thank you for your rating of report #{id}."), id=thanks))
with db() as session:
    mine = queries.my_reports(session, viewer.user_id)
    cats = {
        c.id: reports.category_name(c, viewer.language) for c in reports.categories(session, False)
    }

if not mine:
    st.info(t(N_("You have not reported anything yet.")))
    readable(
        t(N_("You have not reported anything yet.")), N_("You have not reported anything yet.")
    )
readable_list(
    viewer,
    [f"{cats.get(r.category_id, '')}: {t(reports.STATE_LABELS[r.state])}" for r in mine],
)
shown = st.session_state.get("my_reports_shown", PAGE_SIZE)
for report in mine[:shown]:
    overdue = is_overdue(report)
    with st.container(border=True):
        st.markdown(
            f"**{state_line(viewer, report, cats.get(report.category_id, ''), overdue)}**",
            unsafe_allow_html=True,
        )
        st.markdown(
            t(N_("Reported {when}"), when=format_when(viewer.language, report.created_at, "short"))
        )
        if report.description:
            user_text(report.description, report.language)
            show_translation(viewer, "report", report.id, report.language)
            translation_form(viewer, "report", report.id)
        with st.expander(
            t(N_("What happened so far")), expanded=report.state in ("resolved", "verified")
        ):
            with db() as session:
                said = show_timeline(viewer, session, report.id)
            state_word = reports.STATE_LABELS[report.state]  # recorded clips can say it in bo / ii
            read_aloud(
                viewer,
                Reading(
                    "。".join(said),
                    viewer.language,
                    (state_word,),
                    translate(DEFAULT_LANGUAGE, state_word),
                ),
                key=f"read_timeline_{report.id}",
            )
            with db() as session:
                show_media(viewer, session, report.id)
        if report.state in ("resolved", "verified"):
            with st.form(f"rate_{report.id}"):
                st.markdown(t(N_("Is the problem solved? Please rate the result.")))
                st.feedback("stars", key=f"stars_{report.id}")
                slots = field_slots(("stars",))
                st.text_input(
                    t(N_("Comment (optional)")), key=f"comment_{report.id}", max_chars=500
                )
                slots |= field_slots(("comment",))
                if st.form_submit_button(t(N_("Send my rating")), type="primary", width="stretch"):
                    rate = partial(_rate, report_id=report.id)
                    if run_action(viewer, in_session(rate), slots=slots):
                        st.session_state["my_reports_thanks"] = report.id
                        st.rerun()
if len(mine) > shown:
    more = min(PAGE_SIZE, len(mine) - shown)
    st.button(
        viewer.nt("Show {n} more report", "Show {n} more reports", more),
        key="my_reports_more",
        width="stretch",
        on_click=lambda: st.session_state.update(my_reports_shown=shown + PAGE_SIZE),
    )
