"""Councils and their seats: creating a council for a grid and term, its rules (seats per group,
quorum, majority, proposal days), adding and ending seats, the group balance, who sits where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_council import (
    MAJORITY_RULES,
    SEAT_GROUPS,
    Council,
    CouncilMeeting,
    CouncilSeat,
)
from db.types import row_id, rowcount, utcnow
from portal.areas import EVERYWHERE, Area, area_of
from portal.council.common import (
    CHANGED,
    COUNCIL_GRID_KINDS,
    NOT_FOUND,
    NOTE_MAX,
    TERM_DAYS_MAX,
    _commit,
    _council,
    _event,
    _length,
    _manager,
    _today,
    council_grid,
    outside,
)
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map, subtree
from portal.i18n import N_
from portal.permissions import OUTSIDE_AREA, On, can
from portal.text import clean_text


def create_council(
    session: Session,
    *,
    actor_id: int,
    grid_id: int,
    name: str,
    term_start: date,
    term_end: date,
    seats_per_group: int = 4,
    quorum_num: int = 2,
    quorum_den: int = 3,
    majority: str = "more_for",
    proposal_days: int = 3,
    now: datetime | None = None,
) -> Council:
    now = now or utcnow()
    _manager(session, actor_id, grid_id if isinstance(grid_id, int) else -1)  # one's own area
    name = clean_text(name)
    errors: dict[str, Message] = {}
    _length(errors, "name", name, 120, N_("Please give the council a name."))
    grid = session.get(Grid, grid_id) if isinstance(grid_id, int) else None
    if grid is None or grid.kind not in COUNCIL_GRID_KINDS:
        errors["grid"] = Message(N_("Please choose the grid the council serves."))
    if not isinstance(term_start, date) or not isinstance(term_end, date) or term_end <= term_start:
        errors["term_end"] = Message(N_("The term must end after it starts."))
    elif term_end < _today(now):
        errors["term_end"] = Message(
            N_("The term has already ended. Please choose an end in the future.")
        )
    elif (term_end - term_start).days > TERM_DAYS_MAX:
        errors["term_end"] = Message(
            N_("A term lasts at most {years} years."), {"years": TERM_DAYS_MAX // 365}
        )
    errors |= _rule_errors(seats_per_group, quorum_num, quorum_den, majority, proposal_days)
    if not errors:
        # Lock the grid (PostgreSQL) so two staff cannot both create its council at once.
        session.exec(select(Grid.id).where(Grid.id == grid_id).with_for_update()).first()
        clash = _overlapping(session, grid_id, term_start, term_end)
        if clash is not None:
            session.rollback()
            errors["grid"] = Message(
                N_(
                    "“{name}” already serves this grid from {start} to {end}. Choose a term that does not overlap."
                ),
                {
                    "name": clash.name,
                    "start": clash.term_start.isoformat(),
                    "end": clash.term_end.isoformat(),
                },
            )
    if errors:
        raise FieldErrors(errors)
    council = Council(
        grid_id=grid_id,
        name=name,
        term_start=term_start,
        term_end=term_end,
        seats_per_group=seats_per_group,
        quorum_num=quorum_num,
        quorum_den=quorum_den,
        majority=majority,
        proposal_days=proposal_days,
        created_at=now,
    )
    session.add(council)
    session.flush()
    _event(session, row_id(council), "council_created", actor_id, now, note=name)
    _commit(session)
    return session.get_one(Council, council.id)


def _overlapping(session: Session, grid_id: int, start: date, end: date) -> Council | None:
    return session.exec(
        select(Council).where(
            Council.grid_id == grid_id, Council.term_start <= end, Council.term_end >= start
        )
    ).first()


def council_grids(session: Session, area: Area = EVERYWHERE) -> list[Grid]:
    """The grids of the area a council can serve: the community and its general grids."""
    found = session.exec(
        select(Grid)
        .where(col(Grid.kind).in_(COUNCIL_GRID_KINDS))
        .order_by(col(Grid.kind) != "community", Grid.code)
    ).all()
    return [g for g in found if area.covers(g.id)]


def _rule_errors(seats_per_group, quorum_num, quorum_den, majority, proposal_days) -> dict:
    errors: dict[str, Message] = {}
    if not isinstance(seats_per_group, int) or not 1 <= seats_per_group <= 50:
        errors["seats_per_group"] = Message(
            N_("Use a whole number from {low} to {high}."), {"low": 1, "high": 50}
        )
    if (
        not isinstance(quorum_num, int)
        or not isinstance(quorum_den, int)
        or quorum_den < 1
        or not 1 <= quorum_num <= quorum_den
        or quorum_den > 100
    ):
        errors["quorum"] = Message(
            N_("The quorum must be a fraction from 1/100 to 1/1 of the seats.")
        )
    if majority not in MAJORITY_RULES:
        errors["majority"] = Message(N_("Please choose a majority rule."))
    if not isinstance(proposal_days, int) or not 0 <= proposal_days <= 60:
        errors["proposal_days"] = Message(
            N_("Use a whole number from {low} to {high}."), {"low": 0, "high": 60}
        )
    return errors


def set_rules(
    session: Session,
    *,
    council_id: int,
    actor_id: int,
    seats_per_group: int,
    quorum_num: int,
    quorum_den: int,
    majority: str,
    proposal_days: int,
    now: datetime | None = None,
) -> Council:
    """Changes the council's rules (refused while a vote is open: the rules of a vote never move)."""
    now = now or utcnow()
    _manager(session, actor_id, council_grid(session, council_id=council_id))
    council = _council(session, council_id)
    errors = _rule_errors(seats_per_group, quorum_num, quorum_den, majority, proposal_days)
    if errors:
        raise FieldErrors(errors)
    if _open_vote(session, council_id):
        raise UserError(N_("The rules cannot change while voting is open."))
    before = f"{council.seats_per_group}; {council.quorum_num}/{council.quorum_den}; {council.majority}; {council.proposal_days}"
    after = f"{seats_per_group}; {quorum_num}/{quorum_den}; {majority}; {proposal_days}"
    council.seats_per_group, council.quorum_num, council.quorum_den = (
        seats_per_group,
        quorum_num,
        quorum_den,
    )
    council.majority, council.proposal_days = majority, proposal_days
    session.add(council)
    _event(
        session,
        council_id,
        "rules_changed",
        actor_id,
        now,
        from_state=None,
        to_state=None,
        note=f"{before} → {after}",
    )
    _commit(session)
    return session.get_one(Council, council_id)


