# Deputies' desk (人大代表、政协委员板块): the community's deputies and CPPCC members with their
# reception days, a request form (optionally booking a reception time), my requests; for a deputy
# or the office: incoming requests (answer, public outline, forward as a report, close); the office
# keeps profiles and slots; everyone of the community reads the public trail.

from datetime import date, datetime, time, timedelta
from functools import partial

import streamlit as st

from portal import deputies, reports
from portal.areas import communities_in
from portal.deputies import queries
from portal.i18n import N_, format_when
from portal.localtime import ZONE, at
from portal.permissions import role_can
from portal.text import md_text
from portal.ui.actions import in_session, run_action
from portal.ui.area_widgets import viewer_area
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.report_widgets import media_store
from portal.ui.speech_widgets import readable, show_flash_at
from portal.ui.widgets import field_slots

viewer = require("deputies")
t = viewer.t
state = st.session_state
me = viewer.require_id()
FLASH = "deputies_flash"
TIMES = [time(h, m) for h in range(7, 22) for m in (0, 30)]


def when(moment: datetime) -> str:
    return format_when(viewer.language, moment, "short")


def done(text: str, keys: tuple[str, ...] = ()) -> None:
    for key in keys:
        state.pop(key, None)
    state[FLASH] = ("success", text)
    st.rerun()


with db() as session:
    cards = queries.deputies(session, actor_id=me)
    mine = queries.my_requests(session, actor_id=me)
    responder = queries.may_respond(session, me)
    inbox = queries.incoming(session, actor_id=me) if responder else []
    trail = queries.trail(session, actor_id=me)
    categories = {
        c.id: reports.category_name(c, viewer.language) for c in reports.categories(session)
    }
may_ask = bool(role_can(viewer.role, "deputy.request"))
manager = bool(role_can(viewer.role, "deputy.manage"))

st.title(t(N_("Deputies' desk")))
st.markdown(
    t(
        N_(
            "The people's congress deputies and CPPCC members who live or work in our community "
            "receive residents on their reception days. Leave them a request or book a reception "
            "time. What was raised and what happened is shown below without names; your own words "
            "are seen only by you, the deputy and the community office."
        )
    )
)
show_flash_at(FLASH, viewer)

st.header(t(N_("Deputies of our community")))
if not cards:
    st.info(t(N_("No deputy is listed for your community yet.")))
for card in cards:
    with st.container(border=True, key=f"dep_card_{card.id}"):
        st.subheader(md_text(card.name))
        role_line = t(
            N_("{body} · {level} level"),
            body=t(deputies.BODY_LABELS[card.body]),
            level=t(deputies.LEVEL_LABELS[card.level]),
        )
        st.markdown(role_line)
        readable(f"{card.name}: {role_line}")
        if card.bio:
            st.markdown(md_text(card.bio))
        if card.reception_days or card.reception_place:
            st.markdown(
                t(
                    N_("Reception: {days} at {place}"),
                    days=md_text(card.reception_days or "—"),
                    place=md_text(card.reception_place or "—"),
                )
            )
        if card.free_slots:
            st.markdown(
                t(
                    N_("Free reception times: {times}"),
                    times=", ".join(when(s.starts_at) for s in card.free_slots),
                )
            )
        if not may_ask:
            continue
        slot_names = {s.id: when(s.starts_at) for s in card.free_slots}
        prefix = f"dep_{card.id}"
        with st.form(f"{prefix}_form"):
            st.text_input(t(N_("Topic")), key=f"{prefix}_topic", max_chars=deputies.TOPIC_MAX)
            slots = field_slots(("topic",))
            st.text_area(
                t(N_("What would you like to raise?")),
                key=f"{prefix}_text",
                max_chars=deputies.BODY_MAX,
            )
            slots |= field_slots(("text",))
            st.selectbox(
                t(N_("Book a reception time (optional)")),
                [None, *slot_names],
                key=f"{prefix}_slot",
                format_func=lambda s, names=slot_names: (
                    t(N_("No appointment, just write")) if s is None else names[s]
                ),
            )
            slots |= field_slots(("slot",))
            sent = st.form_submit_button(t(N_("Send the request")), type="primary", width="stretch")
        if sent:
            action = in_session(
                partial(
                    lambda session, deputy_id, p: deputies.leave_request(
                        session,
                        actor_id=me,
                        deputy_id=deputy_id,
                        topic=state.get(f"{p}_topic", ""),
                        text=state.get(f"{p}_text", ""),
                        slot_id=state.get(f"{p}_slot"),
                    ),
                    deputy_id=card.id,
                    p=prefix,
                )
            )
            if run_action(viewer, action, slots=slots):
                done(
                    t(N_("Your request has been sent to {name}."), name=card.name),
                    (f"{prefix}_topic", f"{prefix}_text", f"{prefix}_slot"),
                )


