from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from portal import points
from portal.config import TIMEZONE
from portal.i18n import N_, local_time
from portal.ui.actions import in_session, run_action
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db, grid_index, settings
from portal.ui.guard import require
from portal.ui.points_widgets import esc, flash, show_flash, when
from portal.ui.private_media import PrivateFile, private_image
from portal.ui.report_widgets import media_store
from portal.ui.voice_note_widgets import show_voice_notes, voice_notes_of
from portal.ui.widgets import field_slots, grid_label

viewer = require("tasks_manage")
t = viewer.t
uid = viewer.user_id
state = st.session_state
index = grid_index()
area = viewer_area(viewer)  # tasks, proof and figures of one's own area
office = viewer.role in points.OFFICE
SHANGHAI = ZoneInfo(TIMEZONE)


TIMES = [time(h, m) for h in range(24) for m in (0, 30)]


def _hhmm(moment: time) -> str:
    return moment.strftime("%H:%M")


def _moment(day, clock) -> datetime | None:
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=SHANGHAI)


@st.cache_data(ttl=120, show_spinner=False)
def _figures(url: str, month: str, roots: tuple, _area) -> list:  # noqa: ARG001 (cache key)
    """Per grid per month of the viewer's area (keyed by its roots), cached two minutes (read
    from the summary rows, no ledger scan)."""
    with db() as session:
        return points.monthly_by_grid(session, months=6, area=_area)


@st.cache_data(ttl=120, show_spinner=False)
def _board(url: str, grid_id: int, since: datetime | None) -> list:  # noqa: ARG001 (cache key)
    with db() as session:
        return points.leaderboard(session, grid_id=grid_id, since=since)


def _name(grid_id: int) -> str:
    grid = index.grids.get(grid_id)
    return grid_label(index, grid) if grid else "?"


st.title(t(N_("Points tasks")))
show_flash()
labels = [N_("Proof to check"), N_("Publish a task"), N_("Tasks"), N_("Figures")]
if office:
    labels.append(N_("Rules and adjustments"))
tabs = st.tabs([t(x) for x in labels], key="tasks_manage_tab", on_change="rerun")  # kept

with db() as session:
    waiting = points.claims_to_verify(session, actor_id=uid)
    rows = points.tasks_overview(session, actor_id=uid)
    allowed_grids = points.publishable_grids(session, actor_id=uid)

with tabs[0]:
    if not waiting:
        st.info(t(N_("No proof is waiting for your check.")))
    spoken = voice_notes_of(viewer, "task_proof", [item.claim.id for item in waiting])
    for item in waiting:
        claim, task = item.claim, item.task
        with st.container(border=True):
            st.markdown(f"#### {esc(task.title)}")
            st.markdown(
                t(
                    N_("{person} ({username}) · sent {sent} · {points} points"),
                    person=esc(item.person),
                    username=esc(item.username),
                    sent=when(viewer, claim.updated_at),
                    points=task.points,
                )
            )
            if claim.submissions > 1:
                st.markdown(t(N_("Sent again after a rejection.")))
            if claim.proof_note:
                st.markdown(t(N_("Note: {note}"), note=esc(claim.proof_note)))
            if claim.proof_photo:
                data = media_store().read(claim.proof_photo)
                if data:  # through the portal's media route: claimant, checkers, the office
                    photo = PrivateFile("proof", claim.id, data, "image/jpeg")
                    private_image(photo, t(N_("Photo")), 320)
            show_voice_notes(viewer, spoken.get(claim.id, []))
            with st.form(f"verify_form_{claim.id}"):
                st.text_input(
                    t(N_("Reason, if not approved")), key=f"verify_reason_{claim.id}", max_chars=200
                )
                slots = field_slots(("reason",))
                left, right = st.columns(2)
                approve = left.form_submit_button(
                    t(N_("Approve and credit points")), type="primary", width="stretch"
                )
                reject = right.form_submit_button(t(N_("Not approved")), width="stretch")
            if approve or reject:
                verified = run_action(
                    viewer,
                    in_session(
                        lambda session, claim_id=claim.id, approve=bool(approve): (
                            points.verify_claim(
                                session,
                                actor_id=uid,
                                claim_id=claim_id,
                                approve=approve,
                                reason=state.get(f"verify_reason_{claim_id}", ""),
                            )
                        )
                    ),
                    slots=slots,
                )
                if verified and (verdict := verified.value) is not None:
                    _figures.clear()
                    _board.clear()
                    if approve and verdict.entry is None:
                        flash(
                            "success",
                            t(N_("Approved. No points were added: today's limit was reached.")),
                        )
                    elif approve:
                        flash(
                            "success",
                            t(
                                N_("Approved: {points} points credited to {person}."),
                                points=verdict.entry.amount,
                                person=esc(item.person),
                            ),
                        )
                    else:
                        flash(
                            "success",
                            t(N_("Marked as not approved. The person can send proof once more.")),
                        )
                    st.rerun()

