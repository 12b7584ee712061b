import streamlit as st

from db.models import User
from db.types import utcnow
from portal import auth, voice_notes
from portal import council as c
from portal.council import attachments as council_files
from portal.i18n import LANGUAGES, N_
from portal.text import md_text
from portal.ui.council_form_widgets import (
    attach_form,
    attachments_block,
    options_line,
    pick_council,
)
from portal.ui.council_widgets import (
    act,
    action_block,
    badges,
    facts,
    item_header,
    meeting_facts,
    meeting_name,
    show_flash,
    styles,
    submit,
    tally_block,
    typed,
)
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.shell import link_to
from portal.ui.speech_widgets import read_aloud, readable, readable_list
from portal.ui.translation_widgets import show_translation, translation_form
from portal.ui.verification_widgets import not_counted_notice, support_counts, thanks
from portal.ui.voice_note_widgets import read_voice, store, voice_input, voice_keys
from portal.ui.widgets import field_slots

viewer = require("council")
t = viewer.t
uid = viewer.user_id
state = st.session_state
styles()


def _withdraw(proposal_id: int) -> None:
    def run():
        with db() as session:
            c.withdraw_support(session, proposal_id=proposal_id, user_id=uid)

    act(viewer, run, t(N_("Your support was withdrawn.")))


def _support(proposal_id: int) -> None:
    def run():
        with db() as session:
            c.support_proposal(session, proposal_id=proposal_id, user_id=uid)

    counts = support_counts(viewer, "council.support_counts")  # an unconfirmed resident's not
    act(viewer, run, thanks(viewer, t(N_("Thank you for your support.")), counts))


st.title(t(N_("Community council")))
st.markdown(
    t(
        N_(
            "Once a month, equal numbers of grid workers, residents and merchants meet to decide community matters. You can send proposals before each meeting and support your neighbours' proposals."
        )
    )
)
show_flash(viewer)

with db() as session:
    serving_me = c.councils_for(
        session, uid
    )  # the community's, and my general grid's if it has one
if not serving_me:
    st.info(t(N_("There is no council yet.")))
    readable(t(N_("There is no council yet.")), N_("There is no council yet."))
    st.stop()
council = pick_council(viewer, serving_me, "council_pick")
with db() as session:
    meeting = c.current_meeting(session, council.id)
    agenda = c.agenda(session, meeting.id, viewer_id=uid) if meeting else []
    open_proposals = (
        c.proposals(session, meeting.id, viewer_id=uid, statuses=("submitted", "accepted"))
        if meeting
        else []
    )
    mine = c.my_proposals(session, uid) if uid else []
    decisions = c.decisions(session, council.id)
    members = c.seats(session, council.id)
    me = session.get(User, uid) if uid else None
    may_propose = bool(me and me.role in c.PROPOSER_ROLES and c.lives_in(session, council, me))
    may_support = bool(me and me.role in c.SUPPORTER_ROLES and c.lives_in(session, council, me))
    seat = c.seat_of(session, council.id, uid)
    item_files = council_files.for_items(
        session, [v.item for v in agenda] + [d.view.item for d in decisions]
    )
    proposal_files = council_files.for_proposals(
        session, [v.proposal.id for v in open_proposals + mine]
    )

st.markdown(f"**{md_text(council.name)}**")
if seat is not None:
    link_to(
        auth.PAGE_BY_KEY["council_vote"], viewer, t(N_("You hold a council seat: go to my ballot"))
    )

# --- the upcoming meeting and its agenda --------------------------------------------------------
st.header(t(N_("Upcoming meeting")))
if meeting is None:
    st.info(t(N_("No meeting is announced yet.")))
    readable(t(N_("No meeting is announced yet.")), N_("No meeting is announced yet."))
