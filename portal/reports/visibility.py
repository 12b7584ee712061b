"""Who may read which report (its words, photos, voice notes and reporter): one rule for the
reports map, the work queue, a report's detail and its media.

- staff and admins: every report of their area (portal.areas: their office grid and below; the
  whole deployment for those with no office grid, and in a one-community deployment);
- everybody: the reports they filed, that were filed for them (代办) or that are assigned to them;
- grid workers: reports in the grids they serve and every grid below (see cockpit_scope);
- department handlers: their department's reports and the joint tasks (联办) it takes part in;
- residents and merchants: nothing more (the public list shows a redacted view instead).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import false, or_, true
from sqlmodel import Session, col, select

from db.models import User
from db.models_reports import JointTask, Report
from db.types import row_id
from portal.areas import area_of
from portal.cockpit_scope import scope_for
from portal.grids import GridIndex

OFFICE_ROLES = ("staff", "admin")


@dataclass(frozen=True)
class Reader:
    """What a reader's rights depend on, looked up once per page run."""

    user_id: int
    role: str
    grid_ids: frozenset[int] | None  # None: every grid (staff and admins)
    department_id: int | None
    area: frozenset[int] | None = None  # the office's area (portal.areas); None: everywhere


def reader(session: Session, index: GridIndex, user: User) -> Reader:
    scope = scope_for(session, index, role=user.role, user_id=user.id)
    grids = None if scope.whole else frozenset(scope.grids or ())
    department = user.department_id if user.role == "handler" else None
    area = area_of(session, user, index).grids if user.role in OFFICE_ROLES else None
    return Reader(row_id(user), user.role, grids, department, area)


def can_see_report(
    viewer: Reader, report: Report, *, joint_departments: Collection[int] = ()
) -> bool:
    """The rule itself (pure): `joint_departments` are the departments of the report's joint
    tasks."""
    if viewer.role in OFFICE_ROLES:
        return viewer.area is None or report.grid_id in viewer.area
    if viewer.user_id in (report.reporter_id, report.on_behalf_of_id, report.assignee_id):
        return True
    if viewer.role == "grid_worker":
        return viewer.grid_ids is not None and report.grid_id in viewer.grid_ids
    if viewer.role == "handler" and viewer.department_id is not None:
        return (
            report.department_id == viewer.department_id
            or viewer.department_id in joint_departments
        )
    return False


def visible_reports(viewer: Reader):
    """The same rule as an SQL condition on Report, for lists and maps."""
    if viewer.role in OFFICE_ROLES:
        return true() if viewer.area is None else col(Report.grid_id).in_(sorted(viewer.area))
    own = or_(
        col(Report.reporter_id) == viewer.user_id,
        col(Report.on_behalf_of_id) == viewer.user_id,
        col(Report.assignee_id) == viewer.user_id,
    )
    if viewer.role == "grid_worker" and viewer.grid_ids:
        return or_(own, Report.grid_id.in_(sorted(viewer.grid_ids)))
    if viewer.role == "handler" and viewer.department_id is not None:
        joint = select(JointTask.report_id).where(JointTask.department_id == viewer.department_id)
        return or_(
            own, col(Report.department_id) == viewer.department_id, col(Report.id).in_(joint)
        )
    return or_(own, false())


def joint_departments(session: Session, report_id: int) -> set[int]:
    return set(
        session.exec(select(JointTask.department_id).where(JointTask.report_id == report_id)).all()
    )


def may_read(session: Session, index: GridIndex, user: User | None, report_id: int) -> bool:
    """For one report (a deep link, its media): can this user read it?"""
    report = session.get(Report, report_id)
    if user is None or report is None:
        return False
    return can_see_report(
        reader(session, index, user),
        report,
        joint_departments=joint_departments(session, report_id),
    )
