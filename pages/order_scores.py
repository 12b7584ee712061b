# Two-way assessment (双向考核): the street office scores each department on the joint and
# whistle orders it handled; a department's handlers score the street's dispatch of them.

import streamlit as st

from portal.assessment import scores
from portal.i18n import N_, format_when
from portal.text import md_text
from portal.ui.actions import in_session, run_action
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.speech_widgets import readable, show_flash_at
from portal.ui.widgets import field_slots, grid_label

viewer = require("order_scores")
FLASH = "order_scores_flash"
SHOWN = 30
t = viewer.t
uid = viewer.require_id()
index = grid_index()
handler = viewer.role == "handler"
SPEED = N_("Dispatch speed") if handler else N_("Response speed")
RESULT = N_("Dispatch clarity") if handler else N_("Result")

st.title(t(N_("Two-way assessment")))
intro = (
    t(N_("Score how quickly and how clearly the street office sent you each order (1 to 5)."))
    if handler
    else t(N_("Score each department on the orders it handled: response speed and result, 1 to 5."))
)
st.markdown(intro)
readable(intro)
show_flash_at(FLASH, viewer)
with db() as session:
    rows = scores.orders_to_score(session, index, uid)
    names = {
        d.id: d.name for d in scores.departments_named(session, {r.department_id for r in rows})
    }
if not rows:
    st.info(t(N_("No handled joint or whistle order to score yet.")))
    st.stop()


def _save(row, speed_key: str, result_key: str, comment_key: str):
    state = st.session_state
    common = {
        "report_id": row.report_id,
        "speed": state.get(speed_key),
        "result": state.get(result_key),
        "comment": state.get(comment_key),
    }
    if handler:
        return lambda session: scores.score_street(session, index, actor_id=uid, **common)
    return lambda session: scores.score_department(
        session, index, actor_id=uid, department_id=row.department_id, **common
    )


for row in rows[:SHOWN]:
    mine = row.dispatch_score if handler else row.street_score
    grid = index.grids.get(row.grid_id)
    with st.container(border=True):
        st.markdown(
            "**"
            + t(
                N_("Report #{id} · {department} ({role})"),
                id=row.report_id,
                department=md_text(names.get(row.department_id, "")),
                role=t(N_("lead") if row.role == "lead" else N_("assisting")),
            )
            + "**"
        )
        hours = row.hours
        st.markdown(
            t(
                N_("{grid} · filed {when} · done after {hours} hours"),
                grid=md_text(grid_label(index, grid)) if grid else "",
                when=format_when(viewer.language, row.created_at, "short"),
                hours=f"{hours:.1f}" if hours is not None else "—",
            )
        )
        if mine is not None:
            st.markdown(
                t(
                    N_("Scored: {speed_label} {speed}, {result_label} {result}."),
                    speed_label=t(SPEED),
                    speed=mine.speed,
                    result_label=t(RESULT),
                    result=mine.result,
                )
            )
            continue
        key = f"os_{row.report_id}_{row.department_id}"
        with st.form(key):
            slots = field_slots(("speed", "result", "comment"))
            st.radio(t(SPEED), [1, 2, 3, 4, 5], index=None, horizontal=True, key=f"{key}_speed")
            st.radio(t(RESULT), [1, 2, 3, 4, 5], index=None, horizontal=True, key=f"{key}_result")
            st.text_input(
                t(N_("Comment (optional)")), key=f"{key}_comment", max_chars=scores.COMMENT_MAX
            )
            if st.form_submit_button(t(N_("Save the score")), type="primary"):
                if run_action(
                    viewer,
                    in_session(_save(row, f"{key}_speed", f"{key}_result", f"{key}_comment")),
                    done=t(N_("Score saved.")),
                    slots=slots,
                    flash_key=FLASH,
                ):
                    st.rerun()