def request_lines(r: queries.RequestDetail, with_name: bool) -> None:
    head = t(
        N_("**{topic}** · to {deputy} · {state}"),
        topic=md_text(r.topic),
        deputy=md_text(r.deputy_name),
        state=t(deputies.STATE_LABELS[r.state]),
    )
    st.markdown(head)
    readable(t(N_("{topic}: {state}"), topic=r.topic, state=t(deputies.STATE_LABELS[r.state])))
    facts = [t(N_("Sent {when}"), when=when(r.created_at))]
    if with_name:
        facts.insert(0, t(N_("From {name}"), name=md_text(r.resident_name)))
    if r.slot_starts_at is not None:
        facts.append(t(N_("Reception booked for {when}"), when=when(r.slot_starts_at)))
    if r.report_id is not None:
        facts.append(t(N_("Forwarded as report no. {n}"), n=r.report_id))
    st.markdown(" · ".join(facts))
    st.markdown(md_text(r.body))
    if r.answer:
        st.markdown(t(N_("Answer: {text}"), text=md_text(r.answer)))
    if r.outline:
        st.markdown(t(N_("Public outline: {text}"), text=md_text(r.outline)))


if mine:
    st.header(t(N_("My requests")))
    for r in mine:
        with st.container(border=True):
            request_lines(r, with_name=False)

if responder:
    st.header(t(N_("Requests to answer")))
    if not inbox:
        st.info(t(N_("No requests have come in yet.")))
    for r in inbox:
        with st.container(border=True, key=f"dep_incoming_{r.id}"):
            request_lines(r, with_name=True)
            if r.state == "closed":
                continue
            p = f"dep_in_{r.id}"
            with st.form(f"{p}_form"):
                st.text_area(
                    t(N_("Answer to the resident")),
                    key=f"{p}_answer",
                    max_chars=deputies.ANSWER_MAX,
                )
                slots = field_slots(("answer",))
                st.text_input(
                    t(N_("Public outline (no names: what was raised, what happened)")),
                    key=f"{p}_outline",
                    value=r.outline or "",
                    max_chars=deputies.OUTLINE_MAX,
                )
                slots |= field_slots(("outline",))
                st.selectbox(
                    t(N_("Kind of problem, to forward it as a report")),
                    list(categories),
                    key=f"{p}_category",
                    index=None,
                    format_func=categories.__getitem__,
                    placeholder=t(N_("Choose…")),
                )
                slots |= field_slots(("category",))
                answer_it = st.form_submit_button(t(N_("Send the answer")), type="primary")
                outline_it = st.form_submit_button(t(N_("Save the public outline")))
                forward_it = st.form_submit_button(t(N_("Forward as a report")))
                close_it = st.form_submit_button(t(N_("Close the request")))
            rid = r.id
            if answer_it:
                action = in_session(
                    lambda s, rid=rid, p=p: deputies.answer(
                        s,
                        actor_id=me,
                        request_id=rid,
                        text=state.get(f"{p}_answer", ""),
                        outline=state.get(f"{p}_outline") or None,
                    )
                )
                if run_action(viewer, action, slots=slots):
                    done(t(N_("The answer has been sent.")), (f"{p}_answer",))
            if outline_it:
                action = in_session(
                    lambda s, rid=rid, p=p: deputies.write_outline(
                        s, actor_id=me, request_id=rid, outline=state.get(f"{p}_outline", "")
                    )
                )
                if run_action(viewer, action, slots=slots):
                    done(t(N_("The public outline has been saved.")))
            if forward_it:
                action = in_session(
                    lambda s, rid=rid, p=p: deputies.forward(
                        s,
                        grid_index(),
                        media_store(),
                        actor_id=me,
                        request_id=rid,
                        category_id=state.get(f"{p}_category"),
                    )
                )
                forwarded = run_action(viewer, action, slots=slots)
                if forwarded and forwarded.value is not None:
                    done(t(N_("Forwarded as report no. {n}"), n=forwarded.value.id))
            if close_it:
                action = in_session(
                    lambda s, rid=rid: deputies.close(s, actor_id=me, request_id=rid)
                )
                if run_action(viewer, action, slots=slots):
                    done(t(N_("The request is closed.")))

