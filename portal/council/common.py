"""The council's limits, labels and messages, and the helpers every step uses: the manager
check, commit-or-"changed", the event row, length checks, local month and day, council and
meeting look-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import User
from db.models_council import (
    CHOICES,
    Council,
    CouncilAction,
    CouncilEvent,
    CouncilItem,
    CouncilMeeting,
    CouncilProposal,
    CouncilSeat,
)
from portal.areas import area_of
from portal.auth import active_user
from portal.config import TIMEZONE
from portal.errors import Message, UserError
from portal.grids import parent_map, subtree
from portal.i18n import N_
from portal.permissions import GROUP_ROLES, OUTSIDE_AREA, On, can, roles_for  # noqa: F401

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

# Who may do what: portal/permissions.py (council.*). The names below are kept for old callers.
MANAGER_ROLES = roles_for("council.manage")
PROPOSER_ROLES = roles_for("council.propose")
SUPPORTER_ROLES = roles_for("council.support")
ACTION_OWNER_ROLES = roles_for("council.own_action")

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


_NO_GRID = -1  # the target was not found: the step itself says so


def council_grid(
    session: Session,
    *,
    council_id: int | None = None,
    meeting_id: int | None = None,
    item_id: int | None = None,
    proposal_id: int | None = None,
    action_id: int | None = None,
    seat_id: int | None = None,
) -> int:
    """The grid of the council a target belongs to (council.grid_id), _NO_GRID if not found."""
    if action_id is not None:
        action = session.get(CouncilAction, action_id)
        item_id = action.item_id if action is not None else None
        if item_id is None:
            return _NO_GRID
    if seat_id is not None:
        seat = session.get(CouncilSeat, seat_id)
        council_id = seat.council_id if seat is not None else None
    if item_id is not None:
        item = session.get(CouncilItem, item_id)
        meeting_id = item.meeting_id if item is not None else None
    if proposal_id is not None:
        proposal = session.get(CouncilProposal, proposal_id)
        meeting_id = proposal.meeting_id if proposal is not None else None
    if meeting_id is not None:
        meeting = session.get(CouncilMeeting, meeting_id)
        council_id = meeting.council_id if meeting is not None else None
    council = session.get(Council, council_id) if council_id is not None else None
    return council.grid_id if council is not None else _NO_GRID


def outside(session: Session, user: User | None, grid_id: int | None) -> bool:
    """The council's grid lies outside the person's area (another community's council)."""
    return user is not None and grid_id != _NO_GRID and not area_of(session, user).covers(grid_id)


def _manager(session: Session, user_id: int, grid_id: int | None = _NO_GRID) -> User:
    """The office person managing the council of `grid_id` (council_grid): refused for a council
    of another community."""
    user = active_user(session, user_id)
    allowed = can(user, "council.manage", On(outside=outside(session, user, grid_id)))
    if not allowed:
        if allowed.reason == OUTSIDE_AREA:
            raise UserError(OUTSIDE_AREA)
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
