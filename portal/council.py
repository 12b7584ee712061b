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
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Grid, User
from db.models_council import (
    ACTION_STATES,
    CHOICES,
    MAJORITY_RULES,
    SEAT_GROUPS,
    Council,
    CouncilAction,
    CouncilAttendance,
    CouncilBallot,
    CouncilBallotChange,
    CouncilEvent,
    CouncilItem,
    CouncilMeeting,
    CouncilProposal,
    CouncilProposalSupport,
    CouncilSeat,
)
from db.models_council_extras import CouncilAttachment, CouncilItemOption
from db.types import utcnow
from portal import auth, points
from portal.auth import active_user
from portal.config import TIMEZONE
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map, subtree
from portal.i18n import DEFAULT_LANGUAGE, LANGUAGE_CODES, N_, translate
from portal.text import clean_text

TITLE_MAX = 80
ITEM_TITLE_MAX = 120
BODY_MAX = 2000
REASON_MAX = 300
PLACE_MAX = 120
NOTE_MAX = 500
MINUTES_MAX = 10000
PROPOSALS_PER_MEETING = 3  # per resident per meeting
DEFAULT_ACTION_DAYS = 30
COUNCIL_GRID_KINDS = ("community", "general")
TERM_DAYS_MAX = 5 * 365 + 2

MANAGER_ROLES = (auth.STAFF, auth.ADMIN)
PROPOSER_ROLES = (auth.RESIDENT,)
SUPPORTER_ROLES = (auth.RESIDENT, auth.MERCHANT)
ACTION_OWNER_ROLES = (auth.GRID_WORKER, auth.STAFF, auth.HANDLER, auth.ADMIN)
GROUP_ROLES = {
    "grid": (auth.GRID_WORKER, auth.STAFF),
    "resident": (auth.RESIDENT,),
    "merchant": (auth.MERCHANT,),
}

GROUP_LABELS = {
    "grid": N_("Grid workers"),
    "resident": N_("Residents"),
    "merchant": N_("Merchants"),
}
MEETING_LABELS = {
    "draft": N_("Draft (not visible to residents)"),
    "published": N_("Published: agenda and proposals open"),
    "voting_open": N_("Voting open"),
    "voting_closed": N_("Voting closed"),
    "minutes_published": N_("Minutes published"),
}
PROPOSAL_LABELS = {
    "submitted": N_("Waiting for screening"),
    "accepted": N_("On the agenda"),
    "merged": N_("Merged with a similar proposal"),
    "declined": N_("Not taken onto the agenda"),
}
SOURCE_LABELS = {
    "proposal": N_("Resident proposal"),
    "wish": N_("Wish from the wish wall"),
    "report": N_("Escalated or recurring report"),
    "staff": N_("Community office"),
    "member": N_("Council member"),
}
CHOICE_LABELS = {"for": N_("For"), "against": N_("Against"), "abstain": N_("Abstain")}


@dataclass(frozen=True)
class Option:
    """What a member can choose on an item: the default for / against / abstain (label: a message
    id to translate) or one of the item's own options (key "o<position>", label as staff typed it)."""

    key: str
    label: str
    custom: bool = False


DEFAULT_OPTIONS = tuple(Option(key, CHOICE_LABELS[key]) for key in CHOICES)
OUTCOME_LABELS = {
    "adopted": N_("Adopted by the council"),
    "rejected": N_("Rejected by the council"),
    "not_decided": N_("Not decided (no quorum)"),
}
MAJORITY_LABELS = {
    "more_for": N_("More for than against"),
    "half_of_votes": N_("For by more than half of the ballots"),
    "two_thirds_of_votes": N_("For by at least two thirds of the ballots"),
}
ACTION_LABELS = {"planned": N_("Planned"), "in_progress": N_("In progress"), "done": N_("Done")}

CHANGED = N_("This has just been changed by someone else. Please look again.")
NOT_FOUND = N_("This could not be found.")
NOT_MEMBER = N_("Only members holding a council seat can vote.")
VOTING_NOT_OPEN = N_(
    "Voting on this item is not open. Votes are only counted while voting is open."
)


# --- helpers -----------------------------------------------------------------------------------


def _manager(session: Session, user_id: int) -> User:
    user = active_user(session, user_id)
    if user.role not in MANAGER_ROLES:
        raise UserError(N_("Only the community office can do this."))
    return user


def _commit(session: Session, message: str = CHANGED) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(message) from None
    session.expire_all()  # conditional UPDATEs bypass the identity map


def _event(
    session: Session,
    council_id: int,
    kind: str,
    actor_id: int | None,
    now: datetime,
    *,
    meeting_id: int | None = None,
    item_id: int | None = None,
    proposal_id: int | None = None,
    action_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
) -> None:
    session.add(
        CouncilEvent(
            council_id=council_id,
            meeting_id=meeting_id,
            item_id=item_id,
            proposal_id=proposal_id,
            action_id=action_id,
            actor_id=actor_id,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            note=note or None,
            at=now,
        )
    )


def _length(errors: dict, name: str, text: str, most: int, empty: str) -> None:
    if not text:
        errors[name] = Message(empty)
    elif len(text) > most:
        errors[name] = Message(
            N_("Use at most {n} characters (now {count})."), {"n": most, "count": len(text)}
        )


