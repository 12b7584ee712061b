import json

import streamlit as st

from portal import maps, reports
from portal.grids import KIND_LABELS
from portal.i18n import N_, format_when
from portal.reports import queries
from portal.ui.area_widgets import area_base_map
from portal.ui.data import db, grid_index, settings
from portal.ui.guard import require
from portal.ui.report_widgets import show_timeline, state_line, user_text
from portal.ui.speech_widgets import readable_list
from portal.ui.translation_widgets import show_translation
from portal.ui.widgets import folium_map

viewer = require("public_reports")
t = viewer.t
index = grid_index()
state_names = {s: t(label) for s, label in reports.STATE_LABELS.items()}

st.title(t(N_("Problems in our community")))
st.markdown(
    t(
        N_(
            "Open reports and those closed in the last 30 days. Names are not shown, places are "
            "shown to the street corner, and a report's words only when its reporter chose so."
        )
    )
)
with db() as session:
    # a resident: their own community's; a visitor: the deployment's, or a community chosen
    whose = queries.public_area(
        session, index, viewer.user_id, st.session_state.get("pub_community")
    )
    if whose.communities:
        st.selectbox(
            t(N_("Community")),
            list(whose.communities),
            key="pub_community",
            index=None,
            format_func=whose.communities.__getitem__,
            placeholder=t(N_("All")),
        )
    public = queries.public_list(session, grids=whose.grids)
    cats = {
        c.id: reports.category_name(c, viewer.language) for c in reports.categories(session, False)
    }
rows = [(r.id, r.lat, r.lon, r.state, r.overdue) for r in public]
fmap = area_base_map(index, whose.grids)
maps.add_grids(
    fmap,
    index,
    settings(),
    {k: t(v) for k, v in KIND_LABELS.items()},
    (t(N_("Name")), t(N_("Kind"))),
    kinds=("community", "general"),
    only=whose.grids,
)
maps.add_report_pins(
    fmap, rows, settings(), reports.STATE_COLOURS, reports.STATE_MARKS, state_names
)
state = folium_map(fmap, key="public_map", height=420, clicks=True)
point = maps.clicked_point(state, settings())
if point is not None and (row := maps.nearest_row(rows, *point)) is not None:
    st.session_state["pub_open"] = row[0]

chosen = st.session_state.get("pub_open")
shown = [r for r in public if r.id == chosen] + [r for r in public if r.id != chosen]
readable_list(
    viewer,
    [f"{cats.get(r.category_id, '')}: {state_names[r.state]}" for r in shown],
)
for report in shown[:30]:
    with st.container(border=True):
        st.markdown(
            f"**{state_line(viewer, report, cats.get(report.category_id, ''), report.overdue)}**",
            unsafe_allow_html=True,
        )
        st.markdown(format_when(viewer.language, report.created_at, "short"))
        if report.description:
            user_text(report.description, report.language)
            show_translation(viewer, "report", report.id, report.language)
        if report.id == chosen:  # one timeline per run: the page stays quick with many reports
            st.markdown("**" + t(N_("Progress")) + "**")
            with db() as session:
                show_timeline(viewer, session, report.id, public=True)
        elif st.button(t(N_("Progress")), key=f"pub_progress_{report.id}"):
            st.session_state["pub_open"] = report.id
            st.rerun()


def _open311(which: str) -> str:
    """Built only when someone presses the button (deferred download): the reports shown here."""
    with db() as session:
        if which == "services":
            return json.dumps(queries.open311_services(session), ensure_ascii=False, indent=1)
        return queries.open311_json(session, grids=whose.grids)


st.subheader(t(N_("Open data")))
st.download_button(
    t(N_("Download report types (Open311 services, JSON)")),
    lambda: _open311("services"),
    "services.json",
    "application/json",
    key="dl_services",
)
st.download_button(
    t(N_("Download public reports (Open311 requests, JSON)")),
    lambda: _open311("requests"),
    "requests.json",
    "application/json",
    key="dl_requests",
)
