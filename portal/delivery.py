"""Sends waiting notifications over the outside channels, safely from several workers at once.

Channels share one interface (`send(address, subject, body)`): email over SMTP and an SMS /
WeChat subscription-message gateway over HTTP. The in-app channel is the notification row itself.

Claiming: on PostgreSQL a worker takes due rows with `SELECT … FOR UPDATE SKIP LOCKED` and marks
them `sending` in the same transaction, so two workers never take the same row; on SQLite (one
worker) a conditional UPDATE (status still 'pending') claims each row. A failed try waits
backoff · 2^(tries-1), and after max_tries the row is `failed` and listed for staff. A row left
`sending` by a worker that died mid-send is marked failed, not retried: the message may have gone
out, and nobody gets it twice.
"""

from __future__ import annotations

import json
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from db.models import User
from db.models_notifications import Notification, NotificationDelivery
from db.types import rowcount, utcnow
from portal.config import Settings
from portal.i18n import N_, translate
from portal.notifications import render

STUCK_AFTER = timedelta(minutes=10)  # a claim older than this belongs to a worker that died


class TemporaryFailure(Exception):
    """Try again later (connection refused, timeout, gateway 5xx)."""


class PermanentFailure(Exception):
    """Trying again will not help (address refused, gateway 4xx)."""


class Channel(Protocol):
    name: str

    def send(self, address: str, subject: str, body: str) -> None: ...


