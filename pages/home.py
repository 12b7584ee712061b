import streamlit as st

from portal import auth, translation_reviews
from portal.grids import chain_for
from portal.i18n import N_
from portal.text import md_text
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.notice_widgets import show_notices
from portal.ui.shell import link_to
from portal.ui.speech_widgets import readable
from portal.ui.widgets import grid_label, home_tiles

viewer = require("home")
t = viewer.t

st.title(t(N_("Hello, {name}"), name=md_text(viewer.name)))
readable(t(N_("Hello, {name}"), name=viewer.name))
index = grid_index()
grid = index.grids.get(viewer.home_grid_id) if viewer.home_grid_id else None
if grid is not None:
    with db() as session:
        lead = chain_for(session, index, grid).lead()
    place = grid_label(index, grid)
    lines = [(N_("You live in {place}."), {"place": place})]
    if lead is not None:
        lines.append((N_("Your contact person is {name}."), {"name": lead.name}))
    st.markdown(" ".join(t(m, **{k: md_text(v) for k, v in p.items()}) for m, p in lines))
    for msgid, params in lines:
        readable(t(msgid, **params))
show_notices(viewer)
home_tiles(viewer)
with db() as session:
    reviews = translation_reviews.appointed_languages(session, viewer.user_id)
if reviews:  # a resident appointed as translation reviewer (staff have it in the menu)
    link_to(auth.PAGE_BY_KEY["translation_review"], viewer)
