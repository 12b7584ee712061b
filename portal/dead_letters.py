"""Refused messages kept for staff (dead letters): MQTT messages and HTTP requests that were not
taken, with the reason as a message id so the devices page shows it in the reader's language."""

from __future__ import annotations

import json
import logging
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from db.models_reach import DeadLetter
from db.types import utcnow
from portal.errors import Message

PAYLOAD_LIMIT = 4000
log = logging.getLogger("portal.dead_letters")


def _text(payload: bytes | str) -> str:
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8", errors="replace")
    return payload.replace("\x00", "\ufffd")[:PAYLOAD_LIMIT]


def record(
    session: Session,
    *,
    source: str,
    topic: str,
    payload: bytes | str,
    reason: Message,
    api_key_id: int | None = None,
    now: datetime | None = None,
    commit: bool = True,
) -> DeadLetter:
    """Keeps one refused message (its payload cut to PAYLOAD_LIMIT characters) and logs it."""
    letter = DeadLetter(
        source=source,
        topic=topic[:255],
        api_key_id=api_key_id,
        payload=_text(payload),
        reason=reason.msgid[:255],
        params=json.dumps(reason.params, ensure_ascii=False, default=str)[:1000],
        received_at=now or utcnow(),
    )
    session.add(letter)
    if commit:
        session.commit()
    log.warning("refused %s message on %s: %s %s", source, topic, reason.msgid, reason.params)
    return letter


def message_of(letter: DeadLetter) -> Message:
    try:
        params = json.loads(letter.params or "{}")
    except json.JSONDecodeError:
        params = {}
    return Message(letter.reason, params if isinstance(params, dict) else {})


def recent(session: Session, limit: int = 100) -> list[DeadLetter]:
    return list(session.exec(select(DeadLetter).order_by(DeadLetter.id.desc()).limit(limit)))


def counts_by_source(session: Session) -> dict[str, int]:
    return dict(
        session.exec(select(DeadLetter.source, func.count()).group_by(DeadLetter.source)).all()
    )
