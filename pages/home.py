import streamlit as st

from portal import auth, reports, translation_reviews
from portal.grids import chain_for
from portal.i18n import N_
from portal.reports import queries
from portal.text import md_text
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.notice_widgets import show_notices
from portal.ui.report_widgets import state_line
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
pages = {p.key: p for p in auth.pages_for(viewer.role)}
first = "report_new" in pages and "my_reports" in pages  # residents and merchants
if first:  # on a phone's first screen, before the notices: snap a report and my open items
    with st.container(border=True, key="home_first"):
        link_to(pages["report_new"], viewer)
        readable(t(pages["report_new"].title), pages["report_new"].title)
        with db() as session:
            mine = [
                r
                for r in queries.my_reports(session, viewer.user_id)
                if r.state in reports.OPEN_STATES
            ]
            names = {
                c.id: reports.category_name(c, viewer.language)
                for c in reports.categories(session, active_only=False)
            }
        if mine:
            count = viewer.nt("{n} open report", "{n} open reports", len(mine))
            st.markdown(count)
            readable(count)
            for report in mine[:3]:
                st.markdown(
                    "- " + state_line(viewer, report, names.get(report.category_id, ""), False)
                )
            link_to(pages["my_reports"], viewer)
        else:
            st.markdown(t(N_("You have no open reports.")))
            readable(t(N_("You have no open reports.")))
show_notices(viewer)
home_tiles(viewer, skip=("report_new",) if first else ())
with db() as session:
    reviews = translation_reviews.appointed_languages(session, viewer.user_id)
if reviews:  # a resident appointed as translation reviewer (staff have it in the menu)
    link_to(auth.PAGE_BY_KEY["translation_review"], viewer)
