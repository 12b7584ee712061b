"""Council voting under load, on a scratch SQLite database (and PostgreSQL when LINLI_BENCH_PG_URL is
set to a database this script may fill).

    .venv/bin/python bench/council.py [--members 30] [--items 10] [--rounds 3]

Builds a council of 3 × members/3 seats with a meeting of `items` agenda items, then per round every
member casts (or changes) a ballot on every item from its own thread and session at the same moment.
Prints (asserts nothing): ballots per second, per-ballot latency (median / p95 / max), refusals,
the tally time for the whole agenda, and the close-voting time. Bounded: well under a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(url: str, members: int, items: int):
    from sqlmodel import Session

    from db.engine import get_engine
    from db.models import Grid, User
    from portal import council as c

    per_group = members // 3
    ring = [[104.0, 30.6], [104.01, 30.6], [104.01, 30.61], [104.0, 30.61], [104.0, 30.6]]
    now = datetime.now(UTC)
    with Session(get_engine(url), expire_on_commit=False) as s:
        grid = Grid(
            code=f"B{time.time_ns()}",
            name="bench",
            kind="community",
            boundary=json.dumps({"type": "Polygon", "coordinates": [ring]}),
        )
        s.add(grid)
        s.flush()
        tag = grid.code.lower()
        staff = User(
            username=f"{tag}_staff",
            display_name="staff",
            password_hash="x",
            role="staff",
            home_grid_id=grid.id,
        )
        s.add(staff)
        people = {}
        for group, role in (
            ("grid", "grid_worker"),
            ("resident", "resident"),
            ("merchant", "merchant"),
        ):
            people[group] = [
                User(
                    username=f"{tag}_{group}{n}",
                    display_name=f"{group}{n}",
                    password_hash="x",
                    role=role,
                    home_grid_id=grid.id,
                )
                for n in range(per_group)
            ]
            s.add_all(people[group])
        s.commit()
        council = c.create_council(
            s,
            actor_id=staff.id,
            grid_id=grid.id,
            name="bench",
            term_start=date(2026, 1, 1),
            term_end=date(2030, 1, 1),
            seats_per_group=per_group,
        )
        for group, users in people.items():
            for user in users:
                c.add_seat(
                    s, council_id=council.id, user_id=user.id, group=group, actor_id=staff.id
                )
        meeting = c.create_meeting(
            s,
            council_id=council.id,
            actor_id=staff.id,
            starts_at=now + timedelta(days=10),
            place="bench",
        )
        c.publish_meeting(s, meeting_id=meeting.id, actor_id=staff.id)
        item_ids = [
            c.add_item(
                s, meeting_id=meeting.id, actor_id=staff.id, source="staff", title=f"item {n}"
            ).id
            for n in range(items)
        ]
        c.open_voting(s, meeting_id=meeting.id, actor_id=staff.id)
        member_ids = [u.id for users in people.values() for u in users]
        return staff.id, meeting.id, item_ids, member_ids


def run(url: str, label: str, members: int, items: int, rounds: int) -> None:
    from sqlmodel import Session

    from db.engine import get_engine
    from db.migrate import upgrade
    from portal import council as c
    from portal.errors import UserError

    upgrade(url)
    staff, meeting_id, item_ids, member_ids = build(url, members, items)
    engine = get_engine(url)
    choices = ("for", "against", "abstain")
    latencies: list[float] = []
    refused = 0
    lock = threading.Lock()
    print(f"\n== {label}: {len(member_ids)} members × {len(item_ids)} items × {rounds} rounds")
    for r in range(rounds):
        barrier = threading.Barrier(len(member_ids))

        # barrier and r are bound now: a thread that outlives its join timeout must not
        # see the next round's barrier.
        def work(i: int, barrier: threading.Barrier = barrier, r: int = r) -> None:
            nonlocal refused
            barrier.wait()
            with Session(engine, expire_on_commit=False) as s:
                for item_id in item_ids:
                    start = time.perf_counter()
                    try:
                        c.cast_ballot(
                            s, item_id=item_id, user_id=member_ids[i], choice=choices[(i + r) % 3]
                        )
                    except UserError:
                        with lock:
                            refused += 1
                    with lock:
                        latencies.append((time.perf_counter() - start) * 1000)

        threads = [threading.Thread(target=work, args=(i,)) for i in range(len(member_ids))]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        took = time.perf_counter() - start
        print(
            f"round {r + 1}: {len(member_ids) * len(item_ids)} ballots in {took:6.2f} s "
            f"= {len(member_ids) * len(item_ids) / took:7.1f} ballots/s"
        )
    q = statistics.quantiles(latencies, n=20)
    print(
        f"per-ballot latency: median {statistics.median(latencies):.1f} ms, p95 {q[-1]:.1f} ms, "
        f"max {max(latencies):.1f} ms; refused {refused}"
    )
    with Session(engine) as s:
        start = time.perf_counter()
        agenda = c.agenda(s, meeting_id)
        print(
            f"agenda with tallies ({len(agenda)} items): {(time.perf_counter() - start) * 1000:.1f} ms; "
            f"ballots counted {sum(v.tally.voted for v in agenda)} (expected {len(member_ids) * len(item_ids)})"
        )
        start = time.perf_counter()
        c.close_voting(s, meeting_id=meeting_id, actor_id=staff)
        print(f"close voting (outcomes, actions): {(time.perf_counter() - start) * 1000:.1f} ms")
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--items", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", "SQLite (WAL)", args.members, args.items, args.rounds)
    pg = os.environ.get("LINLI_BENCH_PG_URL")
    if pg:
        run(pg, "PostgreSQL", args.members, args.items, args.rounds)
    else:
        print("\n(PostgreSQL skipped: set LINLI_BENCH_PG_URL to a scratch database to include it)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
