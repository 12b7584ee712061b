"""Who hears about a micro-project: its proposer and everyone who pledged (not those who withdrew),
when it reaches its goal, goes to the council, is approved or not, closes, is completed. Called
before the step's commit (the notification outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from db.models_microprojects import MicroPledge, MicroProject
from portal.i18n import N_
from portal.notifications import notify

STATE_WORDS = {  # each also in portal.notifications.WORDS (translated when shown)
    "funded": N_("funded: the goal is reached"),
    "council": N_("on the council's agenda"),
    "approved": N_("approved"),
    "rejected": N_("not approved, pledges released"),
    "expired": N_("closed, pledges released"),
    "completed": N_("completed"),
}


def state_changed(session: Session, project: MicroProject, to_state: str, now: datetime) -> None:
    if to_state not in STATE_WORDS:
        return
    pledgers = session.exec(
        select(MicroPledge.user_id).where(
            col(MicroPledge.project_id) == project.id, col(MicroPledge.state) != "withdrawn"
        )
    ).all()
    notify(
        session,
        [project.proposer_id, *pledgers],
        "microproject_changed",
        {"title": project.title, "state": STATE_WORDS[to_state]},
        f"microprojects?id={project.id}",
        now=now,
    )
