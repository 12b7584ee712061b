"""Notifications: who is told what, in their own language; inbox; a person's channel settings.

Services call `notify(session, recipient_ids, event, params, link)` BEFORE their commit, so the
notice is saved in the same transaction as the change (outbox): a change that rolls back tells
nobody. Each notice is shown in the in-app inbox; when the person opted in, one delivery row per
outside channel (email, SMS/WeChat gateway) waits for the worker (portal.delivery).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import parse_qsl

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_notifications import Notification, NotificationDelivery, NotificationSetting
from db.types import row_id, rowcount, utcnow
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_, format_when, local_time, translate

QUIET_START, QUIET_END = time(22, 0), time(7, 0)  # Beijing time
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[0-9]{6,15}$")


@dataclass(frozen=True)
class Event:
    title: str  # message id
    body: str  # message id, filled with the notice's params


EVENTS: dict[str, Event] = {
    "report_assigned": Event(N_("A report for you"), N_("Report #{id} was sent to you: {what}")),
    "report_accepted": Event(
        N_("Your report was accepted"), N_("Someone is now working on your report #{id}.")
    ),
    "report_returned": Event(
        N_("A report was returned"),
        N_("Report #{id} was returned and needs someone else: {note}"),
    ),
    "report_escalated": Event(
        N_("A report went one level up"), N_("Report #{id} was passed one level up: {what}")
    ),
    "report_resolved": Event(
        N_("Your report was resolved: please rate"),
        N_("Report #{id} is marked resolved. Please rate the result."),
    ),
    "report_reopened": Event(
        N_("A report was reopened"), N_("Report #{id} was reopened after a low rating.")
    ),
    "report_auto_closed": Event(
        N_("Your report was closed"),
        N_("Report #{id} was closed because it was not rated within 7 days."),
    ),
    "report_due_soon": Event(
        N_("A report is due soon"), N_("Report #{id} is due by {due_at}: {what}")
    ),
    "report_whistle": Event(
        N_("Urgent joint order for your department"),
        N_("The grid blew the whistle on report #{id}; your department is named: {what}"),
    ),
    "wish_milestone": Event(
        N_("Your wish is gaining support"), N_("{supporters} neighbours now support “{title}”.")
    ),
    "wish_changed": Event(N_("News about a wish"), N_("The wish “{title}” is now: {state}.")),
    "microproject_changed": Event(
        N_("News about a micro-project"), N_("The micro-project “{title}” is now: {state}.")
    ),
    "council_agenda": Event(
        N_("Council agenda published"), N_("The agenda of “{title}” was published.")
    ),
    "council_voting_open": Event(N_("Voting is open"), N_("You can now vote in “{title}”.")),
    "council_voting_closed": Event(N_("Voting has closed"), N_("Voting in “{title}” has closed.")),
    "council_decision": Event(N_("Council decision"), N_("The council decided on “{title}”.")),
    "council_action_done": Event(
        N_("Council action done"), N_("An action the council decided is done: {title}")
    ),
    "claim_decided": Event(
        N_("Your task claim was checked"), N_("Your claim for “{title}” was {verdict}.")
    ),
    "redemption": Event(
        N_("About your reward"), N_("Your reward “{title}”: {state}. Code: {code}")
    ),
    "chief_message": Event(N_("A message from your grid chief"), N_("{title}")),
    "behalf_done": Event(N_("Done for you"), N_("{actor} did this for you: {what}")),
    "device_alarm": Event(N_("Device alarm"), N_("Alarm from device {device}: {what}")),
    "venue_request": Event(
        N_("A venue booking to approve"), N_("{who} asks to use {venue} from {starts_at}: {what}")
    ),
    "venue_decided": Event(
        N_("About your venue booking"),
        N_("Your booking of {venue} from {starts_at} was {verdict}."),
    ),
    "deputy_request": Event(
        N_("News about your request to a deputy"),
        N_("Your request “{topic}” to {deputy} is now: {state}."),
    ),
    "circle_hidden": Event(
        N_("What you wrote was hidden"),
        N_("A grid worker hid what you wrote in the circle “{title}”. Reason: {reason}"),
    ),
}

BEHALF_WORDS = {
    "report": N_("a report"),
    "wish_vote": N_("support for a wish"),
    "task_claim": N_("a task claim"),
}
# Words used inside params that themselves need translating (states, verdicts).
WORDS = (
    N_("approved"),
    N_("rejected"),
    N_("adopted"),
    N_("fulfilled"),
    N_("promoted to the council"),
    N_("decided"),
    N_("ready"),
    N_("handed over"),
    N_("cancelled by the community office"),
    N_("funded: the goal is reached"),
    N_("on the council's agenda"),
    N_("not approved, pledges released"),
    N_("closed, pledges released"),
    N_("completed"),
    *BEHALF_WORDS.values(),
    N_("Answered"),  # a deputy's request (portal.deputies.STATE_LABELS)
    N_("Forwarded as a report"),
    N_("Closed"),
)


def notify(
    session: Session,
    recipient_ids: Iterable[int | None],
    event: str,
    params: Mapping[str, object],
    link: str = "",
    urgent: bool = False,
    once_key: str | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Adds one notice per recipient (and its channel deliveries) to the session. Does NOT commit:
    the caller's commit saves them with the change they tell about. With once_key a recipient gets
    the notice at most once (clock rules: once per due item, even with two workers)."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    now = now or utcnow()
    ids = sorted({rid for rid in recipient_ids if rid is not None})
    if once_key is not None:
        ids = [rid for rid in ids if not _already_told(session, rid, once_key)]
    if not ids:
        return []
    settings = {
        s.user_id: s
        for s in session.exec(
            select(NotificationSetting).where(NotificationSetting.user_id.in_(ids))
        )
    }
    text = json.dumps(params, ensure_ascii=False, default=str)
    made = []
    for rid in ids:
        notice = Notification(
            recipient_id=rid,
            event=event,
            params=text,
            link=link,
            urgent=urgent,
            once_key=once_key,
            created_at=now,
        )
        if not _add(session, notice, once_key):
            continue
        for channel, address in _channels(settings.get(rid), event):
            session.add(
                NotificationDelivery(
                    notification_id=row_id(notice),
                    channel=channel,
                    address=address,
                    next_attempt_at=send_time(now, urgent, settings[rid].quiet_hours),
                )
            )
        made.append(notice)
    return made


def _already_told(session: Session, recipient_id: int, once_key: str) -> bool:
    return (
        session.exec(
            select(Notification.id).where(
                Notification.recipient_id == recipient_id, Notification.once_key == once_key
            )
        ).first()
        is not None
    )


def _add(session: Session, notice: Notification, once_key: str | None) -> bool:
    """Flushes the notice; a once-only notice another process just wrote is skipped."""
    if once_key is None:
        session.add(notice)
        session.flush()
        return True
    try:
        with session.begin_nested():
            session.add(notice)
    except IntegrityError:
        return False
    return True


def _channels(setting: NotificationSetting | None, event: str) -> list[tuple[str, str]]:
    if setting is None or event in muted(setting):
        return []
    found = []
    if setting.use_email and setting.email and setting.email_confirmed_at is not None:
        found.append(("email", setting.email))
    if setting.use_sms and setting.phone:
        found.append(("sms", setting.phone))
    return found


def muted(setting: NotificationSetting) -> set[str]:
    return {e for e in setting.muted_events.split(",") if e}


def send_time(now: datetime, urgent: bool, quiet_hours: bool = True) -> datetime:
    """When an outside message may go: now, or 07:00 Beijing time if now is in quiet hours."""
    if urgent or not quiet_hours:
        return now
    local = local_time(now)
    if QUIET_END <= local.time() < QUIET_START:
        return now
    wake = local.replace(hour=QUIET_END.hour, minute=0, second=0, microsecond=0)
    if local.time() >= QUIET_START:
        wake += timedelta(days=1)
    return wake.astimezone(now.tzinfo)


# --- reading ---------------------------------------------------------------------------------


def render(language: str | None, notice: Notification) -> tuple[str, str]:
    """(title, body) in the given language; words inside the params are translated too."""
    event = EVENTS[notice.event]
    params = {k: _word(language, k, v) for k, v in json.loads(notice.params).items()}
    return translate(language, event.title), translate(language, event.body, **params)


def _word(language: str | None, key: str, value: object) -> object:
    if key.endswith("_at") and isinstance(value, str):
        return format_when(language, datetime.fromisoformat(value), "short")
    if isinstance(value, str) and value in WORDS:
        return translate(language, value)
    return value


def link_parts(notice: Notification) -> tuple[str, dict[str, str]]:
    """(page key, query params) of the notice's link."""
    key, _, query = notice.link.partition("?")
    return key, dict(parse_qsl(query))


