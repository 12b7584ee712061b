"""SQLModel tables. Every time is UTC (UTCDateTime); every change of state is a row of its own."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, utcnow

# Stable constraint names, so Alembic migrations can refer to them on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _when(nullable: bool = False, **kw) -> Field:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class Grid(SQLModel, table=True):
    """One node of the grid tree: district → street → community → general grid → micro-grid,
    with exclusive grids (markets, malls…) under a community or a general grid."""

    __tablename__ = "grid"

    __table_args__ = (
        CheckConstraint(
            "kind IN ('district','street','community','general','micro','exclusive')", name="kind"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=16, index=True)
    parent_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    boundary: str = Field(sa_column=Column(Text, nullable=False))  # GeoJSON Polygon, WGS-84
    households: int = Field(default=0, ge=0)
    place_type: str | None = Field(default=None, max_length=32)  # exclusive grids: market, mall…


class Department(SQLModel, table=True):
    """Who handles work beyond the grid: community office, street office, district, departments."""

    __tablename__ = "department"

    __table_args__ = (
        CheckConstraint("level IN ('community','street','district','city')", name="level"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=120)
    level: str = Field(max_length=16)
    # The office grid it serves (a community, street or district grid): an escalation from a
    # community reaches the department of its own street. None: it serves the whole deployment.
    grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    # What kind of work (office, street, cgz, police…): each street or community has its own
    # department of a service, and a report goes to the one above its own grid
    # (portal.areas.department_for). None: the code is the service.
    service: str | None = Field(default=None, max_length=32, index=True)


class User(SQLModel, table=True):
    __tablename__ = "account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('resident','merchant','grid_worker','staff','handler','admin')",
            name="role",
        ),
        CheckConstraint("verification IN ('verified','unverified')", name="verification"),
    )

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=80)
    password_hash: str = Field(max_length=255)
    role: str = Field(max_length=16, index=True)
    # Residents, merchants: where they live or trade. Staff and admins: their office's grid (a
    # community, street or district), the area they see and act in; None: the whole deployment.
    home_grid_id: int | None = Field(default=None, foreign_key="grid.id", index=True)
    department_id: int | None = Field(default=None, foreign_key="department.id")
    language: str = Field(default="zh_Hans", max_length=16)
    elder_mode: bool = Field(default=False)
    birth_year: int | None = Field(default=None)
    lives_alone: bool = Field(default=False)
    phone: str | None = Field(default=None, max_length=32)
    is_active: bool = Field(default=True)
    # Self-registered residents start 'unverified' until a grid worker confirms them
    # (db/models_verification.py holds who confirmed whom, when and how).
    verification: str = Field(
        default="verified", max_length=12, sa_column_kwargs={"server_default": "verified"}
    )
    created_at: datetime = _when(default_factory=utcnow)
    # Bumped by a password change or "log out everywhere": a live session whose epoch differs ends.
    session_epoch: int = Field(default=0, ge=0)
    # A demo account (public password): refused at login unless the portal runs in demo mode.
    is_demo: bool = Field(default=False)


class GridDuty(SQLModel, table=True):
    """A person's responsibility for a grid (chief, full-time worker, instructor, activist…)."""

    __tablename__ = "grid_duty"

    __table_args__ = (UniqueConstraint("grid_id", "user_id", "duty", name="grid_duty_once"),)

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    duty: str = Field(max_length=24)
    since: datetime = _when(default_factory=utcnow)


class LoginThrottle(SQLModel, table=True):
    """Failed-login counter per throttle key: an account typed (existing or not, so it reveals
    nothing), a client address, or the pair of both. Counted with atomic UPDATEs only."""

    __tablename__ = "login_throttle"

    username_key: str = Field(primary_key=True, max_length=200)
    failures: int = Field(default=0, ge=0)
    locked_until: datetime | None = _when(nullable=True, default=None)
    last_failure_at: datetime | None = _when(nullable=True, default=None)


class LoginToken(SQLModel, table=True):
    """A remembered login (browser cookie). Only the token's SHA-256 is stored."""

    __tablename__ = "login_token"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="account.id", index=True)
    created_at: datetime = _when(default_factory=utcnow)
    expires_at: datetime = _when()
    revoked_at: datetime | None = _when(nullable=True, default=None)


class AuthEvent(SQLModel, table=True):
    """Trail of account events: who, when, what."""

    __tablename__ = "auth_event"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    username_tried: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=32)
    at: datetime = _when(default_factory=utcnow, index=True)
