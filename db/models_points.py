"""Points (积分): the one ledger, its rules, tasks residents claim, rewards and redemptions.

The ledger is append-only. Each person's entries form a chain (seq 1, 2, 3…) carrying the running
balance; the database refuses a second entry with the same seq (two writers at once) and any
balance below zero, so no point is ever created, lost or spent twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow

MAX_POINTS = 100_000  # any single entry beyond this is a typo, not a reward


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class PointsRule(SQLModel, table=True):
    """How many points an event of another capability earns, and the most per person per day."""

    __tablename__ = "points_rule"
    __table_args__ = (
        CheckConstraint("amount >= 0 AND amount <= 1000", name="amount"),
        CheckConstraint(
            "daily_cap IS NULL OR (daily_cap >= 0 AND daily_cap <= 10000)", name="daily_cap"
        ),
    )

    source: str = Field(primary_key=True, max_length=24)
    amount: int = Field(default=0)  # 0 for "task": a task carries its own points
    daily_cap: int | None = Field(default=None)  # points per person per (Beijing) day
    enabled: bool = Field(default=True)
    updated_by: int | None = Field(default=None, foreign_key="account.id")
    updated_at: datetime = _when(default_factory=utcnow)


class PointsRuleChange(SQLModel, table=True):
    """Trail of rule edits: who changed what, when."""

    __tablename__ = "points_rule_change"

    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(foreign_key="points_rule.source", max_length=24, index=True)
    old_amount: int | None = Field(default=None)
    new_amount: int
    old_daily_cap: int | None = Field(default=None)
    new_daily_cap: int | None = Field(default=None)
    enabled: bool = Field(default=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    at: datetime = _when(default_factory=utcnow)


class PointsMember(SQLModel, table=True):
    """A person's place in the points scheme: leaderboard choice; its row also serialises writers."""

    __tablename__ = "points_member"

    user_id: int = Field(primary_key=True, foreign_key="account.id")
    leaderboard_opt_out: bool = Field(default=False)
    touched_at: datetime = _when(default_factory=utcnow)


