from datetime import timedelta

from sqlmodel import select

from db.models_reports import Report
from portal import housekeeping
from portal.grids import GridIndex


def test_housekeeping_runs_every_clock_rule_and_is_safe_to_repeat(demo_session):
    index = GridIndex.load(demo_session)
    later = max(r.due_at for r in demo_session.exec(select(Report))) + timedelta(days=30)
    first = housekeeping.run(demo_session, index, later)
    assert set(first.reports) == {"escalated", "flagged", "closed", "warned"}
    open_working = demo_session.exec(
        select(Report).where(Report.state.in_(("assigned", "accepted", "in_progress", "reopened")))
    ).all()
    assert all(r.level == "district" or r.due_at > later for r in open_working)
    unrated = demo_session.exec(
        select(Report).where(Report.state.in_(("resolved", "verified")))
    ).all()
    assert unrated == []  # all closed by the 7-day rule
    again = housekeeping.run(demo_session, index, later)
    assert again.reports["closed"] == 0 and again.reports["flagged"] == 0
