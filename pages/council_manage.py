from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from portal import council as c
from portal.config import TIMEZONE
from portal.council import attachments as council_files
from portal.i18n import N_, format_day_ago
from portal.reports import LEVEL_LABELS
from portal.text import md_text
from portal.ui.area_widgets import viewer_area
from portal.ui.council_form_widgets import attachments_block, council_form, item_staff_tools
from portal.ui.council_widgets import (
    act,
    badges,
    esc,
    facts,
    item_header,
    meeting_name,
    option_text,
    show_flash,
    styles,
    submit,
    tally_block,
    typed,
    when,
)
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.translation_widgets import show_translation, translation_form
from portal.ui.voice_note_widgets import show_voice_notes, voice_notes_of
from portal.ui.widgets import field_slots

viewer = require("council_manage")
t = viewer.t
uid = viewer.user_id
state = st.session_state
TZ = ZoneInfo(TIMEZONE)
styles()

st.title(t(N_("Council management")))
show_flash()


def _call(fn, done: str):
    """Button callback: one service call in its own session, outcome flashed."""

    def run():
        with db() as session:
            fn(session)

    act(viewer, run, done)


area = viewer_area(viewer)  # the councils of one's own area only
with db() as session:
    all_councils = c.councils(session, area)

# --- no council yet: create one ------------------------------------------------------------------
if not all_councils:
    st.info(t(N_("There is no council yet. Create the community's council first.")))
    with db() as session:
        council_grids = c.council_grids(session, area)
    council_form(viewer, uid, council_grids, "council_create_form")
    st.stop()

council_names = {x.id: x.name for x in all_councils}
if state.get("council_manage_new") in council_names:  # just created: show it
    state["council_manage_id"] = state.pop("council_manage_new")
with st.expander(t(N_("Create another council (for a general grid)")), icon=":material/add:"):
    with db() as session:
        council_grids = c.council_grids(session, area)
    council_form(viewer, uid, council_grids, "council_more_form")
if len(all_councils) > 1:
    st.selectbox(
        t(N_("Council")),
        list(council_names),
        key="council_manage_id",
        format_func=council_names.__getitem__,
    )
council_id = state.get("council_manage_id") or all_councils[0].id

with db() as session:
    council = session.get(c.Council, council_id)
    balance = c.balance(session, council_id)
    seat_views = c.seats(session, council_id)
    meeting_list = c.meetings(session, council_id)

st.markdown(f"**{md_text(council.name)}**")
if not balance.equal:
    st.html(
        '<p class="linli-council-warn" role="alert">⚠ '
        + esc(
            t(
                N_(
                    "The groups are unequal ({grid} grid, {resident} resident, {merchant} merchant). Voting cannot open until they are equal."
                ),
                **balance.counts,
            )
        )
        + "</p>"
    )

tab_seats, tab_meeting, tab_proposals, tab_agenda, tab_vote, tab_actions = st.tabs(
    [
        t(N_("Seats and rules")),
        t(N_("Meetings")),
        t(N_("Screen proposals")),
        t(N_("Agenda")),
        t(N_("Voting and attendance")),
        t(N_("Actions")),
    ],
    key="council_manage_tab",  # kept after an action (the banner above used to reset it)
    on_change="rerun",
)

