"""Ballots: a member casts one per item and changes it until voting closes (each cast and change
is a CouncilBallotChange row); staff record a show of hands; the ballot history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models_council import (
    CouncilBallot,
    CouncilBallotChange,
    CouncilItem,
    CouncilMeeting,
)
from db.types import row_id, rowcount, utcnow
from portal.auth import active_user
from portal.council.agenda_items import _names
from portal.council.common import (
    DEFAULT_OPTIONS,
    NOT_FOUND,
    NOT_MEMBER,
    VOTING_NOT_OPEN,
    _commit,
    _manager,
    _meeting,
    council_grid,
    outside,
)
from portal.council.counting import item_options, option_label
from portal.council.seating import seat_of
from portal.errors import UserError
from portal.i18n import N_
from portal.permissions import OUTSIDE_AREA


def cast_ballot(
    session: Session, *, item_id: int, user_id: int, choice: str, now: datetime | None = None
) -> CouncilBallot:
    """A member's own ballot (online, before or during the meeting); casting again changes it."""
    now = now or utcnow()
    member = active_user(session, user_id)
    if outside(session, member, council_grid(session, item_id=item_id)):
        raise UserError(OUTSIDE_AREA)  # a seat on another community's council cannot vote here
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
    _manager(session, actor_id, council_grid(session, item_id=item_id))
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
    options = item_options(session, [row_id(item)])[row_id(item)]
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
            seat_id=row_id(seat),
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
            .where(col(CouncilBallot.id) == ballot.id, col(CouncilBallot.choice) == previous)
            .values(choice=choice, by_hand=by_hand, recorded_by=recorder, changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) != 1:
            session.rollback()
            raise UserError(
                N_("Your ballot was just changed from another screen. Please look again.")
            )
    session.add(
        CouncilBallotChange(
            ballot_id=row_id(ballot),
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
    return session.get_one(CouncilBallot, ballot.id)


def ballot_history(session: Session, item_id: int) -> list[tuple[CouncilBallotChange, str, str]]:
    """Every cast and change on an item: (change, member name, recorded by)."""
    rows = session.exec(
        select(CouncilBallotChange, CouncilBallot)
        .join(CouncilBallot, col(CouncilBallot.id) == CouncilBallotChange.ballot_id)
        .where(CouncilBallot.item_id == item_id)
        .order_by(col(CouncilBallotChange.at), col(CouncilBallotChange.id))
    ).all()
    names = _names(session, {b.user_id for _, b in rows} | {c.actor_id for c, _ in rows})
    return [(c, names.get(b.user_id, ""), names.get(c.actor_id, "")) for c, b in rows]
