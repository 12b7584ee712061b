"""The governance efficacy survey: matrices → weights, rounds, residents' answers, results.

- Staff of an office grid (a community or a street) enter the pairwise-comparison matrices: one
  between the four dimensions, one between the indicators of each dimension. A matrix with
  CR ≥ 0.1 is refused (portal.assessment.ahp); an accepted one is a new row, the newest in force.
- A round's weights are fixed when it is opened: the grid's newest matrices, else those of the
  nearest office above it, else equal weights.
- A resident (or merchant) of a community the round's grid covers answers every indicator once
  per round (1–5), while the round is open (Beijing dates, both ends included). One response per
  person per round is a unique constraint: a second tab gets "already answered".
- Results: mean per indicator with its count; a dimension's score is the weighted sum of its
  indicators' means, the total the weighted sum of the dimensions; the same per home grid.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_assessment import AssessmentMatrix, SurveyAnswer, SurveyResponse, SurveyRound
from db.types import row_id, utcnow
from portal import localtime
from portal.areas import area_of
from portal.assessment import ahp
from portal.assessment.indicators import (
    DIMENSION_OF,
    DIMENSIONS,
    INDICATORS,
    LEVELS,
    items_of,
)
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.permissions import On, can, is_verified

OFFICE_GRID_KINDS = ("community", "street")
TITLE_MAX = 120
ALREADY_ANSWERED = N_("You have already answered this survey round. Thank you!")
NOT_OPEN = N_("This survey round is not open now.")
NO_ROUND = N_("This survey round could not be found.")
ANSWER_ALL = N_("Please answer every question (1 to 5) before sending.")


def _refuse_unless(decision) -> None:
    if not decision:
        raise UserError(decision.reason)


def _office_grid(session: Session, actor: User, grid_id: int) -> Grid:
    grid = session.get(Grid, grid_id)
    if grid is None or grid.kind not in OFFICE_GRID_KINDS:
        raise UserError(N_("Choose a community or a street."), field="grid")
    outside = not area_of(session, actor).covers(grid.id)
    _refuse_unless(can(actor, "assessment.manage", On(outside=outside)))
    return grid


def office_grids(session: Session, actor_id: int) -> list[Grid]:
    """The communities and streets a staff member may run surveys for (their area)."""
    actor = active_user(session, actor_id)
    if not can(actor, "assessment.manage"):
        return []
    area = area_of(session, actor)
    grids = session.exec(
        select(Grid).where(col(Grid.kind).in_(OFFICE_GRID_KINDS)).order_by(col(Grid.code))
    ).all()
    return [g for g in grids if area.covers(g.id)]


# --- matrices and weights ---------------------------------------------------------------------


def save_matrix(
    session: Session,
    *,
    actor_id: int,
    grid_id: int,
    level: str,
    pairs: dict[tuple[int, int], float],
    now: datetime | None = None,
) -> ahp.Result:
    """Checks and stores one matrix (judgements above the diagonal); refuses CR ≥ 0.1."""
    actor = active_user(session, actor_id)
    _office_grid(session, actor, grid_id)
    if level not in LEVELS:
        raise UserError(ahp.BAD_SIZE)
    codes = items_of(level)
    matrix = ahp.from_pairs(len(codes), pairs)
    result = ahp.accepted(matrix)
    session.add(
        AssessmentMatrix(
            grid_id=grid_id,
            level=level,
            judgements=json.dumps(matrix),
            weights=json.dumps(dict(zip(codes, result.weights, strict=True))),
            lambda_max=result.lambda_max,
            cr=result.cr,
            entered_by=row_id(actor),
            entered_at=now or utcnow(),
        )
    )
    session.commit()
    return result


@dataclass(frozen=True)
class MatrixInForce:
    level: str
    grid_id: int | None  # where it was entered; None: equal weights (no matrix anywhere above)
    matrix: list[list[float]]
    weights: dict[str, float]
    cr: float


def _equal(level: str) -> MatrixInForce:
    codes = items_of(level)
    n = len(codes)
    return MatrixInForce(
        level, None, [[1.0] * n for _ in range(n)], dict.fromkeys(codes, 1 / n), 0.0
    )


def matrices_in_force(session: Session, grid_id: int) -> dict[str, MatrixInForce]:
    """Per level: the newest matrix of this grid, else of the nearest grid above, else equal."""
    chain: list[int] = []
    current: int | None = grid_id
    while current is not None and current not in chain:
        chain.append(current)
        row = session.get(Grid, current)
        current = row.parent_id if row else None
    rows = session.exec(
        select(AssessmentMatrix)
        .where(col(AssessmentMatrix.grid_id).in_(chain))
        .order_by(col(AssessmentMatrix.id).desc())
    ).all()
    found: dict[str, MatrixInForce] = {}
    for grid_id_ in chain:
        for matrix in rows:
            if matrix.grid_id == grid_id_ and matrix.level not in found and matrix.level in LEVELS:
                found[matrix.level] = MatrixInForce(
                    matrix.level,
                    grid_id_,
                    json.loads(matrix.judgements),
                    json.loads(matrix.weights),
                    matrix.cr,
                )
    return {level: found.get(level) or _equal(level) for level in LEVELS}


def weights_for(session: Session, grid_id: int) -> dict[str, dict[str, float]]:
    """{"dimensions": {dimension: weight}, "indicators": {indicator: weight within its dimension}}."""
    found = matrices_in_force(session, grid_id)
    indicators: dict[str, float] = {}
    for dimension in DIMENSIONS:
        indicators.update(found[dimension.code].weights)
    return {"dimensions": dict(found["dimensions"].weights), "indicators": indicators}


# --- rounds -----------------------------------------------------------------------------------


def open_round(
    session: Session,
    *,
    actor_id: int,
    grid_id: int,
    title: str,
    opens_on: date | None,
    closes_on: date | None,
    now: datetime | None = None,
) -> SurveyRound:
    actor = active_user(session, actor_id)
    _office_grid(session, actor, grid_id)
    errors: dict[str, Message] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = Message(N_("Please give the round a title."))
    elif len(title) > TITLE_MAX:
        errors["title"] = Message(N_("Use at most {n} characters."), {"n": TITLE_MAX})
    if opens_on is None or closes_on is None:
        errors["period"] = Message(N_("Please choose the first and the last day."))
    elif closes_on < opens_on:
        errors["period"] = Message(N_("The last day must not be before the first day."))
    if errors:
        raise FieldErrors(errors)
    assert opens_on is not None and closes_on is not None
    row = SurveyRound(
        grid_id=grid_id,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        weights=json.dumps(weights_for(session, grid_id)),
        created_by=row_id(actor),
        created_at=now or utcnow(),
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def rounds_for_staff(session: Session, actor_id: int) -> list[SurveyRound]:
    grids = [row_id(g) for g in office_grids(session, actor_id)]
    if not grids:
        return []
    return list(
        session.exec(
            select(SurveyRound)
            .where(col(SurveyRound.grid_id).in_(grids))
            .order_by(col(SurveyRound.opens_on).desc(), col(SurveyRound.id).desc())
        ).all()
    )


def _reaches_resident(session: Session, user: User, grid_id: int) -> bool:
    area = area_of(session, user)
    return area.covers(grid_id) or grid_id in area.above


@dataclass(frozen=True)
class OpenRound:
    round: SurveyRound
    answered: bool


def open_rounds(session: Session, user_id: int, now: datetime | None = None) -> list[OpenRound]:
    """The rounds open today for this resident's community (its own, its street's)."""
    user = active_user(session, user_id)
    day = localtime.today(now or utcnow())
    rows = session.exec(
        select(SurveyRound)
        .where(col(SurveyRound.opens_on) <= day, col(SurveyRound.closes_on) >= day)
        .order_by(col(SurveyRound.closes_on), col(SurveyRound.id))
    ).all()
    rows = [r for r in rows if _reaches_resident(session, user, r.grid_id)]
    done = set(
        session.exec(
            select(col(SurveyResponse.round_id)).where(
                col(SurveyResponse.user_id) == user_id,
                col(SurveyResponse.round_id).in_([row_id(r) for r in rows] or [0]),
            )
        ).all()
    )
    return [OpenRound(r, r.id in done) for r in rows]


def confirmed(session: Session, user_id: int) -> bool:
    """Whether this person's answers may be taken (a grid worker confirmed the account)."""
    return is_verified(active_user(session, user_id))


