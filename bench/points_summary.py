"""Leaderboards and monthly points figures at 1-10 million ledger lines: the full scans they used to
be against the summary rows (portal.points.summaries) they read now (issue 18).

    .venv/bin/python bench/points_summary.py [--backend postgresql|sqlite] [--entries 1000000]
        [--residents 22000] [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

PostgreSQL: works in a database of its own (linli_bench_points_summary), created at the start and
dropped at the end; SQLite: a scratch file. Generates accounts and ledger lines in the database
(generate_series / a recursive CTE), builds the summaries with summaries.rebuild() (what migration
0019 does), checks a few figures agree, prints timings. Asserts only that the answers agree.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import and_, case, func, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlmodel import Session, col, select  # noqa: E402

from db.engine import dispose_engines, get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Grid  # noqa: E402
from db.models_points import PointsEntry  # noqa: E402
from portal import cockpit, points  # noqa: E402
from portal.cockpit_scope import WHOLE  # noqa: E402
from portal.demo.seed import SeedReport, _seed_grids  # noqa: E402
from portal.grids import GridIndex  # noqa: E402
from portal.points import summaries  # noqa: E402
from portal.points.common import EARNING_EXCLUDED, month_starts  # noqa: E402
from tests.ledger_scans import scan_leaderboard  # noqa: E402

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
BENCH_DB = "linli_bench_points_summary"


def timed(fn, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


# --- the scans as they were before the summaries (copied from portal/points/figures.py) --------


def scan_monthly(session, months=6, now=NOW):
    starts = month_starts(now, months)
    bucket = case(
        *[
            (
                and_(
                    col(PointsEntry.created_at) >= starts[i],
                    col(PointsEntry.created_at) < starts[i + 1],
                ),
                i,
            )
            for i in range(len(starts) - 1)
        ],
        else_=-1,
    ).label("bucket")
    issued = func.sum(
        case((col(PointsEntry.source).notin_(EARNING_EXCLUDED), PointsEntry.amount), else_=0)
    )
    redeemed = func.sum(
        case((col(PointsEntry.source).in_(EARNING_EXCLUDED), -PointsEntry.amount), else_=0)
    )
    return session.exec(
        select(PointsEntry.grid_id, bucket, issued, redeemed)
        .where(PointsEntry.created_at >= starts[0], PointsEntry.created_at < starts[-1])
        .group_by(col(PointsEntry.grid_id), bucket)
    ).all()


def scan_cockpit(session, since, until):
    return cockpit._ledger_points(session, since, until, WHOLE, by_grid=True)


# --- building ---------------------------------------------------------------------------------


def _generate(conn, dialect: str, residents: int, entries: int, homes: list[int]) -> None:
    """Accounts, members and ledger lines made by the database itself. Line n belongs to person
    1 + n % residents (seq n / residents + 1); one in 13 is a reward of 60, the rest earn 5-20;
    times spread over the 365 days before NOW."""
    home_list = ",".join(map(str, homes))
    now = NOW.replace(tzinfo=None).isoformat(sep=" ")
    if dialect == "postgresql":
        series = "SELECT n FROM generate_series(0::bigint, {top}) AS n"
        home = f"(ARRAY[{home_list}])[1 + (n * 7919) % {len(homes)}]"
        moment = f"TIMESTAMP '{now}' - (((n * 104729) % 31536000) * INTERVAL '1 second')"
        account_at = f"TIMESTAMP '{now}' - INTERVAL '400 days'"
        false = "false"
    else:
        series = (
            "WITH RECURSIVE s(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM s WHERE n < {top})"
            " SELECT n FROM s"
        )
        cases = " ".join(f"WHEN {i} THEN {g}" for i, g in enumerate(homes))
        home = f"(CASE (n * 7919) % {len(homes)} {cases} END)"
        moment = f"strftime('%Y-%m-%d %H:%M:%f', '{now}', '-' || ((n * 104729) % 31536000) || ' seconds')"
        account_at = f"strftime('%Y-%m-%d %H:%M:%f', '{now}', '-400 days')"
        false = "0"
    conn.execute(
        text(
            "INSERT INTO account (id, username, display_name, password_hash, role, home_grid_id,"
            " language, elder_mode, lives_alone, is_active, created_at)"
            f" SELECT n + 1, 'bench' || (n + 1), '居民' || (n + 1), 'x', 'resident', {home},"
            f" 'zh_Hans', {false}, {false}, {'true' if dialect == 'postgresql' else '1'},"
            f" {account_at} FROM ({series.format(top=residents - 1)}) AS g"
        )
    )
    conn.execute(
        text(
            "INSERT INTO points_member (user_id, leaderboard_opt_out, touched_at)"
            f" SELECT id, {false}, created_at FROM account WHERE username LIKE 'bench%'"
        )
    )
    chunk = 1_000_000
    for low in range(0, entries, chunk):
        high = min(entries, low + chunk) - 1
        nseries = series.format(top=high - low).replace("SELECT n FROM", "SELECT n + 0 AS n FROM")
        conn.execute(
            text(
                "INSERT INTO points_entry (user_id, seq, amount, balance_after, source, source_id,"
                " reason, grid_id, created_at)"
                f" SELECT 1 + m % {residents}, m / {residents} + 1,"
                " CASE WHEN m % 13 = 0 THEN -60 ELSE 5 * (1 + m % 4) END,"
                " 100000, CASE WHEN m % 13 = 0 THEN 'reward' WHEN m % 4 = 0 THEN 'report'"
                " WHEN m % 4 = 1 THEN 'council' WHEN m % 4 = 2 THEN 'wish' ELSE 'task' END,"
                " 'b' || m, 'bench', a.home_grid_id, "
                + moment.replace("n *", "m *")
                + f" FROM (SELECT n + {low} AS m FROM ({nseries}) AS q) AS g"
                f" JOIN account a ON a.id = 1 + m % {residents}"
            )
        )
        conn.commit()
        print(f"  {high + 1:,} lines", flush=True)


def build(url: str, residents: int, entries: int) -> None:
    upgrade(url)
    engine = get_engine(url)
    with Session(engine) as session:
        _seed_grids(session, SeedReport())
        session.commit()
        homes = [
            g.id
            for g in session.exec(select(Grid).where(col(Grid.kind).in_(("micro", "exclusive"))))
            if g.id is not None
        ]
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA synchronous=OFF"))
        _generate(conn, engine.dialect.name, residents, entries, homes)
        conn.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=22_000)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    folder = None
    if args.backend == "postgresql":
        admin = get_engine(args.pg_url).execution_options(isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))  # our own
            conn.execute(text(f'CREATE DATABASE "{BENCH_DB}"'))
        url = make_url(args.pg_url).set(database=BENCH_DB).render_as_string(hide_password=False)
    else:
        folder = Path(tempfile.mkdtemp(prefix="linli-bench-summary-"))
        url = f"sqlite:///{folder / 'points.db'}"
    try:
        start = time.perf_counter()
        build(url, args.residents, args.entries)
        print(
            f"{args.backend}: built {args.residents:,} residents and {args.entries:,} ledger lines"
            f" in {time.perf_counter() - start:.0f} s"
        )
        engine = get_engine(url)
        with Session(engine) as s:
            start = time.perf_counter()
            rows = summaries.rebuild(s)
            s.commit()
            print(
                f"summaries.rebuild() (= migration 0019's backfill): {rows:,} summary rows in "
                f"{time.perf_counter() - start:.1f} s"
            )
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
        with Session(engine) as s:
            grids = {g.kind: g.id for g in s.exec(select(Grid))}
            since = month_starts(NOW, 1)[0]
            print(f"{'figure':<52} {'full scan':>10} {'summaries':>10}")
            for kind in ("community", "general", "micro"):
                for label, when in (("all time", None), ("this month", since)):
                    old_ms, old = timed(lambda k=kind, w=when: scan_leaderboard(s, grids[k], w), 1)
                    new_ms, new = timed(
                        lambda k=kind, w=when: points.leaderboard(s, grid_id=grids[k], since=w), 5
                    )
                    assert [(x.user_id, x.points) for x in new] == old, (kind, label)
                    print(
                        f"{'leaderboard top 20, ' + kind + ' grid, ' + label:<52}"
                        f" {old_ms:>8.0f} ms {new_ms:>7.1f} ms"
                    )
            old_ms, _ = timed(lambda: scan_monthly(s), 1)
            new_ms, figures = timed(lambda: points.monthly_by_grid(s, months=6, now=NOW), 5)
            print(
                f"{'issued/redeemed per general grid, 6 months':<52} {old_ms:>8.0f} ms"
                f" {new_ms:>7.1f} ms  ({len(figures)} rows)"
            )
            index = GridIndex.load(s)
            c_since, c_until = cockpit.period_of_months(6, NOW)
            old_ms, old = timed(lambda: scan_cockpit(s, c_since, c_until), 1)
            new_ms, new = timed(
                lambda: cockpit.points_facts(s, index, c_since, c_until, "grid", WHOLE), 5
            )
            assert sum(i for _g, i, _r in old) == sum(i for _k, i, _r in new)
            print(
                f"{'cockpit points issued/redeemed by grid, 6 months':<52} {old_ms:>8.0f} ms"
                f" {new_ms:>7.1f} ms"
            )
            new_ms, _ = timed(
                lambda: cockpit.points_facts(s, index, c_since, c_until, "month", WHOLE), 5
            )
            print(f"{'cockpit points by month, 6 months':<52} {'':>10} {new_ms:>7.1f} ms")
            n = 0

            def award_one():
                nonlocal n
                n += 1
                points.award(
                    s,
                    user_id=1 + n,
                    source="task",
                    source_id=f"bench-new-{n}",
                    reason="bench",
                    amount=10,
                    now=NOW,
                )
                s.commit()

            ms, _ = timed(award_one, 20)
            print(f"award() + commit with the summary upserts: {ms:.1f} ms")
            if args.entries <= 2_000_000:  # the Python recomputation reads every line
                assert summaries.differences(s) == []
    finally:
        dispose_engines()
        if args.backend == "postgresql":
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)'))
        elif folder is not None:
            for p in folder.iterdir():
                p.unlink()
            folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