def local_month(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m")


def _today(now: datetime) -> date:
    return now.astimezone(ZoneInfo(TIMEZONE)).date()


def lives_in(session: Session, council: Council, user: User) -> bool:
    return user.home_grid_id is not None and user.home_grid_id in subtree(
        parent_map(session), council.grid_id
    )


def _council(session: Session, council_id: int) -> Council:
    council = session.get(Council, council_id)
    if council is None:
        raise UserError(NOT_FOUND)
    return council


def _meeting(
    session: Session, meeting_id: int, lock: bool = False, share: bool = False
) -> CouncilMeeting:
    query = select(CouncilMeeting).where(CouncilMeeting.id == meeting_id)
    if lock or share:
        query = query.with_for_update(read=share and not lock)
    meeting = session.exec(query.execution_options(populate_existing=True)).first()
    if meeting is None:
        raise UserError(NOT_FOUND)
    return meeting


def meeting_title(meeting: CouncilMeeting) -> tuple[str, dict]:
    year, month = meeting.month.split("-")
    return N_("Council meeting of {year}-{month}"), {"year": year, "month": month}


# --- councils and seats ------------------------------------------------------------------------


def create_council(
    session: Session,
    *,
    actor_id: int,
    grid_id: int,
    name: str,
    term_start: date,
    term_end: date,
    seats_per_group: int = 4,
    quorum_num: int = 2,
    quorum_den: int = 3,
    majority: str = "more_for",
    proposal_days: int = 3,
    now: datetime | None = None,
) -> Council:
    now = now or utcnow()
    _manager(session, actor_id)
    name = clean_text(name)
    errors: dict[str, Message] = {}
    _length(errors, "name", name, 120, N_("Please give the council a name."))
    grid = session.get(Grid, grid_id) if isinstance(grid_id, int) else None
    if grid is None or grid.kind not in COUNCIL_GRID_KINDS:
        errors["grid"] = Message(N_("Please choose the grid the council serves."))
    if not isinstance(term_start, date) or not isinstance(term_end, date) or term_end <= term_start:
        errors["term_end"] = Message(N_("The term must end after it starts."))
    elif term_end < _today(now):
        errors["term_end"] = Message(
            N_("The term has already ended. Please choose an end in the future.")
        )
    elif (term_end - term_start).days > TERM_DAYS_MAX:
        errors["term_end"] = Message(
            N_("A term lasts at most {years} years."), {"years": TERM_DAYS_MAX // 365}
        )
    errors |= _rule_errors(seats_per_group, quorum_num, quorum_den, majority, proposal_days)
    if not errors:
        # Lock the grid (PostgreSQL) so two staff cannot both create its council at once.
        session.exec(select(Grid.id).where(Grid.id == grid_id).with_for_update()).first()
        clash = _overlapping(session, grid_id, term_start, term_end)
        if clash is not None:
            session.rollback()
            errors["grid"] = Message(
                N_(
                    "“{name}” already serves this grid from {start} to {end}. Choose a term that does not overlap."
                ),
                {
                    "name": clash.name,
                    "start": clash.term_start.isoformat(),
                    "end": clash.term_end.isoformat(),
                },
            )
    if errors:
        raise FieldErrors(errors)
    council = Council(
        grid_id=grid_id,
        name=name,
        term_start=term_start,
        term_end=term_end,
        seats_per_group=seats_per_group,
        quorum_num=quorum_num,
        quorum_den=quorum_den,
        majority=majority,
        proposal_days=proposal_days,
        created_at=now,
    )
    session.add(council)
    session.flush()
    _event(session, council.id, "council_created", actor_id, now, note=name)
    _commit(session)
    return session.get(Council, council.id)


def _overlapping(session: Session, grid_id: int, start: date, end: date) -> Council | None:
    return session.exec(
        select(Council).where(
            Council.grid_id == grid_id, Council.term_start <= end, Council.term_end >= start
        )
    ).first()


def council_grids(session: Session) -> list[Grid]:
    """The grids a council can serve: the community and its general grids."""
    return list(
        session.exec(
            select(Grid)
            .where(Grid.kind.in_(COUNCIL_GRID_KINDS))
            .order_by(Grid.kind != "community", Grid.code)
        ).all()
    )


def _rule_errors(seats_per_group, quorum_num, quorum_den, majority, proposal_days) -> dict:
    errors: dict[str, Message] = {}
    if not isinstance(seats_per_group, int) or not 1 <= seats_per_group <= 50:
        errors["seats_per_group"] = Message(
            N_("Use a whole number from {low} to {high}."), {"low": 1, "high": 50}
        )
    if (
        not isinstance(quorum_num, int)
        or not isinstance(quorum_den, int)
        or quorum_den < 1
        or not 1 <= quorum_num <= quorum_den
        or quorum_den > 100
    ):
        errors["quorum"] = Message(
            N_("The quorum must be a fraction from 1/100 to 1/1 of the seats.")
        )
    if majority not in MAJORITY_RULES:
        errors["majority"] = Message(N_("Please choose a majority rule."))
    if not isinstance(proposal_days, int) or not 0 <= proposal_days <= 60:
        errors["proposal_days"] = Message(
            N_("Use a whole number from {low} to {high}."), {"low": 0, "high": 60}
        )
    return errors


def set_rules(
    session: Session,
    *,
    council_id: int,
    actor_id: int,
    seats_per_group: int,
    quorum_num: int,
    quorum_den: int,
    majority: str,
    proposal_days: int,
    now: datetime | None = None,
) -> Council:
    """Changes the council's rules (refused while a vote is open: the rules of a vote never move)."""
    now = now or utcnow()
    _manager(session, actor_id)
    council = _council(session, council_id)
    errors = _rule_errors(seats_per_group, quorum_num, quorum_den, majority, proposal_days)
    if errors:
        raise FieldErrors(errors)
    if _open_vote(session, council_id):
        raise UserError(N_("The rules cannot change while voting is open."))
    before = f"{council.seats_per_group}; {council.quorum_num}/{council.quorum_den}; {council.majority}; {council.proposal_days}"
    after = f"{seats_per_group}; {quorum_num}/{quorum_den}; {majority}; {proposal_days}"
    council.seats_per_group, council.quorum_num, council.quorum_den = (
        seats_per_group,
        quorum_num,
        quorum_den,
    )
    council.majority, council.proposal_days = majority, proposal_days
    session.add(council)
    _event(
        session,
        council_id,
        "rules_changed",
        actor_id,
        now,
        from_state=None,
        to_state=None,
        note=f"{before} → {after}",
    )
    _commit(session)
    return session.get(Council, council_id)


def _open_vote(session: Session, council_id: int) -> bool:
    return (
        session.exec(
            select(CouncilMeeting.id).where(
                CouncilMeeting.council_id == council_id, CouncilMeeting.status == "voting_open"
            )
        ).first()
        is not None
    )


def seat_counts(session: Session, council_id: int) -> dict[str, int]:
    rows = session.exec(
        select(CouncilSeat.seat_group, func.count())
        .where(CouncilSeat.council_id == council_id, CouncilSeat.ended_at.is_(None))
        .group_by(CouncilSeat.seat_group)
    ).all()
    counts = dict.fromkeys(SEAT_GROUPS, 0)
    counts.update(dict(rows))
    return counts


@dataclass(frozen=True)
class Balance:
    counts: dict[str, int]
    target: int
    equal: bool  # three groups of the same, non-zero size: voting may open
    full: bool  # every group has the council's number of seats

    @property
    def seats(self) -> int:
        return sum(self.counts.values())


def balance(session: Session, council_id: int) -> Balance:
    council = _council(session, council_id)
    counts = seat_counts(session, council_id)
    sizes = set(counts.values())
    return Balance(
        counts,
        council.seats_per_group,
        len(sizes) == 1 and 0 not in sizes,
        all(n == council.seats_per_group for n in counts.values()),
    )


def add_seat(
    session: Session,
    *,
    council_id: int,
    user_id: int,
    group: str,
    actor_id: int,
    now: datetime | None = None,
) -> CouncilSeat:
    """Gives a person a seat in a group (grid workers or staff / residents / merchants)."""
    now = now or utcnow()
    _manager(session, actor_id)
    council = _council(session, council_id)
    if group not in SEAT_GROUPS:
        raise UserError(N_("Please choose the group of the seat."), field="group")
    person = session.get(User, user_id) if user_id else None
    if person is None or not person.is_active:
        raise UserError(N_("Please choose the person who holds the seat."), field="person")
    if person.role not in GROUP_ROLES[group]:
        raise UserError(
            N_(
                "This person cannot sit in this group: grid seats are for grid workers and staff, resident seats for residents, merchant seats for merchants."
            ),
            field="person",
        )
    if _open_vote(session, council_id):
        raise UserError(N_("Seats cannot change while voting is open."))
    # Lock the council (PostgreSQL) so two staff cannot both fill the last seat of a group.
    session.exec(select(Council.id).where(Council.id == council_id).with_for_update()).first()
    seat = CouncilSeat(
        council_id=council_id,
        seat_group=group,
        user_id=user_id,
        active_user_id=user_id,
        started_at=now,
        added_by=actor_id,
    )
    session.add(seat)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise UserError(
            N_("This person already holds a seat on this council."), field="person"
        ) from None
    held = session.exec(
        select(func.count())
        .select_from(CouncilSeat)
        .where(
            CouncilSeat.council_id == council_id,
            CouncilSeat.seat_group == group,
            CouncilSeat.ended_at.is_(None),
        )
    ).one()
    if held > council.seats_per_group:
        session.rollback()
        raise UserError(
            N_("This group already has its {n} seats. End a seat first."),
            field="group",
            n=council.seats_per_group,
        )
    _event(
        session,
        council_id,
        "seat_added",
        actor_id,
        now,
        to_state=group,
        note=f"{person.display_name} ({person.username})",
    )
    _commit(session, N_("This person already holds a seat on this council."))
    return session.get(CouncilSeat, seat.id)


def end_seat(
    session: Session, *, seat_id: int, actor_id: int, note: str = "", now: datetime | None = None
) -> None:
    now = now or utcnow()
    _manager(session, actor_id)
    seat = session.get(CouncilSeat, seat_id)
    if seat is None:
        raise UserError(NOT_FOUND)
    if _open_vote(session, seat.council_id):
        raise UserError(N_("Seats cannot change while voting is open."))
    result = session.execute(
        update(CouncilSeat)
        .where(CouncilSeat.id == seat_id, CouncilSeat.ended_at.is_(None))
        .values(ended_at=now, active_user_id=None, ended_by=actor_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise UserError(CHANGED)
    _event(
        session,
        seat.council_id,
        "seat_ended",
        actor_id,
        now,
        from_state=seat.seat_group,
        note=clean_text(note)[:NOTE_MAX] or None,
    )
    _commit(session)


def seat_of(session: Session, council_id: int, user_id: int | None) -> CouncilSeat | None:
    if not user_id:
        return None
    return session.exec(
        select(CouncilSeat).where(
            CouncilSeat.council_id == council_id, CouncilSeat.active_user_id == user_id
        )
    ).first()


@dataclass(frozen=True)
class SeatView:
    seat: CouncilSeat
    name: str
    username: str
    language: str


def seats(session: Session, council_id: int) -> list[SeatView]:
    rows = session.exec(
        select(CouncilSeat, User)
        .join(User, User.id == CouncilSeat.user_id)
        .where(CouncilSeat.council_id == council_id, CouncilSeat.ended_at.is_(None))
        .order_by(CouncilSeat.seat_group, CouncilSeat.id)
    ).all()
    return [SeatView(seat, user.display_name, user.username, user.language) for seat, user in rows]


def councils(session: Session) -> list[Council]:
    return list(session.exec(select(Council).order_by(Council.id)).all())


def council_for(
    session: Session, user_id: int | None, now: datetime | None = None
) -> Council | None:
    """The council of the viewer's home (the nearest grid above it that has one), else the only
    council whose term runs now, else the newest."""
    now = now or utcnow()
    found = councils(session)
    if not found:
        return None
    today = _today(now)
    current = [c for c in found if c.term_start <= today <= c.term_end] or found
    user = session.get(User, user_id) if user_id else None
    if user is not None and user.home_grid_id is not None:
        parents = dict(session.exec(select(Grid.id, Grid.parent_id)).all())
        grid, seen = user.home_grid_id, set()
        by_grid = {c.grid_id: c for c in current}
        while grid is not None and grid not in seen:
            if grid in by_grid:
                return by_grid[grid]
            seen.add(grid)
            grid = parents.get(grid)
    return current[-1]


def councils_for(
    session: Session, user_id: int | None, now: datetime | None = None
) -> list[Council]:
    """Every council whose term runs now and whose area holds the viewer's home, the widest
    (community) first; a viewer living elsewhere or without a home sees the community councils.
    Falls back to council_for when no council's term runs now."""
    today = _today(now or utcnow())
    current = [x for x in councils(session) if x.term_start <= today <= x.term_end]
    user = session.get(User, user_id) if user_id else None
    kinds = dict(session.exec(select(Grid.id, Grid.kind)).all())
    mine = []
    if user is not None and user.home_grid_id is not None:
        parents = parent_map(session)
        mine = [x for x in current if user.home_grid_id in subtree(parents, x.grid_id)]
    mine = mine or [x for x in current if kinds.get(x.grid_id) == "community"]
    mine.sort(key=lambda x: (kinds.get(x.grid_id) != "community", x.id))
    if mine:
        return mine
    fallback = council_for(session, user_id, now)
    return [fallback] if fallback is not None else []


def seated_councils(session: Session, user_id: int | None) -> list[Council]:
    """The councils on which the person holds a seat now (community first)."""
    if not user_id:
        return []
    found = session.exec(
        select(Council)
        .join(CouncilSeat, CouncilSeat.council_id == Council.id)
        .join(Grid, Grid.id == Council.grid_id)
        .where(CouncilSeat.active_user_id == user_id)
        .order_by(Grid.kind != "community", Council.id)
    ).all()
    return list(found)


# --- meetings ----------------------------------------------------------------------------------


def create_meeting(
    session: Session,
    *,
    council_id: int,
    actor_id: int,
    starts_at: datetime | None,
    place: str,
    proposal_deadline: datetime | None = None,
    now: datetime | None = None,
) -> CouncilMeeting:
    """A draft meeting; the proposal deadline defaults to the council's days before it."""
    now = now or utcnow()
    _manager(session, actor_id)
    council = _council(session, council_id)
    place = clean_text(place)
    errors: dict[str, Message] = {}
    if starts_at is None:
        errors["starts_at"] = Message(N_("Please choose the date and time of the meeting."))
    elif starts_at <= now:
        errors["starts_at"] = Message(N_("The meeting must be in the future."))
    _length(errors, "place", place, PLACE_MAX, N_("Please say where the meeting takes place."))
    if starts_at is not None and proposal_deadline is None:
        proposal_deadline = starts_at - timedelta(days=council.proposal_days)
    if starts_at is not None and proposal_deadline is not None and proposal_deadline > starts_at:
        errors["proposal_deadline"] = Message(
            N_("The deadline for proposals must be before the meeting.")
        )
    if errors:
        raise FieldErrors(errors)
    meeting = CouncilMeeting(
        council_id=council_id,
        month=local_month(starts_at),
        starts_at=starts_at,
        place=place,
        proposal_deadline=proposal_deadline,
        status="draft",
        created_by=actor_id,
        created_at=now,
        state_changed_at=now,
    )
    session.add(meeting)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise FieldErrors(
            {"starts_at": Message(N_("This council already has a meeting in that month."))}
        ) from None
    _event(
        session,
        council_id,
        "meeting_created",
        actor_id,
        now,
        meeting_id=meeting.id,
        to_state="draft",
    )
    _commit(session, N_("This council already has a meeting in that month."))
    return session.get(CouncilMeeting, meeting.id)


def _step(
    session: Session,
    meeting: CouncilMeeting,
    to_state: str,
    actor_id: int,
    now: datetime,
    note: str | None = None,
    **values,
) -> None:
    result = session.execute(
        update(CouncilMeeting)
        .where(CouncilMeeting.id == meeting.id, CouncilMeeting.status == meeting.status)
        .values(status=to_state, state_changed_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise UserError(CHANGED)
    _event(
        session,
        meeting.council_id,
        "meeting_" + to_state,
        actor_id,
        now,
        meeting_id=meeting.id,
        from_state=meeting.status,
        to_state=to_state,
        note=note,
    )


def publish_meeting(
    session: Session, *, meeting_id: int, actor_id: int, now: datetime | None = None
) -> CouncilMeeting:
    """Residents now see the meeting and may send proposals until the deadline."""
    now = now or utcnow()
    _manager(session, actor_id)
    meeting = _meeting(session, meeting_id, lock=True)
    if meeting.status != "draft":
        session.rollback()
        raise UserError(N_("Only a draft meeting can be published."))
    _step(session, meeting, "published", actor_id, now)
    _commit(session)
    return session.get(CouncilMeeting, meeting_id)


def open_voting(
    session: Session, *, meeting_id: int, actor_id: int, now: datetime | None = None
) -> CouncilMeeting:
    now = now or utcnow()
    _manager(session, actor_id)
    meeting = _meeting(session, meeting_id, lock=True)
    if meeting.status != "published":
        session.rollback()
        raise UserError(N_("Voting can only open on a published meeting."))
    found = balance(session, meeting.council_id)
    if not found.equal:
        session.rollback()
        raise UserError(
            N_(
                "The three groups do not have the same number of seats ({grid} grid, {resident} resident, {merchant} merchant). Fix the seats before voting."
            ),
            **found.counts,
        )
    if not _items(session, meeting_id):
        session.rollback()
        raise UserError(N_("The agenda is empty. Add at least one item before voting."))
    _step(session, meeting, "voting_open", actor_id, now)
    _commit(session)
    return session.get(CouncilMeeting, meeting_id)


def close_voting(
    session: Session,
    *,
    meeting_id: int,
    actor_id: int,
    action_owner_id: int | None = None,
    action_days: int = DEFAULT_ACTION_DAYS,
    now: datetime | None = None,
) -> list[CouncilItem]:
    """Closes voting: each item's outcome is fixed from its ballots; adopted items become actions
    (owner: action_owner_id or the person closing; due in action_days); decided promoted wishes get
    the council's decision."""
    now = now or utcnow()
    _manager(session, actor_id)
    owner_id = action_owner_id or actor_id
    owner = session.get(User, owner_id)
    if owner is None or owner.role not in ACTION_OWNER_ROLES:
        raise UserError(
            N_("Please choose a person of the community office or a department as the owner."),
            field="owner",
        )
    meeting = _meeting(session, meeting_id, lock=True)
    if meeting.status != "voting_open":
        session.rollback()
        raise UserError(N_("Voting is not open on this meeting."))
    # The status UPDATE comes first: it waits for votes in flight (they hold a share lock on the
    # meeting on PostgreSQL, the write lock on SQLite) and stops new ones, so the tally is final.
    _step(session, meeting, "voting_closed", actor_id, now)
    council = _council(session, meeting.council_id)
    seats_now = sum(seat_counts(session, council.id).values())
    items = _items(session, meeting_id)
    due = _today(now) + timedelta(days=max(1, min(action_days, 366)))
    for item in items:
        result = tally(session, item.id, council=council, seats=seats_now)
        item.outcome, item.seats_at_close, item.decided_at = result.outcome, seats_now, now
        item.decision = decision_text(item, result)
        session.add(item)
        _event(
            session,
            council.id,
            "item_decided",
            actor_id,
            now,
            meeting_id=meeting_id,
            item_id=item.id,
            to_state=result.outcome,
            note=item.decision,
        )
        if result.outcome == "adopted":
            action = CouncilAction(
                item_id=item.id,
                owner_id=owner_id,
                due_date=due,
                status="planned",
                created_at=now,
                updated_at=now,
            )
            session.add(action)
            session.flush()
            _event(
                session,
                council.id,
                "action_created",
                actor_id,
                now,
                meeting_id=meeting_id,
                item_id=item.id,
                action_id=action.id,
                to_state="planned",
                note=f"{owner.display_name} · {due.isoformat()}",
            )
    _commit(session)
    for item in items:
        if item.source == "wish" and item.outcome in ("adopted", "rejected"):
            _decide_wish(session, council.id, meeting_id, item, actor_id, now)
    return _items(session, meeting_id)


DECISION_TEXTS = {
    "adopted": N_(
        "The council adopted “{title}”: {for} for, {against} against, {abstain} abstaining."
    ),
    "rejected": N_(
        "The council rejected “{title}”: {for} for, {against} against, {abstain} abstaining."
    ),
    "not_decided": N_("The council could not decide “{title}”: too few members voted ({voted})."),
}
CHOSEN_TEXT = N_("The council chose “{option}” on “{title}”: {results}.")
TIED_TEXT = N_(
    "The council could not decide “{title}”: a tie between {options} with {n} votes each ({results})."
)


def decision_text(item: CouncilItem, result: Tally, lang: str = DEFAULT_LANGUAGE) -> str:
    """The decision in words, kept with the item (in the community's language)."""
    if not result.custom or not result.quorum_met:
        return translate(lang, DECISION_TEXTS[result.outcome], title=item.title, **result.counts())
    results = ", ".join(f"{o.label} {result.votes[o.key]}" for o in result.options)
    if result.winner is not None:
        return translate(
            lang, CHOSEN_TEXT, option=result.winner.label, title=item.title, results=results
        )
    leaders = result.leaders
    return translate(
        lang,
        TIED_TEXT,
        title=item.title,
        options=" / ".join(o.label for o in leaders),
        n=result.votes[leaders[0].key] if leaders else 0,
        results=results,
    )


def _decide_wish(
    session: Session,
    council_id: int,
    meeting_id: int,
    item: CouncilItem,
    actor_id: int,
    now: datetime,
) -> None:
    from portal import wishes

    try:
        wishes.decide(
            session,
            wish_id=item.source_id,
            decision=item.decision or "",
            decided_by=actor_id,
            now=now,
        )
    except (UserError, FieldErrors) as exc:  # e.g. the wish was hidden meanwhile: keep a trace
        session.rollback()
        _event(
            session,
            council_id,
            "wish_not_updated",
            actor_id,
            now,
            meeting_id=meeting_id,
            item_id=item.id,
            note=str(exc),
        )
        _commit(session)


def publish_minutes(
    session: Session, *, meeting_id: int, actor_id: int, minutes: str, now: datetime | None = None
) -> CouncilMeeting:
    now = now or utcnow()
    _manager(session, actor_id)
    minutes = clean_text(minutes)
    errors: dict[str, Message] = {}
    _length(errors, "minutes", minutes, MINUTES_MAX, N_("Please write the minutes of the meeting."))
    if errors:
        raise FieldErrors(errors)
    meeting = _meeting(session, meeting_id, lock=True)
    if meeting.status != "voting_closed":
        session.rollback()
        raise UserError(N_("Minutes can be published once voting is closed."))
    _step(session, meeting, "minutes_published", actor_id, now, minutes=minutes)
    _commit(session)
    return session.get(CouncilMeeting, meeting_id)


def meetings(session: Session, council_id: int) -> list[CouncilMeeting]:
    return list(
        session.exec(
            select(CouncilMeeting)
            .where(CouncilMeeting.council_id == council_id)
            .order_by(CouncilMeeting.starts_at.desc())
        ).all()
    )


def current_meeting(
    session: Session, council_id: int, *, include_draft: bool = False
) -> CouncilMeeting | None:
    """The meeting residents look at now: the earliest not finished one (published, voting)."""
    states = ["published", "voting_open", "voting_closed"] + (["draft"] if include_draft else [])
    return session.exec(
        select(CouncilMeeting)
        .where(CouncilMeeting.council_id == council_id, CouncilMeeting.status.in_(states))
        .order_by(CouncilMeeting.starts_at)
    ).first()


# --- proposals ---------------------------------------------------------------------------------


def submit_proposal(
    session: Session,
    *,
    meeting_id: int,
    author_id: int,
    title: str,
    body: str,
    language: str | None = None,
    now: datetime | None = None,
) -> CouncilProposal:
    """A resident's proposal for a published meeting, before its deadline."""
    now = now or utcnow()
    author = active_user(session, author_id)
    meeting = _meeting(session, meeting_id)
    council = _council(session, meeting.council_id)
    if author.role not in PROPOSER_ROLES or not lives_in(session, council, author):
        raise UserError(N_("Only residents of this community can submit proposals."))
    _proposals_open(meeting, now)
    title, body = clean_text(title), clean_text(body)
    errors: dict[str, Message] = {}
    _length(errors, "title", title, TITLE_MAX, N_("Please write a short title for your proposal."))
    _length(errors, "body", body, BODY_MAX, N_("Please say what you propose and why."))
    if errors:
        raise FieldErrors(errors)
    language = language if language in LANGUAGE_CODES else author.language
    # Lock the author (PostgreSQL) so two browsers cannot both send the 4th proposal.
    session.exec(select(User.id).where(User.id == author_id).with_for_update()).first()
    proposal = CouncilProposal(
        meeting_id=meeting_id,
        author_id=author_id,
        title=title,
        body=body,
        language=language,
        status="submitted",
        created_at=now,
    )
    session.add(proposal)
    session.flush()
    mine = session.exec(
        select(func.count())
        .select_from(CouncilProposal)
        .where(CouncilProposal.meeting_id == meeting_id, CouncilProposal.author_id == author_id)
    ).one()
    if mine > PROPOSALS_PER_MEETING:
        session.rollback()
        raise UserError(
            N_(
                "You have sent {n} proposals to this meeting. That is the most one person can send."
            ),
            n=PROPOSALS_PER_MEETING,
        )
    _event(
        session,
        council.id,
        "proposal_submitted",
        author_id,
        now,
        meeting_id=meeting_id,
        proposal_id=proposal.id,
        to_state="submitted",
    )
    _commit(session)
    return session.get(CouncilProposal, proposal.id)


def _proposals_open(meeting: CouncilMeeting, now: datetime) -> None:
    if meeting.status != "published":
        raise UserError(N_("This meeting does not take proposals now."))
    if now >= meeting.proposal_deadline:
        raise UserError(N_("The deadline for proposals to this meeting has passed."))


def support_proposal(
    session: Session, *, proposal_id: int, user_id: int, now: datetime | None = None
) -> int:
    """Supports a proposal (once per person, before the deadline); returns its support now."""
    now = now or utcnow()
    user = active_user(session, user_id)
    proposal = session.get(CouncilProposal, proposal_id)
    if proposal is None:
        raise UserError(NOT_FOUND)
    meeting = _meeting(session, proposal.meeting_id)
    council = _council(session, meeting.council_id)
    if user.role not in SUPPORTER_ROLES or not lives_in(session, council, user):
        raise UserError(N_("Only residents and merchants of this community can support proposals."))
    if proposal.author_id == user_id:
        raise UserError(N_("You cannot support your own proposal."))
    if proposal.status not in ("submitted", "accepted"):
        raise UserError(N_("This proposal no longer takes support."))
    _proposals_open(meeting, now)
    session.add(CouncilProposalSupport(proposal_id=proposal_id, user_id=user_id, created_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise UserError(N_("You already support this proposal.")) from None
    count = support_counts(session, [proposal_id]).get(proposal_id, 0)
    _commit(session, N_("You already support this proposal."))
    return count


def withdraw_support(
    session: Session, *, proposal_id: int, user_id: int, now: datetime | None = None
) -> int:
    """Takes back one's support while the proposal waits for screening and proposals are open;
    the trail keeps who withdrew when. Returns the proposal's support now."""
    now = now or utcnow()
    active_user(session, user_id)
    proposal = session.get(CouncilProposal, proposal_id) if proposal_id else None
    if proposal is None:
        raise UserError(NOT_FOUND)
    meeting = _meeting(session, proposal.meeting_id)
    if proposal.status != "submitted":
        raise UserError(N_("This proposal has been screened: support can no longer be withdrawn."))
    _proposals_open(meeting, now)
    result = session.execute(
        delete(CouncilProposalSupport)
        .where(
            CouncilProposalSupport.proposal_id == proposal_id,
            CouncilProposalSupport.user_id == user_id,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise UserError(N_("You do not support this proposal (any more)."))
    # Read under the write lock (SQLite) so a screening that just happened is seen.
    status = session.exec(
        select(CouncilProposal.status)
        .where(CouncilProposal.id == proposal_id)
        .with_for_update(read=True)
    ).one()
    if status != "submitted":
        session.rollback()
        raise UserError(N_("This proposal has been screened: support can no longer be withdrawn."))
    _event(
        session,
        meeting.council_id,
        "support_withdrawn",
        user_id,
        now,
        meeting_id=meeting.id,
        proposal_id=proposal_id,
    )
    count = support_counts(session, [proposal_id]).get(proposal_id, 0)
    _commit(session)
    return count


def support_counts(session: Session, proposal_ids: list[int]) -> dict[int, int]:
    """Distinct supporters of each proposal, including those of proposals merged into it."""
    if not proposal_ids:
        return {}
    merged = dict(
        session.exec(
            select(CouncilProposal.id, CouncilProposal.merged_into_id).where(
                CouncilProposal.merged_into_id.in_(proposal_ids)
            )
        ).all()
    )
    rows = session.exec(
        select(CouncilProposalSupport.proposal_id, CouncilProposalSupport.user_id).where(
            or_(
                CouncilProposalSupport.proposal_id.in_(proposal_ids),
                CouncilProposalSupport.proposal_id.in_(list(merged) or [-1]),
            )
        )
    ).all()
    people: dict[int, set[int]] = {pid: set() for pid in proposal_ids}
    for pid, uid in rows:
        people.setdefault(merged.get(pid, pid), set()).add(uid)
    return {pid: len(people.get(pid, ())) for pid in proposal_ids}


def _screenable(
    session: Session, proposal_id: int, actor_id: int
) -> tuple[CouncilProposal, CouncilMeeting]:
    _manager(session, actor_id)
    proposal = session.get(CouncilProposal, proposal_id)
    if proposal is None:
        raise UserError(NOT_FOUND)
    meeting = _meeting(session, proposal.meeting_id, lock=True)
    if meeting.status not in ("draft", "published"):
        session.rollback()
        raise UserError(N_("The agenda is fixed once voting opens."))
    if proposal.status != "submitted":
        session.rollback()
        raise UserError(N_("This proposal has already been screened."))
    return proposal, meeting


def _screen(
    session: Session,
    proposal: CouncilProposal,
    to_state: str,
    actor_id: int,
    now: datetime,
    **values,
) -> None:
    result = session.execute(
        update(CouncilProposal)
        .where(CouncilProposal.id == proposal.id, CouncilProposal.status == "submitted")
        .values(status=to_state, screened_at=now, screened_by=actor_id, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise UserError(CHANGED)


def accept_proposal(
    session: Session,
    *,
    proposal_id: int,
    actor_id: int,
    title: str | None = None,
    background: str | None = None,
    now: datetime | None = None,
) -> CouncilItem:
    """Puts a proposal on its meeting's agenda (staff may shorten the title, add background)."""
    now = now or utcnow()
    proposal, meeting = _screenable(session, proposal_id, actor_id)
    title = clean_text(title) or proposal.title
    background = clean_text(background) or proposal.body
    errors: dict[str, Message] = {}
    _length(errors, "title", title, ITEM_TITLE_MAX, N_("Please write a short title for the item."))
    if len(background) > BODY_MAX:
        errors["background"] = Message(
            N_("Use at most {n} characters (now {count})."),
            {"n": BODY_MAX, "count": len(background)},
        )
    if errors:
        session.rollback()
        raise FieldErrors(errors)
    _screen(session, proposal, "accepted", actor_id, now)
    item = CouncilItem(
        meeting_id=meeting.id,
        title=title,
        background=background,
        language=proposal.language,
        source="proposal",
        source_id=proposal.id,
        proposer_id=proposal.author_id,
        added_by=actor_id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    _event(
        session,
        meeting.council_id,
        "proposal_accepted",
        actor_id,
        now,
        meeting_id=meeting.id,
        proposal_id=proposal.id,
        item_id=item.id,
        from_state="submitted",
        to_state="accepted",
    )
    _commit(session, N_("This item is already on the agenda."))
    return session.get(CouncilItem, item.id)


def merge_proposal(
    session: Session,
    *,
    proposal_id: int,
    into_id: int,
    actor_id: int,
    note: str = "",
    now: datetime | None = None,
) -> CouncilProposal:
    """Merges a proposal into a similar one of the same meeting; its supporters count there."""
    now = now or utcnow()
    proposal, meeting = _screenable(session, proposal_id, actor_id)
    target = session.get(CouncilProposal, into_id) if into_id else None
    if (
        target is None
        or target.id == proposal.id
        or target.meeting_id != proposal.meeting_id
        or target.status not in ("submitted", "accepted")
    ):
        session.rollback()
        raise UserError(
            N_("Please choose a similar proposal of the same meeting that is still open."),
            field="into",
        )
    note = clean_text(note)[:REASON_MAX]
    _screen(
        session, proposal, "merged", actor_id, now, merged_into_id=target.id, reason=note or None
    )
    _event(
        session,
        meeting.council_id,
        "proposal_merged",
        actor_id,
        now,
        meeting_id=meeting.id,
        proposal_id=proposal.id,
        from_state="submitted",
        to_state="merged",
        note=f"→ #{target.id}" + (f" {note}" if note else ""),
    )
    _commit(session)
    return session.get(CouncilProposal, proposal_id)


def decline_proposal(
    session: Session, *, proposal_id: int, actor_id: int, reason: str, now: datetime | None = None
) -> CouncilProposal:
    now = now or utcnow()
    reason = clean_text(reason)
    errors: dict[str, Message] = {}
    _length(errors, "reason", reason, REASON_MAX, N_("Please give the proposer a reason."))
    if errors:
        raise FieldErrors(errors)
    proposal, meeting = _screenable(session, proposal_id, actor_id)
    _screen(session, proposal, "declined", actor_id, now, reason=reason)
    _event(
        session,
        meeting.council_id,
        "proposal_declined",
        actor_id,
        now,
        meeting_id=meeting.id,
        proposal_id=proposal.id,
        from_state="submitted",
        to_state="declined",
        note=reason,
    )
    _commit(session)
    return session.get(CouncilProposal, proposal_id)


@dataclass(frozen=True)
class ProposalView:
    proposal: CouncilProposal
    author_name: str
    support: int
    mine: bool
    supported: bool
    merged_into_title: str | None


def proposals(
    session: Session,
    meeting_id: int,
    *,
    viewer_id: int | None = None,
    statuses: tuple[str, ...] | None = None,
) -> list[ProposalView]:
    """Proposals of a meeting, most supported first."""
    query = (
        select(CouncilProposal, User)
        .join(User, User.id == CouncilProposal.author_id)
        .where(CouncilProposal.meeting_id == meeting_id)
    )
    if statuses:
        query = query.where(CouncilProposal.status.in_(statuses))
    rows = session.exec(query.order_by(CouncilProposal.created_at, CouncilProposal.id)).all()
    ids = [p.id for p, _ in rows]
    counts = support_counts(session, ids)
    supported = set(
        session.exec(
            select(CouncilProposalSupport.proposal_id).where(
                CouncilProposalSupport.user_id == (viewer_id or -1),
                CouncilProposalSupport.proposal_id.in_(ids or [-1]),
            )
        ).all()
    )
    targets = {p.merged_into_id for p, _ in rows if p.merged_into_id}
    titles = dict(
        session.exec(
            select(CouncilProposal.id, CouncilProposal.title).where(
                CouncilProposal.id.in_(list(targets) or [-1])
            )
        ).all()
    )
    views = [
        ProposalView(
            p,
            u.display_name,
            counts.get(p.id, 0),
            p.author_id == viewer_id,
            p.id in supported,
            titles.get(p.merged_into_id),
        )
        for p, u in rows
    ]
    return sorted(views, key=lambda v: -v.support)


def my_proposals(session: Session, user_id: int) -> list[ProposalView]:
    ids = session.exec(
        select(CouncilProposal.meeting_id).where(CouncilProposal.author_id == user_id).distinct()
    ).all()
    found = []
    for meeting_id in ids:
        found += [v for v in proposals(session, meeting_id, viewer_id=user_id) if v.mine]
    return sorted(found, key=lambda v: v.proposal.created_at, reverse=True)


# --- agenda ------------------------------------------------------------------------------------


def _items(session: Session, meeting_id: int) -> list[CouncilItem]:
    return list(
        session.exec(
            select(CouncilItem).where(CouncilItem.meeting_id == meeting_id).order_by(CouncilItem.id)
        ).all()
    )


def add_item(
    session: Session,
    *,
    meeting_id: int,
    actor_id: int,
    source: str,
    source_id: int | None = None,
    title: str = "",
    background: str = "",
    proposer_id: int | None = None,
    now: datetime | None = None,
) -> CouncilItem:
    """Adds a promoted wish, a report, or a staff or member item to a meeting's agenda."""
    now = now or utcnow()
    _manager(session, actor_id)
    title, background = clean_text(title), clean_text(background)
    language = DEFAULT_LANGUAGE
    if source == "wish":
        from db.models_wishes import Wish, WishPromotion

        row = session.exec(
            select(WishPromotion, Wish)
            .join(Wish, Wish.id == WishPromotion.wish_id)
            .where(WishPromotion.wish_id == (source_id or -1))
        ).first()
        if row is None or row[0].status != "candidate" or row[1].state != "promoted":
            raise UserError(N_("This wish is not waiting for the council."), field="source")
        title, background = title or row[1].title, background or row[1].body
        proposer_id, language = row[1].author_id, row[1].language
    elif source == "report":
        from db.models_reports import Report

        report = session.get(Report, source_id) if source_id else None
        if report is None:
            raise UserError(N_("This report could not be found."), field="source")
        title = title or translate(DEFAULT_LANGUAGE, N_("Report #{id}"), id=report.id)
        background = background or report.description
        proposer_id, language = report.reporter_id, report.language
    elif source == "member":
        if proposer_id is None:
            raise UserError(N_("Please choose the member who proposes the item."), field="proposer")
    elif source == "staff":
        proposer_id = proposer_id or actor_id
        source_id = None
    else:
        raise UserError(N_("Please choose where the item comes from."), field="source")
    errors: dict[str, Message] = {}
    _length(errors, "title", title, ITEM_TITLE_MAX, N_("Please write a short title for the item."))
    if len(background) > BODY_MAX:
        errors["background"] = Message(
            N_("Use at most {n} characters (now {count})."),
            {"n": BODY_MAX, "count": len(background)},
        )
    if errors:
        raise FieldErrors(errors)
    meeting = _meeting(session, meeting_id, lock=True)
    if source == "member" and seat_of(session, meeting.council_id, proposer_id) is None:
        session.rollback()
        raise UserError(
            N_("Only members holding a council seat can propose an item."), field="proposer"
        )
    if meeting.status not in ("draft", "published"):
        session.rollback()
        raise UserError(N_("The agenda is fixed once voting opens."))
    if (
        source in ("wish", "report")
        and session.exec(
            select(CouncilItem.id)
            .join(CouncilMeeting, CouncilMeeting.id == CouncilItem.meeting_id)
            .where(
                CouncilItem.source == source,
                CouncilItem.source_id == source_id,
                or_(CouncilItem.outcome.is_(None), CouncilItem.outcome != "not_decided"),
            )
        ).first()
    ):
        session.rollback()
        raise UserError(N_("This item is already on an agenda."), field="source")
    item = CouncilItem(
        meeting_id=meeting_id,
        title=title[:ITEM_TITLE_MAX],
        background=background,
        language=language,
        source=source,
        source_id=source_id,
        proposer_id=proposer_id,
        added_by=actor_id,
        created_at=now,
    )
    session.add(item)
    session.flush()
    _event(
        session,
        meeting.council_id,
        "item_added",
        actor_id,
        now,
        meeting_id=meeting_id,
        item_id=item.id,
        to_state=source,
    )
    _commit(session, N_("This item is already on an agenda."))
    return session.get(CouncilItem, item.id)


def remove_item(
    session: Session, *, item_id: int, actor_id: int, reason: str, now: datetime | None = None
) -> None:
    """Takes an item off an agenda before voting (a proposal goes back to screening)."""
    now = now or utcnow()
    _manager(session, actor_id)
    reason = clean_text(reason)
    errors: dict[str, Message] = {}
    _length(errors, "reason", reason, REASON_MAX, N_("Please say why the item is taken off."))
    if errors:
        raise FieldErrors(errors)
    item = session.get(CouncilItem, item_id)
    if item is None:
        raise UserError(NOT_FOUND)
    meeting = _meeting(session, item.meeting_id, lock=True)
    if meeting.status not in ("draft", "published"):
        session.rollback()
        raise UserError(N_("The agenda is fixed once voting opens."))
    if item.source == "proposal":
        session.execute(
            update(CouncilProposal)
            .where(CouncilProposal.id == item.source_id)
            .values(status="submitted", screened_at=None, screened_by=None)
            .execution_options(synchronize_session=False)
        )
    _event(
        session,
        meeting.council_id,
        "item_removed",
        actor_id,
        now,
        meeting_id=meeting.id,
        proposal_id=item.source_id if item.source == "proposal" else None,
        note=f"{item.title}: {reason}",
    )
    # The trail keeps the item's title and the reason; its rows no longer point at the item.
    session.execute(
        update(CouncilEvent)
        .where(CouncilEvent.item_id == item.id)
        .values(item_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(CouncilItemOption).where(CouncilItemOption.item_id == item.id))
    session.execute(
        update(CouncilAttachment)
        .where(CouncilAttachment.item_id == item.id)
        .values(
            item_id=None,
            removed_at=func.coalesce(CouncilAttachment.removed_at, now),
            removed_by=func.coalesce(CouncilAttachment.removed_by, actor_id),
        )
        .execution_options(synchronize_session=False)
    )
    session.delete(item)
    _commit(session)


@dataclass
class Tally:
    votes: Counter
    by_group: dict[str, Counter]
    seats: int
    quorum_needed: int
    majority: str
    by_hand: int = 0
    options: tuple[Option, ...] = DEFAULT_OPTIONS

    @property
    def voted(self) -> int:
        return sum(self.votes.values())

    @property
    def quorum_met(self) -> bool:
        return self.seats > 0 and self.voted >= self.quorum_needed

    @property
    def custom(self) -> bool:
        """The item has its own options: the option with strictly the most votes wins."""
        return any(o.custom for o in self.options)

    @property
    def leaders(self) -> list[Option]:
        """The options with the most votes (more than one: a tie; none before any vote)."""
        most = max((self.votes[o.key] for o in self.options), default=0)
        return [o for o in self.options if most > 0 and self.votes[o.key] == most]

    @property
    def winner(self) -> Option | None:
        leaders = self.leaders
        return leaders[0] if self.custom and self.quorum_met and len(leaders) == 1 else None

    @property
    def tied(self) -> bool:
        return self.custom and self.quorum_met and len(self.leaders) > 1

    @property
    def majority_met(self) -> bool:
        if self.custom:
            return len(self.leaders) == 1
        yes, no, voted = self.votes["for"], self.votes["against"], self.voted
        if self.majority == "half_of_votes":
            return yes * 2 > voted
        if self.majority == "two_thirds_of_votes":
            return yes > 0 and yes * 3 >= voted * 2
        return yes > no

    @property
    def outcome(self) -> str:
        if not self.quorum_met:
            return "not_decided"
        if self.custom:  # a choice between options: one wins, or a tie decides nothing
            return "adopted" if self.majority_met else "not_decided"
        return "adopted" if self.majority_met else "rejected"

    def counts(self) -> dict[str, int]:
        return {
            "for": self.votes["for"],
            "against": self.votes["against"],
            "abstain": self.votes["abstain"],
            "voted": self.voted,
        }


def quorum_needed(seats: int, council: Council) -> int:
    return -(-seats * council.quorum_num // council.quorum_den)  # ceil


def tally(
    session: Session, item_id: int, *, council: Council | None = None, seats: int | None = None
) -> Tally:
    """Counts the ballots of an item: totals, per group, quorum and majority by the council's rules.
    After closing, the seats counted are those at closing time."""
    item = session.get(CouncilItem, item_id)
    if item is None:
        raise UserError(NOT_FOUND)
    if council is None:
        council = session.get(Council, session.get(CouncilMeeting, item.meeting_id).council_id)
    if seats is None:
        seats = (
            item.seats_at_close
            if item.seats_at_close is not None
            else sum(seat_counts(session, council.id).values())
        )
    rows = session.exec(
        select(CouncilBallot.seat_group, CouncilBallot.choice, CouncilBallot.by_hand).where(
            CouncilBallot.item_id == item_id
        )
    ).all()
    options = item_options(session, [item_id])[item_id]
    votes: Counter = Counter()
    by_group = {group: Counter() for group in SEAT_GROUPS}
    hand = 0
    for group, choice, by_hand in rows:
        votes[choice] += 1
        by_group[group][choice] += 1
        hand += bool(by_hand)
    return Tally(
        votes, by_group, seats, quorum_needed(seats, council), council.majority, hand, options
    )


def item_options(session: Session, item_ids: list[int]) -> dict[int, tuple[Option, ...]]:
    """Each item's options: its own (in order) or the default for / against / abstain."""
    found: dict[int, list[Option]] = {}
    rows = session.exec(
        select(CouncilItemOption)
        .where(CouncilItemOption.item_id.in_(list(item_ids) or [-1]))
        .order_by(CouncilItemOption.item_id, CouncilItemOption.position)
    ).all()
    for row in rows:
        found.setdefault(row.item_id, []).append(Option(f"o{row.position}", row.label, True))
    return {item_id: tuple(found.get(item_id, ())) or DEFAULT_OPTIONS for item_id in item_ids}


def option_label(options: tuple[Option, ...], key: str | None) -> Option | None:
    return next((o for o in options if o.key == key), None)


@dataclass
class ItemView:
    item: CouncilItem
    proposer_name: str | None
    support: int | None  # for items from proposals
    tally: Tally
    my_choice: str | None = None
    my_by_hand: bool = False
    action: CouncilAction | None = None
    owner_name: str | None = None
    progress: list[CouncilEvent] = field(default_factory=list)

    @property
    def options(self) -> tuple[Option, ...]:
        return self.tally.options


def agenda(session: Session, meeting_id: int, *, viewer_id: int | None = None) -> list[ItemView]:
    """The agenda in order: accepted proposals with the most support first, then the other items."""
    meeting = session.get(CouncilMeeting, meeting_id)
    if meeting is None:
        return []
    council = session.get(Council, meeting.council_id)
    seats_now = sum(seat_counts(session, council.id).values())
    items = _items(session, meeting_id)
    support = support_counts(session, [i.source_id for i in items if i.source == "proposal"])
    names = _names(session, {i.proposer_id for i in items if i.proposer_id})
    mine = {}
    if viewer_id:
        mine = {
            b.item_id: b
            for b in session.exec(
                select(CouncilBallot).where(
                    CouncilBallot.user_id == viewer_id,
                    CouncilBallot.item_id.in_([i.id for i in items] or [-1]),
                )
            )
        }
    actions = {
        a.item_id: a
        for a in session.exec(
            select(CouncilAction).where(CouncilAction.item_id.in_([i.id for i in items] or [-1]))
        )
    }
    owners = _names(session, {a.owner_id for a in actions.values()})
    progress: dict[int, list[CouncilEvent]] = {}
    if actions:
        for ev in session.exec(
            select(CouncilEvent)
            .where(
                CouncilEvent.action_id.in_([a.id for a in actions.values()]),
                CouncilEvent.kind == "action_progress",
            )
            .order_by(CouncilEvent.at, CouncilEvent.id)
        ):
            progress.setdefault(ev.action_id, []).append(ev)
    views = []
    for item in items:
        ballot = mine.get(item.id)
        action = actions.get(item.id)
        views.append(
            ItemView(
                item,
                names.get(item.proposer_id),
                support.get(item.source_id) if item.source == "proposal" else None,
                tally(
                    session,
                    item.id,
                    council=council,
                    seats=item.seats_at_close if item.seats_at_close is not None else seats_now,
                ),
                ballot.choice if ballot else None,
                bool(ballot and ballot.by_hand),
                action,
                owners.get(action.owner_id) if action else None,
                progress.get(action.id, []) if action else [],
            )
        )
    return sorted(views, key=lambda v: (v.item.source != "proposal", -(v.support or 0), v.item.id))


def _names(session: Session, ids: set) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(session.exec(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def wish_candidates(session: Session) -> list:
    """Promoted wishes waiting for the council and not on an agenda yet."""
    from portal import wishes

    on_agenda = set(
        session.exec(
            select(CouncilItem.source_id).where(
                CouncilItem.source == "wish",
                or_(CouncilItem.outcome.is_(None), CouncilItem.outcome != "not_decided"),
            )
        ).all()
    )
    return [(p, w) for p, w in wishes.candidates(session) if w.id not in on_agenda]


def report_candidates(
    session: Session, council_id: int, *, min_supporters: int = 2, limit: int = 30
) -> list:
    """Open reports of the council's area that went above the community (street, district) or that
    neighbours reported again and again ('me too'), not on an agenda yet."""
    from db.models_reports import Report, ReportSupporter

    council = _council(session, council_id)
    area = subtree(parent_map(session), council.grid_id)
    supporters = (
        select(ReportSupporter.report_id, func.count().label("n"))
        .group_by(ReportSupporter.report_id)
        .subquery()
    )
    on_agenda = select(CouncilItem.source_id).where(CouncilItem.source == "report")
    rows = session.exec(
        select(Report, func.coalesce(supporters.c.n, 0))
        .outerjoin(supporters, supporters.c.report_id == Report.id)
        .where(
            Report.state.not_in(("closed", "rated", "verified")),
            Report.grid_id.in_(area),
            Report.id.not_in(on_agenda),
            or_(
                Report.level.in_(("street", "district")),
                func.coalesce(supporters.c.n, 0) >= min_supporters,
            ),
        )
        .order_by(func.coalesce(supporters.c.n, 0).desc(), Report.created_at)
        .limit(limit)
    ).all()
    return list(rows)


# --- voting ------------------------------------------------------------------------------------


def cast_ballot(
    session: Session, *, item_id: int, user_id: int, choice: str, now: datetime | None = None
) -> CouncilBallot:
    """A member's own ballot (online, before or during the meeting); casting again changes it."""
    now = now or utcnow()
    active_user(session, user_id)
    return _ballot(
        session,
        item_id=item_id,
        member_id=user_id,
        choice=choice,
        actor_id=user_id,
        by_hand=False,
        now=now,
    )


def record_hand_vote(
    session: Session,
    *,
    item_id: int,
    member_id: int,
    choice: str,
    actor_id: int,
    now: datetime | None = None,
) -> CouncilBallot:
    """Staff record the ballot of a member who voted by show of hands at the meeting."""
    now = now or utcnow()
    _manager(session, actor_id)
    return _ballot(
        session,
        item_id=item_id,
        member_id=member_id,
        choice=choice,
        actor_id=actor_id,
        by_hand=True,
        now=now,
    )


def _ballot(
    session: Session,
    *,
    item_id: int,
    member_id: int,
    choice: str,
    actor_id: int,
    by_hand: bool,
    now: datetime,
) -> CouncilBallot:
    item = session.get(CouncilItem, item_id) if item_id else None
    if item is None:
        raise UserError(NOT_FOUND)
    options = item_options(session, [item.id])[item.id]
    if option_label(options, choice) is None:
        if options == DEFAULT_OPTIONS:
            raise UserError(N_("Please choose for, against or abstain."), field="choice")
        raise UserError(N_("Please choose one of the options of this item."), field="choice")
    # Share lock on the meeting (PostgreSQL): closing waits for ballots in flight.
    meeting = _meeting(session, item.meeting_id, share=True)
    seat = seat_of(session, meeting.council_id, member_id)
    if seat is None:
        session.rollback()
        raise UserError(NOT_MEMBER)
    if meeting.status != "voting_open":
        session.rollback()
        raise UserError(VOTING_NOT_OPEN)
    ballot = session.exec(
        select(CouncilBallot)
        .where(CouncilBallot.item_id == item_id, CouncilBallot.user_id == member_id)
        .execution_options(populate_existing=True)
    ).first()
    recorder = actor_id if by_hand else None
    if ballot is None:
        ballot = CouncilBallot(
            item_id=item_id,
            user_id=member_id,
            seat_id=seat.id,
            seat_group=seat.seat_group,
            choice=choice,
            by_hand=by_hand,
            recorded_by=recorder,
            cast_at=now,
            changed_at=now,
        )
        session.add(ballot)
        try:
            session.flush()
        except IntegrityError:  # the same member from two browsers at once: the other one won
            session.rollback()
            raise UserError(
                N_("Your ballot was just cast from another screen. Please look again.")
            ) from None
        previous = None
    else:
        previous = ballot.choice
        result = session.execute(
            update(CouncilBallot)
            .where(CouncilBallot.id == ballot.id, CouncilBallot.choice == previous)
            .values(choice=choice, by_hand=by_hand, recorded_by=recorder, changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            session.rollback()
            raise UserError(
                N_("Your ballot was just changed from another screen. Please look again.")
            )
    session.add(
        CouncilBallotChange(
            ballot_id=ballot.id,
            from_choice=previous,
            to_choice=choice,
            by_hand=by_hand,
            actor_id=actor_id,
            at=now,
        )
    )
    # Holding the write lock now (SQLite): the meeting status read here is the latest.
    status = session.exec(
        select(CouncilMeeting.status).where(CouncilMeeting.id == meeting.id)
    ).one()
    if status != "voting_open":
        session.rollback()
        raise UserError(VOTING_NOT_OPEN)
    _commit(session)
    return session.get(CouncilBallot, ballot.id)


def ballot_history(session: Session, item_id: int) -> list[tuple[CouncilBallotChange, str, str]]:
    """Every cast and change on an item: (change, member name, recorded by)."""
    rows = session.exec(
        select(CouncilBallotChange, CouncilBallot)
        .join(CouncilBallot, CouncilBallot.id == CouncilBallotChange.ballot_id)
        .where(CouncilBallot.item_id == item_id)
        .order_by(CouncilBallotChange.at, CouncilBallotChange.id)
    ).all()
    names = _names(session, {b.user_id for _, b in rows} | {c.actor_id for c, _ in rows})
    return [(c, names.get(b.user_id, ""), names.get(c.actor_id, "")) for c, b in rows]


# --- attendance --------------------------------------------------------------------------------


def record_attendance(
    session: Session, *, meeting_id: int, member_id: int, actor_id: int, now: datetime | None = None
) -> CouncilAttendance:
    """A member was present: recorded once, and earns the council points once per meeting."""
    now = now or utcnow()
    _manager(session, actor_id)
    meeting = _meeting(session, meeting_id)
    if meeting.status == "draft":
        raise UserError(N_("Attendance is recorded for a published meeting."))
    seat = seat_of(session, meeting.council_id, member_id)
    if seat is None:
        raise UserError(N_("Only members holding a council seat are recorded as present."))
    row = CouncilAttendance(
        meeting_id=meeting_id, user_id=member_id, seat_id=seat.id, recorded_by=actor_id, at=now
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise UserError(N_("This member is already recorded as present.")) from None
    title_id, title_params = meeting_title(meeting)
    points.award(
        session,
        user_id=member_id,
        source="council",
        source_id=f"{meeting_id}",
        reason=translate(DEFAULT_LANGUAGE, title_id, **title_params),
        actor_id=actor_id,
        now=now,
    )
    _event(
        session,
        meeting.council_id,
        "attended",
        actor_id,
        now,
        meeting_id=meeting_id,
        note=str(member_id),
    )
    _commit(session, N_("This member is already recorded as present."))
    return session.get(CouncilAttendance, row.id)


def attendance(session: Session, meeting_id: int) -> set[int]:
    return set(
        session.exec(
            select(CouncilAttendance.user_id).where(CouncilAttendance.meeting_id == meeting_id)
        ).all()
    )


# --- actions -----------------------------------------------------------------------------------


def set_action(
    session: Session,
    *,
    action_id: int,
    actor_id: int,
    owner_id: int,
    due_date: date | None,
    now: datetime | None = None,
) -> CouncilAction:
    """Staff name the owner and the due date of an action."""
    now = now or utcnow()
    _manager(session, actor_id)
    action = session.get(CouncilAction, action_id)
    if action is None:
        raise UserError(NOT_FOUND)
    owner = session.get(User, owner_id) if owner_id else None
    errors: dict[str, Message] = {}
    if owner is None or owner.role not in ACTION_OWNER_ROLES or not owner.is_active:
        errors["owner"] = Message(
            N_("Please choose a person of the community office or a department as the owner.")
        )
    if due_date is None:
        errors["due_date"] = Message(N_("Please choose a due date."))
    elif due_date < _today(now):
        errors["due_date"] = Message(N_("The due date cannot be in the past."))
    if errors:
        raise FieldErrors(errors)
    item = session.get(CouncilItem, action.item_id)
    meeting = session.get(CouncilMeeting, item.meeting_id)
    before = f"{action.owner_id} · {action.due_date.isoformat()}"
    result = session.execute(
        update(CouncilAction)
        .where(
            CouncilAction.id == action_id,
            CouncilAction.owner_id == action.owner_id,
            CouncilAction.due_date == action.due_date,
        )
        .values(owner_id=owner.id, due_date=due_date, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise UserError(CHANGED)
    _event(
        session,
        meeting.council_id,
        "action_assigned",
        actor_id,
        now,
        meeting_id=meeting.id,
        item_id=item.id,
        action_id=action_id,
        note=f"{before} → {owner.display_name} · {due_date.isoformat()}",
    )
    _commit(session)
    return session.get(CouncilAction, action_id)


def report_progress(
    session: Session,
    *,
    action_id: int,
    actor_id: int,
    status: str,
    note: str,
    now: datetime | None = None,
) -> CouncilAction:
    """The owner (or staff) says what was done; residents see every step until it is done."""
    now = now or utcnow()
    actor = active_user(session, actor_id)
    action = session.get(CouncilAction, action_id)
    if action is None:
        raise UserError(NOT_FOUND)
    if actor.id != action.owner_id and actor.role not in MANAGER_ROLES:
        raise UserError(
            N_("Only the owner of the action or the community office can report progress.")
        )
    note = clean_text(note)
    errors: dict[str, Message] = {}
    if status not in ACTION_STATES:
        errors["status"] = Message(N_("Please choose how far the work is."))
    _length(errors, "note", note, NOTE_MAX, N_("Please say in a few words what was done."))
    if errors:
        raise FieldErrors(errors)
    if action.status == "done":
        raise UserError(N_("This action is already done."))
    result = session.execute(
        update(CouncilAction)
        .where(CouncilAction.id == action_id, CouncilAction.status == action.status)
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise UserError(CHANGED)
    item = session.get(CouncilItem, action.item_id)
    meeting = session.get(CouncilMeeting, item.meeting_id)
    _event(
        session,
        meeting.council_id,
        "action_progress",
        actor_id,
        now,
        meeting_id=meeting.id,
        item_id=item.id,
        action_id=action_id,
        from_state=action.status,
        to_state=status,
        note=note,
    )
    _commit(session)
    return session.get(CouncilAction, action_id)


@dataclass(frozen=True)
class Decision:
    meeting: CouncilMeeting
    view: ItemView


def decisions(session: Session, council_id: int, *, limit_meetings: int = 6) -> list[Decision]:
    """Decided items of closed meetings (newest meeting first) with their action's progress."""
    closed = session.exec(
        select(CouncilMeeting)
        .where(
            CouncilMeeting.council_id == council_id,
            CouncilMeeting.status.in_(("voting_closed", "minutes_published")),
        )
        .order_by(CouncilMeeting.starts_at.desc())
        .limit(limit_meetings)
    ).all()
    return [Decision(m, v) for m in closed for v in agenda(session, m.id)]


def open_actions(session: Session, council_id: int) -> list[tuple[CouncilAction, CouncilItem, str]]:
    rows = session.exec(
        select(CouncilAction, CouncilItem)
        .join(CouncilItem, CouncilItem.id == CouncilAction.item_id)
        .join(CouncilMeeting, CouncilMeeting.id == CouncilItem.meeting_id)
        .where(CouncilMeeting.council_id == council_id)
        .order_by(CouncilAction.status == "done", CouncilAction.due_date)
    ).all()
    names = _names(session, {a.owner_id for a, _ in rows})
    return [(a, i, names.get(a.owner_id, "")) for a, i in rows]


def owner_choices(session: Session) -> list[User]:
    return list(
        session.exec(
            select(User)
            .where(User.role.in_(ACTION_OWNER_ROLES), User.is_active)
            .order_by(User.role, User.username)
        ).all()
    )


def seat_choices(session: Session, group: str) -> list[User]:
    return list(
        session.exec(
            select(User)
            .where(User.role.in_(GROUP_ROLES.get(group, ())), User.is_active)
            .order_by(User.username)
        ).all()
    )
