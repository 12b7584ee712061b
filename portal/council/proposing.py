"""Residents' proposals (议案) to a published meeting: submit, support and withdraw support until
the deadline; staff screening (accept onto the agenda, merge, decline with a reason).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_council import (
    CouncilItem,
    CouncilMeeting,
    CouncilProposal,
    CouncilProposalSupport,
)
from db.types import row_id, rowcount, utcnow
from portal.auth import active_user
from portal.council.common import (
    BODY_MAX,
    CHANGED,
    ITEM_TITLE_MAX,
    NOT_FOUND,
    PROPOSALS_PER_MEETING,
    REASON_MAX,
    TITLE_MAX,
    _commit,
    _council,
    _event,
    _length,
    _manager,
    _meeting,
    council_grid,
    lives_in,
    outside,
)
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import LANGUAGE_CODES, N_
from portal.permissions import OUTSIDE_AREA, VERIFIED, On, can
from portal.text import clean_text


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
    on = On(
        lives_in=lives_in(session, council, author),
        outside=outside(session, author, council.grid_id),
    )
    allowed = can(author, "council.propose", on)
    if not allowed:
        if allowed.reason == OUTSIDE_AREA:
            raise UserError(OUTSIDE_AREA)
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
        row_id(council),
        "proposal_submitted",
        author_id,
        now,
        meeting_id=meeting_id,
        proposal_id=proposal.id,
        to_state="submitted",
    )
    _commit(session)
    return session.get_one(CouncilProposal, proposal.id)


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
    on = On(
        lives_in=lives_in(session, council, user), outside=outside(session, user, council.grid_id)
    )
    allowed = can(user, "council.support", on)
    if not allowed:
        if allowed.reason == OUTSIDE_AREA:
            raise UserError(OUTSIDE_AREA)
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
            col(CouncilProposalSupport.proposal_id) == proposal_id,
            col(CouncilProposalSupport.user_id) == user_id,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
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
    merged: dict[int, int] = {
        pid: into
        for pid, into in session.exec(
            select(CouncilProposal.id, CouncilProposal.merged_into_id).where(
                col(CouncilProposal.merged_into_id).in_(proposal_ids)
            )
        ).all()
        if pid is not None and into is not None
    }
    rows = session.exec(
        select(CouncilProposalSupport.proposal_id, CouncilProposalSupport.user_id)
        .join(User, col(User.id) == CouncilProposalSupport.user_id)
        .where(
            or_(
                col(CouncilProposalSupport.proposal_id).in_(proposal_ids),
                col(CouncilProposalSupport.proposal_id).in_(list(merged) or [-1]),
            ),
            User.verification == VERIFIED,  # permissions: council.support_counts
        )
    ).all()
    people: dict[int, set[int]] = {pid: set() for pid in proposal_ids}
    for pid, uid in rows:
        people.setdefault(merged.get(pid, pid), set()).add(uid)
    return {pid: len(people.get(pid, ())) for pid in proposal_ids}


def _screenable(
    session: Session, proposal_id: int, actor_id: int
) -> tuple[CouncilProposal, CouncilMeeting]:
    _manager(session, actor_id, council_grid(session, proposal_id=proposal_id))
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
        .where(col(CouncilProposal.id) == proposal.id, col(CouncilProposal.status) == "submitted")
        .values(status=to_state, screened_at=now, screened_by=actor_id, **values)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
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
        meeting_id=row_id(meeting),
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
    return session.get_one(CouncilItem, item.id)


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
    return session.get_one(CouncilProposal, proposal_id)


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
    return session.get_one(CouncilProposal, proposal_id)


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
        .join(User, col(User.id) == CouncilProposal.author_id)
        .where(CouncilProposal.meeting_id == meeting_id)
    )
    if statuses:
        query = query.where(col(CouncilProposal.status).in_(statuses))
    rows = session.exec(
        query.order_by(col(CouncilProposal.created_at), col(CouncilProposal.id))
    ).all()
    ids = [row_id(p) for p, _ in rows]
    counts = support_counts(session, ids)
    supported = set(
        session.exec(
            select(CouncilProposalSupport.proposal_id).where(
                CouncilProposalSupport.user_id == (viewer_id or -1),
                col(CouncilProposalSupport.proposal_id).in_(ids or [-1]),
            )
        ).all()
    )
    targets = {p.merged_into_id for p, _ in rows if p.merged_into_id}
    titles = dict(
        session.exec(
            select(CouncilProposal.id, CouncilProposal.title).where(
                col(CouncilProposal.id).in_(list(targets) or [-1])
            )
        ).all()
    )
    views = [
        ProposalView(
            p,
            u.display_name,
            counts.get(row_id(p), 0),
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
