# Staff: the AHP matrices of an office grid, the survey rounds, and a round's results beside
# seed 002's Dazu figures.

from datetime import timedelta

import pandas as pd
import streamlit as st

from portal import localtime
from portal.assessment import ahp, survey
from portal.assessment.indicators import (
    DAZU_RESPONSES,
    DAZU_TOTAL,
    DIMENSIONS,
    LEVELS,
    items_of,
    label_of,
)
from portal.i18n import N_
from portal.text import md_text
from portal.ui.actions import in_session, run_action
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.speech_widgets import readable, show_flash_at
from portal.ui.widgets import field_slots, grid_label

viewer = require("assessment_manage")
FLASH = "assessment_flash"
t = viewer.t
uid = viewer.require_id()
index = grid_index()
state = st.session_state


def _num(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


st.title(t(N_("Efficacy survey")))
show_flash_at(FLASH, viewer)
with db() as session:
    grids = survey.office_grids(session, uid)
if not grids:
    st.info(t(N_("Your account has no community or street to run a survey for.")))
    st.stop()
grid = grids[
    st.selectbox(
        t(N_("Community or street")),
        range(len(grids)),
        key="am_grid",
        format_func=lambda n: md_text(grid_label(index, grids[n])),
    )
]
weights_tab, rounds_tab, results_tab = st.tabs(
    [t(N_("Weights (AHP)")), t(N_("Survey rounds")), t(N_("Results"))]
)

with weights_tab:
    st.markdown(
        t(
            N_(
                "Compare each pair on Saaty's scale: 1 means equally important, 3 moderately, "
                "5 strongly, 7 very strongly, 9 extremely more important; 1/3 … 1/9 the other way "
                "round. The weights are the principal eigenvector; a matrix whose consistency ratio "
                "is 0.10 or more is refused."
            )
        )
    )
    level = st.selectbox(
        t(N_("Compare")),
        LEVELS,
        key="am_level",
        format_func=lambda lv: (
            t(N_("The four dimensions"))
            if lv == "dimensions"
            else t(N_("Indicators of: {dimension}"), dimension=t(label_of(lv)))
        ),
    )
    with db() as session:
        in_force = survey.matrices_in_force(session, grid.id)[level]
    codes = items_of(level)
    where = (
        t(N_("Equal weights: no matrix has been entered here or above."))
        if in_force.grid_id is None
        else t(
            N_("In force: the matrix entered for {grid} (consistency ratio {cr})."),
            grid=md_text(index.grids[in_force.grid_id].name),
            cr=_num(in_force.cr, 3),
        )
    )
    st.markdown(where)
    st.dataframe(
        pd.DataFrame(
            {
                t(N_("Dimension or indicator")): [t(label_of(c)) for c in codes],
                t(N_("Weight")): [_num(in_force.weights.get(c), 3) for c in codes],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    options = [float(v) for v in ahp.SCALE]
    with st.form(f"am_matrix_{grid.id}_{level}"):
        slots = field_slots(("matrix",))
        chosen: dict[tuple[int, int], float] = {}
        for i in range(len(codes)):
            for j in range(i + 1, len(codes)):
                start = in_force.matrix[i][j]
                start = min(options, key=lambda v: abs(v - start))
                chosen[(i, j)] = st.select_slider(
                    t(
                        N_("How much more important is “{a}” than “{b}”?"),
                        a=t(label_of(codes[i])),
                        b=t(label_of(codes[j])),
                    ),
                    options=options,
                    value=start,
                    format_func=ahp.scale_label,
                    key=f"am_pair_{grid.id}_{level}_{i}_{j}",
                )
        if st.form_submit_button(t(N_("Save the matrix")), type="primary"):
            if run_action(
                viewer,
                in_session(
                    lambda session: survey.save_matrix(
                        session, actor_id=uid, grid_id=grid.id, level=level, pairs=chosen
                    )
                ),
                done=lambda r: t(
                    N_("Saved. Consistency ratio {cr}; the weights above are now in force."),
                    cr=_num(r.cr, 3),
                ),
                slots=slots,
                flash_key=FLASH,
            ):
                st.rerun()

with rounds_tab:
    today = localtime.today()
    with st.form(f"am_round_{grid.id}"):
        slots = field_slots(("title", "period"))
        title = st.text_input(t(N_("Title")), key="am_round_title", max_chars=survey.TITLE_MAX)
        left, right = st.columns(2)
        opens_on = left.date_input(t(N_("First day")), value=today, key="am_round_opens")
        closes_on = right.date_input(
            t(N_("Last day")), value=today + timedelta(days=14), key="am_round_closes"
        )
        st.markdown(
            t(N_("The round takes the weights in force today; later matrices do not change it."))
        )
        if st.form_submit_button(t(N_("Open the round")), type="primary"):
            if run_action(
                viewer,
                in_session(
                    lambda session: survey.open_round(
                        session,
                        actor_id=uid,
                        grid_id=grid.id,
                        title=title,
                        opens_on=opens_on,
                        closes_on=closes_on,
                    )
                ),
                done=t(N_("The survey round is open.")),
                slots=slots,
                flash_key=FLASH,
            ):
                st.rerun()
    with db() as session:
        rounds = survey.rounds_for_staff(session, uid)
    if rounds:
        st.dataframe(
            pd.DataFrame(
                {
                    t(N_("Title")): [r.title for r in rounds],
                    t(N_("Community or street")): [index.grids[r.grid_id].name for r in rounds],
                    t(N_("First day")): [r.opens_on.isoformat() for r in rounds],
                    t(N_("Last day")): [r.closes_on.isoformat() for r in rounds],
                }
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t(N_("No survey round yet.")))

with results_tab:
    with db() as session:
        rounds = [r for r in survey.rounds_for_staff(session, uid) if r.grid_id == grid.id]
    if not rounds:
        st.info(t(N_("No survey round yet.")))
    else:
        picked = rounds[
            st.selectbox(
                t(N_("Survey round")),
                range(len(rounds)),
                key=f"am_result_round_{grid.id}",
                format_func=lambda n: (
                    f"{rounds[n].title} ({rounds[n].opens_on} – {rounds[n].closes_on})"
                ),
            )
        ]
        with db() as session:
            found = survey.results(session, actor_id=uid, round_id=picked.id)
        overall = found.overall
        summary = t(
            N_(
                "{n} responses; weighted total {total} of 5. Dazu district (seed 002): "
                "{dazu} of 5 from {dazu_n} questionnaires."
            ),
            n=overall.responses,
            total=_num(overall.total, 3),
            dazu=_num(DAZU_TOTAL, 3),
            dazu_n=DAZU_RESPONSES,
        )
        st.markdown(f"**{summary}**")
        readable(summary)
        rows = []
        for dimension in DIMENSIONS:
            rows.append(
                {
                    t(N_("Dimension or indicator")): t(dimension.name),
                    t(N_("Weight")): _num(found.weights["dimensions"].get(dimension.code), 3),
                    t(N_("Score")): _num(overall.dimensions.get(dimension.code)),
                    t(N_("Responses")): "",
                    t(N_("Dazu district")): _num(dimension.dazu),
                }
            )
            for indicator in dimension.indicators:
                rows.append(
                    {
                        t(N_("Dimension or indicator")): f"· {t(indicator.name)}",
                        t(N_("Weight")): _num(found.weights["indicators"].get(indicator.code), 3),
                        t(N_("Score")): _num(overall.indicators.get(indicator.code)),
                        t(N_("Responses")): str(overall.counts.get(indicator.code, 0)),
                        t(N_("Dazu district")): _num(indicator.dazu),
                    }
                )
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
        st.markdown(f"#### {t(N_('By home grid'))}")
        grid_rows = []
        for grid_id, scores in sorted(
            found.by_grid.items(),
            key=lambda kv: index.grids[kv[0]].code if kv[0] in index.grids else "",
        ):
            home = index.grids.get(grid_id) if grid_id is not None else None
            row = {
                t(N_("Grid")): grid_label(index, home) if home else "—",
                t(N_("Responses")): scores.responses,
            }
            for dimension in DIMENSIONS:
                row[t(dimension.name)] = _num(scores.dimensions.get(dimension.code))
            row[t(N_("Weighted total"))] = _num(scores.total, 3)
            grid_rows.append(row)
        if grid_rows:
            st.dataframe(pd.DataFrame(grid_rows), hide_index=True, width="stretch")
        else:
            st.info(t(N_("No answers yet.")))
