"""Snap-a-report at community scale: 22,000 residents and 20,000 reports.

    .venv/bin/python bench/reports.py [--reports 20000] [--scale 88] [--db sqlite|postgresql]

Prints: time to submit one report through the service, server-side render time of the staff map,
the work queue and the public map (AppTest, median of runs), and the HTML size of the map.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LINLI_TILES", "none")
os.environ["LINLI_HOUSEKEEPING_SECONDS"] = "0"  # timed on its own below

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from bench.databases import pg_database  # noqa: E402
from db.engine import get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import User  # noqa: E402
from db.models_reports import Report, ReportCategory, ReportEvent  # noqa: E402
from db.types import utcnow  # noqa: E402
from portal import maps, reports  # noqa: E402
from portal.config import load_settings  # noqa: E402
from portal.demo.seed import seed  # noqa: E402
from portal.grids import GridIndex  # noqa: E402
from portal.media import LocalMediaStore  # noqa: E402
from portal.reports import queries  # noqa: E402

PG_BENCH_DB = "linli_bench_reports"  # the bench's own database: never one it did not create
create_pg_database, drop_pg_database = pg_database(PG_BENCH_DB)


def bulk_reports(url: str, count: int) -> None:
    """Adds `count` reports spread over the grids and the last year, with their first events."""
    rng = random.Random(20000)
    engine = get_engine(url)
    with Session(engine) as s:
        index = GridIndex.load(s)
        cats = s.exec(select(ReportCategory.id)).all()
        people = s.exec(select(User.id).where(User.role == "resident")).all()
    leaves = index.of_kind("micro") + index.of_kind("exclusive")
    points = {g.id: index.shapes[g.id].representative_point() for g in leaves}
    now = utcnow()
    states = [
        "assigned",
        "accepted",
        "in_progress",
        "resolved",
        "verified",
        "closed",
        "closed",
        "closed",
        "closed",
        "reopened",
    ]
    rows, events = [], []
    for _ in range(count):
        grid = rng.choice(leaves)
        p = points[grid.id]
        created = now - timedelta(days=rng.uniform(0, 365))
        state = rng.choice(states)
        rows.append(
            {
                "reporter_id": rng.choice(people),
                "category_id": rng.choice(cats),
                "description": "bench",
                "language": "zh_Hans",
                "lat": p.y + rng.uniform(-1e-4, 1e-4),
                "lon": p.x + rng.uniform(-1e-4, 1e-4),
                "place_source": "map",
                "grid_id": grid.id,
                "state": state,
                "level": "grid",
                "urgent": False,
                "overdue": False,
                "due_at": created + timedelta(hours=72),
                "created_at": created,
                "updated_at": created,
                "closed_at": created + timedelta(days=3) if state == "closed" else None,
                "version": 1,
            }
        )
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(Report), rows[start : start + 5000])
        ids = conn.execute(text("SELECT id, created_at FROM report")).all()
        for report_id, _created in ids:
            events.append(
                {
                    "report_id": report_id,
                    "action": "submit",
                    "from_state": None,
                    "to_state": "assigned",
                    "level": "grid",
                    "at": utcnow(),
                }
            )
        for start in range(0, len(events), 5000):
            conn.execute(insert(ReportEvent), events[start : start + 5000])


def timed(fn, runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.95))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument(
        "--scale", type=int, default=88, help="demo multiplier: 88 ≈ 22,000 residents"
    )
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="linli-bench-"))
    if args.db == "sqlite":
        return run(args, folder, f"sqlite:///{folder / 'bench.db'}")
    try:
        return run(args, folder, create_pg_database())
    finally:
        drop_pg_database()


def run(args, folder: Path, url: str) -> int:
    os.environ["DATABASE_URL"] = url
    os.environ["LINLI_MEDIA_DIR"] = str(folder / "media")
    start = time.perf_counter()
    upgrade(url)
    seed(url, scale=args.scale)
    print(f"seeded demo ×{args.scale} in {time.perf_counter() - start:.1f} s")
    start = time.perf_counter()
    bulk_reports(url, args.reports)
    with Session(get_engine(url)) as s:
        residents = len(s.exec(select(User.id).where(User.role == "resident")).all())
        total = len(s.exec(select(Report.id)).all())
    print(f"{residents} residents, {total} reports ({time.perf_counter() - start:.1f} s to add)")

    with Session(get_engine(url)) as s:
        index = GridIndex.load(s)
        store = LocalMediaStore(folder / "media")
        cat = s.exec(select(ReportCategory.id)).first()
        reporter = s.exec(select(User.id).where(User.username == "zhang_nainai")).one()
        p = index.shapes[index.of_kind("micro")[3].id].representative_point()

        def submit():
            reports.submit(
                s,
                index,
                store,
                reporter_id=reporter,
                category_id=cat,
                description="bench submit",
                lat=p.y,
                lon=p.x,
            )

        from portal import housekeeping

        start = time.perf_counter()
        outcome = housekeeping.run(s, index)
        print(
            f"housekeeping over the backlog:           {time.perf_counter() - start:7.1f} s  ({outcome})"
        )
        start = time.perf_counter()
        housekeeping.run(s, index)
        print(f"housekeeping again (nothing due):        {time.perf_counter() - start:7.1f} s")
        med, p95 = timed(submit, 20)
        print(
            f"submit one report (service):            median {med * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms"
        )
        med, _ = timed(lambda: queries.map_points(s), args.runs)
        rows = queries.map_points(s)
        print(f"map rows query ({len(rows)} pins):          median {med * 1000:7.1f} ms")
        settings = load_settings()

        def build():
            fmap = maps.base_map(settings, index.bounds())
            maps.add_grids(fmap, index, settings, {}, ("n", "k"))
            maps.add_report_pins(
                fmap, rows, settings, reports.STATE_COLOURS, reports.STATE_MARKS, {}
            )
            return fmap.get_root().render()

        med, _ = timed(build, args.runs)
        html = build()
        print(
            f"build staff map HTML:                   median {med * 1000:7.1f} ms, "
            f"{len(html.encode()) / 1e6:.2f} MB"
        )

    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    with Session(get_engine(url)) as s:
        ids = {
            name: s.exec(select(User.id).where(User.username == name)).one()
            for name in ("staff01", "chief_g1m1", "zhang_nainai")
        }
    for label, user, page in (
        ("staff map", "staff01", "pages/report_map.py"),
        ("work queue (staff)", "staff01", "pages/work_queue.py"),
        ("work queue (micro-grid chief)", "chief_g1m1", "pages/work_queue.py"),
        ("public map (resident)", "zhang_nainai", "pages/public_reports.py"),
    ):
        at = AppTest.from_file(str(root / "app.py"), default_timeout=300)
        at.session_state["user_id"] = ids[user]
        at.run()
        at.switch_page(page)

        def render(at=at):
            at.run()

        med, p95 = timed(render, args.runs)
        print(f"render {label:30s} median {med * 1000:7.1f} ms  p95 {p95 * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
