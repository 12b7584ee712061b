import json

import streamlit as st

from portal import reports
from portal.i18n import N_
from portal.reports import queries as report_queries
from portal.ui.actions import in_session, run_action
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.widgets import field_slots

viewer = require("report_categories")
t = viewer.t

st.title(t(N_("Report categories")))
st.markdown(t(N_("Components (部件) and events (事件): who handles each by default and how fast.")))
with db() as session:
    cats = reports.categories(session, active_only=False)
    departments = report_queries.department_names(session, viewer_area(viewer))
kinds = {
    "component": t(N_("Component (fixed things: facilities, roads, lights)")),
    "event": t(N_("Event (things that happen: rubbish, noise, disputes)")),
}
choices = {0: t(N_("New category"))} | {
    c.id: reports.category_name(c, viewer.language) for c in cats
}
chosen = st.selectbox(
    t(N_("Category")), list(choices), key="cat_pick", format_func=choices.__getitem__
)
current = next((c for c in cats if c.id == chosen), None)
names = json.loads(current.names) if current else {}

with st.form(f"category_form_{chosen}"):
    st.text_input(
        t(N_("Category code")), value=current.code if current else "", key=f"cat_code_{chosen}"
    )
    slots = field_slots(("code",))
    st.radio(
        t(N_("Kind")),
        list(kinds),
        format_func=kinds.__getitem__,
        horizontal=True,
        index=list(kinds).index(current.kind) if current else 1,
        key=f"cat_kind_{chosen}",
    )
    slots |= field_slots(("kind",))
    st.text_input(t(N_("Name in Chinese")), value=names.get("zh_Hans", ""), key=f"cat_zh_{chosen}")
    slots |= field_slots(("name_zh",))
    st.text_input(t(N_("Name in English")), value=names.get("en", ""), key=f"cat_en_{chosen}")
    st.selectbox(
        t(N_("Default department")),
        [None, *departments],
        key=f"cat_dept_{chosen}",
        index=([None, *departments].index(current.department_id) if current else 0),
        format_func=lambda d: departments.get(d, t(N_("None"))),
    )
    slots |= field_slots(("department",))
    st.number_input(
        t(N_("Time limit (hours)")),
        1,
        720,
        current.time_limit_hours if current else 72,
        key=f"cat_hours_{chosen}",
    )
    slots |= field_slots(("time_limit_hours",))
    st.number_input(
        t(N_("Duplicate radius (metres)")),
        5,
        2000,
        current.duplicate_radius_m if current else 50,
        key=f"cat_radius_{chosen}",
    )
    slots |= field_slots(("duplicate_radius_m",))
    st.number_input(
        t(N_("Look for duplicates in the last (days)")),
        1,
        90,
        current.duplicate_days if current else 14,
        key=f"cat_days_{chosen}",
    )
    slots |= field_slots(("duplicate_days",))
    st.checkbox(
        t(N_("In use")), value=current.active if current else True, key=f"cat_active_{chosen}"
    )
    saved = st.form_submit_button(t(N_("Save")), type="primary")

if saved:
    s = st.session_state
    run_action(
        viewer,
        in_session(
            lambda session: reports.save_category(
                session,
                actor_id=viewer.user_id,
                category_id=current.id if current else None,
                code=s[f"cat_code_{chosen}"],
                kind=s[f"cat_kind_{chosen}"],
                name_zh=s[f"cat_zh_{chosen}"],
                name_en=s[f"cat_en_{chosen}"],
                department_id=s[f"cat_dept_{chosen}"],
                time_limit_hours=int(s[f"cat_hours_{chosen}"]),
                duplicate_radius_m=int(s[f"cat_radius_{chosen}"]),
                duplicate_days=int(s[f"cat_days_{chosen}"]),
                active=s[f"cat_active_{chosen}"],
            )
        ),
        slots=slots,
        done=t(N_("Saved.")),
    )
