"""A council meeting's steps: create, publish, open voting, close voting (fixing each item's
outcome, creating actions, deciding promoted wishes), publish minutes; the decision texts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_council import (
    CouncilAction,
    CouncilItem,
    CouncilMeeting,
)
from db.types import row_id, rowcount, utcnow
from portal.council import notices as council_notices
from portal.council.agenda_items import _items
from portal.council.common import (
    CHANGED,
    DEFAULT_ACTION_DAYS,
    MINUTES_MAX,
    PLACE_MAX,
    _commit,
    _council,
    _event,
    _length,
    _manager,
    _meeting,
    _today,
    council_grid,
    local_month,
)
from portal.council.counting import Tally, tally
from portal.council.seating import balance, seat_counts
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import DEFAULT_LANGUAGE, N_, translate
from portal.permissions import can
from portal.text import clean_text


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
    _manager(session, actor_id, council_grid(session, council_id=council_id))
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
    if errors or starts_at is None or proposal_deadline is None:
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
    return session.get_one(CouncilMeeting, meeting.id)


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
        .where(col(CouncilMeeting.id) == meeting.id, col(CouncilMeeting.status) == meeting.status)
        .values(status=to_state, state_changed_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(CHANGED)
    council_notices.meeting_step(session, meeting, to_state, now)  # outbox: same commit
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
    _manager(session, actor_id, council_grid(session, meeting_id=meeting_id))
    meeting = _meeting(session, meeting_id, lock=True)
    if meeting.status != "draft":
        session.rollback()
        raise UserError(N_("Only a draft meeting can be published."))
    _step(session, meeting, "published", actor_id, now)
    _commit(session)
    return session.get_one(CouncilMeeting, meeting_id)


def open_voting(
    session: Session, *, meeting_id: int, actor_id: int, now: datetime | None = None
) -> CouncilMeeting:
    now = now or utcnow()
    _manager(session, actor_id, council_grid(session, meeting_id=meeting_id))
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
            None,
            **found.counts,
        )
    if not _items(session, meeting_id):
        session.rollback()
        raise UserError(N_("The agenda is empty. Add at least one item before voting."))
    _step(session, meeting, "voting_open", actor_id, now)
    _commit(session)
    return session.get_one(CouncilMeeting, meeting_id)


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
    _manager(session, actor_id, council_grid(session, meeting_id=meeting_id))
    owner_id = action_owner_id or actor_id
    owner = session.get(User, owner_id)
    if owner is None or not can(owner, "council.own_action"):
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
    seats_now = sum(seat_counts(session, row_id(council)).values())
    items = _items(session, meeting_id)
    due = _today(now) + timedelta(days=max(1, min(action_days, 366)))
    for item in items:
        result = tally(session, row_id(item), council=council, seats=seats_now)
        item.outcome, item.seats_at_close, item.decided_at = result.outcome, seats_now, now
        item.decision = decision_text(item, result)
        session.add(item)
        _event(
            session,
            row_id(council),
            "item_decided",
            actor_id,
            now,
            meeting_id=meeting_id,
            item_id=item.id,
            to_state=result.outcome,
            note=item.decision,
        )
        council_notices.item_decided(session, item, now)
        if result.outcome == "adopted":
            action = CouncilAction(
                item_id=row_id(item),
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
                row_id(council),
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
            _decide_wish(session, row_id(council), meeting_id, item, actor_id, now)
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
    from portal.wishes import promotion

    if item.source_id is None:  # cannot be: a wish item names its wish (check source_link)
        raise ValueError(f"council item {item.id} from a wish has no wish id")
    try:
        promotion.decide(
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
    _manager(session, actor_id, council_grid(session, meeting_id=meeting_id))
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
    return session.get_one(CouncilMeeting, meeting_id)


def meetings(session: Session, council_id: int) -> list[CouncilMeeting]:
    return list(
        session.exec(
            select(CouncilMeeting)
            .where(CouncilMeeting.council_id == council_id)
            .order_by(col(CouncilMeeting.starts_at).desc())
        ).all()
    )


def current_meeting(
    session: Session, council_id: int, *, include_draft: bool = False
) -> CouncilMeeting | None:
    """The meeting residents look at now: the earliest not finished one (published, voting)."""
    states = ["published", "voting_open", "voting_closed"] + (["draft"] if include_draft else [])
    return session.exec(
        select(CouncilMeeting)
        .where(CouncilMeeting.council_id == council_id, col(CouncilMeeting.status).in_(states))
        .order_by(col(CouncilMeeting.starts_at))
    ).first()