# --- seats and rules -----------------------------------------------------------------------------
with tab_seats:
    facts(
        *[
            t(
                N_("{group}: {n} of {target} seats"),
                group=t(c.GROUP_LABELS[g]),
                n=balance.counts[g],
                target=balance.target,
            )
            for g in c.SEAT_GROUPS
        ]
    )
    for view in seat_views:
        left, right = st.columns([3, 1])
        left.markdown(
            md_text(f"{t(c.GROUP_LABELS[view.seat.seat_group])} · {view.name} ({view.username})")
        )
        right.button(
            t(N_("End seat")),
            key=f"council_end_seat_{view.seat.id}",
            on_click=_call,
            args=(
                lambda s, sid=view.seat.id: c.end_seat(s, seat_id=sid, actor_id=uid),
                t(N_("The seat was ended.")),
            ),
        )
    st.subheader(t(N_("Give a seat")))
    st.selectbox(
        t(N_("Seat group")),
        list(c.SEAT_GROUPS),
        key="council_seat_group",
        format_func=lambda g: t(c.GROUP_LABELS[g]),
    )
    with db() as session:
        candidates = c.seat_choices(session, state.get("council_seat_group") or "grid", council.id)
    held = {v.seat.user_id for v in seat_views}
    people = {u.id: f"{u.display_name} ({u.username})" for u in candidates if u.id not in held}
    st.selectbox(
        t(N_("Person holding the seat")),
        list(people),
        key="council_seat_person",
        index=None,
        format_func=lambda i: people.get(i, ""),
        placeholder=t(N_("Choose…")),
    )
    st.button(
        t(N_("Give the seat")),
        key="council_seat_add",
        type="primary",
        width="stretch",
        on_click=_call,
        args=(
            lambda s: c.add_seat(
                s,
                council_id=council_id,
                user_id=state.get("council_seat_person"),
                group=state.get("council_seat_group"),
                actor_id=uid,
            ),
            t(N_("The seat was given.")),
        ),
    )

    st.subheader(t(N_("Voting rules")))
    with st.form("council_rules_form"):
        st.number_input(
            t(N_("Seats per group")),
            key="council_rule_seats",
            min_value=1,
            max_value=50,
            value=council.seats_per_group,
            step=1,
        )
        slots = field_slots(("seats_per_group",))
        st.number_input(
            t(N_("Quorum: seats that must vote (numerator)")),
            key="council_rule_qnum",
            min_value=1,
            max_value=100,
            value=council.quorum_num,
            step=1,
        )
        st.number_input(
            t(N_("Quorum: out of (denominator)")),
            key="council_rule_qden",
            min_value=1,
            max_value=100,
            value=council.quorum_den,
            step=1,
        )
        slots |= field_slots(("quorum",))
        majorities = list(c.MAJORITY_LABELS)
        st.selectbox(
            t(N_("Majority")),
            majorities,
            key="council_rule_majority",
            index=majorities.index(council.majority),
            format_func=lambda m: t(c.MAJORITY_LABELS[m]),
        )
        slots |= field_slots(("majority",))
        st.number_input(
            t(N_("Proposals close this many days before the meeting")),
            key="council_rule_days",
            min_value=0,
            max_value=60,
            value=council.proposal_days,
            step=1,
        )
        slots |= field_slots(("proposal_days",))
        saved = st.form_submit_button(t(N_("Save the rules")), type="primary", width="stretch")
    if saved:

        def _rules():
            with db() as session:
                c.set_rules(
                    session,
                    council_id=council_id,
                    actor_id=uid,
                    seats_per_group=int(state["council_rule_seats"]),
                    quorum_num=int(state["council_rule_qnum"]),
                    quorum_den=int(state["council_rule_qden"]),
                    majority=state["council_rule_majority"],
                    proposal_days=int(state["council_rule_days"]),
                )

        submit(viewer, slots, _rules, t(N_("The rules were saved.")))

# --- meetings ------------------------------------------------------------------------------------
open_meetings = [m for m in meeting_list if m.status != "minutes_published"]
meeting_names = {
    m.id: f"{meeting_name(viewer, m)} · {t(c.MEETING_LABELS[m.status])}" for m in meeting_list
}
default = open_meetings[-1] if open_meetings else (meeting_list[0] if meeting_list else None)
if default is not None and state.get("council_manage_meeting") not in meeting_names:
    state["council_manage_meeting"] = default.id
