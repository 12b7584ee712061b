"""The portal's own health (Streamlit's /healthz only says the web process is up): database
reachable, migrations at Alembic's head, and the workers' heartbeats fresh."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from db.engine import DatabaseUnavailable, check_connection, upsert
from db.migrate import alembic_config
from db.models_reach import Heartbeat
from db.types import utcnow

HOUSEKEEPING = "housekeeping"
MQTT_SUBSCRIBER = "mqtt_subscriber"


def beat(session: Session, worker: str, now: datetime | None = None) -> None:
    """Marks that `worker` finished a round now (one row per worker, safe on several processes)."""
    moment = now or utcnow()
    session.execute(
        upsert(
            session,
            Heartbeat.__table__,
            {"worker": worker, "at": moment},
            keys=["worker"],
            changes={"at": moment},
        )
    )
    session.commit()


def heartbeats(session: Session) -> dict[str, datetime]:
    return dict(session.exec(select(Heartbeat.worker, Heartbeat.at)).all())


@dataclass
class Health:
    ok: bool
    checks: dict[str, dict] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"status": "ok" if self.ok else "unhealthy", "checks": self.checks}


def migration_heads(engine: Engine, url: str) -> tuple[set[str], set[str]]:
    """(revisions the database is at, Alembic's heads in the code)."""
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    return current, set(ScriptDirectory.from_config(alembic_config(url)).get_heads())


def check(
    engine: Engine, url: str, *, heartbeat_max_seconds: int, now: datetime | None = None
) -> Health:
    """Every check; ok only when the database answers, its schema is at head and (unless
    heartbeat_max_seconds is 0) housekeeping ran within heartbeat_max_seconds."""
    now = now or utcnow()
    health = Health(ok=True)
    try:
        check_connection(engine)
    except DatabaseUnavailable as exc:
        health.ok = False
        health.checks["database"] = {"ok": False, "error": str(exc).split(": ", 1)[-1][:200]}
        return health
    health.checks["database"] = {"ok": True}
    current, heads = migration_heads(engine, url)
    at_head = current == heads
    health.checks["migrations"] = {
        "ok": at_head,
        "database": sorted(current),
        "code": sorted(heads),
    }
    try:
        with Session(engine) as session:
            beats = heartbeats(session)
    except SQLAlchemyError:  # a schema behind the code may not have the heartbeat table yet
        beats = {}
    ages = {worker: round((now - at).total_seconds(), 1) for worker, at in beats.items()}
    fresh = (
        heartbeat_max_seconds <= 0
        or ages.get(HOUSEKEEPING, heartbeat_max_seconds + 1) <= heartbeat_max_seconds
    )
    health.checks["workers"] = {
        "ok": fresh,
        "required": [HOUSEKEEPING] if heartbeat_max_seconds > 0 else [],
        "max_age_seconds": heartbeat_max_seconds,
        "age_seconds": ages,
    }
    health.ok = at_head and fresh
    return health
