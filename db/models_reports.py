"""Snap-a-report (小区随手拍) tables: categories, reports, their event trail, media, "me too", joint orders."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_in, utcnow

REPORT_STATES = (
    "submitted",
    "assigned",
    "accepted",
    "in_progress",
    "resolved",
    "verified",
    "rated",
    "closed",
    "returned",
    "reopened",
)
LEVELS = ("grid", "community", "street", "district")


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


DEFAULT_TIME_LIMIT_HOURS = 72


def _resident_due_default(context) -> datetime:
    """Rows inserted without a due time (fixtures, imports): 72 h after their creation."""
    created = context.get_current_parameters().get("created_at") or utcnow()
    return created + timedelta(hours=DEFAULT_TIME_LIMIT_HOURS)


class ReportCategory(SQLModel, table=True):
    """Urban-management split: components (部件) and events (事件), each with defaults."""

    __tablename__ = "report_category"
    __table_args__ = (
        CheckConstraint("kind IN ('component','event')", name="kind"),
        CheckConstraint("time_limit_hours > 0 AND time_limit_hours <= 720", name="time_limit"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    kind: str = Field(max_length=16)
    names: str = Field(sa_column=Column(Text, nullable=False))  # JSON: language code → name
    department_id: int | None = Field(default=None, foreign_key="department.id")
    time_limit_hours: int = Field(default=DEFAULT_TIME_LIMIT_HOURS)
    duplicate_radius_m: int = Field(default=50)
    duplicate_days: int = Field(default=14)
    active: bool = Field(default=True)


class Report(SQLModel, table=True):
    __tablename__ = "report"
    __table_args__ = (
        CheckConstraint(sql_in("state", REPORT_STATES), name="state"),
        CheckConstraint(sql_in("level", LEVELS), name="level"),
        CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating"),
        Index("ix_report_state_due", "state", "due_at"),
        Index("ix_report_state_resident_due", "state", "resident_due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    reporter_id: int = Field(foreign_key="account.id", index=True)
    on_behalf_of_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    category_id: int = Field(foreign_key="report_category.id", index=True)
    description: str = Field(default="", max_length=2000)
    public_description: bool = Field(  # the reporter chose to show it on the public pages
        default=False, sa_column_kwargs={"server_default": sa_false()}
    )
    language: str = Field(default="zh_Hans", max_length=16)
    lat: float
    lon: float
    place_source: str = Field(
        default="map", max_length=16
    )  # map, photo, home, gps, address, device, open311
    grid_id: int = Field(foreign_key="grid.id", index=True)
    state: str = Field(default="submitted", max_length=16, index=True)
    level: str = Field(default="grid", max_length=16)
    assignee_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id", index=True)
    urgent: bool = Field(default=False)
    overdue: bool = Field(default=False)
    due_at: datetime = _when()  # the current level's hand-off deadline (moves on escalation)
    # the resident's clock: submission + the category's limit, never reset (portal.reports.clock)
    resident_due_at: datetime = _when(
        default=None, sa_column_kwargs={"default": _resident_due_default}
    )
    created_at: datetime = _when(default_factory=utcnow, index=True)
    updated_at: datetime = _when(default_factory=utcnow)
    resolved_at: datetime | None = _when(nullable=True, default=None)
    closed_at: datetime | None = _when(nullable=True, default=None)
    rating: int | None = Field(default=None)
    rating_comment: str | None = Field(default=None, max_length=500)
    version: int = Field(default=1)  # optimistic lock: two handlers, one wins
    # Same person, same content, same minute: one report, however many tabs send it at once
    # (portal/reports.py submission_key; None for device alarms).
    submit_key: str | None = Field(default=None, max_length=64, unique=True)


class ReportEvent(SQLModel, table=True):
    """Every transition: who, when, from, to, what they said, which photo."""

    __tablename__ = "report_event"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    actor_id: int | None = Field(default=None, foreign_key="account.id")  # None = the system
    action: str = Field(max_length=24)
    from_state: str | None = Field(default=None, max_length=16)
    to_state: str = Field(max_length=16)
    level: str = Field(max_length=16)
    assignee_id: int | None = Field(default=None, foreign_key="account.id")  # after the step
    department_id: int | None = Field(default=None, foreign_key="department.id")
    note: str | None = Field(default=None, max_length=1000)
    media_id: int | None = Field(default=None, foreign_key="report_media.id")
    at: datetime = _when(default_factory=utcnow, index=True)


class ReportMedia(SQLModel, table=True):
    __tablename__ = "report_media"
    __table_args__ = (CheckConstraint("kind IN ('photo','audio')", name="kind"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    uploader_id: int = Field(foreign_key="account.id")
    kind: str = Field(max_length=8)
    path: str = Field(max_length=255)
    thumb_path: str | None = Field(default=None, max_length=255)
    content_type: str = Field(max_length=64)
    size: int
    width: int | None = None
    height: int | None = None
    seconds: float | None = None
    sha256: str = Field(max_length=64, index=True)
    created_at: datetime = _when(default_factory=utcnow)


class ReportSupporter(SQLModel, table=True):
    """'Me too': another person reporting the same problem instead of filing a duplicate."""

    __tablename__ = "report_supporter"
    __table_args__ = (UniqueConstraint("report_id", "user_id", name="uq_report_supporter_once"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    user_id: int = Field(foreign_key="account.id")
    media_id: int | None = Field(default=None, foreign_key="report_media.id")
    at: datetime = _when(default_factory=utcnow)


class JointTask(SQLModel, table=True):
    """A department's part of a joint work order (one lead, others assisting)."""

    __tablename__ = "joint_task"
    __table_args__ = (
        UniqueConstraint("report_id", "department_id", name="uq_joint_task_once"),
        CheckConstraint("role IN ('lead','assist')", name="role"),
        CheckConstraint("status IN ('open','done')", name="status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    role: str = Field(max_length=8)
    part: str = Field(default="", max_length=300)
    status: str = Field(default="open", max_length=8)
    updated_at: datetime = _when(default_factory=utcnow)
