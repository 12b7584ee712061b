"""A meeting's agenda: adding items (promoted wishes, reports, staff and member items), removing
them, the agenda view in order, and the wishes and reports that may become items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, func, or_, update
from sqlmodel import Session, col, select

from db.models import User
from db.models_council import (
    Council,
    CouncilAction,
    CouncilBallot,
    CouncilEvent,
    CouncilItem,
    CouncilMeeting,
    CouncilProposal,
)
from db.models_council_extras import CouncilAttachment, CouncilItemOption
from db.types import row_id, utcnow
from portal.council.common import (
    BODY_MAX,
    ITEM_TITLE_MAX,
    NOT_FOUND,
    REASON_MAX,
    Option,
    _commit,
    _council,
    _event,
    _length,
    _manager,
    _meeting,
    council_grid,
)
from portal.council.counting import Tally, tally
from portal.council.proposing import support_counts
from portal.council.seating import seat_counts, seat_of
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map, subtree
from portal.i18n import DEFAULT_LANGUAGE, N_, translate
from portal.text import clean_text


def _items(session: Session, meeting_id: int) -> list[CouncilItem]:
    return list(
        session.exec(
            select(CouncilItem)
            .where(CouncilItem.meeting_id == meeting_id)
            .order_by(col(CouncilItem.id))
        ).all()
    )


def _source_grid(session: Session, council_area: int, grid_id: int | None) -> int | None:
    """A wish's or report's grid, for the area check: it must lie inside the council's own
    area too (another community's wish or report never reaches this council's agenda)."""
    if council_area == -1:
        return -1
    inside = grid_id is not None and grid_id in subtree(parent_map(session), council_area)
    return grid_id if inside else None  # None: only a whole-deployment area would cover it


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
    council_area = council_grid(session, meeting_id=meeting_id)
    _manager(session, actor_id, council_area)
    title, background = clean_text(title), clean_text(background)
    language = DEFAULT_LANGUAGE
    if source == "wish":
        from db.models_wishes import Wish, WishPromotion

        row = session.exec(
            select(WishPromotion, Wish)
            .join(Wish, col(Wish.id) == WishPromotion.wish_id)
            .where(WishPromotion.wish_id == (source_id or -1))
        ).first()
        if row is None or row[0].status != "candidate" or row[1].state != "promoted":
            raise UserError(N_("This wish is not waiting for the council."), field="source")
        _manager(session, actor_id, _source_grid(session, council_area, row[1].grid_id))
        title, background = title or row[1].title, background or row[1].body
        proposer_id, language = row[1].author_id, row[1].language
    elif source == "report":
        from db.models_reports import Report

        report = session.get(Report, source_id) if source_id else None
        if report is None:
            raise UserError(N_("This report could not be found."), field="source")
        _manager(session, actor_id, _source_grid(session, council_area, report.grid_id))
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
            .join(CouncilMeeting, col(CouncilMeeting.id) == CouncilItem.meeting_id)
            .where(
                CouncilItem.source == source,
                CouncilItem.source_id == source_id,
                or_(col(CouncilItem.outcome).is_(None), col(CouncilItem.outcome) != "not_decided"),
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
    return session.get_one(CouncilItem, item.id)


def remove_item(
    session: Session, *, item_id: int, actor_id: int, reason: str, now: datetime | None = None
) -> None:
    """Takes an item off an agenda before voting (a proposal goes back to screening)."""
    now = now or utcnow()
    _manager(session, actor_id, council_grid(session, item_id=item_id))
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
            .where(col(CouncilProposal.id) == item.source_id)
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
        .where(col(CouncilEvent.item_id) == item.id)
        .values(item_id=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(CouncilItemOption).where(col(CouncilItemOption.item_id) == item.id))
    session.execute(
        update(CouncilAttachment)
        .where(col(CouncilAttachment.item_id) == item.id)
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
    council = session.get_one(Council, meeting.council_id)
    seats_now = sum(seat_counts(session, row_id(council)).values())
    items = _items(session, meeting_id)
    support = support_counts(
        session, [i.source_id for i in items if i.source == "proposal" and i.source_id is not None]
    )
    names = _names(session, {i.proposer_id for i in items if i.proposer_id})
    mine = {}
    if viewer_id:
        mine = {
            b.item_id: b
            for b in session.exec(
                select(CouncilBallot).where(
                    CouncilBallot.user_id == viewer_id,
                    col(CouncilBallot.item_id).in_([i.id for i in items] or [-1]),
                )
            )
        }
    actions = {
        a.item_id: a
        for a in session.exec(
            select(CouncilAction).where(
                col(CouncilAction.item_id).in_([i.id for i in items] or [-1])
            )
        )
    }
    owners = _names(session, {a.owner_id for a in actions.values()})
    progress: dict[int | None, list[CouncilEvent]] = {}
    if actions:
        for ev in session.exec(
            select(CouncilEvent)
            .where(
                col(CouncilEvent.action_id).in_([a.id for a in actions.values()]),
                CouncilEvent.kind == "action_progress",
            )
            .order_by(col(CouncilEvent.at), col(CouncilEvent.id))
        ):
            progress.setdefault(ev.action_id, []).append(ev)
    views = []
    for item in items:
        ballot = mine.get(row_id(item))
        action = actions.get(row_id(item))
        views.append(
            ItemView(
                item,
                names.get(item.proposer_id) if item.proposer_id is not None else None,
                support.get(item.source_id)
                if item.source == "proposal" and item.source_id is not None
                else None,
                tally(
                    session,
                    row_id(item),
                    council=council,
                    seats=item.seats_at_close if item.seats_at_close is not None else seats_now,
                ),
                ballot.choice if ballot else None,
                bool(ballot and ballot.by_hand),
                action,
                owners.get(action.owner_id) if action else None,
                progress.get(row_id(action), []) if action else [],
            )
        )
    return sorted(views, key=lambda v: (v.item.source != "proposal", -(v.support or 0), v.item.id))


def _names(session: Session, ids: set) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(ids))).all()
    return {uid: name for uid, name in rows if uid is not None}


def wish_candidates(session: Session, council_id: int | None = None) -> list:
    """Promoted wishes waiting for the council (of the council's area when given) and not on an
    agenda yet."""
    from portal.wishes import promotion

    on_agenda = set(
        session.exec(
            select(CouncilItem.source_id).where(
                CouncilItem.source == "wish",
                or_(col(CouncilItem.outcome).is_(None), col(CouncilItem.outcome) != "not_decided"),
            )
        ).all()
    )
    found = [(p, w) for p, w in promotion.candidates(session) if w.id not in on_agenda]
    if council_id is None:
        return found
    area = subtree(parent_map(session), _council(session, council_id).grid_id)
    return [(p, w) for p, w in found if w.grid_id in area]


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
        .group_by(col(ReportSupporter.report_id))
        .subquery()
    )
    on_agenda = select(CouncilItem.source_id).where(CouncilItem.source == "report")
    rows = session.exec(
        select(Report, func.coalesce(supporters.c.n, 0))
        .outerjoin(supporters, supporters.c.report_id == Report.id)
        .where(
            col(Report.state).not_in(("closed", "rated", "verified")),
            col(Report.grid_id).in_(area),
            col(Report.id).not_in(on_agenda),
            or_(
                col(Report.level).in_(("street", "district")),
                func.coalesce(supporters.c.n, 0) >= min_supporters,
            ),
        )
        .order_by(func.coalesce(supporters.c.n, 0).desc(), col(Report.created_at))
        .limit(limit)
    ).all()
    return list(rows)
