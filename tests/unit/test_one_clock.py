"""One clock: every surface counts the same overdue reports, and escalation never resets it.

The resident's clock runs from submission (the category's limit, 72 h unless staff set another;
4 h for an emergency such as a gas leak) and is never moved by escalation, the sweep, or reopening.
"""

from datetime import datetime, timedelta

from sqlmodel import select

from portal import cockpit, reports
from portal.reports import queries
from portal.reports.clock import OPEN_STATES, is_overdue
from tests.unit.test_reports import _submit, ctx  # noqa: F401  (the demo-community fixture)


def _counts(c, now: datetime) -> dict[str, int]:
    """How many reports each surface marks overdue at `now`."""
    staff = c.user("staff01")
    queue = queries.work_queue(c.s, c.index, staff, now=now)
    since, until = now - timedelta(days=60), now + timedelta(days=1)
    measured = cockpit.measures(c.s, c.index, since=since, until=until, now=now)
    open311 = queries.open311_requests(c.s, now=now)
    return {
        "work queue": sum(1 for item in queue if item.overdue),
        "staff map": sum(1 for row in queries.map_points(c.s, now=now) if row[4]),
        "public page": sum(1 for r in queries.public_list(c.s, now=now) if r.overdue),
        "cockpit": measured.total["overdue"],
        "open data export": sum(
            1 for r in cockpit.open_reports(c.s, c.index, now=now) if r["overdue"]
        ),
        "open311": sum(
            1
            for r in open311
            if r["status"] == "open" and datetime.fromisoformat(r["expected_datetime"]) < now
        ),
    }


def test_every_surface_counts_the_same_overdue_reports(ctx, clock):  # noqa: F811
    start = clock()
    gas_hours = ctx.cat("emergency").time_limit_hours  # 4 h
    lamp_hours = ctx.cat("lighting").time_limit_hours
    gas = [_submit(ctx, clock, code="emergency", text=f"燃气味很重 {n}") for n in range(3)]
    clock.advance(hours=1)
    lamps = [_submit(ctx, clock, text=f"路灯不亮 {n}") for n in range(4)]
    chief = ctx.user("chief_g1m1").id
    reports.act(
        ctx.s,
        ctx.index,
        report_id=lamps[0].id,
        actor_id=chief,
        action="accept",
        now=clock.advance(hours=1),
    )
    reports.act(
        ctx.s,
        ctx.index,
        report_id=lamps[0].id,
        actor_id=chief,
        action="resolve",
        note="换了灯泡",
        now=clock.advance(hours=1),
    )
    # The handler escalates one lamp just before its 72 h: the next level gets its own time.
    escalated = reports.act(
        ctx.s,
        ctx.index,
        report_id=lamps[1].id,
        actor_id=chief,
        action="escalate",
        note="需要社区协调",
        now=start + timedelta(hours=lamp_hours - 1),
    )
    assert escalated.due_at > start + timedelta(hours=lamp_hours + 12)  # a fresh hand-off deadline
    assert escalated.resident_due_at == start + timedelta(hours=1 + lamp_hours)
    # The sweep escalates the overdue gas leaks; their hand-off deadline moves, their clock not.
    reports.sweep(ctx.s, ctx.index, start + timedelta(hours=lamp_hours))
    now = start + timedelta(hours=lamp_hours + 5)  # gas leaks days old, lamps past their limit
    ctx.s.expire_all()
    rows = ctx.s.exec(select(reports.Report)).all()
    expected = sum(1 for r in rows if r.state in OPEN_STATES and r.resident_due_at < now)
    assert expected == 6  # 3 gas leaks + 3 open lamps (one lamp was resolved in time)
    for r in rows:  # nothing the handlers or the sweep did moved a resident's clock
        hours = gas_hours if r.id in {g.id for g in gas} else lamp_hours
        assert r.resident_due_at == r.created_at + timedelta(hours=hours)
        assert is_overdue(r, now) == (r.state in OPEN_STATES and r.id != lamps[0].id)
    counts = _counts(ctx, now)
    print("overdue at", now.isoformat(), counts)
    assert counts == dict.fromkeys(counts, expected)
    before = _counts(ctx, start + timedelta(hours=gas_hours - 1))
    assert before == dict.fromkeys(before, 0)
    early = _counts(ctx, start + timedelta(hours=gas_hours + 1))  # only the gas leaks
    assert early == dict.fromkeys(early, 3)
