"""Co-funded micro-projects (微治理项目众筹): projects residents propose for their courtyard or
grid, neighbours' pledges (money as promises in fen, and points), the office's matching rules,
and the published progress and spending (公示), with the trail of every change.

Money is integer fen (分) everywhere. A project's running totals (pledged_fen, pledged_points,
paid_fen) are kept in the same transaction as the pledge rows they sum, and checked against them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text, text
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_values, utcnow

PROJECT_STATES = ("open", "funded", "council", "approved", "rejected", "expired", "completed")
PROJECT_CATEGORIES = ("lift", "parking", "facade", "charging", "greenery", "other")
PLEDGE_STATES = ("promised", "paid", "released", "withdrawn")
ENTRY_KINDS = ("progress", "spending")
MAX_FEN = 100_000_000_00  # ¥100 million: a goal, pledge or spending line beyond it is a typo


def _when(nullable: bool = False, **kw) -> Any:  # a Field (its own type is not a type)
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class MicroProject(SQLModel, table=True):
    """A small project for a courtyard or grid, with a goal in fen and a last day for pledges.

    `state` moves by conditional UPDATE ... WHERE state = <expected>; every move is an event row.
    matched_fen and match_grid_id are set when the goal is reached (the matched share is then
    fixed and taken from that office's budget); before that the share is computed live."""

    __tablename__ = "microproject"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_values(PROJECT_STATES)})", name="state"),
        CheckConstraint(f"category IN ({sql_values(PROJECT_CATEGORIES)})", name="category"),
        CheckConstraint(f"goal_fen > 0 AND goal_fen <= {MAX_FEN}", name="goal"),
        CheckConstraint("pledged_fen >= 0", name="pledged"),
        CheckConstraint("pledged_points >= 0", name="points"),
        CheckConstraint("paid_fen >= 0 AND paid_fen <= pledged_fen", name="paid"),
        CheckConstraint("matched_fen IS NULL OR matched_fen >= 0", name="matched"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
        CheckConstraint("length(plan) > 0", name="plan_not_empty"),
        Index("ix_microproject_state_deadline", "state", "deadline"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)  # the courtyard or grid it is for
    proposer_id: int = Field(foreign_key="account.id", index=True)
    title: str = Field(max_length=80)
    plan: str = Field(sa_column=Column(Text, nullable=False))
    category: str = Field(max_length=16)
    language: str = Field(default="zh_Hans", max_length=16)
    goal_fen: int
    deadline: date  # last Beijing day on which pledges are taken
    state: str = Field(default="open", max_length=16)
    pledged_fen: int = Field(default=0)  # sum of the promised and paid pledges' amounts
    pledged_points: int = Field(default=0)  # sum of the promised and paid pledges' points
    paid_fen: int = Field(default=0)  # sum of the paid pledges' amounts
    matched_fen: int | None = Field(default=None)  # fixed when the goal is reached
    match_grid_id: int | None = Field(default=None, foreign_key="grid.id")  # whose budget
    council_item_id: int | None = Field(default=None, foreign_key="council_item.id")
    created_at: datetime = _when(default_factory=utcnow)
    state_changed_at: datetime = _when(default_factory=utcnow)


class MicroPledge(SQLModel, table=True):
    """One neighbour's promise to a project: money (fen) and/or points.

    promised → paid (the office records the payment: when, by whom, the receipt number)
             → released (deadline missed or project rejected; points come back)
             → withdrawn (by the pledger, while the project is still collecting)."""

    __tablename__ = "microproject_pledge"
    __table_args__ = (
        CheckConstraint(f"state IN ({sql_values(PLEDGE_STATES)})", name="state"),
        CheckConstraint(f"amount_fen >= 0 AND amount_fen <= {MAX_FEN}", name="amount"),
        CheckConstraint("points >= 0 AND points <= 100000", name="points"),
        CheckConstraint("amount_fen > 0 OR points > 0", name="something"),
        CheckConstraint(
            "state <> 'paid' OR (paid_at IS NOT NULL AND receipt_no IS NOT NULL)", name="paid"
        ),
        # one live pledge per person and project (withdraw, then pledge again to change it)
        Index(
            "ux_microproject_pledge_live",
            "project_id",
            "user_id",
            unique=True,
            sqlite_where=text("state IN ('promised', 'paid')"),
            postgresql_where=text("state IN ('promised', 'paid')"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="microproject.id", index=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    amount_fen: int = Field(default=0)
    points: int = Field(default=0)
    state: str = Field(default="promised", max_length=16)
    created_at: datetime = _when(default_factory=utcnow)
    state_changed_at: datetime = _when(default_factory=utcnow)
    paid_at: datetime | None = _when(nullable=True, default=None)
    receipt_no: str | None = Field(default=None, max_length=40)
    recorded_by: int | None = Field(default=None, foreign_key="account.id")


class MicroMatchRule(SQLModel, table=True):
    """An office's matching rule (community or street grid): ratio in percent of the pledged
    money (100 = 1:1), the most per project, and the whole budget (None: no limit).

    Append-only: the newest row of a grid is in force, older rows are its history."""

    __tablename__ = "microproject_match_rule"
    __table_args__ = (
        CheckConstraint("ratio_percent BETWEEN 0 AND 1000", name="ratio"),
        CheckConstraint("cap_fen IS NULL OR cap_fen >= 0", name="cap"),
        CheckConstraint("budget_fen IS NULL OR budget_fen >= 0", name="budget"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    ratio_percent: int
    cap_fen: int | None = Field(default=None)
    budget_fen: int | None = Field(default=None)
    set_by: int | None = Field(default=None, foreign_key="account.id")
    set_at: datetime = _when(default_factory=utcnow)


class MicroEntry(SQLModel, table=True):
    """A published line of a project (公示): a progress update, or money spent on it (amount,
    what for, the receipt photo). Never edited; a correction is a new line."""

    __tablename__ = "microproject_entry"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(ENTRY_KINDS)})", name="kind"),
        CheckConstraint(
            f"(kind = 'spending' AND amount_fen > 0 AND amount_fen <= {MAX_FEN}) "
            "OR (kind = 'progress' AND amount_fen IS NULL)",
            name="amount",
        ),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="microproject.id", index=True)
    kind: str = Field(max_length=16)
    amount_fen: int | None = Field(default=None)
    body: str = Field(sa_column=Column(Text, nullable=False))
    photo_path: str | None = Field(default=None, max_length=200)
    thumb_path: str | None = Field(default=None, max_length=200)
    spent_on: date | None = Field(default=None)
    actor_id: int = Field(foreign_key="account.id")
    at: datetime = _when(default_factory=utcnow)


class MicroEvent(SQLModel, table=True):
    """Trail of a project and its pledges: proposed, pledged, withdrawn, funded, sent to the
    council, approved, rejected, expired, paid, completed… (actor None: the clock rules)."""

    __tablename__ = "microproject_event"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="microproject.id", index=True)
    pledge_id: int | None = Field(default=None, foreign_key="microproject_pledge.id")
    actor_id: int | None = Field(default=None, foreign_key="account.id")
    kind: str = Field(max_length=24)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str | None = Field(default=None, max_length=16)
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    at: datetime = _when(default_factory=utcnow, index=True)
