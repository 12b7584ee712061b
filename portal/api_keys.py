"""Api keys for partner systems (Open311 clients, device gateways): issued and revoked by staff.

- A key is shown once, when it is issued; the database keeps only its SHA-256 (a key is 32 random
  bytes, so a plain hash is enough: nothing to guess, nothing to stretch).
- Rate limit: a fixed one-minute window per key, counted in the database with one atomic
  INSERT … ON CONFLICT DO UPDATE … RETURNING (SQLite ≥ 3.35 and PostgreSQL). Chosen over an
  in-process token bucket because the portal runs as several processes (and machines) behind one
  database: a bucket per process would let a partner multiply its limit by the number of processes.
  The price is one small write per authenticated request.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from db.engine import upsert
from db.models import User
from db.models_reach import API_SCOPES, ApiKey, ApiKeyWindow
from db.types import row_id, rowcount, utcnow
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_

KEY_PREFIX = "linli_"
MAX_PER_MINUTE = 100_000
WINDOW_KEEP = timedelta(days=1)
SCOPE_LABELS = {
    "open311": N_("Open311 (file and read reports)"),
    "devices": N_("Device gateway (send device events)"),
}


class ApiRefusal(Exception):
    """A request refused before any work: HTTP status and a message id (and its parameters)."""

    def __init__(self, status: int, msgid: str, *, log: bool = True, **params: object) -> None:
        super().__init__(msgid)
        self.status = status
        self.message = Message(msgid, params)
        self.log = log  # worth a dead letter (a flood is logged once a minute, not per request)


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    secret: str  # shown once


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _require_staff(session: Session, actor_id: int) -> None:
    actor = session.get(User, actor_id)
    if actor is None or not actor.is_active or actor.role not in ("staff", "admin"):
        raise UserError(N_("Only community staff can issue or revoke api keys."))


def issue(
    session: Session,
    *,
    actor_id: int,
    partner: str,
    scope: str,
    per_minute: int = 60,
    now: datetime | None = None,
) -> IssuedKey:
    """A new key for one partner system. Raises FieldErrors / UserError."""
    _require_staff(session, actor_id)
    partner = (partner or "").strip()
    errors: dict[str, Message] = {}
    if not partner or len(partner) > 80:
        errors["partner"] = Message(N_("Please name the partner system (at most 80 characters)."))
    if scope not in API_SCOPES:
        errors["scope"] = Message(N_("Please choose what the key may do."))
    if not isinstance(per_minute, int) or not 0 < per_minute <= MAX_PER_MINUTE:
        errors["per_minute"] = Message(
            N_("Requests per minute: a whole number from 1 to {n}."), {"n": MAX_PER_MINUTE}
        )
    if errors:
        raise FieldErrors(errors)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        partner=partner,
        scope=scope,
        prefix=secret[: len(KEY_PREFIX) + 4],
        key_hash=hash_key(secret),
        per_minute=per_minute,
        issued_by=actor_id,
        issued_at=now or utcnow(),
    )
    session.add(key)
    session.commit()
    return IssuedKey(key, secret)


def revoke(session: Session, *, actor_id: int, key_id: int, now: datetime | None = None) -> ApiKey:
    _require_staff(session, actor_id)
    key = session.get(ApiKey, key_id)
    if key is None:
        raise UserError(N_("This api key does not exist."))
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by = now or utcnow(), actor_id
        session.add(key)
        session.commit()
    return key


def keys(session: Session) -> list[ApiKey]:
    return list(
        session.exec(select(ApiKey).order_by(col(ApiKey.revoked_at).is_not(None), col(ApiKey.id)))
    )


def _count_request(session: Session, key_id: int, minute: datetime) -> int:
    """Adds one request to the key's current minute and returns the minute's count (atomic)."""
    table = ApiKeyWindow.__table__
    statement = upsert(
        session,
        table,
        {"api_key_id": key_id, "minute": minute, "requests": 1},
        keys=["api_key_id", "minute"],
        changes={"requests": table.c.requests + 1},
    ).returning(table.c.requests)
    count = session.execute(statement).scalar_one()
    session.commit()
    return count


def authenticate(
    session: Session, secret: str | None, scope: str, *, now: datetime | None = None
) -> ApiKey:
    """The key behind `secret` if it may act in `scope` now, and counts the request.
    Raises ApiRefusal: 403 for a missing, unknown, revoked or wrong-scope key, 429 past the limit."""
    now = now or utcnow()
    secret = (secret or "").strip()
    if not secret:
        raise ApiRefusal(403, N_("An api_key is required."))
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(secret))).first()
    if key is None:
        raise ApiRefusal(403, N_("This api_key is not known."))
    if key.revoked_at is not None:
        raise ApiRefusal(403, N_("This api_key was revoked."))
    if key.scope != scope:
        raise ApiRefusal(403, N_("This api_key may not be used here."))
    minute = now.replace(second=0, microsecond=0)
    count = _count_request(session, row_id(key), minute)
    if count > key.per_minute:
        raise ApiRefusal(
            429,
            N_("Too many requests: at most {n} a minute for this key."),
            log=count == key.per_minute + 1,
            n=key.per_minute,
        )
    return key


def requests_by_key(session: Session) -> list[tuple[str, str, int]]:
    """(partner, scope, requests in the kept windows) per key, for the metrics."""
    rows = session.exec(
        select(ApiKey.partner, ApiKey.scope, func.coalesce(func.sum(ApiKeyWindow.requests), 0))
        .outerjoin(ApiKeyWindow, col(ApiKeyWindow.api_key_id) == ApiKey.id)
        .group_by(col(ApiKey.id), col(ApiKey.partner), col(ApiKey.scope))
        .order_by(col(ApiKey.id))
    ).all()
    return [(partner, scope, int(total)) for partner, scope, total in rows]


def prune_windows(session: Session, now: datetime | None = None) -> int:
    """Drops rate windows older than a day (housekeeping)."""
    cutoff = (now or utcnow()) - WINDOW_KEEP
    result = session.execute(delete(ApiKeyWindow).where(col(ApiKeyWindow.minute) < cutoff))
    session.commit()
    return rowcount(result) or 0