meeting = None
with tab_meeting:
    if meeting_list:
        st.selectbox(
            t(N_("Meeting")),
            list(meeting_names),
            key="council_manage_meeting",
            format_func=meeting_names.__getitem__,
        )
    with db() as session:
        meeting = (
            session.get(c.CouncilMeeting, state.get("council_manage_meeting"))
            if meeting_list
            else None
        )
    if meeting is not None:
        st.subheader(meeting_name(viewer, meeting))
        facts(
            t(N_("When: {when}"), when=when(viewer, meeting.starts_at)),
            t(N_("Where: {place}"), place=meeting.place),
            t(N_("Status: {status}"), status=t(c.MEETING_LABELS[meeting.status])),
            t(N_("Proposals until: {when}"), when=when(viewer, meeting.proposal_deadline)),
        )
        mid = meeting.id
        if meeting.status == "draft":
            st.button(
                t(N_("Publish the meeting")),
                key="council_publish",
                type="primary",
                width="stretch",
                on_click=_call,
                args=(
                    lambda s: c.publish_meeting(s, meeting_id=mid, actor_id=uid),
                    t(
                        N_(
                            "The meeting is published. Residents can send proposals until the deadline."
                        )
                    ),
                ),
            )
        elif meeting.status == "published":
            st.button(
                t(N_("Open voting")),
                key="council_open_voting",
                type="primary",
                width="stretch",
                disabled=not balance.equal,
                on_click=_call,
                args=(
                    lambda s: c.open_voting(s, meeting_id=mid, actor_id=uid),
                    t(N_("Voting is open.")),
                ),
            )
        elif meeting.status == "voting_open":
            with db() as session:
                owners = {
                    u.id: f"{u.display_name} ({u.username})" for u in c.owner_choices(session)
                }
            state.setdefault("council_close_owner", uid if uid in owners else None)
            st.selectbox(
                t(N_("Owner of the actions for adopted items")),
                list(owners),
                key="council_close_owner",
                format_func=lambda i: owners.get(i, ""),
            )
            st.number_input(
                t(N_("Days until the actions are due")),
                key="council_close_days",
                min_value=1,
                max_value=366,
                value=c.DEFAULT_ACTION_DAYS,
                step=1,
            )
            st.button(
                t(N_("Close voting")),
                key="council_close_voting",
                type="primary",
                width="stretch",
                on_click=_call,
                args=(
                    lambda s: c.close_voting(
                        s,
                        meeting_id=mid,
                        actor_id=uid,
                        action_owner_id=state.get("council_close_owner"),
                        action_days=int(state.get("council_close_days") or c.DEFAULT_ACTION_DAYS),
                    ),
                    t(N_("Voting is closed. The results are fixed.")),
                ),
            )
        elif meeting.status == "voting_closed":
            with st.form("council_minutes_form"):
                st.text_area(
                    t(N_("Minutes of the meeting")),
                    key="council_minutes",
                    max_chars=c.MINUTES_MAX,
                    height=200,
                )
                slots = field_slots(("minutes",))
                published = st.form_submit_button(
                    t(N_("Publish the minutes")), type="primary", width="stretch"
                )
            if published:

                def _minutes():
                    with db() as session:
                        c.publish_minutes(
                            session,
                            meeting_id=mid,
                            actor_id=uid,
                            minutes=state.get("council_minutes", ""),
                        )

                submit(
                    viewer,
                    slots,
                    _minutes,
                    t(N_("The minutes are published.")),
                    clear=("council_minutes",),
                )
        elif meeting.minutes:
            typed("", meeting.minutes, "zh_Hans", heading="span")

    st.subheader(t(N_("New meeting")))
    with st.form("council_meeting_form"):
        st.date_input(
            t(N_("Date of the meeting")),
            key="council_meet_date",
            value=date.today() + timedelta(days=14),
            format="YYYY-MM-DD",
        )
        st.time_input(t(N_("Time of the meeting")), key="council_meet_time", value=time(19, 0))
        slots = field_slots(("starts_at", "proposal_deadline"))
        st.text_input(t(N_("Meeting place")), key="council_meet_place", max_chars=c.PLACE_MAX)
        slots |= field_slots(("place",))
        made = st.form_submit_button(
            t(N_("Create the meeting as a draft")), type="primary", width="stretch"
        )
    if made:
        day, at = state.get("council_meet_date"), state.get("council_meet_time")
        starts = datetime.combine(day, at, tzinfo=TZ) if day and at else None

        def _meeting():
            with db() as session:
                c.create_meeting(
                    session,
                    council_id=council_id,
                    actor_id=uid,
                    starts_at=starts,
                    place=state.get("council_meet_place", ""),
                )

        submit(
            viewer,
            slots,
            _meeting,
            t(N_("The meeting was created as a draft.")),
            clear=("council_meet_place",),
        )

if meeting is None:
    st.stop()
mid = meeting.id
with db() as session:
    submitted = c.proposals(session, mid, statuses=("submitted",))
    still_open = c.proposals(session, mid, statuses=("submitted", "accepted"))
    screened = c.proposals(session, mid, statuses=("accepted", "merged", "declined"))
    agenda = c.agenda(session, mid)
    item_files = council_files.for_items(session, [v.item for v in agenda])
    proposal_files = council_files.for_proposals(session, [v.proposal.id for v in submitted])
    wish_rows = c.wish_candidates(session, council_id)
    report_rows = c.report_candidates(session, council_id)
    present = c.attendance(session, mid)
editable = meeting.status in ("draft", "published")

