"""The ledger: a person's balance, the rules per source (points, daily cap), award() -- the only
way points are created -- staff adjustments, and a person's history.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_points import (
    PointsEntry,
    PointsRule,
    PointsRuleChange,
)
from db.types import row_id
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.permissions import can, is_verified
from portal.points.common import (
    DEFAULT_RULES,
    HISTORY_TEXT,
    MAX_ADJUSTMENT,
    MAX_AWARD,
    OTHER_HISTORY_TEXT,
    REFUSED_ROLE,
    RESERVED_SOURCES,
    SOURCE_RE,
    _append,
    _int,
    _last,
    _lock_member,
    _now,
    _text,
    day_bounds,
)


def balance(session: Session, user_id: int) -> int:
    """The person's points: the running balance of their newest entry (= sum of all entries)."""
    return _last(session, user_id)[1]


def ledger_sum(session: Session, user_id: int) -> int:
    """Sum of every entry of the person (for checks: always equals balance())."""
    return int(
        session.exec(
            select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
                PointsEntry.user_id == user_id
            )
        ).one()
    )


@dataclass(frozen=True)
class Rule:
    source: str
    amount: int
    daily_cap: int | None
    enabled: bool
    stored: bool  # False: the built-in default, never edited


def rules(session: Session) -> list[Rule]:
    stored = {r.source: r for r in session.exec(select(PointsRule))}
    found = []
    for source in sorted(set(DEFAULT_RULES) | set(stored)):
        if source in stored:
            r = stored[source]
            found.append(Rule(source, r.amount, r.daily_cap, r.enabled, True))
        else:
            amount, cap = DEFAULT_RULES[source]
            found.append(Rule(source, amount, cap, True, False))
    return found


def rule_for(session: Session, source: str) -> Rule | None:
    return next((r for r in rules(session) if r.source == source), None)


def ensure_rules(session: Session) -> int:
    """Stores the default rules that are not stored yet (for staff to see and edit). No commit."""
    have = set(session.exec(select(PointsRule.source)).all())
    added = 0
    for source, (amount, cap) in DEFAULT_RULES.items():
        if source not in have:
            session.add(PointsRule(source=source, amount=amount, daily_cap=cap))
            added += 1
    session.flush()
    return added


def set_rule(
    session: Session,
    *,
    actor_id: int,
    source: str,
    amount: object,
    daily_cap: object = None,
    enabled: bool = True,
    now: datetime | None = None,
) -> Rule:
    """Staff change how much an event earns and the daily cap per person (None: no cap)."""
    now = _now(now)
    actor = active_user(session, actor_id)
    if not can(actor, "points.manage"):
        raise UserError(REFUSED_ROLE)
    errors: dict[str, Message] = {}
    if not SOURCE_RE.match(source or "") or source in RESERVED_SOURCES or source == "adjustment":
        errors["source"] = Message(N_("This kind of event cannot have a rule."))
    value = _int(amount)
    if value is None or not 0 <= value <= MAX_AWARD:
        errors["amount"] = Message(
            N_("Points must be a whole number from {least} to {most}."),
            {"least": 0, "most": MAX_AWARD},
        )
    cap = None if daily_cap in (None, "") else _int(daily_cap)
    if daily_cap not in (None, "") and (cap is None or not 0 <= cap <= 10_000):
        errors["daily_cap"] = Message(
            N_("The daily limit must be empty or a whole number from {least} to {most}."),
            {"least": 0, "most": 10_000},
        )
    if errors or value is None:
        raise FieldErrors(errors)
    row = session.get(PointsRule, source)
    old_amount, old_cap = (
        (row.amount, row.daily_cap) if row else DEFAULT_RULES.get(source, (None, None))
    )
    if row is None:
        row = PointsRule(source=source, amount=value)
        session.add(row)
    row.amount, row.daily_cap, row.enabled = value, cap, bool(enabled)
    row.updated_by, row.updated_at = actor.id, now
    session.flush()
    session.add(
        PointsRuleChange(
            source=source,
            old_amount=old_amount,
            new_amount=value,
            old_daily_cap=old_cap,
            new_daily_cap=cap,
            enabled=bool(enabled),
            actor_id=actor.id,
            at=now,
        )
    )
    session.commit()
    return Rule(source, value, cap, bool(enabled), True)


