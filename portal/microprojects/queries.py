"""Read models: the projects of the viewer's community (cards with progress), one project's
page (its pledges, 公示 and trail), the viewer's pledges, the office's list, and the check that
a project's running totals equal the sums of its pledge rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from db.models import User
from db.models_microprojects import MicroEntry, MicroEvent, MicroPledge, MicroProject
from db.types import row_id, utcnow
from portal.areas import area_of
from portal.auth import active_user
from portal.errors import UserError
from portal.grids import parent_map
from portal.localtime import today
from portal.microprojects.common import NOT_FOUND, PUBLISHING
from portal.microprojects.matching import Match, match_of
from portal.permissions import On, can

LIVE = ("promised", "paid")


@dataclass(frozen=True)
class Card:
    project: MicroProject
    match: Match
    raised_fen: int  # pledged money + matched share
    pledgers: int
    days_left: int  # days of pledging left, today included (0: closed)

    @property
    def percent(self) -> int:
        """Progress toward the goal, 0–100 (a bar never runs over)."""
        return min(100, self.raised_fen * 100 // max(self.project.goal_fen, 1))


@dataclass(frozen=True)
class PledgeLine:
    pledge: MicroPledge
    name: str  # the pledger's display name (shown to the office only)


@dataclass(frozen=True)
class ProjectView:
    card: Card
    proposer: str
    entries: list[MicroEntry]
    spent_fen: int
    trail: list[MicroEvent]
    mine: MicroPledge | None  # the viewer's live pledge
    may_pledge: bool
    may_manage: bool
    pledges: list[PledgeLine]  # every pledge, for the office; [] for others


def _pledgers(session: Session, ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.exec(
        select(MicroPledge.project_id, func.count())
        .where(col(MicroPledge.project_id).in_(ids), col(MicroPledge.state).in_(LIVE))
        .group_by(col(MicroPledge.project_id))
    ).all()
    return {pid: int(n) for pid, n in rows}


def _cards(session: Session, projects: list[MicroProject], now: datetime) -> list[Card]:
    parents = parent_map(session)
    counts = _pledgers(session, [row_id(p) for p in projects])
    day = today(now)
    cards = []
    for p in projects:
        match = match_of(session, p, parents)
        left = (p.deadline - day).days + 1 if p.state == "open" else 0
        cards.append(
            Card(p, match, p.pledged_fen + match.fen, counts.get(row_id(p), 0), max(left, 0))
        )
    return cards


def projects(
    session: Session, *, viewer_id: int, states: tuple[str, ...] | None = None, now=None
) -> list[Card]:
    """The projects of the viewer's area (their community; the office: its area), open first,
    then newest."""
    now = now or utcnow()
    viewer = active_user(session, viewer_id)
    area = area_of(session, viewer)
    query = select(MicroProject)
    if not area.whole:
        query = query.where(col(MicroProject.grid_id).in_(area.grid_list()))
    if states:
        query = query.where(col(MicroProject.state).in_(states))
    found = list(session.exec(query.order_by(col(MicroProject.id).desc())).all())
    found.sort(key=lambda p: p.state != "open")  # stable: open ones first, each newest first
    return _cards(session, found, now)


def detail(session: Session, *, project_id: int, viewer_id: int, now=None) -> ProjectView:
    """One project's page, for someone of its community (or its office)."""
    now = now or utcnow()
    viewer = active_user(session, viewer_id)
    project = session.get(MicroProject, project_id)
    if project is None or not area_of(session, viewer).covers(project.grid_id):
        raise UserError(NOT_FOUND)  # another community's project: as if it did not exist
    (card,) = _cards(session, [project], now)
    entries = list(
        session.exec(
            select(MicroEntry)
            .where(col(MicroEntry.project_id) == project_id)
            .order_by(col(MicroEntry.at).desc(), col(MicroEntry.id).desc())
        ).all()
    )
    trail = list(
        session.exec(
            select(MicroEvent)
            .where(col(MicroEvent.project_id) == project_id)
            .order_by(col(MicroEvent.at), col(MicroEvent.id))
        ).all()
    )
    mine = session.exec(
        select(MicroPledge).where(
            col(MicroPledge.project_id) == project_id,
            col(MicroPledge.user_id) == viewer.id,
            col(MicroPledge.state).in_(LIVE),
        )
    ).first()
    may_manage = bool(can(viewer, "microproject.manage", On()))
    pledges: list[PledgeLine] = []
    if may_manage:
        rows = session.exec(
            select(MicroPledge, User.display_name)
            .join(User, col(User.id) == MicroPledge.user_id)
            .where(col(MicroPledge.project_id) == project_id)
            .order_by(col(MicroPledge.id))
        ).all()
        pledges = [PledgeLine(p, name) for p, name in rows]
    proposer = session.get(User, project.proposer_id)
    return ProjectView(
        card=card,
        proposer=proposer.display_name if proposer else "",
        entries=entries,
        spent_fen=sum(e.amount_fen or 0 for e in entries if e.kind == "spending"),
        trail=trail,
        mine=mine,
        may_pledge=project.state == "open"
        and card.days_left > 0
        and mine is None
        and bool(can(viewer, "microproject.pledge", On())),
        may_manage=may_manage,
        pledges=pledges,
    )


def my_pledges(session: Session, *, user_id: int) -> list[tuple[MicroPledge, MicroProject]]:
    """The person's pledges, newest first, with their projects."""
    return list(
        session.exec(
            select(MicroPledge, MicroProject)
            .join(MicroProject, col(MicroProject.id) == MicroPledge.project_id)
            .where(col(MicroPledge.user_id) == user_id)
            .order_by(col(MicroPledge.id).desc())
        ).all()
    )


def totals_from_rows(session: Session, project_id: int) -> tuple[int, int, int]:
    """(pledged fen, pledged points, paid fen) summed from the pledge rows: what the project's
    running totals must equal."""
    live = col(MicroPledge.state).in_(LIVE)
    pledged, points = session.exec(
        select(
            func.coalesce(func.sum(MicroPledge.amount_fen), 0),
            func.coalesce(func.sum(MicroPledge.points), 0),
        ).where(col(MicroPledge.project_id) == project_id, live)
    ).one()
    paid = session.exec(
        select(func.coalesce(func.sum(MicroPledge.amount_fen), 0)).where(
            col(MicroPledge.project_id) == project_id, col(MicroPledge.state) == "paid"
        )
    ).one()
    return int(pledged), int(points), int(paid)


def publishing(project: MicroProject) -> bool:
    return project.state in PUBLISHING


def may_propose(session: Session, user_id: int | None) -> bool:
    """Whether this person may propose (and, alike, pledge): a confirmed resident or merchant."""
    user = session.get(User, user_id) if user_id else None
    return bool(can(user, "microproject.propose", On()))