@dataclass
class EmailChannel:
    """Email over SMTP: LINLI_SMTP_URL smtp://[user:password@]host:port (smtps:// for TLS)."""

    url: str
    sender: str
    name: str = "email"
    timeout: float = 10.0

    def send(self, address: str, subject: str, body: str) -> None:
        parts = urlsplit(self.url)
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, address, subject
        message.set_content(body)
        kind = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
        if not parts.hostname:
            raise TemporaryFailure("smtp: LINLI_SMTP_URL names no host")
        try:
            with kind(parts.hostname, parts.port or 25, timeout=self.timeout) as smtp:
                if parts.username:
                    smtp.login(parts.username, parts.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"recipient refused: {exc}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"smtp: {exc}") from exc


@dataclass
class GatewayChannel:
    """An SMS / WeChat subscription-message gateway: POST JSON {to, subject, text} to
    LINLI_SMS_GATEWAY_URL. 2xx = sent, 5xx or no answer = try again, 4xx = give up."""

    url: str
    name: str = "sms"
    timeout: float = 10.0

    def send(self, address: str, subject: str, body: str) -> None:
        payload = json.dumps({"to": address, "subject": subject, "text": body}).encode()
        request = urllib.request.Request(
            self.url, data=payload, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                answer.read()
        except urllib.error.HTTPError as exc:
            failure = TemporaryFailure if exc.code >= 500 else PermanentFailure
            raise failure(f"gateway answered {exc.code}") from exc
        except (TimeoutError, OSError) as exc:
            raise TemporaryFailure(f"gateway: {exc}") from exc


def channels_from(settings: Settings) -> dict[str, Channel]:
    found: dict[str, Channel] = {}
    if settings.smtp_url:
        found["email"] = EmailChannel(settings.smtp_url, settings.smtp_from)
    if settings.sms_gateway_url:
        found["sms"] = GatewayChannel(settings.sms_gateway_url)
    return found


@dataclass
class Round:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def claim(session: Session, worker: str, now: datetime, limit: int = 50) -> list[int]:
    """Takes up to `limit` due deliveries for this worker; no other worker gets them."""
    due = (
        select(NotificationDelivery.id)
        .where(
            col(NotificationDelivery.status) == "pending",
            col(NotificationDelivery.next_attempt_at) <= now,
        )
        .order_by(col(NotificationDelivery.next_attempt_at), col(NotificationDelivery.id))
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        ids = [i for i in session.exec(due.with_for_update(skip_locked=True)) if i is not None]
        if ids:
            session.exec(
                update(NotificationDelivery)
                .where(col(NotificationDelivery.id).in_(ids))
                .values(status="sending", claimed_by=worker, next_attempt_at=now)
            )
        session.commit()
        return ids
    ids = []
    for delivery_id in [i for i in session.exec(due) if i is not None]:
        taken = rowcount(
            session.exec(
                update(NotificationDelivery)
                .where(
                    col(NotificationDelivery.id) == delivery_id,
                    col(NotificationDelivery.status) == "pending",
                )
                .values(status="sending", claimed_by=worker, next_attempt_at=now)
            )
        )
        if taken == 1:
            ids.append(delivery_id)
    session.commit()
    return ids


def _finish(session: Session, delivery_id: int, **values) -> None:
    session.exec(
        update(NotificationDelivery)
        .where(
            col(NotificationDelivery.id) == delivery_id,
            col(NotificationDelivery.status) == "sending",
        )
        .values(**values)
    )
    session.commit()


def _message(session: Session, delivery: NotificationDelivery, public_url: str) -> tuple[str, str]:
    """Subject and text in the recipient's language of NOW (send time), with the link."""
    notice = session.get(Notification, delivery.notification_id)
    recipient = session.get(User, notice.recipient_id) if notice is not None else None
    if notice is None or recipient is None:
        raise PermanentFailure(f"notification {delivery.notification_id} or its recipient is gone")
    language = recipient.language
    title, body = render(language, notice)
    link = f"{public_url}/{notice.link}" if notice.link else public_url
    return title, f"{body}\n\n{link}"


def deliver_due(
    session: Session,
    settings: Settings,
    channels: dict[str, Channel] | None = None,
    worker: str = "worker",
    now: datetime | None = None,
    limit: int = 50,
) -> Round:
    """One round: release dead claims, claim due deliveries, send each once, record the outcome."""
    now = now or utcnow()
    channels = channels_from(settings) if channels is None else channels
    outcome = Round()
    _fail_stuck(session, now)
    for delivery_id in claim(session, worker, now, limit):
        delivery = session.get(NotificationDelivery, delivery_id)
        if delivery is None:  # deleted since it was claimed: nothing left to send
            continue
        session.refresh(delivery)
        tries = delivery.attempts + 1
        channel = channels.get(delivery.channel)
        try:
            if channel is None:
                raise TemporaryFailure(f"channel {delivery.channel} is not configured")
            channel.send(delivery.address, *_message(session, delivery, settings.public_url))
        except (TemporaryFailure, PermanentFailure) as exc:
            outcome.errors.append(str(exc))
            final = isinstance(exc, PermanentFailure) or tries >= settings.notify_max_tries
            wait = timedelta(seconds=settings.notify_backoff_seconds * 2 ** (tries - 1))
            _finish(
                session,
                delivery_id,
                status="failed" if final else "pending",
                attempts=tries,
                next_attempt_at=now + wait,
                last_error=str(exc)[:300],
            )
            outcome.failed += final
            outcome.retried += not final
        else:
            _finish(session, delivery_id, status="sent", attempts=tries, sent_at=utcnow())
            outcome.sent += 1
    return outcome


def _fail_stuck(session: Session, now: datetime) -> None:
    session.exec(
        update(NotificationDelivery)
        .where(
            col(NotificationDelivery.status) == "sending",
            col(NotificationDelivery.next_attempt_at) < now - STUCK_AFTER,
        )
        .values(status="failed", last_error="worker stopped while sending; not retried")
    )
    session.commit()


def send_email_check(settings: Settings, language: str, address: str, token: str) -> bool:
    """Mails the one-time link that proves the person owns the address; False without SMTP."""
    if not settings.smtp_url:
        return False
    link = f"{settings.public_url}/inbox?confirm_email={token}"
    body = translate(
        language, N_("Open this link to confirm your email address: {link}"), link=link
    )
    try:
        EmailChannel(settings.smtp_url, settings.smtp_from).send(
            address, translate(language, N_("Confirm your email address")), body
        )
    except (TemporaryFailure, PermanentFailure):
        return False
    return True


def pending_count(session: Session) -> int:
    return session.exec(
        text("SELECT count(*) FROM notification_delivery WHERE status IN ('pending','sending')")
    ).one()[0]
