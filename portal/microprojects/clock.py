"""The clock rule (portal.housekeeping): a project still collecting after its last day closes and
its pledges are released (points returned); a project on the council's agenda follows the
council's outcome (adopted → approved, rejected → not approved and released, not decided → back
with the office). Each step is a conditional UPDATE, so a due project moves exactly once however
many processes run the rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from db.models_council import CouncilItem
from db.models_microprojects import MicroProject
from portal.errors import UserError
from portal.localtime import today
from portal.microprojects.common import _commit, _move
from portal.microprojects.pledging import release_all

COUNCIL_OUTCOMES = {"adopted": "approved", "rejected": "rejected", "not_decided": "funded"}


@dataclass
class Closed:
    expired: int = 0
    released: int = 0
    decided: int = 0

    def __str__(self) -> str:
        return f"expired {self.expired}, pledges released {self.released}, decided {self.decided}"


def close_due(session: Session, now: datetime) -> Closed:
    """Runs the rule once (module text); returns what it moved."""
    outcome = Closed()
    due = session.exec(
        select(MicroProject.id).where(
            col(MicroProject.state) == "open", col(MicroProject.deadline) < today(now)
        )
    ).all()
    for project_id in due:
        project = session.exec(
            select(MicroProject)
            .where(col(MicroProject.id) == project_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        if project.state != "open":
            continue
        try:
            _move(session, project, to_state="expired", actor_id=None, kind="expired", now=now)
        except UserError:  # moved meanwhile (a last pledge reached the goal)
            continue
        outcome.released += release_all(session, project, None, now)
        _commit(session)
        outcome.expired += 1
    rows = session.exec(
        select(MicroProject, CouncilItem)
        .join(CouncilItem, col(CouncilItem.id) == col(MicroProject.council_item_id))
        .where(col(MicroProject.state) == "council", col(CouncilItem.outcome).is_not(None))
    ).all()
    for project, item in rows:
        to_state = COUNCIL_OUTCOMES.get(item.outcome or "")
        if to_state is None:
            continue
        try:
            _move(
                session,
                project,
                to_state=to_state,
                actor_id=None,
                kind="back" if to_state == "funded" else to_state,
                now=now,
                note=item.decision,
            )
        except UserError:
            continue
        if to_state == "rejected":
            outcome.released += release_all(session, project, None, now)
        _commit(session)
        outcome.decided += 1
    return outcome
