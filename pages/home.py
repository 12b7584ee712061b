import streamlit as st

from portal.grids import chain_for
from portal.i18n import N_
from portal.text import md_text
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.notice_widgets import show_notices
from portal.ui.widgets import grid_label, home_tiles

viewer = require("home")
t = viewer.t

st.title(t(N_("Hello, {name}"), name=md_text(viewer.name)))
index = grid_index()
grid = index.grids.get(viewer.home_grid_id) if viewer.home_grid_id else None
if grid is not None:
    with db() as session:
        lead = chain_for(session, index, grid).lead()
    line = t(N_("You live in {place}."), place=md_text(grid_label(index, grid)))
    if lead is not None:
        line += " " + t(N_("Your contact person is {name}."), name=md_text(lead.name))
    st.markdown(line)
show_notices(viewer)
home_tiles(viewer)
