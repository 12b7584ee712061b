"""Notification fan-out: 30 seat holders (a council agenda) and 500 supporters (a wish milestone).

For each: the time until every in-app notice is committed (one notify() call inside one
transaction), and the time until every email has reached a real SMTP server (aiosmtpd on
127.0.0.1) through `portal.worker`'s delivery rounds, with 1 or 2 worker processes.

    .venv/bin/python bench/notifications.py [--db sqlite|postgresql]

The database is one the bench creates (a temporary SQLite file, or a PostgreSQL database named
linli_bench_notify that it drops afterwards); no other database is touched.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import text
from sqlmodel import Session, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.engine import get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import User  # noqa: E402
from db.models_notifications import Notification, NotificationSetting  # noqa: E402
from portal import auth, notifications  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
PG_NAME = "linli_bench_notify"


class Box:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database(kind: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    admin = get_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{PG_NAME}"


def _people(session: Session, n: int, prefix: str) -> list[int]:
    password = auth.hash_password("bench-password-1")
    users = [
        User(
            username=f"{prefix}{i}",
            display_name=f"{prefix}{i}",
            password_hash=password,
            role="resident",
            language=("zh_Hans", "bo", "ug", "ii", "en")[i % 5],
        )
        for i in range(n)
    ]
    session.add_all(users)
    session.flush()
    now = datetime.now(UTC)
    for u in users:
        session.add(
            NotificationSetting(
                user_id=u.id,
                email=f"{u.username}@example.com",
                email_confirmed_at=now,
                use_email=True,
                quiet_hours=False,
            )
        )
    session.commit()
    return [u.id for u in users]


def _run(
    url: str, smtp_url: str, box: Box, ids: list[int], event: str, params: dict, workers: int
) -> tuple[float, float]:
    start = time.perf_counter()
    with Session(get_engine(url)) as session:
        notifications.notify(session, ids, event, params, "home")
        session.commit()
        in_app = time.perf_counter() - start
        assert session.exec(
            select(Notification.id).where(
                Notification.recipient_id == ids[-1], Notification.event == event
            )
        ).first()
    before = box.count
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "LINLI_SMTP_URL": smtp_url,
        "LINLI_WORKER_RULES_SECONDS": "100000",
        "LINLI_WORKER_BATCH": "50",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "portal.worker", "--once"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    for p in procs:
        p.wait()
    mailed = time.perf_counter() - start
    assert box.count - before == len(ids), (box.count - before, len(ids))
    return in_app, mailed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    url = _database(args.db)
    upgrade(url)
    box, port = Box(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with Session(get_engine(url)) as session:
            seats = _people(session, 30, "seat")
            fans = _people(session, 500, "fan")
        workers_options = (1, 2) if args.db == "postgresql" else (1,)
        print(f"database {args.db}; times include starting the worker process(es) (~1 s each)")
        for name, ids, event, params in (
            ("council agenda → 30 seat holders", seats, "council_agenda", {"title": "2026-12"}),
            (
                "wish milestone → 500 supporters",
                fans,
                "wish_milestone",
                {"title": "院坝路灯", "supporters": 500},
            ),
        ):
            for workers in workers_options:
                in_app, mailed = _run(
                    url, f"smtp://127.0.0.1:{port}", box, ids, event, params, workers
                )
                print(
                    f"{name}, {workers} worker(s): in-app {in_app * 1000:.0f} ms, "
                    f"all {len(ids)} emails at the SMTP server {mailed:.2f} s"
                )
    finally:
        controller.stop()
        get_engine(url).dispose()
        if args.db == "postgresql":
            admin = get_engine(PG_ADMIN).execution_options(isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
