"""Points (积分): the one ledger, rules per source, tasks residents claim, rewards and redemptions.

Every feature that rewards people calls `award()`; nothing else creates points. The ledger is
append-only: a person's entries are a chain (seq 1, 2, 3…) carrying the running balance, and the
database refuses a duplicate event, a second entry with the same seq and any negative balance.

Writers serialise per person through the `points_member` row (PostgreSQL row lock; on SQLite the
first write of a transaction takes the database write lock), per task through a conditional UPDATE
of the task row, and per reward through `UPDATE … SET stock = stock - 1 WHERE stock > 0`.
"""

from __future__ import annotations

import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import Grid, GridDuty, User
from db.models_points import (
    PointsEntry,
    PointsMember,
    PointsRule,
    PointsRuleChange,
    PointsTask,
    Redemption,
    RedemptionEvent,
    Reward,
    RewardStockChange,
    TaskClaim,
    TaskClaimEvent,
    TaskGrid,
    TaskSeries,
)
from db.types import utcnow
from portal.auth import active_user
from portal.config import TIMEZONE
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map, subtree
from portal.i18n import N_

# --- constants -------------------------------------------------------------------------------

WORKERS = ("grid_worker", "staff", "admin")  # may publish and verify tasks
OFFICE = ("staff", "admin")  # may manage rules, adjustments and the catalogue
MAX_AWARD = 1000  # one event never earns more
MAX_ADJUSTMENT = 10_000
MAX_TASK_POINTS = 500
MAX_PLACES = 500
MAX_COST = 100_000
MAX_OCCURRENCES = 52
PROOF_GRACE = timedelta(days=7)  # proof may come in up to a week after a task ends
SOURCE_RE = re.compile(r"^[a-z_]{2,24}$")
RESERVED_SOURCES = ("reward", "refund")  # written only by redemptions
EARNING_EXCLUDED = ("reward", "refund")  # not counted as "earned" on leaderboards
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I
CODE_LENGTH = 6

# source → (amount, daily cap per person); staff can change them (points_rule rows win)
DEFAULT_RULES: dict[str, tuple[int, int | None]] = {
    "task": (0, None),
    "report": (5, 20),
    "council": (10, 10),
    "wish": (20, 40),
}
SOURCE_LABELS = {
    "task": N_("Community task"),
    "report": N_("Verified report"),
    "council": N_("Council attendance"),
    "wish": N_("Fulfilled wish"),
    "adjustment": N_("Adjustment by the community office"),
    "reward": N_("Reward"),
    "refund": N_("Points returned"),
}
# How a ledger line reads in the history, in plain words.
HISTORY_TEXT = {
    "task": N_("Community task done: {reason}"),
    "report": N_("Useful report: {reason}"),
    "council": N_("Council meeting attended: {reason}"),
    "wish": N_("Wish fulfilled: {reason}"),
    "adjustment": N_("Adjusted by the community office: {reason}"),
    "reward": N_("Exchanged for a reward: {reason}"),
    "refund": N_("Points returned: {reason}"),
}
OTHER_HISTORY_TEXT = N_("Points for: {reason}")
PROOF_LABELS = {
    "none": N_("No proof needed"),
    "note": N_("A short note"),
    "photo": N_("A photo"),
    "photo_or_note": N_("A photo or a note"),
}
CLAIM_STATUS_LABELS = {
    "claimed": N_("Claimed – do the task, then send proof"),
    "submitted": N_("Proof sent – waiting for a check"),
    "approved": N_("Approved – points credited"),
    "rejected": N_("Not approved"),
    "withdrawn": N_("Withdrawn"),
}
REDEMPTION_STATUS_LABELS = {
    "pending": N_("Waiting to be picked up"),
    "handed_over": N_("Handed over"),
    "cancelled": N_("Cancelled, points returned"),
}
FREQUENCIES = ("weekly", "monthly")
REFUSED_ROLE = N_("This action is not available for your role.")
NOT_ENOUGH = N_("Not enough points: this needs {cost} and you have {balance}.")


# --- small helpers ---------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d{1,9}\s*", value):
        return int(value)
    return None


def _text(value: object, limit: int) -> str:
    return str(value or "").strip()[:limit]


def day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The Beijing-time day holding `now`, as UTC instants [start, end)."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start.astimezone(ZoneInfo("UTC")), (start + timedelta(days=1)).astimezone(
        ZoneInfo("UTC")
    )


def month_starts(now: datetime, months: int) -> list[datetime]:
    """The Beijing-time starts of the last `months` months and of the next one, as UTC instants."""
    local = now.astimezone(ZoneInfo(TIMEZONE))
    year, month = local.year, local.month
    starts = []
    for back in range(months - 1, -2, -1):
        y, m = year, month - back
        while m < 1:
            y, m = y - 1, m + 12
        while m > 12:
            y, m = y + 1, m - 12
        starts.append(datetime(y, m, 1, tzinfo=ZoneInfo(TIMEZONE)).astimezone(ZoneInfo("UTC")))
    return starts


def _add_months(moment: datetime, months: int) -> datetime:
    local = moment.astimezone(ZoneInfo(TIMEZONE))
    m = local.month - 1 + months
    y, m = local.year + m // 12, m % 12 + 1
    day = min(
        local.day,
        [
            31,
            29 if y % 4 == 0 and (y % 100 or y % 400 == 0) else 28,
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ][m - 1],
    )
    return local.replace(year=y, month=m, day=day).astimezone(ZoneInfo("UTC"))


def _ancestors(parents: dict[int, int | None], grid_id: int | None) -> list[int]:
    chain: list[int] = []
    while grid_id is not None and grid_id not in chain:
        chain.append(grid_id)
        grid_id = parents.get(grid_id)
    return chain


