import re

import streamlit as st

from db.models import User
from portal import reports
from portal.errors import FieldErrors, UserError
from portal.i18n import N_, format_when
from portal.media import check_photo
from portal.reports import work_queue as wq
from portal.text import md_text, record_id
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.report_widgets import media_store, show_media, show_timeline, state_line, user_text
from portal.ui.translation_widgets import show_translation, translation_form
from portal.ui.widgets import say

viewer = require("work_queue")
t = viewer.t
index = grid_index()
state = st.session_state
# The banner after a step says what happened (after "Accept" it says accepted, not done).
DONE_TEXTS = {
    "accept": N_("Accepted: report #{id}."),
    "start": N_("Work started: report #{id}."),
    "resolve": N_("Marked resolved: report #{id}."),
    "verify": N_("Checked on site: report #{id}."),
    "return": N_("Returned to the community office: report #{id}."),
    "escalate": N_("Escalated: report #{id}."),
    "whistle": N_("Sent to the departments: report #{id}."),
    "reassign": N_("Sent to the other department: report #{id}."),
    "joint_done": N_("Your part is recorded as done: report #{id}."),
}
QUICK = {  # the one main step a card offers without opening it
    "accept": N_("Accept"),
    "start": N_("Start work"),
    "verify": N_("Checked on site"),
    "joint_done": N_("Our part is done"),
}

# A link to one report (notifications: work_queue?report=ID) opens its card.
if "report" in st.query_params and "wq_open" not in state:
    state["wq_open"] = record_id(st.query_params["report"])


def _first_page() -> None:
    state["wq_page"] = 1


def _chosen(key: str, kind: type):
    """The option chosen in a filter; a stale label (see _heal) counts as nothing this run."""
    value = state.get(key)
    return value if isinstance(value, kind) and not isinstance(value, bool) else None


def current_filter() -> wq.QueueFilter:
    return wq.QueueFilter(
        search=state.get("wq_search", ""),
        state=_chosen("wq_state", str) if state.get("wq_state") in reports.STATE_LABELS else None,
        category_id=_chosen("wq_category", int),
        grid_id=_chosen("wq_grid", int),
        department_id=_chosen("wq_department", int),
        overdue="overdue" in (state.get("wq_flags") or ()),
        due_today="due_today" in (state.get("wq_flags") or ()),
        urgent="urgent" in (state.get("wq_flags") or ()),
        sort=state.get("wq_sort") or "priority",
        page=int(state.get("wq_page") or 1),
    )


flt = current_filter()
opened = state.get("wq_open")
with db() as session:
    me = session.get(User, viewer.user_id)
    result = wq.queue_page(session, index, me, flt, language=viewer.language)
    shown = {card.report.id for card in result.cards}
    extra = (
        wq.one_card(session, index, me, opened, language=viewer.language)
        if opened and opened not in shown
        else None
    )

st.title(t(N_("Work queue")))
st.markdown(t(N_("Reports you can act on. Urgent, overdue and just escalated ones come first.")))
top = st.container()  # always here, so an outcome shown in it never moves the cards below

# --- search, filters with their counts, sort ---------------------------------------------------
counts = result.counts


def _with_count(label: str, n: int) -> str:
    return t(N_("{label} ({n})"), label=label, n=n)


def _options(found: dict, chosen) -> list:
    keys = list(found)
    if chosen is not None and chosen not in keys:
        keys.append(chosen)
    return [None, *keys]


COUNT = re.compile(r"\s*[（(]\d+[）)]$")


def _heal(key: str, options: list, bare) -> None:
    """A selectbox sends back the label it showed; the counts in the labels change between runs,
    so a label from the last run may no longer be one of this run's. Map it back to its option
    (by the label without its count) before the widget is drawn, and run again with it."""
    value = state.get(key)
    if value is None or value in options or not isinstance(value, str):
        return
    plain = COUNT.sub("", value)
    state[key] = next((o for o in options if bare(o) == plain), None)
    st.rerun()


