"""Who hears about a council step: seat holders for the meeting's steps, the proposer for a
decision, seat holders when an action is done. Called before the step's commit (outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from db.models_council import CouncilItem, CouncilMeeting, CouncilSeat
from portal.notifications import notify

MEETING_EVENTS = {
    "published": "council_agenda",
    "voting_open": "council_voting_open",
    "voting_closed": "council_voting_closed",
}


def seat_holders(session: Session, council_id: int) -> list[int]:
    holders = session.exec(
        select(col(CouncilSeat.active_user_id)).where(
            CouncilSeat.council_id == council_id, col(CouncilSeat.active_user_id).is_not(None)
        )
    )
    return [uid for uid in holders if uid is not None]


def meeting_step(session: Session, meeting: CouncilMeeting, to_state: str, now: datetime) -> None:
    event = MEETING_EVENTS.get(to_state)
    if event:
        notify(
            session,
            seat_holders(session, meeting.council_id),
            event,
            {"title": meeting.month},
            "council_vote" if to_state == "voting_open" else "council",
            now=now,
        )


def item_decided(session: Session, item: CouncilItem, now: datetime) -> None:
    notify(
        session, [item.proposer_id], "council_decision", {"title": item.title}, "council", now=now
    )


def action_done(session: Session, council_id: int, item: CouncilItem, now: datetime) -> None:
    notify(
        session,
        [*seat_holders(session, council_id), item.proposer_id],
        "council_action_done",
        {"title": item.title},
        "council",
        now=now,
    )