def _lock_member(session: Session, user_id: int, now: datetime) -> None:
    """Serialises every ledger write of one person (row lock; SQLite: the write lock)."""
    values = {"user_id": user_id, "leaderboard_opt_out": False, "touched_at": now}
    insert = pg_insert if _is_pg(session) else sqlite_insert
    session.execute(
        insert(PointsMember).values(**values).on_conflict_do_nothing(index_elements=["user_id"])
    )
    session.execute(
        update(PointsMember).where(PointsMember.user_id == user_id).values(touched_at=now)
    )


def _last(session: Session, user_id: int) -> tuple[int, int]:
    """(seq, balance) of the person's newest entry; (0, 0) before the first."""
    row = session.exec(
        select(PointsEntry.seq, PointsEntry.balance_after)
        .where(PointsEntry.user_id == user_id)
        .order_by(PointsEntry.seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, 0)


def _append(
    session: Session,
    *,
    user: User,
    amount: int,
    source: str,
    source_id: str,
    reason: str,
    actor_id: int | None,
    now: datetime,
) -> PointsEntry:
    """Adds one ledger line after the person's newest (the member lock must be held)."""
    seq, balance_now = _last(session, user.id)
    if balance_now + amount < 0:
        raise UserError(NOT_ENOUGH, cost=-amount, balance=balance_now)
    entry = PointsEntry(
        user_id=user.id,
        seq=seq + 1,
        amount=amount,
        balance_after=balance_now + amount,
        source=source,
        source_id=str(source_id)[:64],
        reason=reason[:200],
        actor_id=actor_id,
        grid_id=user.home_grid_id,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


# --- the ledger: balance, award, adjustments, history -----------------------------------------


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
    if actor.role not in OFFICE:
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
    if errors:
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
    returns the entry, or None when already credited, capped, or the rule is switched off.
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
    already = session.exec(
        select(PointsEntry.id).where(
            PointsEntry.user_id == user.id,
            PointsEntry.source == source,
            PointsEntry.source_id == key,
        )
    ).first()
    if already is not None:
        return None
    _lock_member(session, user.id, now)
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
    if actor.role not in OFFICE:
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
    if errors:
        raise FieldErrors(errors)
    _lock_member(session, person.id, now)
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
        .order_by(PointsEntry.seq.desc())
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


# --- tasks -----------------------------------------------------------------------------------


def _may_work_in(
    session: Session, user: User, grid_ids: list[int], parents: dict[int, int | None] | None = None
) -> bool:
    """Staff and admins everywhere; a grid worker in the grids they answer for and below them,
    and in grids above theirs (a community-wide task reaches their courtyards too)."""
    if user.role in OFFICE:
        return True
    if user.role != "grid_worker":
        return False
    parents = parents or parent_map(session)
    duties = set(session.exec(select(GridDuty.grid_id).where(GridDuty.user_id == user.id)).all())
    if not duties:
        return False
    for gid in grid_ids:
        up = set(_ancestors(parents, gid))
        if up & duties:
            continue
        if any(gid in _ancestors(parents, d) for d in duties):
            continue
        return False
    return True


def _may_publish(
    session: Session, user: User, grid_ids: list[int], parents: dict[int, int | None]
) -> bool:
    if user.role in OFFICE:
        return True
    if user.role != "grid_worker":
        return False
    duties = set(session.exec(select(GridDuty.grid_id).where(GridDuty.user_id == user.id)).all())
    return bool(duties) and all(set(_ancestors(parents, gid)) & duties for gid in grid_ids)


def publish_task(
    session: Session,
    *,
    actor_id: int,
    title: str,
    description: str,
    points: object,
    places: object,
    grid_ids: list[int],
    starts_at: datetime | None,
    ends_at: datetime | None,
    proof: str = "note",
    verifier_id: int | None = None,
    repeat: str | None = None,
    occurrences: object = 1,
    now: datetime | None = None,
) -> list[PointsTask]:
    """Publish a task, or a weekly/monthly series of them. Raises FieldErrors."""
    now = _now(now)
    actor = active_user(session, actor_id)
    if actor.role not in WORKERS:
        raise UserError(REFUSED_ROLE)
    parents = parent_map(session)
    errors: dict[str, Message] = {}
    title_text, desc = _text(title, 81), _text(description, 2001)
    if len(title_text) < 2:
        errors["title"] = Message(N_("Please give the task a title."))
    elif len(title_text) > 80:
        errors["title"] = Message(N_("Use at most {n} characters."), {"n": 80})
    if len(desc) > 2000:
        errors["description"] = Message(N_("Use at most {n} characters."), {"n": 2000})
    pts = _int(points)
    if pts is None or not 1 <= pts <= MAX_TASK_POINTS:
        errors["points"] = Message(
            N_("Points must be a whole number from {least} to {most}."),
            {"least": 1, "most": MAX_TASK_POINTS},
        )
    cap = _int(places)
    if cap is None or not 1 <= cap <= MAX_PLACES:
        errors["places"] = Message(
            N_("Places must be a whole number from {least} to {most}."),
            {"least": 1, "most": MAX_PLACES},
        )
    grids = sorted({int(g) for g in grid_ids or [] if _int(g) is not None})
    if not grids or any(g not in parents for g in grids):
        errors["grids"] = Message(N_("Please choose the grids this task is open to."))
    elif not _may_publish(session, actor, grids, parents):
        errors["grids"] = Message(N_("You can only publish tasks for the grids you look after."))
    if starts_at is None or ends_at is None:
        errors["period"] = Message(N_("Please give a start and an end."))
    elif ends_at <= starts_at:
        errors["period"] = Message(N_("The end must be after the start."))
    elif ends_at <= now:
        errors["period"] = Message(N_("The end must be in the future."))
    elif ends_at - starts_at > timedelta(days=366):
        errors["period"] = Message(N_("A task can last at most one year."))
    if proof not in PROOF_LABELS:
        errors["proof"] = Message(N_("Please choose what proof is needed."))
    if verifier_id is not None:
        verifier = session.get(User, verifier_id)
        if verifier is None or verifier.role not in WORKERS:
            errors["verifier"] = Message(
                N_("The person who checks must be a grid worker or staff.")
            )
    count = 1
    if repeat:
        count = _int(occurrences) or 0
        if repeat not in FREQUENCIES:
            errors["repeat"] = Message(N_("Please choose how often the task repeats."))
        elif not 2 <= count <= MAX_OCCURRENCES:
            errors["occurrences"] = Message(
                N_("A series has from {least} to {most} tasks."),
                {"least": 2, "most": MAX_OCCURRENCES},
            )
    if errors:
        raise FieldErrors(errors)
    series = None
    if repeat:
        series = TaskSeries(
            title=title_text,
            frequency=repeat,
            occurrences=count,
            created_by=actor.id,
            created_at=now,
        )
        session.add(series)
        session.flush()
    tasks = []
    for n in range(count):
        if repeat == "weekly":
            start, end = starts_at + timedelta(weeks=n), ends_at + timedelta(weeks=n)
        elif repeat == "monthly":
            start, end = _add_months(starts_at, n), _add_months(ends_at, n)
        else:
            start, end = starts_at, ends_at
        task = PointsTask(
            title=title_text,
            description=desc,
            points=pts,
            places=cap,
            starts_at=start,
            ends_at=end,
            proof=proof,
            verifier_id=verifier_id,
            publisher_id=actor.id,
            series_id=series.id if series else None,
            created_at=now,
        )
        session.add(task)
        session.flush()
        for gid in grids:
            session.add(TaskGrid(task_id=task.id, grid_id=gid))
        tasks.append(task)
    session.commit()
    return tasks


def cancel_task(
    session: Session, *, actor_id: int, task_id: int, reason: str, now: datetime | None = None
) -> PointsTask:
    """Cancel an open task; unfinished claims are withdrawn (sent proof is still checked)."""
    now = _now(now)
    actor = active_user(session, actor_id)
    task = session.get(PointsTask, task_id)
    if task is None:
        raise UserError(N_("This task no longer exists."))
    if actor.role not in OFFICE and actor.id != task.publisher_id:
        raise UserError(N_("Only the publisher or community staff can cancel this task."))
    note = _text(reason, 200)
    if len(note) < 2:
        raise UserError(N_("Please write why the task is cancelled."), field="reason")
    done = session.execute(
        update(PointsTask)
        .where(PointsTask.id == task_id, PointsTask.status == "open")
        .values(status="cancelled", lock_version=PointsTask.lock_version + 1)
    )
    if done.rowcount != 1:
        session.rollback()
        raise UserError(N_("This task was cancelled."))
    for claim in session.exec(
        select(TaskClaim).where(TaskClaim.task_id == task_id, TaskClaim.status == "claimed")
    ):
        _move_claim(session, claim, "withdrawn", actor.id, note, now)
    session.commit()
    session.refresh(task)
    return task


def _move_claim(
    session: Session,
    claim: TaskClaim,
    to: str,
    actor_id: int | None,
    note: str | None,
    now: datetime,
) -> None:
    session.add(
        TaskClaimEvent(
            claim_id=claim.id,
            from_status=claim.status,
            to_status=to,
            actor_id=actor_id,
            note=note,
            at=now,
        )
    )
    claim.status, claim.updated_at = to, now
    session.add(claim)
    session.flush()


def _taken(session: Session, task_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(TaskClaim)
            .where(TaskClaim.task_id == task_id, TaskClaim.status != "withdrawn")
        ).one()
    )


def _task_grids(session: Session, task_ids: list[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {tid: set() for tid in task_ids}
    if task_ids:
        for tid, gid in session.exec(
            select(TaskGrid.task_id, TaskGrid.grid_id).where(TaskGrid.task_id.in_(task_ids))
        ):
            found[tid].add(gid)
    return found


@dataclass(frozen=True)
class TaskCard:
    task: PointsTask
    places_left: int
    claim: TaskClaim | None
    grid_ids: tuple[int, ...]

    @property
    def closed(self) -> bool:
        return self.task.status != "open"


def open_tasks_for(
    session: Session, *, user_id: int, now: datetime | None = None, horizon_days: int = 35
) -> list[TaskCard]:
    """Open tasks reaching the person's grid that end in the future and start within the horizon."""
    now = _now(now)
    user = active_user(session, user_id)
    parents = parent_map(session)
    reach = _ancestors(parents, user.home_grid_id)
    if not reach:
        return []
    task_ids = select(TaskGrid.task_id).where(TaskGrid.grid_id.in_(reach))
    tasks = session.exec(
        select(PointsTask)
        .where(
            PointsTask.id.in_(task_ids),
            PointsTask.status == "open",
            PointsTask.ends_at > now,
            PointsTask.starts_at < now + timedelta(days=horizon_days),
        )
        .order_by(PointsTask.starts_at, PointsTask.id)
        .limit(100)
    ).all()
    return _cards(session, tasks, user.id)


def _cards(session: Session, tasks: list[PointsTask], user_id: int | None) -> list[TaskCard]:
    ids = [t.id for t in tasks]
    if not ids:
        return []
    taken = dict(
        session.exec(
            select(TaskClaim.task_id, func.count())
            .where(TaskClaim.task_id.in_(ids), TaskClaim.status != "withdrawn")
            .group_by(TaskClaim.task_id)
        ).all()
    )
    mine = {}
    if user_id is not None:
        mine = {
            c.task_id: c
            for c in session.exec(
                select(TaskClaim).where(TaskClaim.task_id.in_(ids), TaskClaim.user_id == user_id)
            )
        }
    grids = _task_grids(session, ids)
    return [
        TaskCard(
            t, max(0, t.places - taken.get(t.id, 0)), mine.get(t.id), tuple(sorted(grids[t.id]))
        )
        for t in tasks
    ]


@dataclass(frozen=True)
class MyClaim:
    claim: TaskClaim
    task: PointsTask

    @property
    def can_submit(self) -> bool:
        return self.claim.status == "claimed" or (
            self.claim.status == "rejected" and self.claim.submissions < 2
        )

    @property
    def can_withdraw(self) -> bool:
        return self.claim.status in ("claimed", "rejected")


def my_claims(session: Session, *, user_id: int, limit: int = 30) -> list[MyClaim]:
    rows = session.exec(
        select(TaskClaim, PointsTask)
        .join(PointsTask, PointsTask.id == TaskClaim.task_id)
        .where(TaskClaim.user_id == user_id, TaskClaim.status != "withdrawn")
        .order_by(TaskClaim.updated_at.desc())
        .limit(limit)
    ).all()
    return [MyClaim(c, t) for c, t in rows]


def claim_task(
    session: Session, *, user_id: int, task_id: int, now: datetime | None = None
) -> TaskClaim:
    """Take one place of a task. Never more claims than places, however many claim at once."""
    now = _now(now)
    user = active_user(session, user_id)
    # First statement is a write: it locks the task row (and on SQLite the database).
    locked = session.execute(
        update(PointsTask)
        .where(PointsTask.id == task_id)
        .values(lock_version=PointsTask.lock_version + 1)
    )
    if locked.rowcount != 1:
        session.rollback()
        raise UserError(N_("This task no longer exists."))
    task = session.exec(
        select(PointsTask).where(PointsTask.id == task_id).execution_options(populate_existing=True)
    ).one()
    problem = None
    if task.status != "open":
        problem = N_("This task was cancelled.")
    elif task.ends_at <= now:
        problem = N_("This task is closed.")
    elif (
        not set(_ancestors(parent_map(session), user.home_grid_id))
        & _task_grids(session, [task.id])[task.id]
    ):
        problem = N_("This task is not open to your grid.")
    claim = session.exec(
        select(TaskClaim)
        .where(TaskClaim.task_id == task_id, TaskClaim.user_id == user.id)
        .execution_options(populate_existing=True)
    ).first()
    if problem is None and claim is not None and claim.status != "withdrawn":
        problem = N_("You have already claimed this task.")
    if problem is None and _taken(session, task_id) >= task.places:
        problem = N_("All places for this task are taken.")
    if problem:
        session.rollback()
        raise UserError(problem)
    try:
        if claim is None:
            claim = TaskClaim(
                task_id=task_id, user_id=user.id, status="claimed", claimed_at=now, updated_at=now
            )
            session.add(claim)
            session.flush()
            session.add(
                TaskClaimEvent(
                    claim_id=claim.id,
                    from_status=None,
                    to_status="claimed",
                    actor_id=user.id,
                    at=now,
                )
            )
        else:
            claim.claimed_at = now
            _move_claim(session, claim, "claimed", user.id, None, now)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(N_("You have already claimed this task.")) from None
    return claim


def _own_claim(session: Session, user_id: int, claim_id: int) -> TaskClaim:
    claim = session.get(TaskClaim, claim_id)
    if claim is None or claim.user_id != user_id:
        raise UserError(N_("This claim could not be found."))
    return claim


def withdraw_claim(
    session: Session, *, user_id: int, claim_id: int, now: datetime | None = None
) -> TaskClaim:
    """Give the place back (before sending proof, or after a rejection)."""
    now = _now(now)
    claim = _own_claim(session, user_id, claim_id)
    before = claim.status
    done = session.execute(
        update(TaskClaim)
        .where(TaskClaim.id == claim_id, TaskClaim.status.in_(("claimed", "rejected")))
        .values(status="withdrawn", updated_at=now)
    )
    if done.rowcount != 1:
        session.rollback()
        raise UserError(N_("This claim can no longer be withdrawn."))
    session.add(
        TaskClaimEvent(
            claim_id=claim_id, from_status=before, to_status="withdrawn", actor_id=user_id, at=now
        )
    )
    session.commit()
    session.refresh(claim)
    return claim


def submit_proof(
    session: Session,
    *,
    user_id: int,
    claim_id: int,
    note: str = "",
    photo: bytes | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> TaskClaim:
    """Send proof the task was done (a rejected claim may be sent once more). Raises FieldErrors."""
    now = _now(now)
    claim = _own_claim(session, user_id, claim_id)
    task = session.get(PointsTask, claim.task_id)
    text = _text(note, 1001)
    errors: dict[str, Message] = {}
    if claim.status == "rejected" and claim.submissions >= 2:
        raise UserError(
            N_("This proof was already sent again once and cannot be sent a third time.")
        )
    if claim.status not in ("claimed", "rejected"):
        raise UserError(N_("Proof for this task was already sent."))
    if now > task.ends_at + PROOF_GRACE:
        raise UserError(N_("The time to send proof for this task is over."))
    if now < task.starts_at:
        raise UserError(N_("This task has not started yet."))
    if len(text) > 1000:
        errors["note"] = Message(N_("Use at most {n} characters."), {"n": 1000})
    if task.proof == "note" and len(text) < 2:
        errors["note"] = Message(N_("Please write a short note about what you did."))
    if task.proof == "photo" and not photo:
        errors["photo"] = Message(N_("Please add a photo."))
    if task.proof == "photo_or_note" and not photo and len(text) < 2:
        errors["note"] = Message(N_("Please add a photo or write a short note."))
    stored = None
    if photo and not errors:
        from portal.media import MediaStore, check_photo

        try:
            checked = check_photo(photo)
        except UserError as exc:
            errors["photo"] = exc.message
        else:
            if media_root is None:
                raise UserError(N_("Photos cannot be stored right now."), field="photo")
            stored = MediaStore(media_root).save_photo(checked)[0]
    if errors:
        raise FieldErrors(errors)
    before = claim.status
    done = session.execute(
        update(TaskClaim)
        .where(
            TaskClaim.id == claim_id,
            TaskClaim.status == before,
            TaskClaim.submissions == claim.submissions,
        )
        .values(
            status="submitted",
            submissions=TaskClaim.submissions + 1,
            proof_note=text or None,
            proof_photo=stored,
            reject_reason=None,
            updated_at=now,
        )
    )
    if done.rowcount != 1:
        session.rollback()
        raise UserError(N_("Proof for this task was already sent."))
    session.add(
        TaskClaimEvent(
            claim_id=claim_id,
            from_status=before,
            to_status="submitted",
            actor_id=user_id,
            note=(text or None) and text[:200],
            at=now,
        )
    )
    session.commit()
    session.refresh(claim)
    return claim


def _may_verify(session: Session, actor: User, task: PointsTask) -> bool:
    if actor.role in OFFICE or actor.id == task.verifier_id:
        return True
    if task.verifier_id is not None or actor.role != "grid_worker":
        return False
    return actor.id == task.publisher_id or _may_work_in(
        session, actor, sorted(_task_grids(session, [task.id])[task.id])
    )


@dataclass(frozen=True)
class ToVerify:
    claim: TaskClaim
    task: PointsTask
    person: str
    username: str


def claims_to_verify(session: Session, *, actor_id: int, limit: int = 50) -> list[ToVerify]:
    """Proof waiting for this person's check, oldest first (not their own)."""
    actor = active_user(session, actor_id)
    if actor.role not in WORKERS:
        return []
    rows = session.exec(
        select(TaskClaim, PointsTask, User)
        .join(PointsTask, PointsTask.id == TaskClaim.task_id)
        .join(User, User.id == TaskClaim.user_id)
        .where(TaskClaim.status == "submitted", TaskClaim.user_id != actor.id)
        .order_by(TaskClaim.updated_at)
        .limit(500)
    ).all()
    found = []
    for claim, task, person in rows:
        if _may_verify(session, actor, task):
            found.append(ToVerify(claim, task, person.display_name, person.username))
            if len(found) >= limit:
                break
    return found


@dataclass(frozen=True)
class Verdict:
    claim: TaskClaim
    entry: PointsEntry | None  # None when approved but today's cap was reached


def verify_claim(
    session: Session,
    *,
    actor_id: int,
    claim_id: int,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Verdict:
    """Approve (points credited through award()) or reject with a reason."""
    now = _now(now)
    actor = active_user(session, actor_id)
    claim = session.get(TaskClaim, claim_id)
    if claim is None:
        raise UserError(N_("This claim could not be found."))
    task = session.get(PointsTask, claim.task_id)
    if claim.user_id == actor.id:
        raise UserError(N_("You cannot check your own task."))
    if not _may_verify(session, actor, task):
        raise UserError(N_("You cannot check proof for this task."))
    note = _text(reason, 200)
    if not approve and len(note) < 2:
        raise UserError(N_("Please write why the proof is not accepted."), field="reason")
    to = "approved" if approve else "rejected"
    done = session.execute(
        update(TaskClaim)
        .where(TaskClaim.id == claim_id, TaskClaim.status == "submitted")
        .values(status=to, reject_reason=None if approve else note, updated_at=now)
    )
    if done.rowcount != 1:
        session.rollback()
        raise UserError(N_("This proof was already checked."))
    session.add(
        TaskClaimEvent(
            claim_id=claim_id,
            from_status="submitted",
            to_status=to,
            actor_id=actor.id,
            note=note or None,
            at=now,
        )
    )
    entry = None
    if approve:
        entry = award(
            session,
            user_id=claim.user_id,
            source="task",
            source_id=claim.id,
            reason=task.title,
            actor_id=actor.id,
            amount=task.points,
            now=now,
        )
    session.commit()
    session.refresh(claim)
    return Verdict(claim, entry)


@dataclass(frozen=True)
class TaskRow:
    task: PointsTask
    taken: int
    waiting: int
    approved: int


def tasks_overview(
    session: Session,
    *,
    actor_id: int,
    include_past: bool = False,
    now: datetime | None = None,
    limit: int = 100,
) -> list[TaskRow]:
    """Tasks the person published or may check, with places taken and proof waiting."""
    now = _now(now)
    actor = active_user(session, actor_id)
    if actor.role not in WORKERS:
        return []
    query = select(PointsTask)
    if not include_past:
        query = query.where(PointsTask.ends_at > now - PROOF_GRACE)
    tasks = [
        t
        for t in session.exec(query.order_by(PointsTask.starts_at, PointsTask.id).limit(1000))
        if t.publisher_id == actor.id or _may_verify(session, actor, t)
    ][:limit]
    ids = [t.id for t in tasks]
    counts: dict[tuple[int, str], int] = {}
    if ids:
        for tid, status, n in session.exec(
            select(TaskClaim.task_id, TaskClaim.status, func.count())
            .where(TaskClaim.task_id.in_(ids))
            .group_by(TaskClaim.task_id, TaskClaim.status)
        ):
            counts[(tid, status)] = n
    return [
        TaskRow(
            t,
            sum(n for (tid, s), n in counts.items() if tid == t.id and s != "withdrawn"),
            counts.get((t.id, "submitted"), 0),
            counts.get((t.id, "approved"), 0),
        )
        for t in tasks
    ]


# --- rewards and redemptions -----------------------------------------------------------------


def _available(now: datetime):
    return and_(
        Reward.active,
        Reward.available_from <= now,
        or_(Reward.available_until.is_(None), Reward.available_until > now),
    )


@dataclass(frozen=True)
class RewardCard:
    reward: Reward
    provider_name: str  # the merchant's name, or "" for the community office


def rewards_for(
    session: Session, *, now: datetime | None = None, include_inactive: bool = False
) -> list[RewardCard]:
    now = _now(now)
    query = select(Reward)
    if not include_inactive:
        query = query.where(_available(now))
    found = session.exec(query.order_by(Reward.cost, Reward.id)).all()
    merchants = (
        {
            m.id: m.display_name
            for m in session.exec(
                select(User).where(User.id.in_([r.merchant_id for r in found if r.merchant_id]))
            )
        }
        if found
        else {}
    )
    return [RewardCard(r, merchants.get(r.merchant_id, "")) for r in found]


def save_reward(
    session: Session,
    *,
    actor_id: int,
    name: str,
    cost: object,
    description: str = "",
    stock: object = 0,
    provider: str = "office",
    merchant_id: int | None = None,
    available_from: datetime | None = None,
    available_until: datetime | None = None,
    active: bool = True,
    reward_id: int | None = None,
    picture: bytes | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> Reward:
    """Add a reward to the catalogue or change one (stock changes go through change_stock)."""
    now = _now(now)
    actor = active_user(session, actor_id)
    if actor.role not in OFFICE:
        raise UserError(REFUSED_ROLE)
    errors: dict[str, Message] = {}
    label = _text(name, 81)
    if len(label) < 2:
        errors["name"] = Message(N_("Please give the reward a name."))
    elif len(label) > 80:
        errors["name"] = Message(N_("Use at most {n} characters."), {"n": 80})
    price = _int(cost)
    if price is None or not 1 <= price <= MAX_COST:
        errors["cost"] = Message(
            N_("Points must be a whole number from {least} to {most}."),
            {"least": 1, "most": MAX_COST},
        )
    units = _int(stock) if reward_id is None else 0
    if units is None or not 0 <= units <= 100_000:
        errors["stock"] = Message(
            N_("Stock must be a whole number from {least} to {most}."),
            {"least": 0, "most": 100_000},
        )
    if provider not in ("office", "merchant"):
        errors["provider"] = Message(N_("Please choose who hands the reward out."))
    elif provider == "merchant":
        merchant = session.get(User, merchant_id) if merchant_id else None
        if merchant is None or merchant.role != "merchant":
            errors["merchant"] = Message(N_("Please choose the merchant who hands it out."))
    start = available_from or now
    if available_until is not None and available_until <= start:
        errors["period"] = Message(N_("The end must be after the start."))
    stored = None
    if picture:
        from portal.media import MediaStore, check_photo

        try:
            checked = check_photo(picture)
        except UserError as exc:
            errors["picture"] = exc.message
        else:
            if media_root is not None:
                stored = MediaStore(media_root).save_photo(checked)[0]
    if errors:
        raise FieldErrors(errors)
    if reward_id is None:
        reward = Reward(name=label, stock=units, created_by=actor.id, created_at=now)
    else:
        reward = session.get(Reward, reward_id)
        if reward is None:
            raise UserError(N_("This reward no longer exists."))
    reward.name, reward.description, reward.cost = label, _text(description, 1000), price
    reward.provider = provider
    reward.merchant_id = merchant_id if provider == "merchant" else None
    reward.available_from, reward.available_until, reward.active = start, available_until, active
    if stored:
        reward.picture = stored
    session.add(reward)
    session.flush()
    if reward_id is None and units:
        session.add(
            RewardStockChange(
                reward_id=reward.id, delta=units, reason="initial stock", actor_id=actor.id, at=now
            )
        )
    session.commit()
    return reward


def change_stock(
    session: Session,
    *,
    actor_id: int,
    reward_id: int,
    delta: object,
    reason: str,
    now: datetime | None = None,
) -> Reward:
    """Add (or take away) units; stock never goes below zero."""
    now = _now(now)
    actor = active_user(session, actor_id)
    if actor.role not in OFFICE:
        raise UserError(REFUSED_ROLE)
    value = _int(delta)
    if value is None or value == 0 or abs(value) > 100_000:
        raise UserError(N_("Enter a whole number other than 0."), field="delta")
    note = _text(reason, 200)
    if len(note) < 2:
        raise UserError(N_("Please write a reason."), field="reason")
    done = session.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.stock + value >= 0)
        .values(stock=Reward.stock + value)
    )
    if done.rowcount != 1:
        session.rollback()
        raise UserError(N_("There are not that many units in stock."), field="delta")
    session.add(
        RewardStockChange(reward_id=reward_id, delta=value, reason=note, actor_id=actor.id, at=now)
    )
    session.commit()
    return session.get(Reward, reward_id)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").upper()[:12]


def redeem(
    session: Session, *, user_id: int, reward_id: int, now: datetime | None = None
) -> Redemption:
    """Take the points and one unit of stock in one transaction; return the redemption and code."""
    now = _now(now)
    user = active_user(session, user_id)
    _lock_member(session, user.id, now)  # first write: serialises this person's ledger
    taken = session.execute(
        update(Reward)
        .where(Reward.id == reward_id, Reward.stock > 0, _available(now))
        .values(stock=Reward.stock - 1)
    )
    if taken.rowcount != 1:
        session.rollback()
        reward = session.get(Reward, reward_id)
        if reward is None:
            raise UserError(N_("This reward no longer exists."))
        if reward.stock <= 0:
            raise UserError(N_("This reward is out of stock."))
        raise UserError(N_("This reward is not available now."))
    reward = session.exec(
        select(Reward).where(Reward.id == reward_id).execution_options(populate_existing=True)
    ).one()
    have = balance(session, user.id)
    if have < reward.cost:
        session.rollback()
        raise UserError(NOT_ENOUGH, cost=reward.cost, balance=have)
    for _attempt in range(5):
        try:
            with session.begin_nested():
                redemption = Redemption(
                    code=new_code(),
                    reward_id=reward.id,
                    user_id=user.id,
                    cost=reward.cost,
                    status="pending",
                    created_at=now,
                )
                session.add(redemption)
                session.flush()
            break
        except IntegrityError:  # the code happened to exist: draw another
            continue
    else:  # pragma: no cover - 32^6 codes
        session.rollback()
        raise UserError(N_("Please try again."))
    session.add(
        RedemptionEvent(redemption_id=redemption.id, to_status="pending", actor_id=user.id, at=now)
    )
    _append(
        session,
        user=user,
        amount=-reward.cost,
        source="reward",
        source_id=str(redemption.id),
        reason=reward.name,
        actor_id=user.id,
        now=now,
    )
    session.commit()
    return redemption


def cancel_redemption(
    session: Session,
    *,
    actor_id: int,
    redemption_id: int,
    reason: str = "",
    now: datetime | None = None,
) -> Redemption:
    """Cancel a code not yet handed over: the unit goes back to stock, the points come back."""
    now = _now(now)
    actor = active_user(session, actor_id)
    redemption = session.get(Redemption, redemption_id)
    if redemption is None or (redemption.user_id != actor.id and actor.role not in OFFICE):
        raise UserError(N_("This code could not be found."))
    owner = active_user(session, redemption.user_id)
    _lock_member(session, owner.id, now)
    done = session.execute(
        update(Redemption)
        .where(Redemption.id == redemption_id, Redemption.status == "pending")
        .values(status="cancelled", closed_at=now, closed_by=actor.id)
    )
    if done.rowcount != 1:
        session.rollback()
        raise UserError(N_("This code was already handed over or cancelled."))
    session.execute(
        update(Reward).where(Reward.id == redemption.reward_id).values(stock=Reward.stock + 1)
    )
    note = _text(reason, 200) or None
    session.add(
        RedemptionEvent(
            redemption_id=redemption_id,
            from_status="pending",
            to_status="cancelled",
            actor_id=actor.id,
            note=note,
            at=now,
        )
    )
    reward = session.get(Reward, redemption.reward_id)
    _append(
        session,
        user=owner,
        amount=redemption.cost,
        source="refund",
        source_id=str(redemption.id),
        reason=reward.name,
        actor_id=actor.id,
        now=now,
    )
    session.commit()
    session.refresh(redemption)
    return redemption


@dataclass(frozen=True)
class CodeView:
    redemption: Redemption
    reward: Reward
    person: str


def _may_hand_over(actor: User, reward: Reward) -> bool:
    if actor.role in OFFICE:
        return True
    return actor.role == "merchant" and reward.merchant_id == actor.id


def look_up_code(session: Session, *, actor_id: int, code: str) -> CodeView:
    actor = active_user(session, actor_id)
    key = normalise_code(code)
    if not key:
        raise UserError(N_("Please type the code."), field="code")
    redemption = session.exec(select(Redemption).where(Redemption.code == key)).first()
    reward = session.get(Reward, redemption.reward_id) if redemption else None
    if redemption is None or not _may_hand_over(actor, reward):
        raise UserError(
            N_("No reward of yours has this code. Please check the code."), field="code"
        )
    person = session.get(User, redemption.user_id)
    return CodeView(redemption, reward, person.display_name if person else "")


def hand_over(
    session: Session, *, actor_id: int, code: str, now: datetime | None = None
) -> CodeView:
    """Mark a code as handed over; a second time is refused."""
    now = _now(now)
    view = look_up_code(session, actor_id=actor_id, code=code)
    done = session.execute(
        update(Redemption)
        .where(Redemption.id == view.redemption.id, Redemption.status == "pending")
        .values(status="handed_over", closed_at=now, closed_by=actor_id)
    )
    if done.rowcount != 1:
        session.rollback()
        current = session.exec(
            select(Redemption)
            .where(Redemption.id == view.redemption.id)
            .execution_options(populate_existing=True)
        ).one()
        if current.status == "handed_over":
            raise UserError(N_("This code was already handed over."), field="code")
        raise UserError(N_("This code was cancelled; the points went back."), field="code")
    session.add(
        RedemptionEvent(
            redemption_id=view.redemption.id,
            from_status="pending",
            to_status="handed_over",
            actor_id=actor_id,
            at=now,
        )
    )
    session.commit()
    session.refresh(view.redemption)
    return view


@dataclass(frozen=True)
class MyRedemption:
    redemption: Redemption
    reward: Reward
    provider_name: str


def my_redemptions(session: Session, *, user_id: int, limit: int = 30) -> list[MyRedemption]:
    rows = session.exec(
        select(Redemption, Reward)
        .join(Reward, Reward.id == Redemption.reward_id)
        .where(Redemption.user_id == user_id)
        .order_by(Redemption.created_at.desc(), Redemption.id.desc())
        .limit(limit)
    ).all()
    names = (
        {
            u.id: u.display_name
            for u in session.exec(
                select(User).where(User.id.in_([r.merchant_id for _x, r in rows if r.merchant_id]))
            )
        }
        if rows
        else {}
    )
    return [MyRedemption(x, r, names.get(r.merchant_id, "")) for x, r in rows]


def codes_waiting(session: Session, *, actor_id: int, limit: int = 100) -> list[CodeView]:
    """Codes not yet handed over for rewards this person hands out (all of them for staff)."""
    actor = active_user(session, actor_id)
    query = (
        select(Redemption, Reward, User)
        .join(Reward, Reward.id == Redemption.reward_id)
        .join(User, User.id == Redemption.user_id)
        .where(Redemption.status == "pending")
    )
    if actor.role == "merchant":
        query = query.where(Reward.merchant_id == actor.id)
    elif actor.role not in OFFICE:
        return []
    rows = session.exec(query.order_by(Redemption.created_at).limit(limit)).all()
    return [CodeView(x, r, u.display_name) for x, r, u in rows]


# --- members, leaderboard and figures ----------------------------------------------------------


def leaderboard_opt_out(session: Session, user_id: int) -> bool:
    member = session.get(PointsMember, user_id)
    return bool(member and member.leaderboard_opt_out)


def set_leaderboard_opt_out(
    session: Session, *, user_id: int, opt_out: bool, now: datetime | None = None
) -> None:
    now = _now(now)
    active_user(session, user_id)
    _lock_member(session, user_id, now)
    session.execute(
        update(PointsMember)
        .where(PointsMember.user_id == user_id)
        .values(leaderboard_opt_out=bool(opt_out))
    )
    session.commit()


@dataclass(frozen=True)
class Standing:
    rank: int
    user_id: int
    name: str | None  # None: the person chose not to appear by name
    points: int


def leaderboard(
    session: Session, *, grid_id: int, since: datetime | None = None, limit: int = 20
) -> list[Standing]:
    """Who earned most points in a grid (and the grids below it); opted-out people stay unnamed."""
    parents = parent_map(session)
    if grid_id not in parents:
        return []
    grids = subtree(parents, grid_id)
    total = func.sum(PointsEntry.amount).label("total")
    query = select(PointsEntry.user_id, total).where(
        PointsEntry.grid_id.in_(grids), PointsEntry.source.notin_(EARNING_EXCLUDED)
    )
    if since is not None:
        query = query.where(PointsEntry.created_at >= since)
    rows = session.exec(
        query.group_by(PointsEntry.user_id)
        .having(total > 0)
        .order_by(total.desc(), PointsEntry.user_id)
        .limit(limit)
    ).all()
    ids = [uid for uid, _t in rows]
    names = (
        dict(session.exec(select(User.id, User.display_name).where(User.id.in_(ids))).all())
        if ids
        else {}
    )
    hidden = (
        set(
            session.exec(
                select(PointsMember.user_id).where(
                    PointsMember.user_id.in_(ids), PointsMember.leaderboard_opt_out
                )
            ).all()
        )
        if ids
        else set()
    )
    return [
        Standing(n, uid, None if uid in hidden else names.get(uid, ""), int(pts))
        for n, (uid, pts) in enumerate(rows, 1)
    ]


@dataclass(frozen=True)
class MonthFigures:
    grid_id: int  # a general grid (or the community grid for entries without a home)
    month: str  # "2026-11" in Beijing time
    issued: int
    redeemed: int  # net of cancelled redemptions


def monthly_by_grid(
    session: Session, *, months: int = 6, now: datetime | None = None
) -> list[MonthFigures]:
    """Points issued and redeemed per general grid per month, over the last `months` months."""
    now = _now(now)
    starts = month_starts(now, max(1, min(months, 24)))
    bucket = case(
        *[
            (and_(PointsEntry.created_at >= starts[i], PointsEntry.created_at < starts[i + 1]), i)
            for i in range(len(starts) - 1)
        ],
        else_=-1,
    ).label("bucket")
    issued = func.sum(
        case((PointsEntry.source.notin_(EARNING_EXCLUDED), PointsEntry.amount), else_=0)
    )
    redeemed = func.sum(
        case((PointsEntry.source.in_(EARNING_EXCLUDED), -PointsEntry.amount), else_=0)
    )
    rows = session.exec(
        select(PointsEntry.grid_id, bucket, issued, redeemed)
        .where(PointsEntry.created_at >= starts[0], PointsEntry.created_at < starts[-1])
        .group_by(PointsEntry.grid_id, bucket)
    ).all()
    kinds = dict(session.exec(select(Grid.id, Grid.kind)).all())
    parents = parent_map(session)
    community = next((gid for gid, kind in kinds.items() if kind == "community"), 0)
    labels = [s.astimezone(ZoneInfo(TIMEZONE)).strftime("%Y-%m") for s in starts[:-1]]
    totals: dict[tuple[int, int], list[int]] = {}
    for gid, b, iss, red in rows:
        if b < 0:
            continue
        general = next(
            (g for g in _ancestors(parents, gid) if kinds.get(g) == "general"), community
        )
        slot = totals.setdefault((general, b), [0, 0])
        slot[0] += int(iss or 0)
        slot[1] += int(red or 0)
    return [
        MonthFigures(g, labels[b], v[0], v[1])
        for (g, b), v in sorted(totals.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]


def publishable_grids(session: Session, *, actor_id: int) -> list[int]:
    """Grids this person may publish tasks for: everything for staff, their grids and below for a
    grid worker."""
    actor = active_user(session, actor_id)
    parents = parent_map(session)
    if actor.role in OFFICE:
        return sorted(parents)
    if actor.role != "grid_worker":
        return []
    duties = session.exec(select(GridDuty.grid_id).where(GridDuty.user_id == actor.id)).all()
    found: set[int] = set()
    for gid in duties:
        found |= subtree(parents, gid)
    return sorted(found)


def merchants(session: Session) -> list[tuple[int, str]]:
    """(id, name) of the merchants of the alliance, for choosing who hands a reward out."""
    return [
        (uid, name)
        for uid, name in session.exec(
            select(User.id, User.display_name)
            .where(User.role == "merchant", User.is_active)
            .order_by(User.display_name, User.id)
        ).all()
    ]


def set_reward_active(session: Session, *, actor_id: int, reward_id: int, active: bool) -> Reward:
    """Stop offering a reward (codes already given stay valid) or offer it again."""
    actor = active_user(session, actor_id)
    if actor.role not in OFFICE:
        raise UserError(REFUSED_ROLE)
    reward = session.get(Reward, reward_id)
    if reward is None:
        raise UserError(N_("This reward no longer exists."))
    reward.active = bool(active)
    session.add(reward)
    session.commit()
    return reward
