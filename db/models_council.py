"""Monthly grid–resident–merchant council (网格-居民-商户三级议事会) tables: councils and their rules,
seats held by people, monthly meetings, residents' proposals and their support, agenda items,
ballots with every change kept, attendance, the actions decided items become, and one trail of
every state change (who, when, from, to, note)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_values, utcnow

SEAT_GROUPS = ("grid", "resident", "merchant")
MEETING_STATES = ("draft", "published", "voting_open", "voting_closed", "minutes_published")
PROPOSAL_STATES = ("submitted", "accepted", "merged", "declined")
ITEM_SOURCES = ("proposal", "wish", "report", "staff", "member")
CHOICES = ("for", "against", "abstain")
OPTION_KEYS = tuple(f"o{n}" for n in range(1, 7))  # an item's own options 1–6 (council_item_option)
BALLOT_KEYS = CHOICES + OPTION_KEYS
OUTCOMES = ("adopted", "rejected", "not_decided")
MAJORITY_RULES = ("more_for", "half_of_votes", "two_thirds_of_votes")
ACTION_STATES = ("planned", "in_progress", "done")
LANGUAGES = ("zh_Hans", "en", "bo", "ug", "ii")


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class Council(SQLModel, table=True):
    """A council of a community (or of a general grid) for a term, with its voting rules."""

    __tablename__ = "council"
    __table_args__ = (
        CheckConstraint("seats_per_group BETWEEN 1 AND 50", name="seats_per_group"),
        CheckConstraint(
            "quorum_num >= 1 AND quorum_den >= 1 AND quorum_num <= quorum_den", name="quorum"
        ),
        CheckConstraint(f"majority IN ({sql_values(MAJORITY_RULES)})", name="majority"),
        CheckConstraint("proposal_days BETWEEN 0 AND 60", name="proposal_days"),
        CheckConstraint("term_end > term_start", name="term"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    name: str = Field(max_length=120)
    term_start: date
    term_end: date
    seats_per_group: int = Field(default=4)
    quorum_num: int = Field(default=2)  # quorum: at least num/den of the seats voted
    quorum_den: int = Field(default=3)
    majority: str = Field(default="more_for", max_length=24)
    proposal_days: int = Field(default=3)  # proposals close this many days before the meeting
    created_at: datetime = _when(default_factory=utcnow)


class CouncilSeat(SQLModel, table=True):
    """A seat of one of the three groups, held by a person from `started_at` until `ended_at`.

    `active_user_id` equals `user_id` while the seat is held and is NULL afterwards, so the unique
    constraint allows one held seat per person per council while keeping every past seat."""

    __tablename__ = "council_seat"
    __table_args__ = (
        CheckConstraint(f"seat_group IN ({sql_values(SEAT_GROUPS)})", name="seat_group"),
        CheckConstraint(
            "(ended_at IS NULL AND active_user_id = user_id) OR "
            "(ended_at IS NOT NULL AND active_user_id IS NULL)",
            name="active_user",
        ),
        UniqueConstraint("council_id", "active_user_id", name="council_seat_held_once"),
        Index("ix_council_seat_council_group", "council_id", "seat_group"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id")
    seat_group: str = Field(max_length=16)
    user_id: int = Field(foreign_key="account.id", index=True)
    active_user_id: int | None = Field(default=None, foreign_key="account.id")
    started_at: datetime = _when(default_factory=utcnow)
    ended_at: datetime | None = _when(nullable=True, default=None)
    added_by: int | None = Field(default=None, foreign_key="account.id")
    ended_by: int | None = Field(default=None, foreign_key="account.id")


class CouncilMeeting(SQLModel, table=True):
    """The monthly meeting: draft → published → voting_open → voting_closed → minutes_published."""

    __tablename__ = "council_meeting"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(MEETING_STATES)})", name="status"),
        CheckConstraint("proposal_deadline <= starts_at", name="deadline_before_meeting"),
        UniqueConstraint("council_id", "month", name="council_meeting_month_once"),
        Index("ix_council_meeting_council_starts", "council_id", "starts_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id")
    month: str = Field(max_length=7)  # "2026-11", in Asia/Shanghai
    starts_at: datetime = _when()
    place: str = Field(max_length=120)
    proposal_deadline: datetime = _when()
    status: str = Field(default="draft", max_length=20)
    minutes: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)
    state_changed_at: datetime = _when(default_factory=utcnow)


class CouncilProposal(SQLModel, table=True):
    """A resident's proposal (议案) for a meeting, screened by staff: accepted onto the agenda,
    merged with a similar one, or declined with a reason the proposer sees."""

    __tablename__ = "council_proposal"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(PROPOSAL_STATES)})", name="status"),
        CheckConstraint(f"language IN ({sql_values(LANGUAGES)})", name="language"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
        CheckConstraint("status <> 'declined' OR length(reason) > 0", name="declined_has_reason"),
        CheckConstraint(
            "status <> 'merged' OR merged_into_id IS NOT NULL", name="merged_has_target"
        ),
        CheckConstraint(
            "merged_into_id IS NULL OR merged_into_id <> id", name="not_merged_into_self"
        ),
        Index("ix_council_proposal_meeting_status", "meeting_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="council_meeting.id")
    author_id: int = Field(foreign_key="account.id", index=True)
    title: str = Field(max_length=80)
    body: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(default="zh_Hans", max_length=16)
    status: str = Field(default="submitted", max_length=16)
    merged_into_id: int | None = Field(default=None, foreign_key="council_proposal.id")
    reason: str | None = Field(default=None, max_length=300)
    created_at: datetime = _when(default_factory=utcnow)
    screened_at: datetime | None = _when(nullable=True, default=None)
    screened_by: int | None = Field(default=None, foreign_key="account.id")


class CouncilProposalSupport(SQLModel, table=True):
    """One person's support for one proposal (until the proposal deadline)."""

    __tablename__ = "council_proposal_support"
    __table_args__ = (UniqueConstraint("proposal_id", "user_id", name="council_support_once"),)

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="council_proposal.id")
    user_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = _when(default_factory=utcnow)


