"""Two-way assessment (双向考核) of joint and whistle orders (reports with joint_task rows).

- A department has handled an order when its part (joint_task) is done, or it leads the order
  and the report is resolved or later.
- The street office above the order's community (portal.areas.office_above) scores each
  department that handled it: response speed 1–5, result 1–5, a comment; once per order and
  department (a unique constraint).
- A handler of a department that handled the order scores the street's dispatch of it (speed
  and clarity 1–5), once per order and department.
- The cockpit shows per department: orders handled, the measured hours from the report to the
  department's part done, and the mean scores both ways.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Department, User
from db.models_assessment import OrderScore
from db.models_reports import JointTask, Report
from db.types import row_id, utcnow
from portal.areas import Area, area_of, office_above
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.grids import GridIndex
from portal.i18n import N_
from portal.permissions import On, can

DONE_STATES = ("resolved", "verified", "rated", "closed")
ALREADY_SCORED = N_("This order has already been scored.")
NOT_HANDLED = N_("This department did not handle this order.")
COMMENT_MAX = 300


@dataclass(frozen=True)
class OrderRow:
    report_id: int
    grid_id: int
    created_at: datetime
    department_id: int
    role: str
    done_at: datetime | None  # the department's part done (or the lead's report resolved)
    street_score: OrderScore | None  # the street's score of the department
    dispatch_score: OrderScore | None  # the department's score of the street's dispatch

    @property
    def hours(self) -> float | None:
        if self.done_at is None:
            return None
        return (self.done_at - self.created_at).total_seconds() / 3600


def _handled(task: JointTask, report: Report) -> datetime | None:
    if task.status == "done":
        return task.updated_at
    if task.role == "lead" and report.state in DONE_STATES:
        return report.resolved_at or report.updated_at
    return None


def _street_of(index: GridIndex, grid_id: int) -> int | None:
    return office_above(index, grid_id, "street")


def _answers_for(actor: User, index: GridIndex, report: Report) -> bool:
    street = _street_of(index, report.grid_id)
    return street is not None and actor.home_grid_id == street


def orders(
    session: Session,
    *,
    area: Area,
    department_id: int | None = None,
    limit: int = 200,
) -> list[OrderRow]:
    """Handled parts of joint orders in the area, newest first (one row per order and department)."""
    query = (
        select(JointTask, Report)
        .join(Report, col(Report.id) == col(JointTask.report_id))
        .order_by(col(Report.created_at).desc(), col(JointTask.id))
    )
    if not area.whole:
        query = query.where(col(Report.grid_id).in_(area.grid_list()))
    if department_id is not None:
        query = query.where(col(JointTask.department_id) == department_id)
    found = session.exec(query.limit(limit * 4)).all()
    ids = [row_id(r) for _, r in found] or [0]
    scores = session.exec(select(OrderScore).where(col(OrderScore.report_id).in_(ids))).all()
    by_key = {(s.report_id, s.department_id, s.direction): s for s in scores}
    out = []
    for task, report in found:
        done = _handled(task, report)
        if done is None:
            continue
        out.append(
            OrderRow(
                row_id(report),
                report.grid_id,
                report.created_at,
                task.department_id,
                task.role,
                done,
                by_key.get((row_id(report), task.department_id, "department")),
                by_key.get((row_id(report), task.department_id, "street")),
            )
        )
    return out[:limit]


def orders_to_score(session: Session, index: GridIndex, actor_id: int) -> list[OrderRow]:
    """What this person may score: a street's staff the orders of their street; a handler the
    orders their department handled; an admin everything."""
    actor = active_user(session, actor_id)
    area = area_of(session, actor, index)
    if actor.role == "handler":
        if actor.department_id is None:
            return []
        return orders(session, area=area, department_id=actor.department_id)
    if not can(actor, "order.score_department", On(answers_for=True)):
        return []
    rows = orders(session, area=area)
    if actor.role == "admin":
        return rows
    return [r for r in rows if _street_of(index, r.grid_id) == actor.home_grid_id]


def _check_scores(speed, result, comment: str | None) -> str:
    errors: dict[str, Message] = {}
    for name, value in (("speed", speed), ("result", result)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            errors[name] = Message(N_("Please choose a score from 1 to 5."))
    text = (comment or "").strip()
    if len(text) > COMMENT_MAX:
        errors["comment"] = Message(N_("Use at most {n} characters."), {"n": COMMENT_MAX})
    if errors:
        raise FieldErrors(errors)
    return text


def _task(session: Session, report_id: int, department_id: int) -> tuple[Report, JointTask]:
    report = session.get(Report, report_id)
    task = session.exec(
        select(JointTask).where(
            col(JointTask.report_id) == report_id, col(JointTask.department_id) == department_id
        )
    ).first()
    if report is None or task is None or _handled(task, report) is None:
        raise UserError(NOT_HANDLED)
    return report, task


@dataclass(frozen=True)
class _Given:
    speed: int | None
    result: int | None
    comment: str | None
    now: datetime | None


def _store(
    session: Session,
    index: GridIndex,
    actor: User,
    report: Report,
    department_id: int,
    direction: str,
    given: _Given,
) -> OrderScore:
    """Checks the scores and stores the one row of this order, department and direction."""
    text = _check_scores(given.speed, given.result, given.comment)
    assert given.speed is not None and given.result is not None
    row = OrderScore(
        report_id=row_id(report),
        department_id=department_id,
        direction=direction,
        street_grid_id=_street_of(index, report.grid_id),
        scorer_id=row_id(actor),
        speed=given.speed,
        result=given.result,
        comment=text,
        at=given.now or utcnow(),
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(ALREADY_SCORED) from None
    session.refresh(row)
    return row


def _refuse_unless(decision) -> None:
    if not decision:
        raise UserError(decision.reason)


def score_department(
    session: Session,
    index: GridIndex,
    *,
    actor_id: int,
    report_id: int,
    department_id: int,
    speed: int | None,
    result: int | None,
    comment: str | None = None,
    now: datetime | None = None,
) -> OrderScore:
    """The street office scores a department on an order it handled."""
    actor = active_user(session, actor_id)
    report, _task_row = _task(session, report_id, department_id)
    on = On(
        answers_for=_answers_for(actor, index, report),
        outside=not area_of(session, actor, index).covers(report.grid_id),
    )
    _refuse_unless(can(actor, "order.score_department", on))
    given = _Given(speed, result, comment, now)
    return _store(session, index, actor, report, department_id, "department", given)


def score_street(
    session: Session,
    index: GridIndex,
    *,
    actor_id: int,
    report_id: int,
    speed: int | None,
    result: int | None,
    comment: str | None = None,
    now: datetime | None = None,
) -> OrderScore:
    """A handler scores the street's dispatch of an order their department handled."""
    actor = active_user(session, actor_id)
    report = session.get(Report, report_id)
    handled = actor.department_id is not None
    if handled:
        assert actor.department_id is not None
        try:
            report, _task_row = _task(session, report_id, actor.department_id)
        except UserError:
            handled = False
    on = On(
        department=handled,
        outside=report is not None and not area_of(session, actor, index).covers(report.grid_id),
    )
    _refuse_unless(can(actor, "order.score_street", on))
    if not handled or report is None or actor.department_id is None:
        raise UserError(NOT_HANDLED)
    given = _Given(speed, result, comment, now)
    return _store(session, index, actor, report, actor.department_id, "street", given)


