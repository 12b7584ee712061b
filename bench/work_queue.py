"""The work queue page: SQL statements per run and render time, on the demo data and a bigger set.

    .venv/bin/python bench/work_queue.py [--reports 5000] [--runs 5] [--db sqlite|postgresql]

Counts every statement the page sends to the database in one run (a SQLAlchemy
`before_cursor_execute` listener on every engine) and times the run (AppTest, median of runs), for
staff, a micro-grid chief and a department handler; first on the seeded demo, then after adding
`--reports` open reports. Also an opened card (one report's details and forms). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LINLI_TILES", "none")
os.environ["LINLI_HOUSEKEEPING_SECONDS"] = "0"

from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from db.engine import get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import User  # noqa: E402
from db.models_reports import Report  # noqa: E402
from portal.demo.seed import seed  # noqa: E402

STATEMENTS = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args, **_kw):
    STATEMENTS[0] += 1


ROLES = (("staff", "staff01"), ("grid chief", "gridchief_g6"), ("handler", "handler_street"))


def measure(url: str, runs: int, label: str) -> None:
    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    with Session(get_engine(url)) as s:
        ids = {n: s.exec(select(User.id).where(User.username == n)).one() for _, n in ROLES}
        total = len(s.exec(select(Report.id).where(Report.state != "closed")).all())
        first = s.exec(select(Report.id).where(Report.state == "assigned")).first()
    print(f"--- {label}: {total} reports not closed")
    for who, name in ROLES:
        for opened in (False, True):
            at = AppTest.from_file(str(root / "app.py"), default_timeout=300)
            at.session_state["user_id"] = ids[name]
            at.run()
            at.switch_page("pages/work_queue.py").run()
            if opened:  # the first card of the page opened (its details and forms)
                at.session_state["wq_open"] = next(
                    (int(b.key[5:]) for b in at.button if b.key and b.key.startswith("open_")),
                    first,
                )
            samples, counts = [], []
            for _ in range(runs):
                STATEMENTS[0] = 0
                start = time.perf_counter()
                at.run()
                samples.append(time.perf_counter() - start)
                counts.append(STATEMENTS[0])
            cards = sum(1 for b in at.button if b.key and b.key.startswith("open_")) or len(
                at.expander
            )
            what = f"{who}{' (one opened)' if opened else ''}"
            print(
                f"{what:32s} statements/run {statistics.median(counts):5.0f}   "
                f"render median {statistics.median(samples) * 1000:7.1f} ms   "
                f"cards {cards}   exception {bool(at.exception)}"
            )


def add_open_reports(url: str, count: int) -> None:
    """`count` more open reports, copied from the demo's own (same places, categories, people)."""
    engine = get_engine(url)
    with engine.begin() as conn:
        columns = [
            c
            for c in Report.__table__.columns.keys()  # type: ignore[attr-defined]
            if c not in ("id", "submit_key")
        ]
        names = ", ".join(columns)
        added = 0
        while added < count:
            result = conn.execute(
                text(
                    f"INSERT INTO report ({names}) SELECT {names} FROM report "
                    f"WHERE state <> 'closed' ORDER BY id LIMIT {count - added}"
                )
            )
            added += result.rowcount


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="linli-bench-queue-"))
    if args.db == "sqlite":
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        from bench.reports import create_pg_database

        url = create_pg_database()
    os.environ["DATABASE_URL"] = url
    os.environ["LINLI_MEDIA_DIR"] = str(folder / "media")
    try:
        upgrade(url)
        seed(url)
        measure(url, args.runs, "demo data")
        add_open_reports(url, args.reports)
        measure(url, args.runs, f"demo + about {args.reports} more")
    finally:
        if args.db == "postgresql":
            from bench.reports import drop_pg_database

            drop_pg_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