else:
    st.subheader(meeting_name(viewer, meeting))
    readable(meeting_name(viewer, meeting))
    readable(t(N_("Agenda")), N_("Agenda"))
    readable_list(viewer, [view.item.title for view in agenda])
    meeting_facts(viewer, meeting)
    st.subheader(t(N_("Agenda")))
    if not agenda:
        st.info(t(N_("The agenda is not ready yet.")))
    for view in agenda:
        with st.container(border=True, key=f"council_item_{view.item.id}"):
            item_header(viewer, view)
            options_line(viewer, view)
            attachments_block(
                viewer, item_files.get(view.item.id, []), f"council_item_files_{view.item.id}"
            )
            read_aloud(
                viewer,
                f"{view.item.title}。{view.item.background}",
                view.item.language,
                key=f"read_item_{view.item.id}",
            )
            if view.item.outcome:
                tally_block(viewer, view.tally, view.item.outcome)
                action_block(viewer, view)

    now_open = meeting.status == "published" and utcnow() < meeting.proposal_deadline
    st.subheader(t(N_("Proposals for this meeting")))
    if now_open and open_proposals and not support_counts(viewer, "council.support_counts"):
        not_counted_notice(viewer)
    if not open_proposals:
        st.info(t(N_("No proposals yet.")))
    for view in open_proposals:
        p = view.proposal
        with st.container(border=True, key=f"council_proposal_{p.id}"):
            typed(p.title, p.body, p.language)
            show_translation(viewer, "proposal", p.id, p.language)
            labels = badges(
                t(c.PROPOSAL_LABELS[p.status]),
                viewer.nt("{n} supporter", "{n} supporters", view.support),
                t(N_("Proposed by {name}"), name=view.author_name),
            )
            st.html(f'<p class="linli-council-facts">{labels}</p>')
            if not view.mine:
                attachments_block(
                    viewer, proposal_files.get(p.id, []), f"council_prop_files_{p.id}"
                )
            if view.supported:
                st.markdown(t(N_("You support this proposal.")))
                if now_open and p.status == "submitted":
                    st.button(
                        t(N_("Withdraw my support")),
                        key=f"council_unsupport_{p.id}",
                        icon=":material/undo:",
                        on_click=_withdraw,
                        args=(p.id,),
                    )
            elif now_open and may_support and not view.mine:
                st.button(
                    t(N_("Support this proposal")),
                    key=f"council_support_{p.id}",
                    icon=":material/thumb_up:",
                    width="stretch",
                    on_click=_support,
                    args=(p.id,),
                )

    if may_propose:
        st.subheader(t(N_("Send a proposal")))
        if not now_open:
            st.info(
                t(N_("The deadline for proposals to this meeting has passed."))
                if meeting.status == "published"
                else t(N_("This meeting does not take proposals now."))
            )
        else:
            languages = {lang.code: lang.native_name for lang in LANGUAGES}
            state.setdefault("council_prop_language", viewer.language)
            with st.form("council_proposal_form"):
                st.text_input(
                    t(N_("Title of the proposal")),
                    key="council_prop_title",
                    max_chars=c.TITLE_MAX,
                    placeholder=t(N_("For example: two lamps for the back lane")),
                )
                slots = field_slots(("title",))
                st.text_area(
                    t(N_("What do you propose, and why?")),
                    key="council_prop_body",
                    max_chars=c.BODY_MAX,
                )
                slots |= field_slots(("body",))
                voice_input(viewer, "council_prop_voice", state.get("council_prop_language"))
                slots |= field_slots(("voice",))
                st.selectbox(
                    t(N_("Language of the proposal")),
                    list(languages),
                    key="council_prop_language",
                    format_func=languages.__getitem__,
                )
                sent = st.form_submit_button(
                    t(N_("Send the proposal")), type="primary", width="stretch"
                )
            if sent:

                def _send():
                    voice = read_voice("council_prop_voice")  # refusals land under the voice field
                    spoken_in = state.get("council_prop_language") or viewer.language
                    with db() as session:
                        voice_notes.with_voice_note(
                            session,
                            store(),
                            kind="proposal",
                            audio=voice,
                            created_by=uid,
                            language=spoken_in,
                            typed=state.get("council_prop_body", ""),
                            create=lambda: c.submit_proposal(
                                session,
                                meeting_id=meeting.id,
                                author_id=uid,
                                title=voice_notes.title_or_spoken(
                                    state.get("council_prop_title"), voice, spoken_in, "proposal"
                                ),
                                body=voice_notes.text_or_spoken(
                                    state.get("council_prop_body"), voice, spoken_in
                                ),
                                language=state.get("council_prop_language"),
                            ),
                        )

                submit(
                    viewer,
                    slots,
                    _send,
                    t(
                        N_(
                            "Your proposal was sent. The community office will screen it before the meeting."
                        )
                    ),
                    clear=(
                        "council_prop_title",
                        "council_prop_body",
                        *voice_keys("council_prop_voice"),
                    ),
                )