def unread_count(session: Session, user_id: int) -> int:
    """One indexed count (recipient_id, read_at): cheap enough for every page's shell."""
    return session.exec(
        select(func.count())
        .select_from(Notification)
        .where(Notification.recipient_id == user_id, Notification.read_at.is_(None))
    ).one()


def inbox(session: Session, user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        session.exec(
            select(Notification)
            .where(Notification.recipient_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(
    session: Session,
    user_id: int,
    notice_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Marks the person's own notices read (all of them when no ids are given)."""
    query = update(Notification).where(
        col(Notification.recipient_id) == user_id, col(Notification.read_at).is_(None)
    )
    if notice_ids is not None:
        query = query.where(col(Notification.id).in_(list(notice_ids)))
    done = rowcount(session.exec(query.values(read_at=now or utcnow())))
    session.commit()
    return done


def failed_deliveries(session: Session, limit: int = 50) -> list[tuple[NotificationDelivery, User]]:
    """Messages no channel could deliver, for staff to follow up by hand."""
    return list(
        session.exec(
            select(NotificationDelivery, User)
            .join(Notification, col(Notification.id) == NotificationDelivery.notification_id)
            .join(User, col(User.id) == Notification.recipient_id)
            .where(col(NotificationDelivery.status) == "failed")
            .order_by(col(NotificationDelivery.id).desc())
            .limit(limit)
        )
    )


# --- a person's settings ---------------------------------------------------------------------


def setting_for(session: Session, user_id: int) -> NotificationSetting:
    return session.get(NotificationSetting, user_id) or NotificationSetting(user_id=user_id)


def save_setting(
    session: Session,
    user_id: int,
    *,
    email: str = "",
    phone: str = "",
    use_email: bool = False,
    use_sms: bool = False,
    muted_events: Iterable[str] = (),
    quiet_hours: bool = True,
) -> tuple[NotificationSetting, str | None]:
    """Saves the choices; returns (setting, token) where token is set when a new email address
    needs its ownership checked (the caller mails the link). Raises FieldErrors."""
    email, phone = (email or "").strip(), (phone or "").replace(" ", "").strip()
    errors: dict[str, Message] = {}
    if email and (len(email) > 254 or not EMAIL_RE.match(email)):
        errors["email"] = Message(N_("Please enter an email address like name@example.com."))
    if phone and not PHONE_RE.match(phone):
        errors["phone"] = Message(N_("Please enter a phone number of 6 to 15 digits."))
    if use_email and not email:
        errors["email"] = Message(N_("Please enter the email address to use."))
    if use_sms and not phone:
        errors["phone"] = Message(N_("Please enter the phone number to use."))
    if errors:
        raise FieldErrors(errors)
    setting = setting_for(session, user_id)
    token = None
    if email and email != setting.email:
        token = secrets.token_urlsafe(24)
        setting.email_token_hash = _hash(token)
        setting.email_confirmed_at = None
    setting.email, setting.phone = email or None, phone or None
    setting.use_email, setting.use_sms, setting.quiet_hours = use_email, use_sms, quiet_hours
    setting.muted_events = ",".join(sorted(e for e in set(muted_events) if e in EVENTS))
    session.add(setting)
    session.commit()
    return setting, token


def confirm_email(
    session: Session, user_id: int, token: str, now: datetime | None = None
) -> NotificationSetting:
    """The link in the check mail, opened by the logged-in owner: proves they own the address.
    Works once."""
    setting = session.get(NotificationSetting, user_id)
    if not token or setting is None or setting.email_token_hash != _hash(token):
        raise UserError(N_("This confirmation link is not valid or was already used."))
    setting.email_confirmed_at, setting.email_token_hash = now or utcnow(), None
    session.add(setting)
    session.commit()
    return setting


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
