"""The background worker: `python -m portal.worker` — notification delivery and the clock rules.

One loop: every LINLI_WORKER_POLL_SECONDS it sends due notifications (portal.delivery: each one
claimed by exactly one worker), and every LINLI_WORKER_RULES_SECONDS it runs the clock rules
(portal.housekeeping.run: escalation, auto-close, expiry, meter checks). On PostgreSQL the clock
rules run under an advisory lock, so of several workers (on one or several machines) only one runs
them at a time; each due item is in any case moved by a conditional UPDATE, and its notices are
written in that same transaction, so an item is handled and announced exactly once. SQLite: run
one worker. With a worker running, web processes need no clock-rule thread
(LINLI_HOUSEKEEPING_SECONDS=0); that thread stays for one-process demos.

`--once` runs one round (delivery until nothing is due, then the clock rules) and exits.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import time
from contextlib import contextmanager

from sqlalchemy import text
from sqlmodel import Session

from db.engine import DatabaseUnavailable, check_connection, get_engine
from portal import delivery, housekeeping
from portal.config import Settings, load_settings
from portal.grids import GridIndex

RULES_LOCK = 0x4C494E4C  # "LINL": the advisory lock key of the clock rules
log = logging.getLogger("portal.worker")


@contextmanager
def rules_lock(url: str):
    """Yields True if this process may run the clock rules now (PostgreSQL advisory lock held
    until the block ends; SQLite: always True, one worker)."""
    engine = get_engine(url)
    if engine.dialect.name != "postgresql":
        yield True
        return
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": RULES_LOCK}).scalar()
        conn.commit()
        try:
            yield bool(got)
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": RULES_LOCK})
                conn.commit()


def run_rules(url: str) -> housekeeping.Outcome | None:
    with rules_lock(url) as mine:
        if not mine:
            return None
        with Session(get_engine(url), expire_on_commit=False) as session:
            return housekeeping.run(session, GridIndex.load(session))


def deliver_all(url: str, settings: Settings, name: str) -> delivery.Round:
    """Delivery rounds until nothing more is due now."""
    total = delivery.Round()
    channels = delivery.channels_from(settings)
    batch = load_settings().worker_batch
    with Session(get_engine(url), expire_on_commit=False) as session:
        while True:
            done = delivery.deliver_due(session, settings, channels, worker=name, limit=batch)
            total.sent, total.retried = total.sent + done.sent, total.retried + done.retried
            total.failed += done.failed
            if not (done.sent or done.retried or done.failed):
                return total


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def loop(settings: Settings, once: bool = False) -> None:
    url, name = settings.database_url, worker_name()
    poll = load_settings().worker_poll_seconds
    rules_every = load_settings().worker_rules_seconds
    last_rules = -rules_every
    while True:
        try:
            sent = deliver_all(url, settings, name)
            if sent.sent or sent.failed:
                log.info(
                    "delivery: sent %s, retried %s, failed %s", sent.sent, sent.retried, sent.failed
                )
            if once or time.monotonic() - last_rules >= rules_every:
                last_rules = time.monotonic()
                outcome = run_rules(url)
                if outcome is not None:
                    log.info("clock rules: %s", outcome)
                    deliver_all(url, settings, name)  # what the rules just announced
        except Exception:  # noqa: BLE001 - logged; the next round tries again
            log.exception("worker round failed")
            if once:
                raise
        if once:
            return
        time.sleep(poll)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal.worker", description=__doc__)
    parser.add_argument("--once", action="store_true", help="one round, then exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    try:
        check_connection(get_engine(settings.database_url))
    except DatabaseUnavailable as exc:
        log.error("%s", exc)
        return 2
    loop(settings, once=args.once)
    return 0


if __name__ == "__main__":
    sys.exit(main())
