"""Prometheus text exposition (format 0.0.4) of the portal's queues and counters.

Gauges are read from the database at scrape time (so every process reports the same numbers);
linli_http_requests_total counts the HTTP routes this process answered."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from db.models_cockpit import DeviceAlarm
from db.models_reports import Report
from db.types import utcnow
from portal import api_keys, dead_letters, health
from portal.reports import OPEN_STATES

_lock = threading.Lock()
_http: Counter[tuple[str, int]] = Counter()


def count_http(route: str, status: int) -> None:
    with _lock:
        _http[(route, status)] += 1


def _label(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _family(name: str, kind: str, help_text: str, samples: list[tuple[dict, float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        inside = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
        lines.append(f"{name}{{{inside}}} {value:g}" if inside else f"{name} {value:g}")
    return lines


def render(session: Session, now: datetime | None = None) -> str:
    now = now or utcnow()
    by_state = dict(session.exec(select(Report.state, func.count()).group_by(Report.state)).all())
    overdue = session.exec(
        select(func.count()).where(Report.state.in_(OPEN_STATES), Report.due_at < now)
    ).one()
    open_alarms = session.exec(select(func.count()).where(DeviceAlarm.open_key.is_not(None))).one()
    letters = dead_letters.counts_by_source(session)
    beats = health.heartbeats(session)
    with _lock:
        http = sorted(_http.items())
    lines = [
        *_family(
            "linli_reports",
            "gauge",
            "Reports by state.",
            [({"state": s}, n) for s, n in sorted(by_state.items())],
        ),
        *_family(
            "linli_reports_overdue", "gauge", "Open reports past their due time.", [({}, overdue)]
        ),
        *_family(
            "linli_device_alarms_open", "gauge", "Device alarms still open.", [({}, open_alarms)]
        ),
        *_family(
            "linli_dead_letters",
            "gauge",
            "Refused device messages and partner requests kept for staff.",
            [({"source": s}, n) for s, n in sorted(letters.items())],
        ),
        *_family(
            "linli_api_requests_last_day",
            "gauge",
            "Requests per partner api key over the kept rate windows (about a day).",
            [({"partner": p, "scope": s}, n) for p, s, n in api_keys.requests_by_key(session)],
        ),
        *_family(
            "linli_worker_heartbeat_age_seconds",
            "gauge",
            "Seconds since each worker last finished a round.",
            [
                ({"worker": w}, round((now - at).total_seconds(), 1))
                for w, at in sorted(beats.items())
            ],
        ),
        *_family(
            "linli_http_requests_total",
            "counter",
            "HTTP requests answered by this process's portal routes.",
            [({"route": r, "status": s}, n) for (r, s), n in http],
        ),
    ]
    return "\n".join(lines) + "\n"