# --- screening proposals -------------------------------------------------------------------------
with tab_proposals:
    if not submitted:
        st.info(t(N_("No proposals are waiting for screening.")))
    spoken = voice_notes_of(viewer, "proposal", [v.proposal.id for v in submitted])
    for view in submitted:
        p = view.proposal
        with st.container(border=True, key=f"council_screen_{p.id}"):
            typed(p.title, p.body, p.language)
            attachments_block(viewer, proposal_files.get(p.id, []), f"council_screen_files_{p.id}")
            show_voice_notes(viewer, spoken.get(p.id, []))
            show_translation(viewer, "proposal", p.id, p.language)
            translation_form(viewer, "proposal", p.id)
            labels = badges(
                t(N_("Proposed by {name}"), name=view.author_name),
                viewer.nt("{n} supporter", "{n} supporters", view.support),
                when(viewer, p.created_at),
            )
            st.html(f'<p class="linli-council-facts">{labels}</p>')
            if not editable:
                continue
            st.button(
                t(N_("Accept onto the agenda")),
                key=f"council_accept_{p.id}",
                type="primary",
                width="stretch",
                on_click=_call,
                args=(
                    lambda s, pid=p.id: c.accept_proposal(s, proposal_id=pid, actor_id=uid),
                    t(N_("The proposal is on the agenda.")),
                ),
            )
            targets = {v.proposal.id: v.proposal.title for v in still_open if v.proposal.id != p.id}
            if targets:
                st.selectbox(
                    t(N_("Merge with a similar proposal")),
                    list(targets),
                    key=f"council_merge_to_{p.id}",
                    index=None,
                    format_func=lambda i, targets=targets: targets.get(i, ""),
                    placeholder=t(N_("Choose…")),
                )
                st.button(
                    t(N_("Merge")),
                    key=f"council_merge_{p.id}",
                    width="stretch",
                    on_click=_call,
                    args=(
                        lambda s, pid=p.id: c.merge_proposal(
                            s,
                            proposal_id=pid,
                            into_id=state.get(f"council_merge_to_{pid}"),
                            actor_id=uid,
                        ),
                        t(
                            N_(
                                "The proposal was merged. Its supporters now count for the other one."
                            )
                        ),
                    ),
                )
            st.text_input(
                t(N_("Reason for declining (the proposer sees it)")),
                key=f"council_decline_reason_{p.id}",
                max_chars=c.REASON_MAX,
            )
            st.button(
                t(N_("Decline")),
                key=f"council_decline_{p.id}",
                width="stretch",
                on_click=_call,
                args=(
                    lambda s, pid=p.id: c.decline_proposal(
                        s,
                        proposal_id=pid,
                        actor_id=uid,
                        reason=state.get(f"council_decline_reason_{pid}", ""),
                    ),
                    t(N_("The proposal was declined. The proposer can see the reason.")),
                ),
            )
    if screened:
        st.subheader(t(N_("Screened")))
        facts(
            *[
                f"{v.proposal.title} · {t(c.PROPOSAL_LABELS[v.proposal.status])}"
                + (f" · {v.proposal.reason}" if v.proposal.reason else "")
                for v in screened
            ]
        )