def _open_vote(session: Session, council_id: int) -> bool:
    return (
        session.exec(
            select(CouncilMeeting.id).where(
                CouncilMeeting.council_id == council_id, CouncilMeeting.status == "voting_open"
            )
        ).first()
        is not None
    )


def seat_counts(session: Session, council_id: int) -> dict[str, int]:
    rows = session.exec(
        select(CouncilSeat.seat_group, func.count())
        .where(CouncilSeat.council_id == council_id, col(CouncilSeat.ended_at).is_(None))
        .group_by(CouncilSeat.seat_group)
    ).all()
    counts = dict.fromkeys(SEAT_GROUPS, 0)
    counts.update(dict(rows))
    return counts


@dataclass(frozen=True)
class Balance:
    counts: dict[str, int]
    target: int
    equal: bool  # three groups of the same, non-zero size: voting may open
    full: bool  # every group has the council's number of seats

    @property
    def seats(self) -> int:
        return sum(self.counts.values())


def balance(session: Session, council_id: int) -> Balance:
    council = _council(session, council_id)
    counts = seat_counts(session, council_id)
    sizes = set(counts.values())
    return Balance(
        counts,
        council.seats_per_group,
        len(sizes) == 1 and 0 not in sizes,
        all(n == council.seats_per_group for n in counts.values()),
    )


def add_seat(
    session: Session,
    *,
    council_id: int,
    user_id: int,
    group: str,
    actor_id: int,
    now: datetime | None = None,
) -> CouncilSeat:
    """Gives a person a seat in a group (grid workers or staff / residents / merchants)."""
    now = now or utcnow()
    _manager(session, actor_id, council_grid(session, council_id=council_id))
    council = _council(session, council_id)
    if group not in SEAT_GROUPS:
        raise UserError(N_("Please choose the group of the seat."), field="group")
    person = session.get(User, user_id) if user_id else None
    if person is None or not person.is_active:
        raise UserError(N_("Please choose the person who holds the seat."), field="person")
    if outside(session, person, council.grid_id):  # sits only on a council of their own area
        raise UserError(OUTSIDE_AREA, field="person")
    if not can(person, "council.sit", On(group=group)):
        raise UserError(
            N_(
                "This person cannot sit in this group: grid seats are for grid workers and staff, resident seats for residents, merchant seats for merchants."
            ),
            field="person",
        )
    if _open_vote(session, council_id):
        raise UserError(N_("Seats cannot change while voting is open."))
    # Lock the council (PostgreSQL) so two staff cannot both fill the last seat of a group.
    session.exec(select(Council.id).where(Council.id == council_id).with_for_update()).first()
    seat = CouncilSeat(
        council_id=council_id,
        seat_group=group,
        user_id=user_id,
        active_user_id=user_id,
        started_at=now,
        added_by=actor_id,
    )
    session.add(seat)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise UserError(
            N_("This person already holds a seat on this council."), field="person"
        ) from None
    held = session.exec(
        select(func.count())
        .select_from(CouncilSeat)
        .where(
            CouncilSeat.council_id == council_id,
            CouncilSeat.seat_group == group,
            col(CouncilSeat.ended_at).is_(None),
        )
    ).one()
    if held > council.seats_per_group:
        session.rollback()
        raise UserError(
            N_("This group already has its {n} seats. End a seat first."),
            field="group",
            n=council.seats_per_group,
        )
    _event(
        session,
        council_id,
        "seat_added",
        actor_id,
        now,
        to_state=group,
        note=f"{person.display_name} ({person.username})",
    )
    _commit(session, N_("This person already holds a seat on this council."))
    return session.get_one(CouncilSeat, seat.id)