def answer(
    session: Session,
    *,
    round_id: int,
    user_id: int,
    scores: dict[str, int],
    language: str = "zh_Hans",
    now: datetime | None = None,
) -> SurveyResponse:
    """One resident's answers to a round: every indicator 1–5, once."""
    now = now or utcnow()
    user = active_user(session, user_id)
    found = session.get(SurveyRound, round_id)
    if found is None:
        raise UserError(NO_ROUND)
    lives_in = _reaches_resident(session, user, found.grid_id)
    _refuse_unless(can(user, "survey.answer", On(lives_in=lives_in)))
    day = localtime.today(now)
    if not found.opens_on <= day <= found.closes_on:
        raise UserError(NOT_OPEN)
    clean: dict[str, int] = {}
    for indicator in INDICATORS:
        value = scores.get(indicator.code)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise UserError(ANSWER_ALL)
        clean[indicator.code] = value
    response = SurveyResponse(
        round_id=round_id,
        user_id=user_id,
        home_grid_id=user.home_grid_id,
        language=language[:16],
        answered_at=now,
    )
    session.add(response)
    try:
        session.flush()
        for code, value in clean.items():
            session.add(SurveyAnswer(response_id=row_id(response), indicator=code, score=value))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(ALREADY_ANSWERED) from None
    return response


