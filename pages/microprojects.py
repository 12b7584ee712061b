from datetime import timedelta

import streamlit as st

from portal import auth, localtime
from portal import microprojects as mp
from portal.errors import UserError
from portal.i18n import N_, format_day, format_when
from portal.text import record_id
from portal.ui.actions import in_session, run_action
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.microproject_widgets import (
    ERRORS,
    FLASH,
    entries_block,
    money,
    progress,
    project_text,
    run,
    show_flash,
    styles,
)
from portal.ui.speech_widgets import readable
from portal.ui.widgets import field_slots, grid_label, say

viewer = require("microprojects")
t = viewer.t
uid = viewer.user_id
state = st.session_state
index = grid_index()
styles()

st.title(t(N_("Micro-projects")))
show_flash(viewer)

project_id = state.get("mp_id")
bad_link = False
if "id" in st.query_params:  # a link (a notification, a bookmark) names the project
    project_id = record_id(st.query_params["id"])
    bad_link = project_id is None
    state["mp_id"] = project_id


def _open(pid: int | None) -> None:
    state["mp_id"] = pid
    if pid is None:
        st.query_params.pop("id", None)


if bad_link:
    st.warning(t(N_("This link does not name a project. Please choose one in the list.")))
    st.stop()

if project_id is not None:  # one project's page: its progress, the pledge form and its 公示
    st.button(
        t(N_("Back to all projects")),
        key="mp_back",
        icon=":material/arrow_back:",
        on_click=_open,
        args=(None,),
    )
    try:
        with db() as session:
            view = mp.detail(session, project_id=project_id, viewer_id=uid)
    except UserError as exc:
        st.warning(say(viewer, exc.message))
        st.stop()
    st.query_params["id"] = str(project_id)
    card, project = view.card, view.card.project
    grid = index.grids.get(project.grid_id)
    errors = state.pop(ERRORS, {})
    with st.container(border=True):
        project_text(project, heading="h2")
        readable(f"{project.title}。{project.plan}")
        st.markdown(
            " · ".join(
                [
                    t(mp.STATE_LABELS[project.state]),
                    t(mp.CATEGORY_LABELS[project.category]),
                    grid_label(index, grid) if grid else "",
                    t(N_("Proposed by {name}"), name=view.proposer),
                ]
            )
        )
        progress(viewer, card)
        if project.state == "open":
            st.markdown(
                t(
                    N_("Pledges are taken until {day} ({left})."),
                    day=format_day(viewer.language, project.deadline),
                    left=viewer.nt("{n} day left", "{n} days left", card.days_left),
                )
            )
    if view.mine is not None:
        mine = view.mine
        st.subheader(t(N_("Your pledge")))
        line = t(
            N_("{amount} and {points} points, {state}."),
            amount=money(viewer, mine.amount_fen),
            points=mine.points,
            state=t(mp.PLEDGE_LABELS[mine.state]),
        )
        st.markdown(line)
        readable(line)
        if mine.state == "paid" and mine.receipt_no:
            st.markdown(t(N_("Receipt number: {no}"), no=mine.receipt_no))
        if project.state == "open" and mine.state == "promised":
            if st.button(t(N_("Withdraw my pledge")), key="mp_withdraw"):
                with db() as session:
                    run(
                        viewer,
                        lambda: mp.withdraw(session, pledge_id=mine.id, user_id=uid),
                        t(N_("Your pledge was withdrawn. Any points are back in your account.")),
                    )
                st.rerun()
    if view.may_pledge:
        st.subheader(t(N_("Pledge to this project")))
        st.markdown(
            t(
                N_(
                    "A pledge is a promise: you pay at the community office once the project is approved. If the project is not approved or misses its deadline, your pledge is released."
                )
            )
        )
        with st.form("mp_pledge_form"):
            st.text_input(
                t(N_("Amount in yuan")),
                key="mp_amount",
                placeholder=t(N_("For example: 200")),
            )
            slots = field_slots(("amount",))
            st.number_input(
                t(N_("Points (optional)")),
                key="mp_points",
                min_value=0,
                max_value=mp.MAX_POINTS,
                step=10,
                help=t(N_("Points are taken from your points now and returned if it is released.")),
            )
            slots |= field_slots(("points",))
            pledged = st.form_submit_button(t(N_("Pledge")), type="primary", width="stretch")
        if pledged:
            done = run_action(
                viewer,
                in_session(
                    lambda s: mp.pledge(
                        s,
                        project_id=project.id,
                        user_id=uid,
                        amount=state.get("mp_amount", ""),
                        points=state.get("mp_points") or 0,
                    )
                ),
                slots=slots,
            )
            if done:
                for key in ("mp_amount", "mp_points"):
                    state.pop(key, None)
                state[FLASH] = ("success", t(N_("Thank you. Your pledge is recorded.")))
                st.rerun()
    elif project.state == "open" and view.mine is None:
        st.info(t(N_("Confirmed residents and merchants of this community can pledge.")))
    entries_block(viewer, view)
    with st.expander(t(N_("History of this project"))):
        for event in view.trail:
            st.markdown(
                f"{format_when(viewer.language, event.at)} · {t(mp.EVENT_LABELS.get(event.kind, event.kind))}"
            )
    st.stop()