st.text_input(
    t(N_("Search: report number, words, place or reporter")),
    key="wq_search",
    max_chars=wq.SEARCH_MAX,
    on_change=_first_page,
)
everything = sum(counts.states.values())
state_options = _options(counts.states, flt.state)
_heal(
    "wq_state",
    state_options,
    lambda s: t(N_("All states")) if s is None else t(reports.STATE_LABELS[s]),
)
category_options = _options(dict(sorted(counts.categories.items())), flt.category_id)
_heal(
    "wq_category",
    category_options,
    lambda c: t(N_("All categories")) if c is None else result.categories.get(c, ""),
)
grid_order = sorted(counts.grids, key=lambda g: index.grids[g].code if g in index.grids else "")
community = [g for g in grid_order if g in index.grids and index.grids[g].kind == "community"]
# staff of a street or district tell their communities apart: each community is a choice too
offices = {
    g for g in grid_order if g in index.grids and index.grids[g].kind in ("street", "district")
}
listed = [
    g for g in grid_order if g not in offices and (g not in community or g in result.communities)
]
grid_options = _options({g: counts.grids[g] for g in listed}, flt.grid_id)
_heal(
    "wq_grid", grid_options, lambda g: t(N_("All grids")) if g is None else result.grids.get(g, "")
)
department_options = _options(dict(sorted(counts.departments.items())), flt.department_id)
_heal(
    "wq_department",
    department_options,
    lambda d: t(N_("All departments")) if d is None else result.departments.get(d, ""),
)
left, right = st.columns(2)
left.selectbox(
    t(N_("State")),
    state_options,
    key="wq_state",
    on_change=_first_page,
    format_func=lambda s: (
        _with_count(t(N_("All states")), everything)
        if s is None
        else _with_count(t(reports.STATE_LABELS[s]), counts.states.get(s, 0))
    ),
)
right.selectbox(
    t(N_("Category")),
    category_options,
    key="wq_category",
    on_change=_first_page,
    format_func=lambda c: (
        _with_count(t(N_("All categories")), sum(counts.categories.values()))
        if c is None
        else _with_count(result.categories.get(c, ""), counts.categories.get(c, 0))
    ),
)
left.selectbox(
    t(N_("Grid")),
    grid_options,
    key="wq_grid",
    on_change=_first_page,
    format_func=lambda g: (
        _with_count(t(N_("All grids")), sum(counts.grids[c] for c in community) or everything)
        if g is None
        else _with_count(result.grids.get(g, ""), counts.grids.get(g, 0))
    ),
)
right.selectbox(
    t(N_("Department")),
    department_options,
    key="wq_department",
    on_change=_first_page,
    format_func=lambda d: (
        t(N_("All departments"))
        if d is None
        else _with_count(result.departments.get(d, ""), counts.departments.get(d, 0))
    ),
)
st.pills(
    t(N_("Show only")),
    list(wq.FLAGS),
    selection_mode="multi",
    key="wq_flags",
    on_change=_first_page,
    format_func=lambda f: _with_count(t(wq.FLAGS[f]), counts.flags.get(f, 0)),
)
st.selectbox(
    t(N_("Sort")),
    list(wq.SORTS),
    key="wq_sort",
    on_change=_first_page,
    format_func=lambda s: t(wq.SORTS[s]),
)
st.markdown(t(N_("{n} reports, {k} overdue."), n=counts.total, k=result.overdue))
if result.pages > 1:
    st.number_input(t(N_("Page")), 1, result.pages, key="wq_page")


# --- acting ------------------------------------------------------------------------------------
def attempt(report_id: int, step, action: str, clear: tuple[str | None, ...] = ()) -> None:
    """Runs one step on a report (a callback); its outcome is shown on its card after the rerun."""
    try:
        with db() as session:
            step(session)
    except (FieldErrors, UserError) as exc:
        messages = exc.errors.values() if isinstance(exc, FieldErrors) else [exc.message]
        state["queue_message"] = ("error", " ".join(say(viewer, m) for m in messages), report_id)
    else:
        state["queue_message"] = ("ok", t(DONE_TEXTS[action], id=report_id), report_id)
        for key in clear:
            if key:
                state.pop(key, None)


