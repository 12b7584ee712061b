"""Monthly grid–resident–merchant council (网格-居民-商户三级议事会).

Seats in three equal groups (grid workers, residents, merchants) are held by people (a table, not a
role). Each month a meeting goes

    draft ──publish──▶ published ──open voting──▶ voting_open ──close──▶ voting_closed ──minutes──▶ minutes_published

Residents submit proposals (议案) to a published meeting until its deadline and support each other's;
staff screen them (accept onto the agenda, merge with a similar one, decline with a reason the
proposer sees). Agenda items also come from promoted wishes, escalated or recurring reports, staff
and members. Members cast one ballot per item (a unique constraint), change it until voting closes
(every cast and change is a CouncilBallotChange row), or staff record a show of hands for them
(marked as such). Closing voting fixes each item's outcome from the ballots with the council's
quorum and majority rules; an item without quorum is "not decided", never "rejected". Adopted items
become actions with an owner and a due date whose progress residents follow; a decided promoted
wish gets the decision through portal.wishes.decide. Attendance earns points once per meeting.

Every state change is a conditional UPDATE ... WHERE <expected state> plus a CouncilEvent row.

Where each rule lives:
    common        limits, labels, messages; who manages; the commit-or-"changed" and event helpers
    seating       creating a council, its rules (quorum, majority), seats and the group balance
    meeting_steps the meeting's steps (publish, open and close voting, minutes) and decision texts
    proposing     residents' proposals, support, and staff screening (accept, merge, decline)
    agenda_items  agenda items (add, remove), the agenda view, wish and report candidates
    counting      counting ballots: quorum, majority, an item's own options and the winner
    ballots       casting and changing a ballot, a recorded show of hands, ballot history
    roll_call     who attended (points once per meeting)
    actions       adopted items' actions, owners, progress; decisions and open actions
    options       an item's own options instead of for / against / abstain
    attachments   photos and PDF documents on items and proposals

(Module names differ from the functions `seats`, `meetings`, `proposals`, `agenda`, `tally` and
`attendance`, so `council.tally` is always the function.)

Everything public is re-exported here, so `from portal import council; council.tally(...)` works.
"""

from __future__ import annotations

from db.models_council import (
    CHOICES,
    SEAT_GROUPS,
    Council,
    CouncilAction,
    CouncilItem,
    CouncilMeeting,
)
from portal.council.actions import (
    Decision,
    decisions,
    open_actions,
    owner_choices,
    report_progress,
    seat_choices,
    set_action,
)
from portal.council.agenda_items import (
    ItemView,
    add_item,
    agenda,
    remove_item,
    report_candidates,
    wish_candidates,
)
from portal.council.ballots import ballot_history, cast_ballot, record_hand_vote
from portal.council.common import (
    ACTION_LABELS,
    ACTION_OWNER_ROLES,
    BODY_MAX,
    CHANGED,
    CHOICE_LABELS,
    COUNCIL_GRID_KINDS,
    DEFAULT_ACTION_DAYS,
    DEFAULT_OPTIONS,
    GROUP_LABELS,
    GROUP_ROLES,
    ITEM_TITLE_MAX,
    MAJORITY_LABELS,
    MANAGER_ROLES,
    MEETING_LABELS,
    MINUTES_MAX,
    NOT_FOUND,
    NOT_MEMBER,
    NOTE_MAX,
    OUTCOME_LABELS,
    PLACE_MAX,
    PROPOSAL_LABELS,
    PROPOSALS_PER_MEETING,
    PROPOSER_ROLES,
    REASON_MAX,
    SOURCE_LABELS,
    SUPPORTER_ROLES,
    TERM_DAYS_MAX,
    TITLE_MAX,
    VOTING_NOT_OPEN,
    Option,
    lives_in,
    local_month,
    meeting_title,
)
from portal.council.counting import Tally, item_options, option_label, quorum_needed, tally
from portal.council.meeting_steps import (
    CHOSEN_TEXT,
    DECISION_TEXTS,
    TIED_TEXT,
    close_voting,
    create_meeting,
    current_meeting,
    decision_text,
    meetings,
    open_voting,
    publish_meeting,
    publish_minutes,
)
from portal.council.proposing import (
    ProposalView,
    accept_proposal,
    decline_proposal,
    merge_proposal,
    my_proposals,
    proposals,
    submit_proposal,
    support_counts,
    support_proposal,
    withdraw_support,
)
from portal.council.roll_call import attendance, record_attendance
from portal.council.seating import (
    Balance,
    SeatView,
    add_seat,
    balance,
    council_for,
    council_grids,
    councils,
    councils_for,
    create_council,
    end_seat,
    seat_counts,
    seat_of,
    seated_councils,
    seats,
    set_rules,
)
from portal.text import clean_text

__all__ = [
    "ACTION_LABELS",
    "ACTION_OWNER_ROLES",
    "BODY_MAX",
    "Balance",
    "CHANGED",
    "CHOICES",
    "CHOICE_LABELS",
    "CHOSEN_TEXT",
    "COUNCIL_GRID_KINDS",
    "Council",
    "CouncilAction",
    "CouncilItem",
    "CouncilMeeting",
    "DECISION_TEXTS",
    "DEFAULT_ACTION_DAYS",
    "DEFAULT_OPTIONS",
    "Decision",
    "GROUP_LABELS",
    "GROUP_ROLES",
    "ITEM_TITLE_MAX",
    "ItemView",
    "MAJORITY_LABELS",
    "MANAGER_ROLES",
    "MEETING_LABELS",
    "MINUTES_MAX",
    "NOTE_MAX",
    "NOT_FOUND",
    "NOT_MEMBER",
    "OUTCOME_LABELS",
    "Option",
    "PLACE_MAX",
    "PROPOSALS_PER_MEETING",
    "PROPOSAL_LABELS",
    "PROPOSER_ROLES",
    "ProposalView",
    "REASON_MAX",
    "SEAT_GROUPS",
    "SOURCE_LABELS",
    "SUPPORTER_ROLES",
    "SeatView",
    "TERM_DAYS_MAX",
    "TIED_TEXT",
    "TITLE_MAX",
    "Tally",
    "VOTING_NOT_OPEN",
    "accept_proposal",
    "add_item",
    "add_seat",
    "agenda",
    "attendance",
    "balance",
    "ballot_history",
    "cast_ballot",
    "clean_text",
    "close_voting",
    "council_for",
    "council_grids",
    "councils",
    "councils_for",
    "create_council",
    "create_meeting",
    "current_meeting",
    "decision_text",
    "decisions",
    "decline_proposal",
    "end_seat",
    "item_options",
    "lives_in",
    "local_month",
    "meeting_title",
    "meetings",
    "merge_proposal",
    "my_proposals",
    "open_actions",
    "open_voting",
    "option_label",
    "owner_choices",
    "proposals",
    "publish_meeting",
    "publish_minutes",
    "quorum_needed",
    "record_attendance",
    "record_hand_vote",
    "remove_item",
    "report_candidates",
    "report_progress",
    "seat_choices",
    "seat_counts",
    "seat_of",
    "seated_councils",
    "seats",
    "set_action",
    "set_rules",
    "submit_proposal",
    "support_counts",
    "support_proposal",
    "tally",
    "wish_candidates",
    "withdraw_support",
]
