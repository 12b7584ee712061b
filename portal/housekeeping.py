"""Rules that must run by the clock, not when someone happens to click: `python -m portal.housekeeping`.

- reports: overdue reports escalate one level; resolved ones nobody rated close after 7 days;
- wishes: open wishes with no support for too long expire (missed promotions are caught up);
- micro-projects: a project still collecting after its last day closes and its pledges are released;
  one on the council's agenda follows the council's outcome;
- devices: an elderly person living alone whose meter shows no use for N days gets a visit report;
- api keys: rate windows older than a day are dropped;
- each finished run writes the housekeeping heartbeat that /health checks.

The portal also runs it itself in a background thread at most every few minutes per process
(start_in_background, called from portal.ui.data on each page), so nothing waits for a cron job; on several processes each run is safe to repeat (every step is conditional).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from db.engine import DatabaseUnavailable, check_connection, get_engine
from db.types import utcnow
from portal import api_keys, devices, health, microprojects, reports, wishes
from portal.config import load_settings
from portal.grids import GridIndex


@dataclass
class Outcome:
    reports: dict[str, int] = field(default_factory=dict)
    wishes_expired: int = 0
    meter_alarms: object = None
    microprojects: object = None

    def __str__(self) -> str:
        return (
            f"reports {self.reports}, wishes expired {self.wishes_expired}, "
            f"meter check {self.meter_alarms}, micro-projects {self.microprojects}"
        )


def run(session: Session, index: GridIndex, now: datetime | None = None) -> Outcome:
    now = now or utcnow()
    outcome = Outcome()
    outcome.reports = reports.sweep(session, index, now)
    outcome.wishes_expired = wishes.expire_stale(session, now)
    outcome.meter_alarms = devices.check_meters(session, index, now=now)
    outcome.microprojects = microprojects.close_due(session, now)
    api_keys.prune_windows(session, now)
    health.beat(session, health.HOUSEKEEPING, now)
    return outcome


_start_lock = threading.Lock()
_last_start: dict[str, float] = {}


def _run_logged(url: str) -> None:
    try:
        with Session(get_engine(url), expire_on_commit=False) as session:
            logging.getLogger(__name__).info(
                "housekeeping: %s", run(session, GridIndex.load(session))
            )
    except Exception:  # noqa: BLE001 - logged; the next run tries again
        logging.getLogger(__name__).exception("housekeeping failed")


def start_in_background(url: str) -> None:
    """Starts the clock rules (escalation, auto-close, expiry, meter checks) in a background
    thread at most every LINLI_HOUSEKEEPING_SECONDS per process and database (0 = never), so no
    page waits for them and a failure never breaks a page."""
    every = load_settings().housekeeping_seconds  # read each time: tests change it
    if every <= 0:
        return
    now = time.monotonic()
    with _start_lock:
        if now - _last_start.get(url, -every) < every:
            return
        _last_start[url] = now
    threading.Thread(
        target=_run_logged, args=(url,), daemon=True, name="linli-housekeeping"
    ).start()


def main() -> int:
    url = load_settings().database_url
    try:
        check_connection(get_engine(url))
    except DatabaseUnavailable as exc:
        print(exc, file=sys.stderr)
        return 2
    with Session(get_engine(url)) as session:
        print(run(session, GridIndex.load(session)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