def run(action: str, report_id: int, note_key: str | None = None, photo_key: str | None = None):
    note = state.get(note_key, "") if note_key else None
    upload = state.get(photo_key) if photo_key else None

    def step(session):
        photo = check_photo(upload.getvalue()) if upload is not None else None
        reports.act(
            session,
            index,
            report_id=report_id,
            actor_id=viewer.user_id,
            action=action,
            note=note,
            photo=photo,
            store=media_store(),
        )

    attempt(report_id, step, action, (note_key, photo_key))


def whistle(report_id: int):
    attempt(
        report_id,
        lambda session: reports.whistle(
            session,
            index,
            report_id=report_id,
            actor_id=viewer.user_id,
            lead_department_id=state.get(f"wh_lead_{report_id}"),
            assist_department_ids=state.get(f"wh_assist_{report_id}", []),
            note=state.get(f"wh_note_{report_id}", ""),
        ),
        "whistle",
        (f"wh_lead_{report_id}", f"wh_assist_{report_id}", f"wh_note_{report_id}"),
    )


def reassign(report_id: int):
    attempt(
        report_id,
        lambda session: reports.reassign(
            session,
            report_id=report_id,
            actor_id=viewer.user_id,
            department_id=state.get(f"to_dept_{report_id}"),
            note=state.get(f"why_{report_id}", ""),
        ),
        "reassign",
        (f"to_dept_{report_id}", f"why_{report_id}"),
    )


def joint_done(report_id: int):
    attempt(
        report_id,
        lambda session: reports.finish_joint_part(
            session, report_id=report_id, actor_id=viewer.user_id
        ),
        "joint_done",
    )


def quick(action: str, report_id: int) -> None:
    (joint_done if action == "joint_done" else lambda rid: run(action, rid))(report_id)


def toggle(report_id: int) -> None:
    """Opens one card (its details and forms), or closes it; the link says which is open."""
    if state.get("wq_open") == report_id:
        state["wq_open"] = None
        st.query_params.pop("report", None)
    else:
        state["wq_open"] = report_id
        st.query_params["report"] = str(report_id)


# --- cards -------------------------------------------------------------------------------------
def outcome(report_id: int | None) -> None:
    message = state.get("queue_message")
    if message and (report_id is None or message[2] == report_id):
        kind, text, _ = state.pop("queue_message")
        (st.success if kind == "ok" else st.error)(text)


def joint_lines(card: wq.Card) -> None:
    lines = []
    for part in card.joint:
        mine = " · " + t(N_("your department")) if part.mine else ""
        what = f" — {md_text(part.part)}" if part.part else ""
        lines.append(
            f"- **{md_text(part.department)}** ({t(wq.JOINT_ROLES[part.role])}{mine}): "
            f"{t(wq.JOINT_STATUS[part.status])}{what}"
        )
    st.markdown(t(N_("Joint work order:")) + "\n" + "\n".join(lines))


