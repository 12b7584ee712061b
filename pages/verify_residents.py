# Grid workers and staff confirm newly registered residents of their grids (in person or at the
# door, with the house number), so that their points, support and adoptions count.

from functools import partial

import streamlit as st

from portal import verification
from portal.i18n import N_, format_when
from portal.text import md_text
from portal.ui.actions import in_session, run_action
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.widgets import field_slots

viewer = require("verify_residents")
t = viewer.t
methods = {k: t(label) for k, label in verification.METHOD_LABELS.items()}


def _confirm(session, uid: int):
    state = st.session_state
    return verification.confirm(
        session,
        actor_id=viewer.user_id,
        resident_id=uid,
        method=state.get(f"verify_method_{uid}"),
        house=state.get(f"verify_house_{uid}", ""),
        note=state.get(f"verify_note_{uid}", ""),
    )


st.title(t(N_("Confirm new residents")))
st.markdown(
    t(
        N_(
            "People who registered themselves can report problems and read at once. Their points, "
            "their support for wishes and proposals, adopting wishes and redeeming rewards count "
            "only after you have met them and confirmed the house they live at."
        )
    )
)

with db() as session:
    rows = verification.waiting(session, actor_id=viewer.user_id)
done = st.session_state.pop("verify_done", None)
if done:
    st.success(t(N_("{name} is confirmed."), name=md_text(done)))
if not rows:
    st.info(t(N_("No one is waiting to be confirmed in your grids.")))

for row in rows:
    with st.container(border=True):
        st.markdown(
            t(
                N_("**{name}** ({username}) · {grid} · registered {when}"),
                name=md_text(row.display_name),
                username=md_text(row.username),
                grid=md_text(row.grid_name),
                when=format_when(viewer.language, row.registered_at, "short"),
            )
        )
        with st.form(f"verify_{row.user_id}"):
            st.radio(
                t(N_("How did you confirm them?")),
                list(methods),
                key=f"verify_method_{row.user_id}",
                format_func=methods.__getitem__,
            )
            slots = field_slots(("method",))
            st.text_input(
                t(N_("House number (building, unit, room)")),
                key=f"verify_house_{row.user_id}",
                max_chars=verification.HOUSE_MAX,
            )
            slots |= field_slots(("house",))
            st.text_input(
                t(N_("Note (optional)")),
                key=f"verify_note_{row.user_id}",
                max_chars=verification.NOTE_MAX,
            )
            slots |= field_slots(("note",))
            sent = st.form_submit_button(t(N_("Confirm this resident")), type="primary")
        if sent:
            if run_action(viewer, in_session(partial(_confirm, uid=row.user_id)), slots=slots):
                st.session_state["verify_done"] = row.display_name
                st.rerun()
