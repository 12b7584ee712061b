"""Who may read which report: role × ownership, the pure rule and its SQL form agree."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from db.models import Department, User
from db.models_reports import JointTask, Report, ReportCategory
from db.types import utcnow
from portal.grids import GridIndex
from portal.reports import visibility

# grids of the demo: G1 (2) ⊃ G1-M1 (3), G1-M2 (4); G2 (12) ⊃ G2-M1 (13)
# report: (grid code, reporter, department code, joint department code, assignee)
REPORTS = {
    "m1_by_zhang": ("G1-M1", "zhang_nainai", None, None, None),
    "m1_street": ("G1-M1", "tashi", "street", None, None),
    "g2_joint_street": ("G2-M1", "tashi", "cgz", "street", None),
    "g2_to_chief_m2": ("G2-M1", "tashi", None, None, "chief_g1m2"),
    "g2_plain": ("G2-M1", "tashi", "police", None, None),
}
EVERYTHING = set(REPORTS)
EXPECTED = {
    "staff01": EVERYTHING,
    "admin": EVERYTHING,
    "chief_g1m1": {"m1_by_zhang", "m1_street"},  # their micro-grid
    "gridworker_g1": {"m1_by_zhang", "m1_street"},  # the general grid and the grids below
    "chief_g1m2": {"g2_to_chief_m2"},  # another micro-grid: only what is assigned to them
    "gridchief_g2": {"g2_joint_street", "g2_to_chief_m2", "g2_plain"},
    "handler_street": {"m1_street", "g2_joint_street"},  # its orders and its joint tasks
    "handler_cgz": {"g2_joint_street"},
    "handler_city": set(),
    "zhang_nainai": {"m1_by_zhang"},  # residents: what they filed
    "aygul": set(),
}


@pytest.fixture
def table(demo_session):
    s = demo_session
    users = {u.username: u for u in s.exec(select(User))}
    grids = {g.code: g.id for g in GridIndex.load(s).grids.values()}
    departments = {d.code: d.id for d in s.exec(select(Department))}
    category = s.exec(select(ReportCategory).where(ReportCategory.code != "elder_visit")).first()
    made = {}
    for name, (grid, reporter, dept, joint, assignee) in REPORTS.items():
        report = Report(
            reporter_id=users[reporter].id,
            category_id=category.id,
            description=name,
            lat=30.6,
            lon=104.0,
            grid_id=grids[grid],
            department_id=departments.get(dept),
            assignee_id=users[assignee].id if assignee else None,
            level="street" if dept else "grid",
            due_at=utcnow() + timedelta(days=1),
        )
        s.add(report)
        s.flush()
        if joint:
            s.add(JointTask(report_id=report.id, department_id=departments[joint], role="assist"))
        made[name] = report
    s.commit()
    return users, made


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_role_by_ownership(demo_session, table, username):
    users, made = table
    index = GridIndex.load(demo_session)
    reader = visibility.reader(demo_session, index, users[username])
    pure = {
        name
        for name, report in made.items()
        if visibility.can_see_report(
            reader, report, joint_departments=visibility.joint_departments(demo_session, report.id)
        )
    }
    assert pure == EXPECTED[username]
    ids = {r.id: name for name, r in made.items()}
    listed = demo_session.exec(
        select(Report.id).where(Report.id.in_(ids), visibility.visible_reports(reader))
    ).all()
    assert {ids[i] for i in listed} == EXPECTED[username]
    for name, report in made.items():
        allowed = visibility.may_read(demo_session, index, users[username], report.id)
        assert allowed == (name in EXPECTED[username]), name