with tabs[1]:
    today = local_time(datetime.now(SHANGHAI)).date()
    proofs = list(points.PROOF_LABELS)
    with st.form("task_form"):
        st.text_input(t(N_("Title")), key="task_title", max_chars=80)
        slots = field_slots(("title",))
        st.text_area(t(N_("What needs doing")), key="task_description", max_chars=2000)
        slots |= field_slots(("description",))
        left, right = st.columns(2)
        left.number_input(t(N_("Points for each person")), key="task_points", value=10, step=1)
        right.number_input(t(N_("Places (how many people)")), key="task_places", value=5, step=1)
        slots |= field_slots(("points", "places"))
        st.multiselect(
            t(N_("Open to these grids")),
            allowed_grids,
            key="task_grids",
            format_func=_name,
            placeholder=t(N_("Choose…")),
        )
        slots |= field_slots(("grids",))
        left, right = st.columns(2)
        # half-hour choices: large targets (st.time_input's hour/minute fields are 20 px)
        left.date_input(t(N_("Start day")), key="task_start_day", value=today)
        right.selectbox(
            t(N_("Start time")),
            TIMES,
            key="task_start_time",
            index=2 * datetime.now(SHANGHAI).hour,
            format_func=_hhmm,
        )
        left, right = st.columns(2)
        left.date_input(t(N_("End day")), key="task_end_day", value=today + timedelta(days=7))
        right.selectbox(t(N_("End time")), TIMES, key="task_end_time", index=36, format_func=_hhmm)
        slots |= field_slots(("period",))
        st.selectbox(
            t(N_("Proof needed")),
            proofs,
            key="task_proof",
            index=1,
            format_func=lambda p: t(points.PROOF_LABELS[p]),
        )
        slots |= field_slots(("proof",))
        st.radio(
            t(N_("Who checks the proof")),
            ["team", "me"],
            key="task_verifier",
            horizontal=True,
            format_func=lambda v: (
                t(N_("Anyone on the grid team")) if v == "team" else t(N_("Only me"))
            ),
        )
        slots |= field_slots(("verifier",))
        st.selectbox(
            t(N_("Repeat")),
            ["", "weekly", "monthly"],
            key="task_repeat",
            format_func=lambda r: {
                "": t(N_("Only once")),
                "weekly": t(N_("Every week")),
                "monthly": t(N_("Every month")),
            }[r],
        )
        slots |= field_slots(("repeat",))
        st.number_input(
            t(N_("How many times (for a series)")), key="task_occurrences", value=4, step=1
        )
        slots |= field_slots(("occurrences",))
        publish = st.form_submit_button(t(N_("Publish")), type="primary", width="stretch")
    if publish:
        published = run_action(
            viewer,
            in_session(
                lambda session: points.publish_task(
                    session,
                    actor_id=uid,
                    title=state.get("task_title", ""),
                    description=state.get("task_description", ""),
                    points=state.get("task_points"),
                    places=state.get("task_places"),
                    grid_ids=state.get("task_grids") or [],
                    starts_at=_moment(state.get("task_start_day"), state.get("task_start_time")),
                    ends_at=_moment(state.get("task_end_day"), state.get("task_end_time")),
                    proof=state.get("task_proof", "note"),
                    verifier_id=uid if state.get("task_verifier") == "me" else None,
                    repeat=state.get("task_repeat") or None,
                    occurrences=state.get("task_occurrences", 1),
                )
            ),
            slots=slots,
        )
        if published and (tasks := published.value) is not None:
            flash("success", viewer.nt("Published {n} task.", "Published {n} tasks.", len(tasks)))
            st.rerun()

with tabs[2]:
    if not rows:
        st.info(t(N_("No current tasks.")))
    else:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t(N_("Title")): r.task.title,
                        t(N_("Start")): when(viewer, r.task.starts_at),
                        t(N_("End")): when(viewer, r.task.ends_at),
                        t(N_("Points")): r.task.points,
                        t(N_("Places taken")): f"{r.taken} / {r.task.places}",
                        t(N_("Proof waiting")): r.waiting,
                        t(N_("Approved")): r.approved,
                        t(N_("Status")): t(N_("Cancelled"))
                        if r.task.status == "cancelled"
                        else t(N_("Open")),
                    }
                    for r in rows
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        open_rows = {r.task.id: r for r in rows if r.task.status == "open"}
        if open_rows:
            with st.form("cancel_task_form"):
                st.selectbox(
                    t(N_("Cancel a task")),
                    list(open_rows),
                    key="cancel_task_id",
                    format_func=lambda i: (
                        f"{open_rows[i].task.title} · {when(viewer, open_rows[i].task.starts_at)}"
                    ),
                )
                st.text_input(
                    t(N_("Why is it cancelled?")), key="cancel_task_reason", max_chars=200
                )
                slots = field_slots(("reason",))
                cancel = st.form_submit_button(t(N_("Cancel this task")))
            if cancel:
                cancelled = run_action(
                    viewer,
                    in_session(
                        lambda session: points.cancel_task(
                            session,
                            actor_id=uid,
                            task_id=state.get("cancel_task_id"),
                            reason=state.get("cancel_task_reason", ""),
                        )
                    ),
                    slots=slots,
                )
                if cancelled:
                    flash("success", t(N_("The task was cancelled.")))
                    st.rerun()

