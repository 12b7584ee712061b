"""Who answers where: the responder for each level of the chain, and who may handle a report."""

from __future__ import annotations

from sqlmodel import Session, col, select

from db.models import Department, GridDuty, User
from db.models_reports import JointTask, Report
from portal.grids import GridIndex, locate
from portal.permissions import On, can
from portal.reports.common import GRID_DUTIES


def _department(session: Session, code: str) -> Department | None:
    return session.exec(select(Department).where(col(Department.code) == code)).first()


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
    if level == "community":
        office = _department(session, "office")
        community = next((g for g in index.grids.values() if g.kind == "community"), None)
        secretary = None
        if community is not None:
            secretary = session.exec(
                select(col(GridDuty.user_id)).where(
                    col(GridDuty.grid_id) == community.id, col(GridDuty.duty) == "secretary"
                )
            ).first()
        return secretary, office.id if office else None
    department = _department(session, {"street": "street", "district": "district"}[level])
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


def facts(session: Session, index: GridIndex, user: User, report: Report) -> On:
    """What permissions.can() needs to know about this person and this report."""
    return On(
        own=user.id in (report.reporter_id, report.on_behalf_of_id),
        answers_for=_is_grid_worker_for(session, index, user, report),
        named=report.assignee_id == user.id,
        department=_holds_for_department(session, user, report),
    )


def may_handle(session: Session, index: GridIndex, user: User, report: Report) -> bool:
    """Whether the person may move the report at its present level."""
    on = facts(session, index, user, report)
    if report.level == "grid":  # a grid worker holds it; above the grid, a department
        on = On(named=on.named, answers_for=on.answers_for)
    else:
        on = On(named=on.named, department=on.department)
    return bool(can(user, "report.handle", on))
