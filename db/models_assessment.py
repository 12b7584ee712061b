"""Two-way assessment (双向考核) and the governance efficacy survey (seed 002, AHP) tables.

- assessment_matrix: a pairwise-comparison matrix staff of an office grid entered (the four
  dimensions, or the indicators of one dimension), with the weights, λmax and CR computed from it.
  Rows are never overwritten: the newest row of a grid and level is the one in force.
- survey_round: one questionnaire period of an office grid (community or street), with the
  weights in force when it was opened (a snapshot, so later matrices do not change its results).
- survey_response / survey_answer: one response per resident per round (unique constraint), one
  1–5 score per indicator; the resident's home grid is kept for results per grid.
- order_score: the street office scores the department on an order it handled, and the
  department scores the street's dispatch of it; once per order, department and direction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from db.types import UTCDateTime, sql_in, utcnow

SCORE_DIRECTIONS = ("department", "street")  # who is scored: the department, the street


def _when(nullable: bool = False, **kw) -> Any:
    return Field(sa_type=UTCDateTime, nullable=nullable, **kw)


class AssessmentMatrix(SQLModel, table=True):
    __tablename__ = "assessment_matrix"
    __table_args__ = (
        CheckConstraint("cr >= 0 AND cr < 0.1", name="consistent"),
        Index("ix_assessment_matrix_grid_level", "grid_id", "level", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id")
    level: str = Field(max_length=16)  # "dimensions" or a dimension's code
    judgements: str = Field(sa_column=Column(Text, nullable=False))  # JSON: the full matrix
    weights: str = Field(sa_column=Column(Text, nullable=False))  # JSON: item code → weight
    lambda_max: float
    cr: float
    entered_by: int = Field(foreign_key="account.id")
    entered_at: datetime = _when(default_factory=utcnow)


class SurveyRound(SQLModel, table=True):
    __tablename__ = "survey_round"
    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="period"),
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    id: int | None = Field(default=None, primary_key=True)
    grid_id: int = Field(foreign_key="grid.id", index=True)
    title: str = Field(max_length=120)
    opens_on: date
    closes_on: date
    weights: str = Field(
        sa_column=Column(Text, nullable=False)
    )  # JSON snapshot (portal.assessment)
    created_by: int = Field(foreign_key="account.id")
    created_at: datetime = _when(default_factory=utcnow)


class SurveyResponse(SQLModel, table=True):
    __tablename__ = "survey_response"
    __table_args__ = (UniqueConstraint("round_id", "user_id", name="survey_response_once"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="survey_round.id", index=True)
    user_id: int = Field(foreign_key="account.id")
    home_grid_id: int | None = Field(default=None, foreign_key="grid.id")
    language: str = Field(default="zh_Hans", max_length=16)
    answered_at: datetime = _when(default_factory=utcnow)


class SurveyAnswer(SQLModel, table=True):
    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("response_id", "indicator", name="survey_answer_once"),
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
    )

    id: int | None = Field(default=None, primary_key=True)
    response_id: int = Field(foreign_key="survey_response.id", index=True)
    indicator: str = Field(max_length=24)
    score: int


class OrderScore(SQLModel, table=True):
    __tablename__ = "order_score"
    __table_args__ = (
        UniqueConstraint("report_id", "department_id", "direction", name="order_score_once"),
        CheckConstraint(sql_in("direction", SCORE_DIRECTIONS), name="direction"),
        CheckConstraint("speed BETWEEN 1 AND 5", name="speed"),
        CheckConstraint("result BETWEEN 1 AND 5", name="result"),
    )

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    department_id: int = Field(foreign_key="department.id", index=True)
    direction: str = Field(max_length=16)
    street_grid_id: int | None = Field(default=None, foreign_key="grid.id")
    scorer_id: int = Field(foreign_key="account.id")
    speed: int
    result: int
    comment: str = Field(default="", max_length=300)
    at: datetime = _when(default_factory=utcnow)
