"""Who answers where: the responder for each level of the chain, and who may handle a report."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, col, select

from db.models import Department, GridDuty, User
from db.models_reports import JointTask, Report
from portal.areas import Area, area_of, department_for, office_above
from portal.grids import GridIndex, locate
from portal.permissions import On, can
from portal.reports.common import GRID_DUTIES


def service_department(
    session: Session, index: GridIndex, grid_id: int | None, service: str
) -> Department | None:
    """The department of a service (office, street, district…) serving this grid: the one whose
    office grid is nearest above it, else one serving the whole deployment (grid None). A
    department without a service is of the service named by its code (a deployment set up
    before communities existed)."""
    grid = index.grids.get(grid_id) if grid_id is not None else None
    chain = [g.id for g in index.ancestors(grid)] if grid is not None else []
    of_service = or_(
        col(Department.service) == service,
        and_(col(Department.service).is_(None), col(Department.code) == service),
    )
    placed: Any = col(Department.grid_id).is_(None)
    if chain:
        placed = or_(placed, col(Department.grid_id).in_(chain))
    found = session.exec(
        select(Department).where(of_service, placed).order_by(col(Department.id))
    ).all()
    if not found:
        return None
    return min(found, key=lambda d: chain.index(d.grid_id) if d.grid_id in chain else len(chain))


def category_department(
    session: Session, index: GridIndex, report: Report, department_id: int | None
) -> int | None:
    """A category's department, as the one of the same service serving the report's own grid
    (the street's own 城管 for a report of that street)."""
    if department_id is None:
        return None
    found = department_for(session, index, report.grid_id, session.get(Department, department_id))
    return found.id if found is not None else department_id


def secretary_of(session: Session, community_id: int | None) -> int | None:
    """The community secretary (grid duty 'secretary' on the community grid)."""
    if community_id is None:
        return None
    return session.exec(
        select(col(GridDuty.user_id))
        .where(col(GridDuty.grid_id) == community_id, col(GridDuty.duty) == "secretary")
        .order_by(col(GridDuty.id))
    ).first()


def _responder(
    session: Session, index: GridIndex, report: Report, level: str
) -> tuple[int | None, int | None]:
    """(assignee user id, department id) for a level of the chain."""
    if level == "grid":
        placement = locate(session, index, report.lat, report.lon)
        lead = placement.lead() if placement.inside else None
        if lead is not None and lead.duty != "secretary":
            return lead.user_id, None
        level = "community"
    if level == "community":  # the secretary and the office of the report's own community
        community = office_above(index, report.grid_id, "community")
        if community is None:  # a report with no community above it: the only one there is
            community = next((g.id for g in index.of_kind("community")), None)
        office = service_department(session, index, community, "office")
        return secretary_of(session, community), office.id if office else None
    department = service_department(session, index, report.grid_id, level)
    return None, department.id if department else None


def _grid_chain_ids(index: GridIndex, grid_id: int) -> list[int]:
    grid = index.grids.get(grid_id)
    return [g.id for g in index.ancestors(grid)] if grid else []


def _is_grid_worker_for(session: Session, index: GridIndex, user: User, report: Report) -> bool:
    chain = [
        gid
        for gid in _grid_chain_ids(index, report.grid_id)
        if index.grids[gid].kind != "community"
    ]
    if not chain:
        return False
    return (
        session.exec(
            select(col(GridDuty.id)).where(
                col(GridDuty.user_id) == user.id,
                col(GridDuty.grid_id).in_(chain),
                col(GridDuty.duty).in_(GRID_DUTIES),
            )
        ).first()
        is not None
    )


def _holds_for_department(session: Session, user: User, report: Report) -> bool:
    """The report is with the person's department (assigned to it, or it leads the joint order)."""
    if user.department_id is None:
        return False
    if report.department_id == user.department_id:
        return True
    return (
        session.exec(
            select(JointTask.id).where(
                JointTask.report_id == report.id,
                JointTask.department_id == user.department_id,
                JointTask.role == "lead",
            )
        ).first()
        is not None
    )


def facts(
    session: Session, index: GridIndex, user: User, report: Report, area: Area | None = None
) -> On:
    """What permissions.can() needs to know about this person and this report (`outside`: the
    report lies outside the person's area, portal.areas)."""
    area = area if area is not None else area_of(session, user, index)
    return On(
        own=user.id in (report.reporter_id, report.on_behalf_of_id),
        answers_for=_is_grid_worker_for(session, index, user, report),
        named=report.assignee_id == user.id,
        department=_holds_for_department(session, user, report),
        outside=not area.covers(report.grid_id),
    )


def handle_facts(report: Report, on: On) -> On:
    """The facts that count for moving a report at its level: at the grid a grid worker holds
    it; above the grid, a department."""
    if report.level == "grid":
        return On(named=on.named, answers_for=on.answers_for, outside=on.outside)
    return On(named=on.named, department=on.department, outside=on.outside)


def may_handle_why(session: Session, index: GridIndex, user: User, report: Report):
    """can() on moving the report at its present level (the Decision, with its reason)."""
    return can(user, "report.handle", handle_facts(report, facts(session, index, user, report)))


def may_handle(session: Session, index: GridIndex, user: User, report: Report) -> bool:
    """Whether the person may move the report at its present level."""
    return bool(may_handle_why(session, index, user, report))