@dataclass(frozen=True)
class DepartmentFigures:
    department_id: int
    name: str
    orders: int
    mean_hours: float | None
    scored: int
    speed: float | None
    result: float | None
    dispatch_scored: int
    dispatch_speed: float | None
    dispatch_result: float | None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def by_department(
    session: Session,
    *,
    grids: list[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[DepartmentFigures]:
    """Per department: handled orders (reports created in the period, inside `grids`), measured
    hours to its part done, the street's mean scores of it and its mean scores of the street."""
    area = Area() if grids is None else Area(roots=(), grids=frozenset(grids))
    rows = orders(session, area=area, limit=100_000)
    rows = [r for r in rows if (since is None or r.created_at >= since)]
    rows = [r for r in rows if (until is None or r.created_at < until)]
    grouped: dict[int, list[OrderRow]] = defaultdict(list)
    for row in rows:
        grouped[row.department_id].append(row)
    names = {
        d.id: d.name
        for d in session.exec(
            select(Department).where(col(Department.id).in_(list(grouped) or [0]))
        ).all()
    }
    out = []
    for department, parts in grouped.items():
        street = [p.street_score for p in parts if p.street_score is not None]
        dispatch = [p.dispatch_score for p in parts if p.dispatch_score is not None]
        hours = [h for h in (p.hours for p in parts) if h is not None]
        out.append(
            DepartmentFigures(
                department,
                names.get(department, str(department)),
                len(parts),
                _mean(hours),
                len(street),
                _mean([s.speed for s in street]),
                _mean([s.result for s in street]),
                len(dispatch),
                _mean([s.speed for s in dispatch]),
                _mean([s.result for s in dispatch]),
            )
        )
    return sorted(out, key=lambda f: (-f.orders, f.name))


def departments_named(session: Session, ids: set[int]) -> list[Department]:
    return list(session.exec(select(Department).where(col(Department.id).in_(sorted(ids) or [0]))))