def end_seat(
    session: Session, *, seat_id: int, actor_id: int, note: str = "", now: datetime | None = None
) -> None:
    now = now or utcnow()
    _manager(session, actor_id, council_grid(session, seat_id=seat_id))
    seat = session.get(CouncilSeat, seat_id)
    if seat is None:
        raise UserError(NOT_FOUND)
    if _open_vote(session, seat.council_id):
        raise UserError(N_("Seats cannot change while voting is open."))
    result = session.execute(
        update(CouncilSeat)
        .where(col(CouncilSeat.id) == seat_id, col(CouncilSeat.ended_at).is_(None))
        .values(ended_at=now, active_user_id=None, ended_by=actor_id)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(CHANGED)
    _event(
        session,
        seat.council_id,
        "seat_ended",
        actor_id,
        now,
        from_state=seat.seat_group,
        note=clean_text(note)[:NOTE_MAX] or None,
    )
    _commit(session)


def seat_of(session: Session, council_id: int, user_id: int | None) -> CouncilSeat | None:
    if not user_id:
        return None
    return session.exec(
        select(CouncilSeat).where(
            CouncilSeat.council_id == council_id, CouncilSeat.active_user_id == user_id
        )
    ).first()


@dataclass(frozen=True)
class SeatView:
    seat: CouncilSeat
    name: str
    username: str
    language: str


def seats(session: Session, council_id: int) -> list[SeatView]:
    rows = session.exec(
        select(CouncilSeat, User)
        .join(User, col(User.id) == CouncilSeat.user_id)
        .where(CouncilSeat.council_id == council_id, col(CouncilSeat.ended_at).is_(None))
        .order_by(CouncilSeat.seat_group, col(CouncilSeat.id))
    ).all()
    return [SeatView(seat, user.display_name, user.username, user.language) for seat, user in rows]


def councils(session: Session, area: Area = EVERYWHERE) -> list[Council]:
    """The councils of the area (those serving a grid inside it)."""
    found = session.exec(select(Council).order_by(col(Council.id))).all()
    return [x for x in found if area.covers(x.grid_id)]


def council_for(
    session: Session, user_id: int | None, now: datetime | None = None
) -> Council | None:
    """The council of the viewer's home (the nearest grid above it that has one), else the only
    council whose term runs now, else the newest."""
    now = now or utcnow()
    user = session.get(User, user_id) if user_id else None
    found = councils(session, area_of(session, user))  # never another community's council
    if not found:
        return None
    today = _today(now)
    current = [c for c in found if c.term_start <= today <= c.term_end] or found
    if user is not None and user.home_grid_id is not None:
        parents = dict(session.exec(select(Grid.id, Grid.parent_id)).all())
        grid: int | None = user.home_grid_id
        seen: set[int] = set()
        by_grid = {c.grid_id: c for c in current}
        while grid is not None and grid not in seen:
            if grid in by_grid:
                return by_grid[grid]
            seen.add(grid)
            grid = parents.get(grid)
    return current[-1]


def councils_for(
    session: Session, user_id: int | None, now: datetime | None = None
) -> list[Council]:
    """Every council whose term runs now and whose area holds the viewer's home, the widest
    (community) first; a viewer living elsewhere or without a home sees the community councils.
    Falls back to council_for when no council's term runs now."""
    today = _today(now or utcnow())
    user = session.get(User, user_id) if user_id else None
    area = area_of(session, user)  # never another community's council
    current = [x for x in councils(session, area) if x.term_start <= today <= x.term_end]
    kinds = dict(session.exec(select(Grid.id, Grid.kind)).all())
    mine = []
    if user is not None and user.home_grid_id is not None:
        parents = parent_map(session)
        mine = [x for x in current if user.home_grid_id in subtree(parents, x.grid_id)]
    mine = mine or [x for x in current if kinds.get(x.grid_id) == "community"]
    mine.sort(key=lambda x: (kinds.get(x.grid_id) != "community", x.id))
    if mine:
        return mine
    fallback = council_for(session, user_id, now)
    return [fallback] if fallback is not None else []


def seated_councils(session: Session, user_id: int | None) -> list[Council]:
    """The councils on which the person holds a seat now (community first)."""
    if not user_id:
        return []
    found = session.exec(
        select(Council)
        .join(CouncilSeat, col(CouncilSeat.council_id) == Council.id)
        .join(Grid, col(Grid.id) == Council.grid_id)
        .where(CouncilSeat.active_user_id == user_id)
        .order_by(col(Grid.kind) != "community", col(Council.id))
    ).all()
    return list(found)
