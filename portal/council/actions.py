"""Actions from adopted items: owner and due date, progress reports residents follow, the
council's recent decisions and open actions, and the people who may own actions or hold seats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from db.models import User
from db.models_council import (
    ACTION_STATES,
    Council,
    CouncilAction,
    CouncilItem,
    CouncilMeeting,
)
from db.types import row_id, rowcount, utcnow
from portal.auth import active_user
from portal.council import notices as council_notices
from portal.council.agenda_items import ItemView, _names, agenda
from portal.council.common import (
    ACTION_OWNER_ROLES,
    CHANGED,
    GROUP_ROLES,
    NOT_FOUND,
    NOTE_MAX,
    _commit,
    _event,
    _length,
    _manager,
    _today,
    council_grid,
)
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map, subtree
from portal.i18n import N_
from portal.permissions import On, can
from portal.text import clean_text


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
    _manager(session, actor_id, council_grid(session, action_id=action_id))
    action = session.get(CouncilAction, action_id)
    if action is None:
        raise UserError(NOT_FOUND)
    owner = session.get(User, owner_id) if owner_id else None
    errors: dict[str, Message] = {}
    if not can(owner, "council.own_action"):
        errors["owner"] = Message(
            N_("Please choose a person of the community office or a department as the owner.")
        )
    if due_date is None:
        errors["due_date"] = Message(N_("Please choose a due date."))
    elif due_date < _today(now):
        errors["due_date"] = Message(N_("The due date cannot be in the past."))
    if errors or owner is None or due_date is None:
        raise FieldErrors(errors)
    item = session.get_one(CouncilItem, action.item_id)
    meeting = session.get_one(CouncilMeeting, item.meeting_id)
    before = f"{action.owner_id} · {action.due_date.isoformat()}"
    result = session.execute(
        update(CouncilAction)
        .where(
            col(CouncilAction.id) == action_id,
            col(CouncilAction.owner_id) == action.owner_id,
            col(CouncilAction.due_date) == action.due_date,
        )
        .values(owner_id=owner.id, due_date=due_date, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
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
    return session.get_one(CouncilAction, action_id)


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
    if not can(actor, "council.update_action", On(own=actor.id == action.owner_id)):
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
        .where(col(CouncilAction.id) == action_id, col(CouncilAction.status) == action.status)
        .values(status=status, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(CHANGED)
    item = session.get_one(CouncilItem, action.item_id)
    meeting = session.get_one(CouncilMeeting, item.meeting_id)
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
    if status == "done":
        council_notices.action_done(session, meeting.council_id, item, now)
    _commit(session)
    return session.get_one(CouncilAction, action_id)


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
            col(CouncilMeeting.status).in_(("voting_closed", "minutes_published")),
        )
        .order_by(col(CouncilMeeting.starts_at).desc())
        .limit(limit_meetings)
    ).all()
    return [Decision(m, v) for m in closed for v in agenda(session, row_id(m))]


def open_actions(session: Session, council_id: int) -> list[tuple[CouncilAction, CouncilItem, str]]:
    rows = session.exec(
        select(CouncilAction, CouncilItem)
        .join(CouncilItem, col(CouncilItem.id) == CouncilAction.item_id)
        .join(CouncilMeeting, col(CouncilMeeting.id) == CouncilItem.meeting_id)
        .where(CouncilMeeting.council_id == council_id)
        .order_by(col(CouncilAction.status) == "done", col(CouncilAction.due_date))
    ).all()
    names = _names(session, {a.owner_id for a, _ in rows})
    return [(a, i, names.get(a.owner_id, "")) for a, i in rows]


def owner_choices(session: Session) -> list[User]:
    return list(
        session.exec(
            select(User)
            .where(col(User.role).in_(ACTION_OWNER_ROLES), User.is_active)
            .order_by(User.role, User.username)
        ).all()
    )


def seat_choices(session: Session, group: str, council_id: int | None = None) -> list[User]:
    """The people who may hold a seat of the group (on that council: those of its area)."""
    found = session.exec(
        select(User)
        .where(col(User.role).in_(GROUP_ROLES.get(group, ())), User.is_active)
        .order_by(User.username)
    ).all()
    if council_id is None:
        return list(found)
    council = session.get(Council, council_id)
    if council is None:
        return []
    parents = parent_map(session)
    inside = subtree(parents, council.grid_id)  # its people; the offices above it (street staff)
    above, grid = set(), parents.get(council.grid_id)
    while grid is not None and grid not in above:
        above.add(grid)
        grid = parents.get(grid)
    return [
        u
        for u in found
        if u.home_grid_id is None  # of no grid: the whole deployment's
        or u.home_grid_id in inside
        or (u.role != "resident" and u.home_grid_id in above)
    ]
