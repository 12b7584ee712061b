from datetime import timedelta

import streamlit as st

from portal import areas, auth, localtime, maps, reports
from portal.cockpit_scope import area_bounds
from portal.grids import KIND_LABELS
from portal.i18n import N_
from portal.reports import queries, visibility
from portal.reports.clock import is_overdue
from portal.text import record_id
from portal.ui.data import db, grid_index, settings
from portal.ui.guard import require
from portal.ui.report_widgets import show_media, show_timeline, state_line, user_text
from portal.ui.translation_widgets import show_translation, translation_form
from portal.ui.widgets import folium_map

viewer = require("report_map")
t = viewer.t
index = grid_index()
state_names = {s: t(label) for s, label in reports.STATE_LABELS.items()}

st.title(t(N_("Reports map")))
with db() as session:
    cats = {
        c.id: reports.category_name(c, viewer.language) for c in reports.categories(session, False)
    }
    area = areas.area_of(session, auth.active_user(session, viewer.user_id), index)
# the communities of the viewer's area (a street's staff tell theirs apart), and their grids
communities = {g.id: g.name for g in areas.communities_in(index, area)}

with st.expander(t(N_("Filters")), expanded=True):
    chosen_community = None
    if len(communities) > 1:
        chosen_community = st.selectbox(
            t(N_("Community")),
            list(communities),
            key="rm_community",
            index=None,
            format_func=communities.__getitem__,
            placeholder=t(N_("All")),
        )
    inside = areas.area_of_roots(areas.parents_from(index), [chosen_community])
    generals = {
        g.id: g.name
        for g in index.of_kind("general")
        if area.covers(g.id) and (chosen_community is None or inside.covers(g.id))
    }
    chosen_cats = st.multiselect(
        t(N_("Kind of problem")),
        list(cats),
        key="rm_cats",
        format_func=cats.__getitem__,
        placeholder=t(N_("All")),
    )
    chosen_states = st.multiselect(
        t(N_("State")),
        list(state_names),
        key="rm_states",
        format_func=state_names.__getitem__,
        placeholder=t(N_("All")),
    )
    chosen_grid = st.selectbox(
        t(N_("General grid")),
        list(generals),
        key="rm_grid",
        index=None,
        format_func=generals.__getitem__,
        placeholder=t(N_("All")),
    )
    today = localtime.today()
    period = st.date_input(
        t(N_("Reported between")), (today - timedelta(days=90), today), key="rm_dates"
    )
    heat = st.toggle(t(N_("Heat map")), key="rm_heat")

grid_ids: tuple[int, ...] = ()
if chosen_grid is None and chosen_community is not None:
    grid_ids = tuple(inside.grid_list())
if chosen_grid is not None:
    grid_ids = tuple(
        g.id for g in index.grids.values() if chosen_grid in [a.id for a in index.ancestors(g)]
    )
since = until = None
if isinstance(period, (tuple, list)) and len(period) == 2:
    since, until = localtime.day_start(period[0]), localtime.day_end(period[1])
flt = queries.MapFilter(tuple(chosen_cats), tuple(chosen_states), grid_ids, since, until)
with db() as session:
    me = visibility.reader(session, index, auth.active_user(session, viewer.user_id))
    rows = queries.map_points(session, flt, visible=visibility.visible_reports(me))

overdue = sum(1 for r in rows if r[4])
st.markdown(t(N_("{n} reports shown, {k} overdue."), n=len(rows), k=overdue))
shown_area = inside if chosen_community is not None else area
fmap = maps.base_map(
    settings(), index.bounds() if shown_area.whole else area_bounds(index, shown_area.roots)
)
maps.add_grids(
    fmap,
    index,
    settings(),
    {k: t(v) for k, v in KIND_LABELS.items()},
    (t(N_("Name")), t(N_("Kind"))),
    kinds=("community", "general", "micro", "exclusive"),
    only=shown_area.grids,
)
if heat:
    maps.add_heat(fmap, rows, settings())
else:
    maps.add_report_pins(
        fmap, rows, settings(), reports.STATE_COLOURS, reports.STATE_MARKS, state_names
    )
state = folium_map(fmap, key="report_map", height=540, clicks=True)
st.markdown(
    t(
        N_(
            "Pins: S submitted, A with a handler, H being handled, R resolved, V checked, "
            "C closed, B returned, O reopened; a black square with ! is overdue."
        )
    )
)

point = maps.clicked_point(state, settings())
if point is not None:
    row = maps.nearest_row(rows, *point)
    if row is not None:
        st.session_state["rm_open"] = row[0]
if "report" in st.query_params and "rm_open" not in st.session_state:  # a link to one report
    st.session_state["rm_open"] = record_id(st.query_params["report"]) or -1
report_id = st.session_state.get("rm_open")
report = None
if report_id:
    with db() as session:
        if report_id > 0 and visibility.may_read(
            session, index, auth.active_user(session, viewer.user_id), report_id
        ):
            report = queries.report(session, report_id)
        else:  # no such report, or not one of this reader's: the same answer for both
            st.warning(t(N_("There is no report with this number that you can open.")))
        if report is not None:
            st.subheader(t(N_("Report #{id}"), id=report.id))
            st.markdown(
                state_line(viewer, report, cats.get(report.category_id, ""), is_overdue(report)),
                unsafe_allow_html=True,
            )
            if report.description:
                user_text(report.description, report.language)
            show_media(viewer, session, report.id)
            show_timeline(viewer, session, report.id)
    if report is not None and report.description:
        show_translation(viewer, "report", report.id, report.language)
        translation_form(viewer, "report", report.id)