# --- my proposals ------------------------------------------------------------------------------
def _own_files(p) -> None:
    """The files of my proposal; while it waits for screening and proposals are open, add more."""
    open_now = (
        meeting is not None
        and p.meeting_id == meeting.id
        and meeting.status == "published"
        and utcnow() < meeting.proposal_deadline
        and p.status == "submitted"
    )

    def _remove(attachment_id: int) -> None:
        def run():
            with db() as session:
                council_files.remove(session, attachment_id=attachment_id, actor_id=uid)

        act(viewer, run, t(N_("The file was removed.")))

    attachments_block(
        viewer,
        proposal_files.get(p.id, []),
        f"council_mine_files_{p.id}",
        _remove if open_now else None,
    )
    if open_now:
        with st.expander(t(N_("Add a photo or a PDF document to this proposal"))):
            attach_form(viewer, uid, f"council_prop_attach_{p.id}", proposal_id=p.id)


if mine:
    st.header(t(N_("My proposals")))
    for view in mine:
        p = view.proposal
        parts = [
            t(N_("Status: {status}"), status=t(c.PROPOSAL_LABELS[p.status])),
            viewer.nt("{n} supporter", "{n} supporters", view.support),
        ]
        if p.status == "declined":
            parts.append(t(N_("Reason from the community office: {reason}"), reason=p.reason or ""))
        if p.status == "merged":
            parts.append(t(N_("Merged with: {title}"), title=view.merged_into_title or ""))
            if p.reason:
                parts.append(t(N_("Note from the community office: {note}"), note=p.reason))
        with st.container(border=True, key=f"council_mine_{p.id}"):
            typed(p.title, "", p.language)
            facts(*parts)
            _own_files(p)
            translation_form(viewer, "proposal", p.id)

# --- past decisions and their progress ---------------------------------------------------------
st.header(t(N_("Past decisions and their progress")))
if not decisions:
    st.info(t(N_("No decisions yet.")))
shown = None
for decision in decisions:
    if decision.meeting.id == (meeting.id if meeting else None):
        continue
    if shown != decision.meeting.id:
        shown = decision.meeting.id
        st.subheader(meeting_name(viewer, decision.meeting))
        if decision.meeting.minutes:
            with st.expander(t(N_("Minutes"))):
                typed("", decision.meeting.minutes, "zh_Hans", heading="span")
    with st.container(border=True, key=f"council_decided_{decision.view.item.id}"):
        item_header(viewer, decision.view)
        attachments_block(
            viewer,
            item_files.get(decision.view.item.id, []),
            f"council_decided_files_{decision.view.item.id}",
        )
        tally_block(viewer, decision.view.tally, decision.view.item.outcome)
        action_block(viewer, decision.view)

st.header(t(N_("Council members")))
by_group = {g: [m.name for m in members if m.seat.seat_group == g] for g in c.SEAT_GROUPS}
facts(*[f"{t(c.GROUP_LABELS[g])}: {'、'.join(names) or '—'}" for g, names in by_group.items()])