if manager:
    st.header(t(N_("Deputies and reception times")))
    communities = {g.id: g.name for g in communities_in(grid_index(), viewer_area(viewer))}
    with st.form("dep_new_form"):
        st.subheader(t(N_("Add a deputy")))
        st.selectbox(
            t(N_("Community")),
            list(communities),
            key="dep_new_grid",
            format_func=communities.__getitem__,
        )
        slots = field_slots(("grid",))
        st.text_input(t(N_("Name")), key="dep_new_name", max_chars=deputies.NAME_MAX)
        slots |= field_slots(("name",))
        st.radio(
            t(N_("Body")),
            list(deputies.BODY_LABELS),
            key="dep_new_body",
            horizontal=True,
            format_func=lambda b: t(deputies.BODY_LABELS[b]),
        )
        slots |= field_slots(("body",))
        st.selectbox(
            t(N_("Level")),
            list(deputies.LEVEL_LABELS),
            key="dep_new_level",
            index=3,
            format_func=lambda v: t(deputies.LEVEL_LABELS[v]),
        )
        slots |= field_slots(("level",))
        st.text_area(t(N_("Short introduction")), key="dep_new_bio", max_chars=deputies.BIO_MAX)
        slots |= field_slots(("bio",))
        st.text_input(t(N_("Reception place")), key="dep_new_place", max_chars=deputies.PLACE_MAX)
        slots |= field_slots(("place",))
        st.text_input(t(N_("Reception days")), key="dep_new_days", max_chars=deputies.DAYS_MAX)
        slots |= field_slots(("days",))
        st.text_input(t(N_("The deputy's own account (user name, optional)")), key="dep_new_user")
        slots |= field_slots(("username",))
        add = st.form_submit_button(t(N_("Add the deputy")), type="primary")
    if add:
        action = in_session(
            lambda s: deputies.save_deputy(
                s,
                actor_id=me,
                grid_id=state.get("dep_new_grid"),
                name=state.get("dep_new_name", ""),
                body=state.get("dep_new_body"),
                level=state.get("dep_new_level"),
                bio=state.get("dep_new_bio", ""),
                reception_place=state.get("dep_new_place", ""),
                reception_days=state.get("dep_new_days", ""),
                username=state.get("dep_new_user", ""),
            )
        )
        if run_action(viewer, action, slots=slots):
            done(
                t(N_("The deputy has been added.")),
                ("dep_new_name", "dep_new_bio", "dep_new_place", "dep_new_days", "dep_new_user"),
            )
    if cards:
        names = {c.id: c.name for c in cards}
        with st.form("dep_slot_form"):
            st.subheader(t(N_("Add a reception time")))
            st.selectbox(
                t(N_("Deputy")), list(names), key="dep_slot_deputy", format_func=names.__getitem__
            )
            slots = field_slots(("deputy",))
            left, right = st.columns(2)
            left.date_input(
                t(N_("Day of the reception")),
                key="dep_slot_day",
                value=datetime.now(ZONE).date() + timedelta(days=1),
            )
            right.selectbox(
                t(N_("Time")),
                TIMES,
                key="dep_slot_time",
                index=4,
                format_func=lambda c: c.strftime("%H:%M"),
            )
            slots |= field_slots(("start",))
            st.selectbox(
                t(N_("Minutes")), list(deputies.SLOT_MINUTES), key="dep_slot_minutes", index=1
            )
            slots |= field_slots(("minutes",))
            add_slot = st.form_submit_button(t(N_("Add the reception time")), type="primary")
        if add_slot:
            day = state.get("dep_slot_day")
            start = (
                at(day, state.get("dep_slot_time") or TIMES[0]) if isinstance(day, date) else None
            )
            action = in_session(
                lambda s: deputies.add_slot(
                    s,
                    actor_id=me,
                    deputy_id=state.get("dep_slot_deputy"),
                    starts_at=start,
                    minutes=state.get("dep_slot_minutes"),
                )
            )
            if run_action(viewer, action, slots=slots):
                done(t(N_("The reception time has been added.")))

st.header(t(N_("What was raised and what happened")))
if not trail:
    st.info(t(N_("Nothing has been published yet.")))
for item in trail:
    with st.container(border=True):
        st.markdown(
            t(
                N_("**{topic}** · {deputy} · {state}"),
                topic=md_text(item.topic),
                deputy=md_text(item.deputy_name),
                state=t(deputies.STATE_LABELS[item.state]),
            )
        )
        st.markdown(md_text(item.outline))
        st.markdown(
            t(
                N_("Raised {raised} · last step {last}"),
                raised=when(item.created_at),
                last=when(item.state_changed_at),
            )
        )