def award(
    session: Session,
    *,
    user_id: int,
    source: str,
    source_id: str | int,
    reason: str,
    actor_id: int | None = None,
    amount: int | None = None,
    now: datetime | None = None,
) -> PointsEntry | None:
    """Credit points for an event of another capability (source in {'task','report','wish',
    'council','adjustment'…}).

    amount None = the configured rule for that source. Idempotent: the same (user_id, source,
    source_id) is credited at most once (DB unique constraint). Respects the per-person daily cap of
    the rule (an award is cut down to what is left of today's cap). Adds and flushes inside the
    caller's transaction (a SAVEPOINT keeps a duplicate from aborting it) and does NOT commit;
    returns the entry, or None when already credited, capped, or the rule is switched off — or
    when the person, or the resident whose action earns it (actor_id), is not verified yet: an
    unconfirmed account earns nothing and makes no one earn (nothing is recorded, so nothing is
    owed later either; portal/verification.py).
    Raises UserError for an unknown source without amount, or a negative/absurd amount."""
    now = _now(now)
    if not SOURCE_RE.match(source or "") or source in RESERVED_SOURCES:
        raise UserError(N_("This kind of event cannot earn points."))
    key = str(source_id).strip()[:64]
    reason = _text(reason, 200)
    if not key or not reason:
        raise UserError(N_("Points need a reason and the event they are for."))
    rule = rule_for(session, source)
    if amount is None:
        if rule is None or rule.amount <= 0:
            raise UserError(N_("There is no points rule for this kind of event."))
        amount = rule.amount
    value = _int(amount)
    if value is None or not 1 <= value <= MAX_AWARD:
        raise UserError(
            N_("Points must be a whole number from {least} to {most}."),
            field="amount",
            least=1,
            most=MAX_AWARD,
        )
    if rule is not None and not rule.enabled:
        return None
    user = active_user(session, user_id)
    actor = session.get(User, actor_id) if actor_id is not None else None
    if not is_verified(user) or (actor is not None and not is_verified(actor)):
        return None
    already = session.exec(
        select(PointsEntry.id).where(
            PointsEntry.user_id == user.id,
            PointsEntry.source == source,
            PointsEntry.source_id == key,
        )
    ).first()
    if already is not None:
        return None
    _lock_member(session, row_id(user), now)
    if rule is not None and rule.daily_cap is not None:
        start, end = day_bounds(now)
        today = int(
            session.exec(
                select(func.coalesce(func.sum(PointsEntry.amount), 0)).where(
                    PointsEntry.user_id == user.id,
                    PointsEntry.source == source,
                    PointsEntry.created_at >= start,
                    PointsEntry.created_at < end,
                )
            ).one()
        )
        room = rule.daily_cap - today
        if room <= 0:
            return None
        value = min(value, room)
    try:
        with session.begin_nested():
            entry = _append(
                session,
                user=user,
                amount=value,
                source=source,
                source_id=key,
                reason=reason,
                actor_id=actor_id,
                now=now,
            )
    except IntegrityError:  # the same event credited by a concurrent transaction
        return None
    return entry


def adjust(
    session: Session,
    *,
    actor_id: int,
    user_id: int,
    amount: object,
    reason: str,
    now: datetime | None = None,
) -> PointsEntry:
    """A staff correction (+ or −) with a reason, shown as such in the person's history."""
    now = _now(now)
    actor = active_user(session, actor_id)
    if not can(actor, "points.manage"):
        raise UserError(REFUSED_ROLE)
    errors: dict[str, Message] = {}
    value = _int(amount)
    if value is None or value == 0 or abs(value) > MAX_ADJUSTMENT:
        errors["amount"] = Message(
            N_("Enter a whole number of points other than 0, between −{most} and {most}."),
            {"most": MAX_ADJUSTMENT},
        )
    text = _text(reason, 200)
    if len(text) < 4:
        errors["reason"] = Message(N_("Please write the reason for this adjustment."))
    person = session.get(User, user_id) if user_id else None
    if person is None:
        errors["user"] = Message(N_("Please choose a person."))
    if errors or value is None or person is None:
        raise FieldErrors(errors)
    _lock_member(session, row_id(person), now)
    try:
        entry = _append(
            session,
            user=person,
            amount=value,
            source="adjustment",
            source_id=f"adj-{uuid.uuid4().hex[:20]}",
            reason=text,
            actor_id=actor.id,
            now=now,
        )
    except UserError as exc:
        session.rollback()
        raise UserError(
            N_("This would take the balance below zero (the balance is {balance})."),
            field="amount",
            balance=exc.message.params.get("balance", 0),
        ) from None
    session.commit()
    return entry


def find_person(session: Session, username: str) -> User | None:
    key = (username or "").strip().lower()
    return session.exec(select(User).where(User.username == key)).first() if key else None


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    amount: int
    balance_after: int
    source: str
    msgid: str
    reason: str
    source_id: str = ""  # the task claim, report… it was for


def history(
    session: Session, user_id: int, *, limit: int = 30, offset: int = 0
) -> list[HistoryLine]:
    """The person's ledger, newest first, with a plain-language message id per line."""
    rows = session.exec(
        select(PointsEntry)
        .where(PointsEntry.user_id == user_id)
        .order_by(col(PointsEntry.seq).desc())
        .offset(max(0, offset))
        .limit(max(1, min(limit, 500)))
    ).all()
    return [
        HistoryLine(
            e.created_at,
            e.amount,
            e.balance_after,
            e.source,
            HISTORY_TEXT.get(e.source, OTHER_HISTORY_TEXT),
            e.reason,
            e.source_id,
        )
        for e in rows
    ]


def history_count(session: Session, user_id: int) -> int:
    return _last(session, user_id)[0]
