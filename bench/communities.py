"""Growth: the server render time of the main pages at 1, 10, 30… communities (issue #18).

    .venv/bin/python bench/communities.py [--sizes 1,10,30] [--reports 1000] [--runs 5]
                                          [--db postgresql|sqlite]

For each size a database of the bench's own (PostgreSQL: created here and dropped at the end) is
seeded with `python -m portal.demo --communities N` (`--reports` a year's reports per extra
community), then each page is rendered by streamlit.testing.v1.AppTest (no browser, no websocket,
no post-run GC: it understates a running server) as a person of the demo community S, one warm-up
and `--runs` timed runs of the page alone. Prints the median and p95 per page and names the slowest
page of each size. Asserts nothing; a page that fails prints its error (the street cockpit before
street cockpits exist).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LINLI_TILES", "none")
os.environ["LINLI_HOUSEKEEPING_SECONDS"] = "0"
os.environ.setdefault("LINLI_DEMO", "1")

# (label, username, page file or None for the role's home); street01_staff exists from 2 up
PAGES = [
    ("resident home", "zhang_nainai", None),
    ("wish wall (resident)", "zhang_nainai", "pages/wish_wall.py"),
    ("work queue (staff)", "staff01", "pages/work_queue.py"),
    ("cockpit (street staff)", "street01_staff", "pages/cockpit.py"),
]


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def render(user_id: int, page: str | None) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["user_id"] = user_id
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if page:
        at.switch_page(page)
        start = time.perf_counter()
        at.run()
        elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(at.exception[0].message)
    return elapsed


def measure(url: str, size: int, reports: int, runs: int) -> dict[str, float]:
    from sqlmodel import Session, select

    from db.engine import dispose_engines, get_engine
    from db.migrate import upgrade
    from db.models import User
    from portal.demo.seed import seed

    os.environ["DATABASE_URL"] = url
    start = time.perf_counter()
    upgrade(url)
    outcome = seed(url, communities=size, reports_per_community=reports)
    print(f"\n{size} communities: seeded in {time.perf_counter() - start:.1f} s ({outcome})")
    with Session(get_engine(url)) as s:
        ids = dict(s.exec(select(User.username, User.id)).all())
    medians: dict[str, float] = {}
    for label, username, page in PAGES:
        if username not in ids:
            username = "staff01"  # one community: no street, its own staff's cockpit
            label += " → staff01"
        try:
            render(ids[username], page)  # warm-up
            samples = [render(ids[username], page) for _ in range(runs)]
        except Exception as exc:  # noqa: BLE001  (print what it gets, go on)
            print(f"  {label:34s} failed: {str(exc)[:160]}")
            continue
        medians[label] = statistics.median(samples)
        print(
            f"  {label:34s} median {medians[label] * 1000:7.0f} ms  p95 {p95(samples) * 1000:7.0f} ms",
            flush=True,
        )
    if medians:
        slowest = max(medians, key=medians.__getitem__)
        print(f"  slowest page: {slowest} ({medians[slowest] * 1000:.0f} ms median)")
    dispose_engines()
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1,10,30", help="community counts, comma-separated")
    parser.add_argument("--reports", type=int, default=1000, help="a year's, per extra community")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    folder = Path(tempfile.mkdtemp(prefix="linli-communities-"))
    os.environ["LINLI_MEDIA_DIR"] = str(folder / "media")
    from bench.databases import pg_database

    results = {}
    for size in sizes:
        if args.db == "sqlite":
            results[size] = measure(
                f"sqlite:///{folder / f'c{size}.db'}", size, args.reports, args.runs
            )
            continue
        create, drop = pg_database(f"linli_bench_communities_{size}")
        try:
            results[size] = measure(create(), size, args.reports, args.runs)
        finally:
            drop()
    print("\nmedian ms by page and size (AppTest server render):")
    labels = sorted({label.split(" → ")[0] for r in results.values() for label in r})
    print(f"  {'page':26s}" + "".join(f"{size:>8d}" for size in sizes))
    for label in labels:
        cells = []
        for size in sizes:
            found = [v for k, v in results[size].items() if k.split(" → ")[0] == label]
            cells.append(f"{found[0] * 1000:8.0f}" if found else f"{'—':>8s}")
        print(f"  {label:26s}" + "".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
