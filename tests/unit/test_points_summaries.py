"""Points summary rows (issue 18): kept with every ledger line, equal to a full recomputation of
the ledger after random work through the real services, repaired by rebuild, backfilled by
migration 0019, and read by the leaderboard, the monthly figures and the cockpit — SQLite and
PostgreSQL."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import func, update
from sqlmodel import Session, col, select

from db.engine import get_engine
from db.migrate import alembic_config
from db.models import User
from db.models_points import PointsEntry, PointsGridMonth, PointsUserTotal, Redemption
from portal import cockpit, points
from portal.cockpit_scope import WHOLE
from portal.errors import UserError
from portal.grids import GridIndex, parent_map
from portal.localtime import ZONE, month_of
from portal.points import rebuild_summaries, summaries
from portal.points.common import EARNING_EXCLUDED, _ancestors
from tests.factories import race
from tests.ledger_scans import scan_leaderboard
from tests.unit.test_points import _reward, _world

START = datetime(2026, 7, 3, 2, 0, tzinfo=UTC)


def _random_work(session: Session, clock, seed: int = 18, steps: int = 160) -> dict:
    """Awards, capped awards, adjustments, redemptions, cancellations and home moves at random
    over about five months, all through the services."""
    rng = random.Random(seed)
    clock.now = START
    w = _world(session, residents=5)
    people = [*w["residents"], w["outsider"], w["merchant"]]
    homes = [w["grids"][k].id for k in ("G1-M1", "G1-M2", "G2-M1", "S")]
    reward = _reward(session, w, clock, cost=30, stock=1000, available_from=START - timedelta(1))
    pending: list[int] = []
    for step in range(steps):
        clock.now += timedelta(hours=rng.randrange(1, 40))
        person = rng.choice(people)
        kind = rng.random()
        try:
            if kind < 0.40:
                points.award(
                    session,
                    user_id=person.id,
                    source="task",
                    source_id=f"t{step}",
                    reason="楼道清扫",
                    amount=rng.randrange(1, 60),
                    now=clock.now,
                )
                session.commit()
            elif kind < 0.55:  # 5 a report, at most 20 a day: some are cut or refused
                points.award(
                    session,
                    user_id=person.id,
                    source="report",
                    source_id=f"r{step}",
                    reason="路灯坏了",
                    now=clock.now,
                )
                session.commit()
            elif kind < 0.65:
                points.adjust(
                    session,
                    actor_id=w["staff"].id,
                    user_id=person.id,
                    amount=rng.choice([-15, -3, 4, 25]),
                    reason="误记积分更正",
                    now=clock.now,
                )
            elif kind < 0.85:
                pending.append(
                    points.redeem(session, user_id=person.id, reward_id=reward.id, now=clock.now).id
                )
            elif kind < 0.93 and pending:
                points.cancel_redemption(
                    session,
                    actor_id=w["staff"].id,
                    redemption_id=pending.pop(rng.randrange(len(pending))),
                    reason="不要了",
                    now=clock.now,
                )
            else:  # moves house: later lines carry the new home grid
                session.execute(
                    update(User)
                    .where(col(User.id) == person.id)
                    .values(home_grid_id=rng.choice(homes))
                )
                session.commit()
                session.expire_all()
        except UserError:
            session.rollback()
    return w


def _entries(session):
    return session.exec(
        select(PointsEntry.grid_id, PointsEntry.amount, PointsEntry.source, PointsEntry.created_at)
    ).all()


def _check_readers(session, w, now):
    grids = [g.id for g in w["grids"].values()]
    month_start = datetime(2026, 9, 1, tzinfo=ZONE)
    for gid in grids:
        for since in (None, month_start, month_start + timedelta(days=9, hours=5)):
            got = [
                (s.user_id, s.points) for s in points.leaderboard(session, grid_id=gid, since=since)
            ]
            assert got == scan_leaderboard(session, gid, since), (gid, since)
    # monthly figures per general grid: net earned and redeemed, from the lines themselves
    kinds = {g.id: g.kind for g in w["grids"].values()}
    parents = parent_map(session)
    figures = points.monthly_by_grid(session, months=6, now=now)
    labels = [month_of(s) for s in points.month_starts(now, 6)[:-1]]
    want: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for gid, amount, source, at in _entries(session):
        if month_of(at) not in labels:
            continue
        general = next(
            (g for g in _ancestors(parents, gid) if kinds.get(g) == "general"),
            w["grids"]["S"].id,
        )
        slot = want[(general, month_of(at))]
        slot[0] += amount if source not in EARNING_EXCLUDED else 0
        slot[1] += -amount if source in EARNING_EXCLUDED else 0
    assert {(f.grid_id, f.month): [f.issued, f.redeemed] for f in figures} == dict(want)
    assert len(figures) >= 8  # the work really spread over grids and months
    # the cockpit, whole months (summaries) and ragged ends (ledger)
    index = GridIndex.load(session)
    periods = [
        cockpit.period_of_months(6, now),
        (datetime(2026, 8, 17, 9, tzinfo=ZONE), datetime(2026, 11, 3, 15, tzinfo=ZONE)),
        (datetime(2026, 9, 2, tzinfo=ZONE), datetime(2026, 9, 20, tzinfo=ZONE)),
    ]
    for since, until in periods:
        for by in ("grid", "month"):
            got: dict = defaultdict(lambda: [0, 0])
            for key, i, r in cockpit.points_facts(session, index, since, until, by, WHOLE):
                got[key][0] += i
                got[key][1] += r
            want = defaultdict(lambda: [0, 0])
            for gid, amount, source, at in _entries(session):
                if not since <= at < until:
                    continue
                key = WHOLE.row_of(index, gid) if by == "grid" else month_of(at)
                want[key][0] += amount if amount > 0 and source != "refund" else 0
                want[key][1] += -amount if source in EARNING_EXCLUDED else 0
            got = {k: v for k, v in got.items() if v != [0, 0]}
            assert got == {k: v for k, v in want.items() if v != [0, 0]}, (since, until, by)


def test_random_work_keeps_the_summaries_equal_to_the_ledger(session, clock):
    w = _random_work(session, clock)
    count = session.exec(select(func.count()).select_from(PointsEntry)).one()
    sources = set(session.exec(select(PointsEntry.source)).all())
    assert count > 100 and {"task", "report", "adjustment", "reward", "refund"} <= sources
    assert summaries.differences(session) == []
    assert summaries.stored(session) == summaries.recompute(session)
    _check_readers(session, w, clock.now)


def test_a_rolled_back_line_leaves_no_total(session, clock):
    w = _world(session)
    r = w["residents"][0]
    points.award(
        session, user_id=r.id, source="task", source_id="x", reason="r", amount=9, now=clock.now
    )
    assert session.get(PointsUserTotal, (r.id, w["grids"]["G1-M1"].id)).earned == 9
    session.rollback()
    assert summaries.stored(session) == summaries.recompute(session)
    assert session.exec(select(func.count()).select_from(PointsGridMonth)).one() == 0


def test_the_demo_seed_writes_its_summaries(demo_session):
    assert session_has_lines(demo_session)
    assert summaries.differences(demo_session) == []


def session_has_lines(session) -> bool:
    return session.exec(select(func.count()).select_from(PointsEntry)).one() > 0


def test_rebuild_repairs_and_the_command_checks(db_url, clock):
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        _random_work(session, clock, seed=7, steps=60)
        want = summaries.recompute(session)
        session.execute(update(PointsGridMonth).values(issued=PointsGridMonth.issued + 1))
        session.execute(PointsUserTotal.__table__.delete())
        session.commit()
        wrong = summaries.differences(session)
        assert any(x.startswith("grid_month") for x in wrong)
        assert any(x.startswith("user_total") for x in wrong)
    assert rebuild_summaries.main(["--check", "--database-url", db_url]) == 1
    assert rebuild_summaries.main(["--database-url", db_url]) == 0
    assert rebuild_summaries.main(["--check", "--database-url", db_url]) == 0
    with Session(get_engine(db_url)) as session:
        assert summaries.stored(session) == want
        assert summaries.rebuild(session) == sum(len(v) for v in want.values())
        assert summaries.stored(session) == want


def test_migration_0019_backfills_from_the_ledger(db_url, clock):
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        _random_work(session, clock, seed=3, steps=60)
        r = session.exec(select(User).where(User.username == "r0")).one()
        # a line at 00:30 on 1 November in Beijing (still October in UTC) belongs to November
        edge = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)
        points.award(
            session, user_id=r.id, source="task", source_id="edge", reason="e", amount=7, now=edge
        )
        session.commit()
        want = summaries.recompute(session)
        assert want["user_month"][("2026-11", r.home_grid_id, r.id)][0] >= 7
    get_engine(db_url).dispose()
    command.downgrade(alembic_config(db_url), "0018")
    command.upgrade(alembic_config(db_url), "heads")
    with Session(get_engine(db_url)) as session:
        assert summaries.stored(session) == want


def test_concurrent_awards_all_count(db_url, clock):
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        w = _world(session, residents=4)
        ids = [r.id for r in w["residents"]]

    def give(s: Session, i: int):
        entry = points.award(
            s,
            user_id=ids[i % 2],  # two people, four awards each at once, one grid row for all
            source="task",
            source_id=f"c{i}",
            reason="并发",
            amount=i + 1,
            now=clock.now,
        )
        s.commit()
        return entry

    results = race(db_url, 8, give)
    assert all(isinstance(x, PointsEntry) for x in results), results
    with Session(get_engine(db_url)) as s:
        assert summaries.differences(s) == []
        home = w["grids"]["G1-M1"].id
        assert s.get(PointsUserTotal, (ids[0], home)).earned == 1 + 3 + 5 + 7
        assert s.get(PointsUserTotal, (ids[1], home)).entries == 4
        month = s.get(PointsGridMonth, (month_of(clock.now), home))
        assert (month.issued, month.entries) == (36, 8)
        assert s.exec(select(func.count()).select_from(Redemption)).one() == 0
