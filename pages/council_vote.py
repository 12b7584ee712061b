import streamlit as st

from portal import auth
from portal import council as c
from portal.council import attachments as council_files
from portal.i18n import N_
from portal.ui.council_form_widgets import attachments_block, pick_council
from portal.ui.council_widgets import (
    act,
    item_header,
    md_escape,
    meeting_facts,
    meeting_name,
    option_text,
    show_flash,
    styles,
    tally_block,
)
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.shell import link_to
from portal.ui.speech_widgets import play

viewer = require("council_vote")
t = viewer.t
uid = viewer.user_id
state = st.session_state
styles()
# Large, clear ballot buttons (≥ 60 px high, large text), whatever the elder-mode setting.
st.html(
    "<style>.st-key-council_ballots button { min-height: 64px; font-size: 1.3rem; }"
    ".st-key-council_ballots button p { font-size: 1.3rem; }</style>"
)

st.title(t(N_("My council ballot")))
show_flash(viewer)

with db() as session:
    seated = c.seated_councils(session, uid)
council = pick_council(viewer, seated, "council_vote_pick")  # a seat on more than one council
with db() as session:
    seat = c.seat_of(session, council.id, uid) if council else None
    meeting = c.current_meeting(session, council.id) if council else None
    agenda = c.agenda(session, meeting.id, viewer_id=uid) if meeting else []
    item_files = council_files.for_items(session, [v.item for v in agenda])

if seat is None:
    st.info(
        t(
            N_(
                "You do not hold a seat on the council. Only members vote; everyone can follow the council, send proposals and support them."
            )
        )
    )
    link_to(auth.PAGE_BY_KEY["council"], viewer)
    st.stop()

st.markdown(t(N_("You hold a seat for: {group}"), group=t(c.GROUP_LABELS[seat.seat_group])))
if meeting is None:
    st.info(t(N_("No meeting is announced yet.")))
    st.stop()
st.subheader(meeting_name(viewer, meeting))
meeting_facts(viewer, meeting)
if meeting.status == "published":
    st.info(t(N_("Voting has not opened yet. You can read the agenda now.")))
elif meeting.status == "voting_open":
    st.markdown(
        t(N_("Choose your answer on each item. You can change your ballot until voting closes."))
    )
else:
    st.info(t(N_("Voting is closed. These are the results.")))


def _cast(item_id: int, choice: str, label: str) -> None:
    def run():
        with db() as session:
            c.cast_ballot(session, item_id=item_id, user_id=uid, choice=choice)

    act(viewer, run, t(N_("Your ballot was saved: {choice}"), choice=md_escape(label)))


def _read(item_id: int) -> None:
    state["council_read"] = item_id


ICONS = {
    "for": ":material/thumb_up:",
    "against": ":material/thumb_down:",
    "abstain": ":material/radio_button_unchecked:",
}
with st.container(key="council_ballots"):
    for view in agenda:
        item = view.item
        with st.container(border=True, key=f"council_ballot_item_{item.id}"):
            item_header(viewer, view, big=True, heading="h2")
            st.button(
                t(N_("Read the background aloud")),
                key=f"council_read_{item.id}",
                icon=":material/volume_up:",
                on_click=_read,
                args=(item.id,),
            )
            if state.get("council_read") == item.id:
                play(
                    viewer,
                    f"{item.title}。{item.background}",
                    item.language,
                    key=f"council_read_{item.id}",
                )
            attachments_block(viewer, item_files.get(item.id, []), f"council_vote_files_{item.id}")
            if view.my_choice:
                how = (
                    t(N_("recorded by hand at the meeting"))
                    if view.my_by_hand
                    else t(N_("cast online"))
                )
                mine = option_text(viewer, c.option_label(view.options, view.my_choice))
                st.markdown(
                    "**"
                    + md_escape(t(N_("Your ballot: {choice} ({how})"), choice=mine, how=how))
                    + "**"
                )
            elif meeting.status == "voting_open":
                st.markdown(t(N_("You have not voted on this item yet.")))
            if meeting.status == "voting_open":
                if view.tally.custom:
                    st.markdown(t(N_("Choose one of the options below.")))
                for option in view.options:  # the item's own options, or For / Against / Abstain
                    chosen = view.my_choice == option.key
                    label = option_text(viewer, option)
                    st.button(
                        ("✓ " if chosen else "") + md_escape(label),
                        key=f"council_vote_{item.id}_{option.key}",
                        type="primary" if chosen else "secondary",
                        width="stretch",
                        icon=ICONS.get(option.key, ":material/how_to_vote:"),
                        on_click=_cast,
                        args=(item.id, option.key, label),
                    )
            elif item.outcome:
                tally_block(viewer, view.tally, item.outcome)
link_to(auth.PAGE_BY_KEY["council"], viewer)