# --- agenda --------------------------------------------------------------------------------------
with tab_agenda:
    if not agenda:
        st.info(t(N_("The agenda is empty.")))
    for view in agenda:
        with st.container(border=True, key=f"council_agenda_{view.item.id}"):
            item_header(viewer, view)
            item_staff_tools(viewer, uid, view, item_files.get(view.item.id, []), meeting.status)
            if editable:
                st.text_input(
                    t(N_("Reason for taking it off")),
                    key=f"council_remove_reason_{view.item.id}",
                    max_chars=c.REASON_MAX,
                )
                st.button(
                    t(N_("Take off the agenda")),
                    key=f"council_remove_{view.item.id}",
                    on_click=_call,
                    args=(
                        lambda s, iid=view.item.id: c.remove_item(
                            s,
                            item_id=iid,
                            actor_id=uid,
                            reason=state.get(f"council_remove_reason_{iid}", ""),
                        ),
                        t(N_("The item was taken off the agenda.")),
                    ),
                )
    if editable:
        st.subheader(t(N_("Wishes promoted from the wish wall")))
        if not wish_rows:
            st.info(t(N_("No promoted wish is waiting.")))
        for promotion, wish in wish_rows:
            with st.container(border=True, key=f"council_wish_{wish.id}"):
                typed(wish.title, wish.body, wish.language)
                facts(viewer.nt("{n} supporter", "{n} supporters", promotion.support))
                st.button(
                    t(N_("Put on the agenda")),
                    key=f"council_add_wish_{wish.id}",
                    width="stretch",
                    on_click=_call,
                    args=(
                        lambda s, wid=wish.id: c.add_item(
                            s, meeting_id=mid, actor_id=uid, source="wish", source_id=wid
                        ),
                        t(N_("The wish is on the agenda.")),
                    ),
                )
        st.subheader(t(N_("Escalated or recurring reports")))
        if not report_rows:
            st.info(t(N_("No escalated or recurring report is waiting.")))
        for report, count in report_rows:
            with st.container(border=True, key=f"council_report_{report.id}"):
                typed(t(N_("Report #{id}"), id=report.id), report.description, report.language)
                facts(
                    t(N_("Level: {level}"), level=t(LEVEL_LABELS[report.level])),
                    t(N_("{n} neighbours reported it too"), n=count),
                )
                st.button(
                    t(N_("Put on the agenda")),
                    key=f"council_add_report_{report.id}",
                    width="stretch",
                    on_click=_call,
                    args=(
                        lambda s, rid=report.id: c.add_item(
                            s, meeting_id=mid, actor_id=uid, source="report", source_id=rid
                        ),
                        t(N_("The report is on the agenda.")),
                    ),
                )
        st.subheader(t(N_("Add an item of the community office or of a member")))
        members = {
            v.seat.user_id: f"{v.name} ({t(c.GROUP_LABELS[v.seat.seat_group])})" for v in seat_views
        }
        with st.form("council_item_form"):
            st.text_input(
                t(N_("Title of the item")), key="council_item_title", max_chars=c.ITEM_TITLE_MAX
            )
            slots = field_slots(("title",))
            st.text_area(t(N_("Background")), key="council_item_background", max_chars=c.BODY_MAX)
            slots |= field_slots(("background",))
            st.selectbox(
                t(N_("Proposed by a member (optional)")),
                list(members),
                key="council_item_member",
                index=None,
                format_func=lambda i: members.get(i, ""),
                placeholder=t(N_("The community office")),
            )
            slots |= field_slots(("proposer", "source"))
            added = st.form_submit_button(
                t(N_("Add to the agenda")), type="primary", width="stretch"
            )
        if added:
            member = state.get("council_item_member")

            def _add():
                with db() as session:
                    c.add_item(
                        session,
                        meeting_id=mid,
                        actor_id=uid,
                        source="member" if member else "staff",
                        proposer_id=member,
                        title=state.get("council_item_title", ""),
                        background=state.get("council_item_background", ""),
                    )

            submit(
                viewer,
                slots,
                _add,
                t(N_("The item is on the agenda.")),
                clear=("council_item_title", "council_item_background", "council_item_member"),
            )

