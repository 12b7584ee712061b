"""The points limits, roles, labels and messages, and the small helpers every part uses: the
clock, number and text checks, local day and month bounds, grid ancestors, the per-person lock
(points_member row) and the one append to a person's ledger chain.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from db.models import User
from db.models_points import (
    PointsEntry,
    PointsMember,
)
from db.types import row_id, utcnow
from portal.config import TIMEZONE
from portal.errors import UserError
from portal.i18n import N_
from portal.permissions import OFFICE, WORKERS  # noqa: F401  (the old names; rules: permissions)

MAX_AWARD = 1000  # one event never earns more
MAX_ADJUSTMENT = 10_000
MAX_TASK_POINTS = 500
MAX_PLACES = 500
MAX_COST = 100_000
MAX_OCCURRENCES = 52
PROOF_GRACE = timedelta(days=7)  # proof may come in up to a week after a task ends
SOURCE_RE = re.compile(r"^[a-z_]{2,24}$")
# written only by redemptions, venue bookings and micro-project pledges
RESERVED_SOURCES = ("reward", "refund", "venue_fee", "pledge")
EARNING_EXCLUDED = ("reward", "refund", "venue_fee", "pledge")  # not "earned" on leaderboards
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
    "venue": N_("Venue used for the community"),
    "venue_fee": N_("Venue booking"),
    "pledge": N_("Pledged to a micro-project"),
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
    "venue": N_("Venue used for the community: {reason}"),
    "venue_fee": N_("Venue booked: {reason}"),
    "pledge": N_("Pledged to a micro-project: {reason}"),
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
        update(PointsMember).where(col(PointsMember.user_id) == user_id).values(touched_at=now)
    )


def move_points(
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
    """One ledger line for a service outside portal.points whose points move with its own rows
    (a venue's fee, a micro-project pledge, their refunds): takes the person's ledger lock, then
    writes the line; a spending beyond the balance is refused with NOT_ENOUGH. The caller commits
    (or rolls back) together with its own rows."""
    _lock_member(session, row_id(user), now)
    return _append(
        session,
        user=user,
        amount=amount,
        source=source,
        source_id=source_id,
        reason=reason,
        actor_id=actor_id,
        now=now,
    )


def _last(session: Session, user_id: int) -> tuple[int, int]:
    """(seq, balance) of the person's newest entry; (0, 0) before the first."""
    row = session.exec(
        select(PointsEntry.seq, PointsEntry.balance_after)
        .where(PointsEntry.user_id == user_id)
        .order_by(col(PointsEntry.seq).desc())
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
    """Adds one ledger line after the person's newest (the member lock must be held), and adds
    it to the summary rows (portal.points.summaries). Every ledger line is written here."""
    seq, balance_now = _last(session, row_id(user))
    if balance_now + amount < 0:
        raise UserError(NOT_ENOUGH, cost=-amount, balance=balance_now)
    entry = PointsEntry(
        user_id=row_id(user),
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
    from portal.points.summaries import record  # (summaries imports this module)

    record(session, entry)  # the leaderboard and monthly totals, in this same transaction
    return entry
