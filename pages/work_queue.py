import streamlit as st

from db.models import User
from portal import reports
from portal.errors import FieldErrors, UserError
from portal.i18n import N_, format_when
from portal.media import check_photo
from portal.reports import queries
from portal.text import md_text
from portal.ui.data import db, grid_index
from portal.ui.guard import require
from portal.ui.report_widgets import media_store, show_media, show_timeline, state_line, user_text
from portal.ui.translation_widgets import show_translation, translation_form
from portal.ui.widgets import say

viewer = require("work_queue")
t = viewer.t
index = grid_index()
PAGE_SIZE = 20
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

st.title(t(N_("Work queue")))
st.markdown(t(N_("Reports you can act on. Overdue ones come first, then by due time.")))

with db() as session:
    me = session.get(User, viewer.user_id)
    items = queries.work_queue(session, index, me, language=viewer.language)
    departments = queries.department_names(session)

if "queue_message" in st.session_state:
    kind, text = st.session_state.pop("queue_message")
    (st.success if kind == "ok" else st.error)(text)

overdue = sum(1 for item in items if item.overdue)
st.markdown(t(N_("{n} reports, {k} overdue."), n=len(items), k=overdue))
pages = max(1, (len(items) + PAGE_SIZE - 1) // PAGE_SIZE)
page = st.number_input(t(N_("Page")), 1, pages, 1, key="queue_page") if pages > 1 else 1


def attempt(report_id: int, step, action: str, clear: tuple[str | None, ...] = ()) -> None:
    """Runs one step on a report (a callback); its outcome is shown at the top after the rerun."""
    try:
        with db() as session:
            step(session)
    except (FieldErrors, UserError) as exc:
        messages = exc.errors.values() if isinstance(exc, FieldErrors) else [exc.message]
        st.session_state["queue_message"] = ("error", " ".join(say(viewer, m) for m in messages))
    else:
        st.session_state["queue_message"] = ("ok", t(DONE_TEXTS[action], id=report_id))
        for key in clear:
            if key:
                st.session_state.pop(key, None)


def run(action: str, report_id: int, note_key: str | None = None, photo_key: str | None = None):
    state = st.session_state
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
    state = st.session_state
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
    )


def reassign(report_id: int):
    state = st.session_state
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
    )


def joint_done(report_id: int):
    attempt(
        report_id,
        lambda session: reports.finish_joint_part(
            session, report_id=report_id, actor_id=viewer.user_id
        ),
        "joint_done",
    )


for item in items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
    report = item.report
    rid = report.id
    with st.container(border=True):
        st.markdown(
            f"**{state_line(viewer, report, item.category, item.overdue)}**", unsafe_allow_html=True
        )
        st.markdown(
            t(
                N_("{grid} · due {when} · now with {who}"),
                grid=md_text(item.grid_name),
                when=format_when(viewer.language, report.resident_due_at, "short"),
                who=md_text(item.assignee) if item.assignee else t(N_("the community office")),
            )
        )
        if report.description:
            user_text(report.description, report.language)
            show_translation(viewer, "report", rid, report.language)
        state = report.state
        buttons = st.columns(3)
        if state in ("assigned", "reopened"):
            buttons[0].button(
                t(N_("Accept")),
                key=f"accept_{rid}",
                type="primary",
                width="stretch",
                on_click=run,
                args=("accept", rid),
            )
        if state == "accepted":
            buttons[0].button(
                t(N_("Start work")),
                key=f"start_{rid}",
                type="primary",
                width="stretch",
                on_click=run,
                args=("start", rid),
            )
        if state == "resolved" and (me.role in ("staff", "admin", "grid_worker")):
            buttons[0].button(
                t(N_("Checked on site")),
                key=f"verify_{rid}",
                type="primary",
                width="stretch",
                on_click=run,
                args=("verify", rid),
            )
        with st.expander(t(N_("Details and more actions"))):
            with db() as session:
                show_media(viewer, session, rid)
                show_timeline(viewer, session, rid)
            if report.description:
                translation_form(viewer, "report", rid)
            if state in ("accepted", "in_progress"):
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
            if state in reports.WORKING_STATES or state == "returned":
                st.text_input(t(N_("Reason")), key=f"why_{rid}", max_chars=1000)
                cols = st.columns(2)
                if state in ("assigned", "accepted"):
                    cols[0].button(
                        t(N_("Not our responsibility")),
                        key=f"return_{rid}",
                        on_click=run,
                        args=("return", rid, f"why_{rid}"),
                    )
                if state in reports.WORKING_STATES and report.level != reports.LEVELS[-1]:
                    cols[1].button(
                        t(N_("Escalate")),
                        key=f"escalate_{rid}",
                        on_click=run,
                        args=("escalate", rid, f"why_{rid}"),
                    )
            if me.role in ("staff", "admin") and (
                state == "returned" or state in reports.WORKING_STATES
            ):
                st.selectbox(
                    t(N_("Send to department")),
                    list(departments),
                    key=f"to_dept_{rid}",
                    index=None,
                    format_func=departments.__getitem__,
                    placeholder=t(N_("Choose…")),
                )
                st.button(t(N_("Reassign")), key=f"reassign_{rid}", on_click=reassign, args=(rid,))
            if me.role == "handler" and report.urgent:
                st.button(
                    t(N_("Our part is done")), key=f"joint_{rid}", on_click=joint_done, args=(rid,)
                )
            if state in reports.WORKING_STATES and me.role in ("grid_worker", "staff", "admin"):
                st.markdown(
                    "**" + t(N_("Blow the whistle: urgent, straight to departments")) + "**"
                )
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