# --- voting and attendance -----------------------------------------------------------------------
with tab_vote:
    members = {
        v.seat.user_id: f"{v.name} ({t(c.GROUP_LABELS[v.seat.seat_group])})" for v in seat_views
    }
    for view in agenda:
        with st.container(border=True, key=f"council_tally_{view.item.id}"):
            typed(view.item.title, "", view.item.language)
            tally_block(viewer, view.tally, view.item.outcome or None)
    if meeting.status == "voting_open" and agenda:
        st.subheader(t(N_("Record a show of hands for a member")))
        items = {v.item.id: v.item.title for v in agenda}
        st.selectbox(
            t(N_("Item")), list(items), key="council_hand_item", format_func=items.__getitem__
        )
        st.selectbox(
            t(N_("Member")),
            list(members),
            key="council_hand_member",
            index=None,
            format_func=lambda i: members.get(i, ""),
            placeholder=t(N_("Choose…")),
        )
        picked = next((v for v in agenda if v.item.id == state.get("council_hand_item")), agenda[0])
        offered = {
            o.key: md_text(option_text(viewer, o)) for o in picked.options
        }  # the item's own or the default
        if state.get("council_hand_choice") not in offered:
            state.pop("council_hand_choice", None)
        st.radio(
            t(N_("Ballot")),
            list(offered),
            key="council_hand_choice",
            horizontal=True,
            format_func=offered.__getitem__,
        )
        st.button(
            t(N_("Record the ballot (by hand)")),
            key="council_hand_save",
            type="primary",
            width="stretch",
            on_click=_call,
            args=(
                lambda s: c.record_hand_vote(
                    s,
                    item_id=state.get("council_hand_item"),
                    member_id=state.get("council_hand_member"),
                    choice=state.get("council_hand_choice"),
                    actor_id=uid,
                ),
                t(N_("The ballot was recorded and marked as by hand.")),
            ),
        )
    if meeting.status != "draft":
        st.subheader(t(N_("Attendance")))
        facts(
            t(
                N_("{n} of {seats} members present."),
                n=len(present & set(members)),
                seats=len(members),
            )
        )
        absent = {k: v for k, v in members.items() if k not in present}
        for member_id, label in members.items():
            if member_id in present:
                st.markdown("✓ " + md_text(t(N_("{name} · present"), name=label)))
        if absent:
            st.selectbox(
                t(N_("Member present")),
                list(absent),
                key="council_attend_member",
                index=None,
                format_func=lambda i: absent.get(i, ""),
                placeholder=t(N_("Choose…")),
            )
            st.button(
                t(N_("Record as present")),
                key="council_attend_save",
                width="stretch",
                on_click=_call,
                args=(
                    lambda s: c.record_attendance(
                        s,
                        meeting_id=mid,
                        member_id=state.get("council_attend_member"),
                        actor_id=uid,
                    ),
                    t(N_("Recorded as present. The member earns the council points once.")),
                ),
            )

# --- actions -------------------------------------------------------------------------------------
with tab_actions:
    with db() as session:
        actions = c.open_actions(session, council_id)
        owners = {u.id: f"{u.display_name} ({u.username})" for u in c.owner_choices(session)}
    if not actions:
        st.info(t(N_("No actions yet.")))
    for action, item, owner_name in actions:
        with st.container(border=True, key=f"council_action_{action.id}"):
            typed(item.title, "", item.language)
            facts(
                t(
                    N_("Action: {status} · owner {owner} · due {due}"),
                    status=t(c.ACTION_LABELS[action.status]),
                    owner=owner_name,
                    due=format_day_ago(viewer.language, action.due_date),
                )
            )
            if action.status == "done":
                continue
            with st.form(f"council_action_form_{action.id}"):
                state.setdefault(f"council_owner_{action.id}", action.owner_id)
                st.selectbox(
                    t(N_("Owner")),
                    list(owners),
                    key=f"council_owner_{action.id}",
                    format_func=lambda i: owners.get(i, ""),
                )
                st.date_input(
                    t(N_("Due date")),
                    key=f"council_due_{action.id}",
                    value=action.due_date,
                    format="YYYY-MM-DD",
                )
                slots = field_slots(("owner", "due_date"))
                assigned = st.form_submit_button(t(N_("Save owner and due date")), width="stretch")
            if assigned:

                def _assign(aid=action.id):
                    with db() as session:
                        c.set_action(
                            session,
                            action_id=aid,
                            actor_id=uid,
                            owner_id=state.get(f"council_owner_{aid}"),
                            due_date=state.get(f"council_due_{aid}"),
                        )

                submit(viewer, slots, _assign, t(N_("Owner and due date saved.")))
            with st.form(f"council_progress_form_{action.id}"):
                statuses = list(c.ACTION_LABELS)
                st.selectbox(
                    t(N_("How far is the work?")),
                    statuses,
                    key=f"council_progress_status_{action.id}",
                    index=statuses.index(action.status),
                    format_func=lambda s_: t(c.ACTION_LABELS[s_]),
                )
                st.text_input(
                    t(N_("What was done (residents see this)")),
                    key=f"council_progress_note_{action.id}",
                    max_chars=c.NOTE_MAX,
                )
                slots = field_slots(("status", "note"))
                reported = st.form_submit_button(
                    t(N_("Report progress")), type="primary", width="stretch"
                )
            if reported:

                def _progress(aid=action.id):
                    with db() as session:
                        c.report_progress(
                            session,
                            action_id=aid,
                            actor_id=uid,
                            status=state.get(f"council_progress_status_{aid}"),
                            note=state.get(f"council_progress_note_{aid}", ""),
                        )

                submit(
                    viewer,
                    slots,
                    _progress,
                    t(N_("Progress reported. Residents can see it.")),
                    clear=(f"council_progress_note_{action.id}",),
                )