with tabs[3]:
    figures = _figures(
        settings().database_url,
        datetime.now(SHANGHAI).strftime("%Y-%m-%d %H"),
        area.roots,
        area,
    )
    st.subheader(t(N_("Points issued and redeemed per grid and month")))
    if figures:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t(N_("Grid")): _name(f.grid_id),
                        t(N_("Month")): f.month,
                        t(N_("Issued")): f.issued,
                        t(N_("Redeemed")): f.redeemed,
                    }
                    for f in figures
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t(N_("No points in the last six months.")))
    st.subheader(t(N_("Leaderboard")))
    choices = [  # the grids of one's own area: a community's board is its grids'
        g.id
        for g in index.of_kind("community")
        + index.of_kind("general")
        + index.of_kind("micro")
        + index.of_kind("exclusive")
        if area.covers(g.id)
    ]
    left, right = st.columns(2)
    board_grid = left.selectbox(t(N_("Grid")), choices, key="board_grid", format_func=_name)
    period = right.radio(
        t(N_("Period")),
        ["month", "all"],
        key="board_period",
        horizontal=True,
        format_func=lambda p: t(N_("This month")) if p == "month" else t(N_("All time")),
    )
    since = points.month_starts(datetime.now(SHANGHAI), 1)[0] if period == "month" else None
    board = _board(settings().database_url, board_grid, since)
    if board:
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t(N_("Rank")): s.rank,
                        t(N_("Name")): s.name if s.name is not None else t(N_("(name not shown)")),
                        t(N_("Points earned")): s.points,
                    }
                    for s in board
                ]
            ),
            hide_index=True,
            width="stretch",
        )
    else:
        st.info(t(N_("Nobody has earned points here yet.")))

if office:
    with tabs[4]:
        with db() as session:
            rule_rows = points.rules(session)
        st.subheader(t(N_("Points for events")))
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        t(N_("Event")): t(points.SOURCE_LABELS.get(r.source, r.source)),
                        t(N_("Points")): t(N_("set on each task"))
                        if r.source == "task"
                        else r.amount,
                        t(N_("Daily limit per person")): r.daily_cap
                        if r.daily_cap is not None
                        else t(N_("none")),
                        t(N_("Switched on")): t(N_("yes")) if r.enabled else t(N_("no")),
                    }
                    for r in rule_rows
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        by_source = {r.source: r for r in rule_rows}
        with st.form("rule_form"):
            source = st.selectbox(
                t(N_("Event")),
                list(by_source),
                key="rule_source",
                format_func=lambda s: t(points.SOURCE_LABELS.get(s, s)),
            )
            st.number_input(t(N_("Points")), key="rule_amount", value=5, step=1)
            slots = field_slots(("amount",))
            st.text_input(
                t(N_("Daily limit per person (empty: no limit)")), key="rule_cap", max_chars=6
            )
            slots |= field_slots(("daily_cap", "source"))
            st.checkbox(t(N_("Switched on")), key="rule_enabled", value=True)
            save_rule = st.form_submit_button(t(N_("Save rule")), type="primary")
        if save_rule:
            rule_saved = run_action(
                viewer,
                in_session(
                    lambda session: points.set_rule(
                        session,
                        actor_id=uid,
                        source=state.get("rule_source"),
                        amount=state.get("rule_amount"),
                        daily_cap=(state.get("rule_cap") or "").strip() or None,
                        enabled=bool(state.get("rule_enabled", True)),
                    )
                ),
                slots=slots,
            )
            if rule_saved:
                flash("success", t(N_("The rule was saved.")))
                st.rerun()

        st.subheader(t(N_("Adjust a person's points")))
        st.markdown(t(N_("Adjustments are shown to the person with your reason.")))
        with st.form("adjust_form"):
            st.text_input(t(N_("Username")), key="adjust_username", max_chars=64)
            slots = field_slots(("user",))
            st.number_input(
                t(N_("Points (negative to take away)")), key="adjust_amount", value=0, step=1
            )
            slots |= field_slots(("amount",))
            st.text_input(t(N_("Reason")), key="adjust_reason", max_chars=200)
            slots |= field_slots(("reason",))
            adjust = st.form_submit_button(t(N_("Save adjustment")), type="primary")
        if adjust:

            def adjust_points(session):
                person = points.find_person(session, state.get("adjust_username", ""))
                return points.adjust(
                    session,
                    actor_id=uid,
                    user_id=person.id if person else None,
                    amount=state.get("adjust_amount"),
                    reason=state.get("adjust_reason", ""),
                )

            adjusted = run_action(viewer, in_session(adjust_points), slots=slots)
            if adjusted and (entry := adjusted.value) is not None:
                _figures.clear()
                _board.clear()
                st.success(
                    t(N_("Saved. The new balance is {balance}."), balance=entry.balance_after)
                )
