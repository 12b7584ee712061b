import streamlit as st

from portal import auth, maps, venues
from portal.grids import KIND_LABELS, chain_for
from portal.i18n import N_
from portal.text import md_text
from portal.ui.area_widgets import area_base_map, viewer_area
from portal.ui.data import db, grid_index, settings
from portal.ui.guard import require
from portal.ui.shell import link_to
from portal.ui.venue_widgets import add_venue_pins
from portal.ui.widgets import folium_map, grid_label, responsibility_chain

viewer = require("my_grid")
t = viewer.t
index = grid_index()
grid = index.grids.get(viewer.home_grid_id) if viewer.home_grid_id else None

st.title(t(N_("My grid")))
if grid is None:
    st.info(t(N_("Your account has no courtyard yet. Please ask the community office.")))
    st.stop()

st.subheader(md_text(grid_label(index, grid)))
facts = [t(KIND_LABELS[grid.kind])]
if grid.households:
    facts.append(viewer.nt("{n} household", "{n} households", grid.households))
st.markdown(" · ".join(facts))
st.markdown("#### " + t(N_("Who looks after your grid")))
with db() as session:
    placement = chain_for(session, index, grid)
responsibility_chain(viewer, placement)

area = viewer_area(viewer)
fmap = area_base_map(index, area.grids)
maps.add_grids(
    fmap,
    index,
    settings(),
    {k: t(v) for k, v in KIND_LABELS.items()},
    (t(N_("Name")), t(N_("Kind"))),
    selected_id=grid.id,
    kinds=("community", "general", "micro", "exclusive"),
    only=area.grids,
)
with db() as session:  # the venues layer: what the community lends out (pages/venues.py)
    shared = venues.visible_venues(session, viewer.require_id())
add_venue_pins(fmap, shared, settings(), None)
st.markdown("#### " + t(N_("Map")))
st.markdown(t(N_("Your grid is drawn in red.")))
if shared:
    st.markdown(t(N_("Purple squares are shared venues you can book.")))
    link_to(auth.PAGE_BY_KEY["venues"], viewer)
folium_map(fmap, key="my_grid_map", height=380)
