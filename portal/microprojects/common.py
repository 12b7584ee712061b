"""The micro-projects' limits, states, labels and messages, and the helpers every step uses: the
permission check with the area, the row-locked read, the guarded move (a conditional UPDATE plus
its event row) and commit-or-"changed"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_microprojects import MicroEvent, MicroProject
from db.types import row_id, rowcount
from portal.areas import area_of
from portal.auth import active_user
from portal.errors import UserError
from portal.i18n import N_
from portal.microprojects import notices
from portal.permissions import On, can

TITLE_MAX = 80
PLAN_MAX = 2000
NOTE_MAX = 500
RECEIPT_MAX = 40
MAX_DAYS = 180  # a deadline at most this many days ahead
MAX_POINTS = 10_000  # points one person pledges to one project at most

COLLECTING = "open"
FIXED = ("funded", "council", "approved", "completed")  # the matched share is fixed and budgeted
ENDED = ("rejected", "expired")  # pledges released
PUBLISHING = ("approved", "completed")  # progress and spending are published

STATE_LABELS = {
    "open": N_("Collecting pledges"),
    "funded": N_("Goal reached, waiting for approval"),
    "council": N_("On the council's agenda"),
    "approved": N_("Approved, being carried out"),
    "rejected": N_("Not approved, pledges released"),
    "expired": N_("Deadline missed, pledges released"),
    "completed": N_("Completed"),
}
CATEGORY_LABELS = {
    "lift": N_("Lift installation"),
    "parking": N_("Parking"),
    "facade": N_("Façade renewal"),
    "charging": N_("Charging posts"),
    "greenery": N_("Greenery and courtyard"),
    "other": N_("Other"),
}
PLEDGE_LABELS = {
    "promised": N_("Promised"),
    "paid": N_("Paid at the office"),
    "released": N_("Released"),
    "withdrawn": N_("Withdrawn"),
}
EVENT_LABELS = {
    "proposed": N_("Proposed"),
    "pledged": N_("Pledge made"),
    "withdrawn": N_("Pledge withdrawn"),
    "funded": N_("Goal reached"),
    "council": N_("Sent to the council"),
    "approved": N_("Approved"),
    "rejected": N_("Not approved"),
    "expired": N_("Deadline missed"),
    "released": N_("Pledge released"),
    "paid": N_("Payment recorded"),
    "completed": N_("Completed"),
    "back": N_("Back with the office (the council did not decide)"),
}

CHANGED = N_("This project has just changed. Please look at it again.")
NOT_FOUND = N_("This project could not be found.")
NOT_COLLECTING = N_("This project is not collecting pledges now.")


def _allowed(session: Session, user: User, action: str, grid_id: int | None, own=False) -> None:
    """Refuses (rolling back) what permissions.can refuses, with the project's area as a fact."""
    outside = not area_of(session, user).covers(grid_id)
    decision = can(user, action, On(own=own, outside=outside))
    if not decision:
        session.rollback()
        raise UserError(decision.reason)


def _actor(session: Session, user_id: int, action: str, grid_id: int | None) -> User:
    user = active_user(session, user_id)
    _allowed(session, user, action, grid_id)
    return user


def _locked(session: Session, project_id: int | None) -> MicroProject:
    """The project, row-locked on PostgreSQL until the end of the transaction (SQLite: read)."""
    project = session.exec(
        select(MicroProject)
        .where(col(MicroProject.id) == (project_id or -1))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if project is None:
        session.rollback()
        raise UserError(NOT_FOUND)
    return project


def _event(
    session: Session,
    project_id: int,
    kind: str,
    actor_id: int | None,
    now: datetime,
    *,
    pledge_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    note: str | None = None,
) -> None:
    session.add(
        MicroEvent(
            project_id=project_id,
            pledge_id=pledge_id,
            actor_id=actor_id,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            note=note or None,
            at=now,
        )
    )


def _move(
    session: Session,
    project: MicroProject,
    *,
    to_state: str,
    actor_id: int | None,
    kind: str,
    now: datetime,
    note: str | None = None,
    **values,
) -> None:
    """Conditional transition from the state we read: refused if anyone changed it meanwhile."""
    from_state = project.state
    result = session.execute(
        update(MicroProject)
        .where(col(MicroProject.id) == project.id, col(MicroProject.state) == from_state)
        .values(state=to_state, state_changed_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(CHANGED)
    _event(
        session,
        row_id(project),
        kind,
        actor_id,
        now,
        from_state=from_state,
        to_state=to_state,
        note=note,
    )
    notices.state_changed(session, project, to_state, now)  # outbox: same commit


def _commit(session: Session, message: str = CHANGED) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(message) from None
    session.expire_all()  # conditional UPDATEs bypass the identity map