def details(card: wq.Card) -> None:
    """Only for the opened card: photos, timeline, translation and the forms of each step."""
    report, rid, can_do = card.report, card.report.id, card.actions
    if report.description:
        show_translation(viewer, "report", rid, report.language)
    with db() as session:
        show_media(viewer, session, rid)
        show_timeline(viewer, session, rid)
    if report.description:
        translation_form(viewer, "report", rid)
    if "resolve" in can_do:
        st.text_area(t(N_("What was done")), key=f"res_note_{rid}", max_chars=1000)
        st.file_uploader(
            t(N_("Photo of the result")),
            type=["jpg", "jpeg", "png", "webp"],
            key=f"res_photo_{rid}",
        )
        st.button(
            t(N_("Resolved")),
            key=f"resolve_{rid}",
            type="primary",
            on_click=run,
            args=("resolve", rid, f"res_note_{rid}", f"res_photo_{rid}"),
        )
    if can_do & {"return", "escalate", "reassign"}:
        st.text_input(t(N_("Reason")), key=f"why_{rid}", max_chars=1000)
        cols = st.columns(2)
        if "return" in can_do:
            cols[0].button(
                t(N_("Not our responsibility")),
                key=f"return_{rid}",
                on_click=run,
                args=("return", rid, f"why_{rid}"),
            )
        if "escalate" in can_do:
            cols[1].button(
                t(N_("Escalate")),
                key=f"escalate_{rid}",
                on_click=run,
                args=("escalate", rid, f"why_{rid}"),
            )
    departments = result.choices  # of the viewer's area and the offices above it
    if "reassign" in can_do:
        st.selectbox(
            t(N_("Send to department")),
            list(departments),
            key=f"to_dept_{rid}",
            index=None,
            format_func=departments.__getitem__,
            placeholder=t(N_("Choose…")),
        )
        st.button(t(N_("Reassign")), key=f"reassign_{rid}", on_click=reassign, args=(rid,))
    if "whistle" in can_do:
        st.markdown("**" + t(N_("Blow the whistle: urgent, straight to departments")) + "**")
        st.selectbox(
            t(N_("Lead department")),
            list(departments),
            key=f"wh_lead_{rid}",
            index=None,
            format_func=departments.__getitem__,
            placeholder=t(N_("Choose…")),
        )
        st.multiselect(
            t(N_("Assisting departments")),
            list(departments),
            key=f"wh_assist_{rid}",
            format_func=departments.__getitem__,
            placeholder=t(N_("Choose…")),
        )
        st.text_input(t(N_("Reason")), key=f"wh_note_{rid}", max_chars=1000)
        st.button(
            t(N_("Blow the whistle")),
            key=f"whistle_{rid}",
            on_click=whistle,
            args=(rid,),
            icon=":material/campaign:",
        )


def show_card(card: wq.Card) -> None:
    report, rid = card.report, card.report.id
    is_open = state.get("wq_open") == rid
    with st.container(border=True, key=f"wq_card_{rid}"):
        outcome(rid)
        line = state_line(viewer, report, card.category, card.overdue)
        if card.just_escalated:
            line += " · " + md_text("⬆️ " + t(N_("Just escalated")))
        st.markdown(f"**{line}**", unsafe_allow_html=True)
        st.markdown(
            t(
                N_("{grid} · due {when} · now with {who}"),
                grid=md_text(
                    f"{card.community} · {card.grid_name}" if card.community else card.grid_name
                ),
                when=format_when(viewer.language, report.resident_due_at, "short"),
                who=md_text(card.assignee) if card.assignee else t(N_("the community office")),
            )
        )
        if report.description:
            user_text(report.description, report.language)
        if card.joint:
            joint_lines(card)
        buttons = st.columns(2)
        main = next((a for a in QUICK if a in card.actions), None)
        if main:
            buttons[0].button(
                t(QUICK[main]),
                key=f"{'joint' if main == 'joint_done' else main}_{rid}",
                type="primary",
                width="stretch",
                on_click=quick,
                args=(main, rid),
            )
        buttons[1].button(
            t(N_("Close details")) if is_open else t(N_("Details and more actions")),
            key=f"open_{rid}",
            width="stretch",
            on_click=toggle,
            args=(rid,),
            icon=":material/expand_less:" if is_open else ":material/expand_more:",
        )
        if is_open:
            details(card)


if extra is not None:  # opened from a link, not on this page of the list
    st.subheader(t(N_("Opened report")))
    show_card(extra)
if not result.cards:
    st.markdown(t(N_("Nothing matches these choices.")))
for card in result.cards:
    show_card(card)
with top:
    outcome(None)  # the report acted on has left this page (done, or sent elsewhere)
