import streamlit as st

from portal import auth
from portal import microprojects as mp
from portal.errors import UserError
from portal.i18n import N_
from portal.ui.actions import in_session, run_action
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.microproject_widgets import (
    FLASH,
    entries_block,
    money,
    progress,
    project_text,
    run,
    show_flash,
    styles,
)
from portal.ui.shell import link_to
from portal.ui.speech_widgets import readable
from portal.ui.widgets import field_slots, grid_label, say

viewer = require("microprojects_manage")
t = viewer.t
uid = viewer.user_id
state = st.session_state
index = grid_index()
styles()

st.title(t(N_("Micro-projects office")))
show_flash(viewer)
st.markdown(
    t(
        N_(
            "Set your office's matching rule, approve funded projects or send them to the council, record payments made at the office and publish progress and spending."
        )
    )
)

# --- the matching rule of the office -----------------------------------------------------------
st.subheader(t(N_("Matching rule")))
with db() as session:
    offices = mp.office_rules(session, uid)
for grid, rule, used in offices:
    if rule is None:
        line = t(N_("{office}: no matching yet."), office=grid.name)
    else:
        line = t(
            N_("{office}: {percent}% of pledges, at most {cap} per project, budget {budget}."),
            office=grid.name,
            percent=rule.ratio_percent,
            cap=money(viewer, rule.cap_fen) if rule.cap_fen is not None else t(N_("no limit")),
            budget=money(viewer, rule.budget_fen)
            if rule.budget_fen is not None
            else t(N_("no limit")),
        )
        line += " " + t(
            N_("Already given to funded projects: {amount}."), amount=money(viewer, used)
        )
    st.markdown(line)
    readable(line)
office_names = {g.id: g.name for g, _r, _u in offices}
if office_names:
    with st.form("mp_rule_form"):
        st.selectbox(
            t(N_("Office")), list(office_names), key="mp_rule_grid", format_func=office_names.get
        )
        slots = field_slots(("grid",))
        st.text_input(t(N_("Matching in percent (100 = 1:1)")), key="mp_rule_ratio", value="100")
        slots |= field_slots(("ratio",))
        st.text_input(t(N_("Most per project in yuan (empty: no limit)")), key="mp_rule_cap")
        slots |= field_slots(("cap",))
        st.text_input(t(N_("Whole budget in yuan (empty: no limit)")), key="mp_rule_budget")
        slots |= field_slots(("budget",))
        saved = st.form_submit_button(t(N_("Save the matching rule")), type="primary")
    if saved:
        run_action(
            viewer,
            in_session(
                lambda s: mp.set_rule(
                    s,
                    actor_id=uid,
                    grid_id=state.get("mp_rule_grid"),
                    ratio_percent=state.get("mp_rule_ratio", ""),
                    cap=state.get("mp_rule_cap", ""),
                    budget=state.get("mp_rule_budget", ""),
                )
            ),
            slots=slots,
            done=t(N_("The matching rule is saved.")),
        )

# --- the projects of the office's area ---------------------------------------------------------
st.subheader(t(N_("Projects")))
with db() as session:
    cards = mp.projects(session, viewer_id=uid)
if not cards:
    st.info(t(N_("No projects yet.")))
    link_to(auth.PAGE_BY_KEY["microprojects"], viewer)
    st.stop()
waiting = [c for c in cards if c.project.state == "funded"]
if waiting:
    st.markdown(t(N_("Waiting for your decision: {n}"), n=len(waiting)))
labels = {
    c.project.id: f"#{c.project.id} {c.project.title} · {t(mp.STATE_LABELS[c.project.state])}"
    for c in cards
}
first = (waiting or cards)[0].project.id
state.setdefault("mp_pick", first)
if state.get("mp_pick") not in labels:
    state["mp_pick"] = first
picked = st.selectbox(t(N_("Project")), list(labels), key="mp_pick", format_func=labels.get)
try:
    with db() as session:
        view = mp.detail(session, project_id=picked, viewer_id=uid)
except UserError as exc:
    st.warning(say(viewer, exc.message))
    st.stop()
card, project = view.card, view.card.project
grid = index.grids.get(project.grid_id)
with st.container(border=True):
    project_text(project)
    st.markdown(
        " · ".join(
            [
                t(mp.STATE_LABELS[project.state]),
                grid_label(index, grid) if grid else "",
                t(N_("Proposed by {name}"), name=view.proposer),
            ]
        )
    )
    progress(viewer, card)


def _do(action, done: str) -> None:
    with db() as session:
        run(viewer, lambda: action(session), done)


