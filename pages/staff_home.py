import pandas as pd
import streamlit as st

from portal import auth, voice_clips
from portal.grids import counts_by_general_grid
from portal.i18n import N_, format_number, language
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db, grid_index, this_year
from portal.ui.guard import require
from portal.ui.shell import link_to
from portal.ui.speech_widgets import readable

viewer = require("staff_home")
t = viewer.t
index = grid_index()
area = viewer_area(viewer)

st.title(t(N_("Community overview")))
with db() as session:
    rows = [
        r
        for r in counts_by_general_grid(session, index, this_year(), area.grids)
        if area.covers(r.grid.id)
    ]

totals = {
    N_("General grids"): sum(area.covers(g.id) for g in index.of_kind("general")),
    N_("Micro-grids"): sum(area.covers(g.id) for g in index.of_kind("micro")),
    N_("Exclusive grids"): sum(area.covers(g.id) for g in index.of_kind("exclusive")),
    N_("Households"): sum(r.households for r in rows),
    N_("Registered residents"): sum(r.residents for r in rows),
    N_("Elderly residents (60+)"): sum(r.elderly for r in rows),
}
columns = st.columns(3)
for n, (label, value) in enumerate(totals.items()):
    columns[n % 3].metric(t(label), format_number(viewer.language, value))
    readable(f"{t(label)}: {format_number(viewer.language, value)}")

with db() as session:
    covered = voice_clips.coverage(session)
st.subheader(t(N_("Read-aloud in Tibetan and Yi")))
for cell, cov in zip(st.columns(len(covered)), covered, strict=True):
    text = t(
        N_("{recorded} of {total} phrases ({percent}%)"),
        recorded=cov.recorded,
        total=cov.total,
        percent=cov.percent,
    )
    cell.metric(language(cov.language).native_name, text)
    readable(f"{language(cov.language).native_name}: {text}")
if auth.can_view(viewer.role, "voice_clips"):
    link_to(auth.PAGE_BY_KEY["voice_clips"], viewer)

st.subheader(t(N_("By general grid")))
table = pd.DataFrame(
    [
        {
            t(N_("Grid")): r.grid.name,
            t(N_("Micro-grids")): r.micro_grids,
            t(N_("Exclusive grids")): r.exclusive_grids,
            t(N_("Households")): r.households,
            t(N_("Registered residents")): r.residents,
            t(N_("Merchants")): r.merchants,
            t(N_("Elderly residents (60+)")): r.elderly,
            t(N_("Tibetan, Uyghur or Yi speakers")): r.own_language,
            t(N_("People on duty")): r.duty_holders,
        }
        for r in rows
    ]
)
st.dataframe(table, hide_index=True, width="stretch")
link_to(auth.PAGE_BY_KEY["grid_map"], viewer)
