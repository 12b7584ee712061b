import streamlit as st

from portal import maps
from portal.cockpit_scope import area_bounds
from portal.grids import KIND_LABELS, PLACE_LABELS, chain_for, locate
from portal.i18n import N_
from portal.text import md_text
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db, grid_index, settings
from portal.ui.guard import require
from portal.ui.widgets import folium_map, grid_label, responsibility_chain

viewer = require("grid_map")
t = viewer.t
index = grid_index()
area = viewer_area(viewer)
kind_labels = {k: t(v) for k, v in KIND_LABELS.items()}

st.title(t(N_("Grid map")))
st.markdown(
    t(N_("Click a grid on the map, or choose it from the list, to see who is responsible."))
)

choices = {
    g.id: f"{kind_labels[g.kind]} · {grid_label(index, g)}"
    for kind in ("general", "micro", "exclusive")
    for g in index.of_kind(kind)
    if area.covers(g.id)
}
kinds = st.multiselect(
    t(N_("Show")),
    list(kind_labels),
    default=list(kind_labels),
    format_func=kind_labels.__getitem__,
    key="map_kinds",
    placeholder=t(N_("Choose…")),
)
selected = st.selectbox(
    t(N_("Grid")),
    list(choices),
    key="map_grid",
    index=None,
    format_func=choices.__getitem__,
    placeholder=t(N_("Choose…")),
)

shown = None if area.whole else area.grids
fmap = maps.base_map(settings(), index.bounds() if shown is None else area_bounds(index, shown))
maps.add_grids(
    fmap,
    index,
    settings(),
    kind_labels,
    (t(N_("Name")), t(N_("Kind"))),
    selected_id=selected,
    kinds=kinds or ("community",),
    only=shown,
)
state = folium_map(fmap, key="grid_map", height=520, clicks=True)

point = maps.clicked_point(state, settings())
if point is not None and point != st.session_state.get("_map_last_click"):
    st.session_state["_map_last_click"] = point
    with db() as session:
        placement = locate(session, index, *point)
    if placement.inside and placement.grid.id != selected and area.covers(placement.grid.id):
        st.session_state["map_grid"] = placement.grid.id
        st.rerun()

st.markdown(
    t(
        N_(
            "Legend: thick blue line = general grid; thin grey = micro-grid; "
            "dashed brown = exclusive grid; red = selected."
        )
    )
)
if selected is not None:
    grid = index.grids[selected]
    st.subheader(md_text(grid_label(index, grid)))
    facts = [kind_labels[grid.kind]]
    if grid.place_type:
        facts.append(t(PLACE_LABELS.get(grid.place_type, grid.place_type)))
    if grid.households:
        facts.append(viewer.nt("{n} household", "{n} households", grid.households))
    st.markdown(" · ".join(facts))
    with db() as session:
        responsibility_chain(viewer, chain_for(session, index, grid))