class CouncilItem(SQLModel, table=True):
    """An agenda item; the source says where it came from (a proposal, a promoted wish, a report,
    staff or a member). The outcome is set once, when voting closes, from the ballots."""

    __tablename__ = "council_item"
    __table_args__ = (
        CheckConstraint(f"source IN ({sql_values(ITEM_SOURCES)})", name="source"),
        CheckConstraint(f"outcome IS NULL OR outcome IN ({sql_values(OUTCOMES)})", name="outcome"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint(
            "source IN ('staff', 'member') OR source_id IS NOT NULL", name="source_link"
        ),
        UniqueConstraint("meeting_id", "source", "source_id", name="council_item_source_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="council_meeting.id", index=True)
    title: str = Field(max_length=120)
    background: str = Field(default="", sa_column=Column(Text, nullable=False))
    language: str = Field(default="zh_Hans", max_length=16)
    source: str = Field(max_length=16)
    source_id: int | None = Field(default=None)  # proposal, wish or report id
    proposer_id: int | None = Field(default=None, foreign_key="account.id")
    added_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)
    outcome: str | None = Field(default=None, max_length=16)
    seats_at_close: int | None = Field(default=None)
    decision: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime | None = _when(nullable=True, default=None)


class CouncilBallot(SQLModel, table=True):
    """A member's current ballot on an item: one per member per item. Every cast or change is also
    a CouncilBallotChange row; the tally is counted from these rows."""

    __tablename__ = "council_ballot"
    __table_args__ = (
        UniqueConstraint("item_id", "user_id", name="council_ballot_once"),
        CheckConstraint(f"choice IN ({sql_values(BALLOT_KEYS)})", name="choice"),
        CheckConstraint(f"seat_group IN ({sql_values(SEAT_GROUPS)})", name="seat_group"),
        CheckConstraint("by_hand = false OR recorded_by IS NOT NULL", name="hand_has_recorder"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="council_item.id", index=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    seat_id: int = Field(foreign_key="council_seat.id")
    seat_group: str = Field(max_length=16)
    choice: str = Field(max_length=16)
    by_hand: bool = Field(default=False)  # recorded by staff for a show of hands at the meeting
    recorded_by: int | None = Field(default=None, foreign_key="account.id")
    cast_at: datetime = _when(default_factory=utcnow)
    changed_at: datetime = _when(default_factory=utcnow)


class CouncilBallotChange(SQLModel, table=True):
    """Every cast and every change of a ballot (from_choice NULL: first cast)."""

    __tablename__ = "council_ballot_change"
    __table_args__ = (
        CheckConstraint(f"to_choice IN ({sql_values(BALLOT_KEYS)})", name="to_choice"),
    )

    id: int | None = Field(default=None, primary_key=True)
    ballot_id: int = Field(foreign_key="council_ballot.id", index=True)
    from_choice: str | None = Field(default=None, max_length=16)
    to_choice: str = Field(max_length=16)
    by_hand: bool = Field(default=False)
    actor_id: int = Field(foreign_key="account.id")
    at: datetime = _when(default_factory=utcnow)


class CouncilAttendance(SQLModel, table=True):
    """A member present at a meeting (recorded by staff; earns points once per meeting)."""

    __tablename__ = "council_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "user_id", name="council_attendance_once"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="council_meeting.id", index=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    seat_id: int = Field(foreign_key="council_seat.id")
    recorded_by: int = Field(foreign_key="account.id")
    at: datetime = _when(default_factory=utcnow)


class CouncilAction(SQLModel, table=True):
    """What an adopted item becomes: an owner, a due date and progress residents can follow."""

    __tablename__ = "council_action"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(ACTION_STATES)})", name="status"),
        Index("ix_council_action_status_due", "status", "due_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="council_item.id", unique=True)
    owner_id: int = Field(foreign_key="account.id", index=True)
    due_date: date
    status: str = Field(default="planned", max_length=16)
    created_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)


class CouncilEvent(SQLModel, table=True):
    """Trail of the council: seats given and ended, meeting steps, screening, agenda changes,
    attendance, action owners, due dates and progress (who, when, from, to, note)."""

    __tablename__ = "council_event"
    __table_args__ = (Index("ix_council_event_meeting_at", "meeting_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    council_id: int = Field(foreign_key="council.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="council_meeting.id")
    item_id: int | None = Field(default=None, foreign_key="council_item.id")
    proposal_id: int | None = Field(default=None, foreign_key="council_proposal.id")
    action_id: int | None = Field(default=None, foreign_key="council_action.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    kind: str = Field(max_length=32)
    from_state: str | None = Field(default=None, max_length=24)
    to_state: str | None = Field(default=None, max_length=24)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    at: datetime = _when(default_factory=utcnow)