# --- results ----------------------------------------------------------------------------------


@dataclass
class Scores:
    """Means of one group of responses (the whole round, or one home grid)."""

    responses: int = 0
    indicators: dict[str, float] = field(default_factory=dict)  # mean 1–5
    counts: dict[str, int] = field(default_factory=dict)
    dimensions: dict[str, float] = field(default_factory=dict)
    total: float | None = None


@dataclass(frozen=True)
class Results:
    round: SurveyRound
    weights: dict[str, dict[str, float]]
    overall: Scores
    by_grid: dict[int | None, Scores]


def _compose(scores: Scores, weights: dict[str, dict[str, float]]) -> Scores:
    by_dimension: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for code, mean in scores.indicators.items():
        by_dimension[DIMENSION_OF[code]].append((weights["indicators"].get(code, 0.0), mean))
    for dimension, pairs in by_dimension.items():
        weight = sum(w for w, _ in pairs)
        if weight > 0:
            scores.dimensions[dimension] = sum(w * m for w, m in pairs) / weight
    dim_weights = weights["dimensions"]
    present = [d for d in scores.dimensions if dim_weights.get(d, 0) > 0]
    weight = sum(dim_weights[d] for d in present)
    if present and weight > 0:
        scores.total = sum(dim_weights[d] * scores.dimensions[d] for d in present) / weight
    return scores


def results(session: Session, *, actor_id: int, round_id: int) -> Results:
    """The round's means per indicator, dimension and total, overall and per home grid."""
    actor = active_user(session, actor_id)
    found = session.get(SurveyRound, round_id)
    if found is None:
        raise UserError(NO_ROUND)
    outside = not area_of(session, actor).covers(found.grid_id)
    _refuse_unless(can(actor, "assessment.manage", On(outside=outside)))
    weights = json.loads(found.weights)
    rows = session.exec(
        select(
            col(SurveyResponse.home_grid_id),
            col(SurveyAnswer.indicator),
            func.sum(col(SurveyAnswer.score)),
            func.count(),
        )
        .join(SurveyResponse, col(SurveyResponse.id) == col(SurveyAnswer.response_id))
        .where(col(SurveyResponse.round_id) == round_id)
        .group_by(col(SurveyResponse.home_grid_id), col(SurveyAnswer.indicator))
    ).all()
    counts = session.exec(
        select(col(SurveyResponse.home_grid_id), func.count())
        .where(col(SurveyResponse.round_id) == round_id)
        .group_by(col(SurveyResponse.home_grid_id))
    ).all()
    overall = Scores(responses=sum(n for _, n in counts))
    by_grid = {grid: Scores(responses=n) for grid, n in counts}
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for grid, indicator, total, n in rows:
        scores = by_grid[grid]
        scores.indicators[indicator] = float(total) / n
        scores.counts[indicator] = int(n)
        sums[indicator][0] += int(total)
        sums[indicator][1] += int(n)
    for indicator, (total, n) in sums.items():
        overall.indicators[indicator] = total / n
        overall.counts[indicator] = n
    return Results(
        found,
        weights,
        _compose(overall, weights),
        {grid: _compose(s, weights) for grid, s in by_grid.items()},
    )
