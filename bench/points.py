"""Points at community scale: balance + history for a resident with 5,000 entries, and the leaderboard
and monthly figures with 22,000 residents and 1,000,000 ledger entries.

    .venv/bin/python bench/points.py [--entries 1000000] [--residents 22000] [--keep]

Builds a scratch SQLite file (migrated, demo grids, bulk-inserted accounts and ledger chains), then
prints timings. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlmodel import Session, select  # noqa: E402

from db.engine import dispose_engines, get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Grid  # noqa: E402
from portal import points  # noqa: E402
from portal.demo.seed import SeedReport, _seed_grids  # noqa: E402

SOURCES = [("task", 15), ("report", 5), ("council", 10), ("wish", 20)]
NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def build(path: Path, residents: int, entries: int, heavy: int) -> tuple[str, int]:
    url = f"sqlite:///{path}"
    upgrade(url)
    with Session(get_engine(url)) as session:
        _seed_grids(session, SeedReport())
        session.commit()
        homes = [
            g.id for g in session.exec(select(Grid).where(Grid.kind.in_(("micro", "exclusive"))))
        ]
    dispose_engines()
    rng = random.Random(2026)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    created = NOW.replace(tzinfo=None) - timedelta(days=400)
    con.executemany(
        "INSERT INTO account (id, username, display_name, password_hash, role, home_grid_id, language,"
        " elder_mode, lives_alone, is_active, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (
            (
                n,
                f"bench{n:05d}",
                f"居民{n}",
                "x",
                "resident",
                rng.choice(homes),
                "zh_Hans",
                0,
                0,
                1,
                created,
            )
            for n in range(1, residents + 1)
        ),
    )
    con.executemany(
        "INSERT INTO points_member (user_id, leaderboard_opt_out, touched_at) VALUES (?,?,?)",
        ((n, int(n % 17 == 0), created) for n in range(1, residents + 1)),
    )
    home_of = dict(con.execute("SELECT id, home_grid_id FROM account"))
    # ledger: user 1 gets `heavy` entries, the rest is spread over everyone
    counts = [heavy] + [0] * (residents - 1)
    for _ in range(entries - heavy):
        counts[rng.randrange(1, residents)] += 1
    span = 365 * 86400

    def rows():
        next_id = 1
        for idx, count in enumerate(counts):
            uid = idx + 1
            moments = sorted(rng.random() * span for _ in range(count))
            bal = 0
            for seq, offset in enumerate(moments, 1):
                if bal >= 60 and rng.random() < 0.08:
                    amount, source, reason = -60, "reward", "东北大米 5 斤"
                else:
                    source, amount = rng.choice(SOURCES)
                    reason = "bench"
                bal += amount
                at = NOW.replace(tzinfo=None) - timedelta(seconds=span - offset)
                yield (
                    next_id,
                    uid,
                    seq,
                    amount,
                    bal,
                    source,
                    f"b{next_id}",
                    reason,
                    None,
                    home_of[uid],
                    at,
                )
                next_id += 1

    batch = []
    for row in rows():
        batch.append(row)
        if len(batch) >= 50_000:
            con.executemany(
                "INSERT INTO points_entry (id, user_id, seq, amount, balance_after, source,"
                " source_id, reason, actor_id, grid_id, created_at)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                batch,
            )
            batch.clear()
    if batch:
        con.executemany(
            "INSERT INTO points_entry (id, user_id, seq, amount, balance_after, source,"
            " source_id, reason, actor_id, grid_id, created_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            batch,
        )
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return url, 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--residents", type=int, default=22_000)
    parser.add_argument("--heavy", type=int, default=5_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-points-"))
    path = folder / "points.db"
    start = time.perf_counter()
    url, heavy_user = build(path, args.residents, args.entries, args.heavy)
    print(
        f"built {args.residents:,} residents and {args.entries:,} entries in "
        f"{time.perf_counter() - start:.1f} s ({path.stat().st_size / 1e6:.0f} MB)"
    )

    with Session(get_engine(url)) as s:
        ms, bal = timed(lambda: points.balance(s, heavy_user), 20)
        print(f"balance() of the resident with {args.heavy:,} entries: {ms:.2f} ms (= {bal})")
        ms, total = timed(lambda: points.ledger_sum(s, heavy_user), 5)
        print(f"sum of all {args.heavy:,} entries (check, = {total}): {ms:.2f} ms")
        ms, _ = timed(
            lambda: (points.history(s, heavy_user, limit=30), points.history_count(s, heavy_user)),
            20,
        )
        print(f"history page (30 newest lines + count): {ms:.2f} ms")
        ms, _ = timed(lambda: points.history(s, heavy_user, limit=30, offset=4_900), 10)
        print(f"history page deep in the past (offset 4,900): {ms:.2f} ms")
        grids = {g.kind: g.id for g in s.exec(select(Grid))}
        since = points.month_starts(NOW, 1)[0]
        for kind in ("community", "general", "micro"):
            ms, board = timed(lambda kind=kind: points.leaderboard(s, grid_id=grids[kind]), 3)
            ms_m, _ = timed(
                lambda kind=kind: points.leaderboard(s, grid_id=grids[kind], since=since), 3
            )
            print(
                f"leaderboard top 20, {kind} grid: all time {ms:.0f} ms, this month {ms_m:.0f} ms"
            )
        ms, figures = timed(lambda: points.monthly_by_grid(s, months=6, now=NOW), 3)
        print(
            f"points issued/redeemed per general grid, last 6 months: {ms:.0f} ms ({len(figures)} rows)"
        )

    # the real page, rendered by Streamlit's AppTest as that resident
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("LINLI_TILES", "none")
    from streamlit.testing.v1 import AppTest

    samples = []
    for _ in range(4):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["user_id"] = heavy_user
        at.run()
        begin = time.perf_counter()
        at.switch_page("pages/points.py").run()
        samples.append((time.perf_counter() - begin) * 1000)
        assert not at.exception, at.exception
    print(
        f"'My points' page render (balance, tasks, rewards, history) for that resident: "
        f"median {statistics.median(samples[1:]):.0f} ms (first {samples[0]:.0f} ms)"
    )
    dispose_engines()
    if not args.keep:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()
    else:
        print(f"kept {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