# --- the list: the community's projects, my pledges, and the proposal form ----------------------
st.markdown(
    t(
        N_(
            "Small projects for our courtyards: neighbours pledge money or points, the community office adds a matched share, and every yuan spent is published with its receipt."
        )
    )
)
with db() as session:
    cards = mp.projects(session, viewer_id=uid)
    mine = mp.my_pledges(session, user_id=uid) if uid else []
    proposing = mp.may_propose(session, uid)
if not cards:
    st.info(t(N_("No projects yet in our community.")))
for card in cards:
    project = card.project
    with st.container(border=True):
        project_text(project, heading="h3", short=True)
        progress(viewer, card)
        readable(
            t(
                N_("{title}: {raised} of {goal}"),
                title=project.title,
                raised=money(viewer, card.raised_fen),
                goal=money(viewer, project.goal_fen),
            )
        )
        st.button(
            t(N_("Open the project")),
            key=f"mp_open_{project.id}",
            on_click=_open,
            args=(project.id,),
        )

if mine:
    st.subheader(t(N_("My pledges")))
    for pledge, project in mine:
        st.markdown(
            t(
                N_("{title}: {amount} and {points} points, {state}."),
                title=project.title,
                amount=money(viewer, pledge.amount_fen),
                points=pledge.points,
                state=t(mp.PLEDGE_LABELS[pledge.state]),
            )
        )

if proposing:
    st.subheader(t(N_("Propose a project")))
    area = viewer_area(viewer)
    grids = sorted((g for g in index.grids.values() if area.covers(g.id)), key=lambda g: g.code)
    names = {g.id: grid_label(index, g) for g in grids if g.kind != "community"} or {
        g.id: grid_label(index, g) for g in grids
    }
    today = localtime.today()
    state.setdefault("mp_grid", viewer.home_grid_id if viewer.home_grid_id in names else None)
    state.setdefault("mp_deadline", today + timedelta(days=30))
    with st.form("mp_propose_form"):
        st.text_input(t(N_("Title")), key="mp_title", max_chars=mp.TITLE_MAX)
        slots = field_slots(("title",))
        st.text_area(
            t(N_("The plan")),
            key="mp_plan",
            max_chars=mp.PLAN_MAX,
            help=t(N_("What will be done, where, by whom, and what it costs.")),
        )
        slots |= field_slots(("plan",))
        st.selectbox(
            t(N_("Kind of project")),
            list(mp.CATEGORY_LABELS),
            key="mp_category",
            index=None,
            format_func=lambda c: t(mp.CATEGORY_LABELS[c]),
            placeholder=t(N_("Choose…")),
        )
        slots |= field_slots(("category",))
        st.selectbox(
            t(N_("For which courtyard or grid?")),
            list(names),
            key="mp_grid",
            format_func=names.__getitem__,
            placeholder=t(N_("Choose…")),
        )
        slots |= field_slots(("grid",))
        st.text_input(t(N_("Goal in yuan")), key="mp_goal", placeholder="50000")
        slots |= field_slots(("goal",))
        st.date_input(
            t(N_("Last day for pledges")),
            key="mp_deadline",
            min_value=today + timedelta(days=1),
            max_value=today + timedelta(days=mp.MAX_DAYS),
        )
        slots |= field_slots(("deadline",))
        proposed = st.form_submit_button(
            t(N_("Propose the project")), type="primary", width="stretch"
        )
    if proposed:
        done = run_action(
            viewer,
            in_session(
                lambda s: mp.propose(
                    s,
                    proposer_id=uid,
                    title=state.get("mp_title", ""),
                    plan=state.get("mp_plan", ""),
                    category=state.get("mp_category"),
                    grid_id=state.get("mp_grid"),
                    goal=state.get("mp_goal", ""),
                    deadline=state.get("mp_deadline"),
                    language=viewer.language,
                )
            ),
            slots=slots,
        )
        if done and done.value is not None:
            for key in ("mp_title", "mp_plan", "mp_category", "mp_goal"):
                state.pop(key, None)
            state["mp_id"] = done.value.id
            state[FLASH] = (
                "success",
                t(N_("Your project is proposed. Neighbours can pledge now.")),
            )
            st.rerun()
elif uid is not None and viewer.role in ("resident", "merchant"):
    st.info(t(N_("Once a grid worker has confirmed your account you can propose and pledge.")))
link_to_manage = auth.PAGE_BY_KEY["microprojects_manage"]
if viewer.role in link_to_manage.roles:
    from portal.ui.shell import link_to

    link_to(link_to_manage, viewer)