class PointsEntry(SQLModel, table=True):
    """One line of the ledger. Never updated or deleted."""

    __tablename__ = "points_entry"
    __table_args__ = (
        UniqueConstraint("user_id", "source", "source_id", name="points_entry_once"),
        UniqueConstraint("user_id", "seq", name="points_entry_seq"),
        CheckConstraint(
            f"amount <> 0 AND amount >= -{MAX_POINTS} AND amount <= {MAX_POINTS}", name="amount"
        ),
        CheckConstraint("balance_after >= 0", name="balance_after"),
        CheckConstraint("seq >= 1", name="seq"),
        Index("ix_points_entry_grid_at", "grid_id", "created_at"),
        Index("ix_points_entry_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="account.id")
    seq: int  # 1, 2, 3… per person
    amount: int
    balance_after: int
    source: str = Field(max_length=24)  # task, report, wish, council, reward, refund, adjustment…
    source_id: str = Field(max_length=64)
    reason: str = Field(max_length=200)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    grid_id: int | None = Field(default=None, foreign_key="grid.id")  # person's home grid then
    created_at: datetime = _when(default_factory=utcnow)


GRID_NONE = 0  # grid_key of entries without a home grid (a key column cannot be NULL)


class PointsUserTotal(SQLModel, table=True):
    """Summary: a person's earned points (sources other than reward/refund) per home grid, all
    time. Kept in the transaction of every ledger line (portal.points.summaries), never scanned."""

    __tablename__ = "points_user_total"

    user_id: int = Field(primary_key=True, foreign_key="account.id")
    grid_key: int = Field(primary_key=True)  # PointsEntry.grid_id, GRID_NONE for none
    earned: int = Field(default=0)
    entries: int = Field(default=0)


class PointsUserMonth(SQLModel, table=True):
    """Summary: a person's earned points per Beijing month and home grid (monthly leaderboard)."""

    __tablename__ = "points_user_month"

    month: str = Field(primary_key=True, max_length=7)  # "2026-11", Beijing time
    grid_key: int = Field(primary_key=True)
    user_id: int = Field(primary_key=True, foreign_key="account.id")
    earned: int = Field(default=0)
    entries: int = Field(default=0)


class PointsGridMonth(SQLModel, table=True):
    """Summary: points per Beijing month and grid of the ledger lines (figures, cockpit).

    issued: positive amounts other than refunds (cockpit); earned: net amounts of the earning
    sources, adjustments both ways (staff figures); redeemed: rewards less refunds."""

    __tablename__ = "points_grid_month"

    month: str = Field(primary_key=True, max_length=7)
    grid_key: int = Field(primary_key=True)
    issued: int = Field(default=0)
    earned: int = Field(default=0)
    redeemed: int = Field(default=0)
    entries: int = Field(default=0)


class TaskSeries(SQLModel, table=True):
    """Tasks published together as a recurring series (weekly patrol, monthly clean-up)."""

    __tablename__ = "points_task_series"
    __table_args__ = (
        CheckConstraint("frequency IN ('weekly','monthly')", name="frequency"),
        CheckConstraint("occurrences >= 2 AND occurrences <= 52", name="occurrences"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=80)
    frequency: str = Field(max_length=8)
    occurrences: int
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)


class PointsTask(SQLModel, table=True):
    """A piece of community work residents can claim for points."""

    __tablename__ = "points_task"
    __table_args__ = (
        CheckConstraint("points >= 1 AND points <= 500", name="points"),
        CheckConstraint("places >= 1 AND places <= 500", name="places"),
        CheckConstraint("ends_at > starts_at", name="period"),
        CheckConstraint("proof IN ('none','note','photo','photo_or_note')", name="proof"),
        CheckConstraint("status IN ('open','cancelled')", name="status"),
        Index("ix_points_task_ends_at", "status", "ends_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=80)
    description: str = Field(sa_column=Column(Text, nullable=False))
    points: int
    places: int
    starts_at: datetime = _when()
    ends_at: datetime = _when()
    proof: str = Field(default="note", max_length=16)
    verifier_id: int | None = Field(default=None, foreign_key="account.id")  # None: grid team
    publisher_id: int = Field(foreign_key="account.id", index=True)
    series_id: int | None = Field(default=None, foreign_key="points_task_series.id", index=True)
    status: str = Field(default="open", max_length=12)
    lock_version: int = Field(default=0)  # bumped to serialise claims on a task
    created_at: datetime = _when(default_factory=utcnow)


class TaskGrid(SQLModel, table=True):
    """Grids a task is open to (a general grid or the community grid covers the grids below)."""

    __tablename__ = "points_task_grid"

    task_id: int = Field(foreign_key="points_task.id", primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", primary_key=True, index=True)


class TaskClaim(SQLModel, table=True):
    """A person's claim on a task: claimed → submitted → approved, or rejected (one resubmission)."""

    __tablename__ = "points_task_claim"
    __table_args__ = (
        UniqueConstraint("task_id", "user_id", name="points_task_claim_once"),
        CheckConstraint(
            "status IN ('claimed','submitted','approved','rejected','withdrawn')", name="status"
        ),
        Index("ix_points_task_claim_task_status", "task_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="points_task.id")
    user_id: int = Field(foreign_key="account.id", index=True)
    status: str = Field(default="claimed", max_length=12)
    submissions: int = Field(default=0, ge=0)
    proof_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    proof_photo: str | None = Field(default=None, max_length=200)  # file name under media/points
    reject_reason: str | None = Field(default=None, max_length=200)
    claimed_at: datetime = _when(default_factory=utcnow)
    updated_at: datetime = _when(default_factory=utcnow)


class TaskClaimEvent(SQLModel, table=True):
    """Every change of a claim: who, when, from, to, note."""

    __tablename__ = "points_task_claim_event"

    id: int | None = Field(default=None, primary_key=True)
    claim_id: int = Field(foreign_key="points_task_claim.id", index=True)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    note: str | None = Field(default=None, max_length=200)
    at: datetime = _when(default_factory=utcnow)


class Reward(SQLModel, table=True):
    """An item of the rewards catalogue, handed out by the community office or a merchant."""

    __tablename__ = "points_reward"
    __table_args__ = (
        CheckConstraint("cost >= 1 AND cost <= 100000", name="cost"),
        CheckConstraint("stock >= 0", name="stock"),
        CheckConstraint("provider IN ('office','merchant')", name="provider"),
        CheckConstraint("provider = 'office' OR merchant_id IS NOT NULL", name="merchant"),
        CheckConstraint(
            "available_until IS NULL OR available_until > available_from", name="period"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=80)
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    picture: str | None = Field(default=None, max_length=200)  # file name under media/points
    cost: int
    stock: int = Field(default=0)
    provider: str = Field(default="office", max_length=12)
    merchant_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    available_from: datetime = _when(default_factory=utcnow)
    available_until: datetime | None = _when(nullable=True, default=None)
    active: bool = Field(default=True)
    created_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)
    # Whose catalogue: a community's, or a street's / district's for all communities below it.
    # None: the whole deployment. The ledger itself is one for the whole deployment.
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)


class RewardStockChange(SQLModel, table=True):
    """Stock added or removed by staff (redemptions and cancellations are rows of their own)."""

    __tablename__ = "points_reward_stock"
    __table_args__ = (CheckConstraint("delta <> 0", name="delta"),)

    id: int | None = Field(default=None, primary_key=True)
    reward_id: int = Field(foreign_key="points_reward.id", index=True)
    delta: int
    reason: str = Field(max_length=200)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    at: datetime = _when(default_factory=utcnow)


class Redemption(SQLModel, table=True):
    """Points exchanged for one unit of a reward; the short code is shown where it is handed out."""

    __tablename__ = "points_redemption"
    __table_args__ = (
        CheckConstraint("status IN ('pending','handed_over','cancelled')", name="status"),
        CheckConstraint("cost >= 1", name="cost"),
        Index("ix_points_redemption_reward_status", "reward_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=12, unique=True, index=True)
    reward_id: int = Field(foreign_key="points_reward.id")
    user_id: int = Field(foreign_key="account.id", index=True)
    cost: int
    status: str = Field(default="pending", max_length=12)
    created_at: datetime = _when(default_factory=utcnow)
    closed_at: datetime | None = _when(nullable=True, default=None)
    closed_by: int | None = Field(default=None, foreign_key="account.id")


class RedemptionEvent(SQLModel, table=True):
    """Every change of a redemption: who, when, from, to, note."""

    __tablename__ = "points_redemption_event"

    id: int | None = Field(default=None, primary_key=True)
    redemption_id: int = Field(foreign_key="points_redemption.id", index=True)
    from_status: str | None = Field(default=None, max_length=12)
    to_status: str = Field(max_length=12)
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    note: str | None = Field(default=None, max_length=200)
    at: datetime = _when(default_factory=utcnow)