if project.state == "funded":
    st.markdown(t(N_("The goal is reached. Approve it, or put it on the council's next agenda.")))
    st.text_input(t(N_("Note (optional)")), key="mp_note")
    left, right = st.columns(2)
    left.button(
        t(N_("Approve the project")),
        key="mp_approve",
        type="primary",
        on_click=_do,
        args=(
            lambda s: mp.approve(
                s, actor_id=uid, project_id=project.id, note=state.get("mp_note", "")
            ),
            t(N_("The project is approved. Record the payments as people pay.")),
        ),
    )
    right.button(
        t(N_("Send to the council's next meeting")),
        key="mp_council",
        on_click=_do,
        args=(
            lambda s: mp.send_to_council(s, actor_id=uid, project_id=project.id),
            t(N_("The project is on the agenda of the council's next meeting.")),
        ),
    )
if project.state in ("funded", "council"):
    with st.form("mp_reject_form"):
        st.text_input(t(N_("Why it is not approved")), key="mp_reason")
        slots = field_slots(("reason",))
        rejected = st.form_submit_button(t(N_("Do not approve (pledges are released)")))
    if rejected:
        run_action(
            viewer,
            in_session(
                lambda s: mp.reject(
                    s, actor_id=uid, project_id=project.id, reason=state.get("mp_reason", "")
                )
            ),
            slots=slots,
            done=t(N_("The project is not approved; its pledges are released.")),
        )
if project.state == "council":
    st.info(t(N_("The council decides; its outcome comes back here by itself.")))

if project.state in ("approved", "completed"):
    promised = [p for p in view.pledges if p.pledge.state == "promised" and p.pledge.amount_fen]
    if promised:
        st.subheader(t(N_("Record a payment")))
        choices = {
            p.pledge.id: f"{p.name} · {money(viewer, p.pledge.amount_fen)}" for p in promised
        }
        with st.form("mp_pay_form"):
            st.selectbox(
                t(N_("Pledge")), list(choices), key="mp_pay_pledge", format_func=choices.get
            )
            st.text_input(t(N_("Receipt number")), key="mp_receipt")
            slots = field_slots(("receipt",))
            paid = st.form_submit_button(t(N_("Record the payment")), type="primary")
        if paid:
            done = run_action(
                viewer,
                in_session(
                    lambda s: mp.record_payment(
                        s,
                        actor_id=uid,
                        pledge_id=state.get("mp_pay_pledge"),
                        receipt_no=state.get("mp_receipt", ""),
                    )
                ),
                slots=slots,
            )
            if done:
                state.pop("mp_receipt", None)
                state[FLASH] = ("success", t(N_("The payment is recorded.")))
                st.rerun()
    st.subheader(t(N_("Publish progress or spending")))
    kinds = {"spending": t(N_("Money spent")), "progress": t(N_("Progress update"))}
    with st.form("mp_publish_form"):
        st.radio(t(N_("What")), list(kinds), key="mp_kind", format_func=kinds.get, horizontal=True)
        st.text_input(t(N_("What was done, or what the money paid for")), key="mp_body")
        slots = field_slots(("kind", "body"))
        st.text_input(t(N_("Amount in yuan (money spent)")), key="mp_spent")
        slots |= field_slots(("amount",))
        st.date_input(t(N_("Day (money spent)")), key="mp_spent_on", value=None)
        st.file_uploader(
            t(N_("Receipt or progress photo")),
            type=["jpg", "jpeg", "png", "webp"],
            key="mp_photo",
        )
        slots |= field_slots(("photo",))
        published = st.form_submit_button(t(N_("Publish")), type="primary")
    if published:
        upload = state.get("mp_photo")
        done = run_action(
            viewer,
            in_session(
                lambda s: mp.publish(
                    s,
                    actor_id=uid,
                    project_id=project.id,
                    kind=state.get("mp_kind") or "spending",
                    body=state.get("mp_body", ""),
                    amount=state.get("mp_spent", ""),
                    spent_on=state.get("mp_spent_on"),
                    photo=upload.getvalue() if upload is not None else None,
                )
            ),
            slots=slots,
        )
        if done:
            for key in ("mp_body", "mp_spent", "mp_photo"):
                state.pop(key, None)
            state[FLASH] = ("success", t(N_("Published for the community.")))
            st.rerun()
    if project.state == "approved":
        st.button(
            t(N_("Mark the project completed")),
            key="mp_complete",
            on_click=_do,
            args=(
                lambda s: mp.complete(s, actor_id=uid, project_id=project.id),
                t(N_("The project is completed.")),
            ),
        )

if view.pledges:
    st.subheader(t(N_("Pledges")))
    rows = [
        {
            t(N_("Name")): p.name,
            t(N_("Amount")): money(viewer, p.pledge.amount_fen),
            t(N_("Points")): p.pledge.points,
            t(N_("State")): t(mp.PLEDGE_LABELS[p.pledge.state]),
            t(N_("Receipt number")): p.pledge.receipt_no or "",
        }
        for p in view.pledges
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
entries_block(viewer, view)
link_to(auth.PAGE_BY_KEY["microprojects"], viewer)
