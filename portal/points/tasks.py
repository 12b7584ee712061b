"""Tasks: publishing and cancelling tasks (one-off or a weekly / monthly series) for grids, who may
publish where and who may verify, the open tasks a person sees, and the staff overview of tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from db.models import GridDuty, User
from db.models_points import (
    PointsTask,
    TaskClaim,
    TaskClaimEvent,
    TaskGrid,
    TaskSeries,
)
from db.types import row_id, rowcount
from portal.areas import Area, area_of
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map, subtree
from portal.i18n import N_
from portal.permissions import On, can
from portal.points.common import (
    FREQUENCIES,
    MAX_OCCURRENCES,
    MAX_PLACES,
    MAX_TASK_POINTS,
    PROOF_GRACE,
    PROOF_LABELS,
    REFUSED_ROLE,
    _add_months,
    _ancestors,
    _int,
    _now,
    _text,
)


def _may_work_in(
    session: Session, user: User, grid_ids: list[int], parents: dict[int, int | None] | None = None
) -> bool:
    """Staff and admins everywhere; a grid worker in the grids they answer for and below them,
    and in grids above theirs (a community-wide task reaches their courtyards too)."""
    if can(user, "points.manage"):
        return True
    if not can(user, "points.own_grids"):
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


def _task_inside(area: Area, grid_ids) -> bool:
    """A task lies inside an area when every grid it is open to does (a community's task: its
    grids; a street's task, open to the street grid, lies inside the street's area only)."""
    return area.whole or all(area.covers(g) for g in grid_ids)


def _may_publish(
    session: Session, user: User, grid_ids: list[int], parents: dict[int, int | None]
) -> bool:
    if can(user, "points.manage"):
        return True  # inside the office's area: publish_task checked it
    if not can(user, "points.own_grids"):
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
    if not can(actor, "task.publish"):
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
    if grids and all(g in parents for g in grids):  # only grids of one's own area
        inside = _task_inside(area_of(session, actor), grids)
        allowed = can(actor, "task.publish", On(outside=not inside))
        if not allowed:
            raise UserError(allowed.reason)
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
        if not can(verifier, "task.check_claim", On(named=True)):
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
    if errors or pts is None or cap is None or starts_at is None or ends_at is None:
        raise FieldErrors(errors)
    series = None
    if repeat:
        series = TaskSeries(
            title=title_text,
            frequency=repeat,
            occurrences=count,
            created_by=row_id(actor),
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
            publisher_id=row_id(actor),
            series_id=series.id if series else None,
            created_at=now,
        )
        session.add(task)
        session.flush()
        for gid in grids:
            session.add(TaskGrid(task_id=row_id(task), grid_id=gid))
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
    inside = _task_inside(area_of(session, actor), _task_grids(session, [task_id])[task_id])
    allowed = can(actor, "task.cancel", On(own=actor.id == task.publisher_id, outside=not inside))
    if not allowed:
        raise UserError(allowed.reason or REFUSED_ROLE)
    note = _text(reason, 200)
    if len(note) < 2:
        raise UserError(N_("Please write why the task is cancelled."), field="reason")
    done = session.execute(
        update(PointsTask)
        .where(col(PointsTask.id) == task_id, col(PointsTask.status) == "open")
        .values(status="cancelled", lock_version=PointsTask.lock_version + 1)
    )
    if rowcount(done) != 1:
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
            claim_id=row_id(claim),
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
            select(TaskGrid.task_id, TaskGrid.grid_id).where(col(TaskGrid.task_id).in_(task_ids))
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
    task_ids = select(TaskGrid.task_id).where(col(TaskGrid.grid_id).in_(reach))
    tasks = session.exec(
        select(PointsTask)
        .where(
            col(PointsTask.id).in_(task_ids),
            PointsTask.status == "open",
            PointsTask.ends_at > now,
            PointsTask.starts_at < now + timedelta(days=horizon_days),
        )
        .order_by(col(PointsTask.starts_at), col(PointsTask.id))
        .limit(100)
    ).all()
    return _cards(session, tasks, user.id)


def _cards(session: Session, tasks: Sequence[PointsTask], user_id: int | None) -> list[TaskCard]:
    ids = [row_id(t) for t in tasks]
    if not ids:
        return []
    taken = dict(
        session.exec(
            select(TaskClaim.task_id, func.count())
            .where(col(TaskClaim.task_id).in_(ids), TaskClaim.status != "withdrawn")
            .group_by(col(TaskClaim.task_id))
        ).all()
    )
    mine = {}
    if user_id is not None:
        mine = {
            c.task_id: c
            for c in session.exec(
                select(TaskClaim).where(
                    col(TaskClaim.task_id).in_(ids), TaskClaim.user_id == user_id
                )
            )
        }
    grids = _task_grids(session, ids)
    return [
        TaskCard(
            t,
            max(0, t.places - taken.get(row_id(t), 0)),
            mine.get(row_id(t)),
            tuple(sorted(grids[row_id(t)])),
        )
        for t in tasks
    ]


def _duty_grids(session: Session, user: User) -> set[int]:
    return set(session.exec(select(GridDuty.grid_id).where(GridDuty.user_id == user.id)).all())


def _may_verify(
    session: Session,
    actor: User,
    task: PointsTask,
    claimant: User | None = None,
    area: Area | None = None,
    inside: bool | None = None,  # the caller knows the task lies inside the area
) -> bool:
    """Whether the person checks proof for this task; with a claimant: for that person's claim,
    which only someone answering for the claimant's home grid (or the office, or the task's chosen
    checker) may check, and never the claimant. Only inside the actor's area: a claimant living
    there; without a claimant, a task of the area."""
    area = area if area is not None else area_of(session, actor)
    if (
        claimant is None
        and not inside
        and not _task_inside(area, _task_grids(session, [row_id(task)])[row_id(task)])
    ):
        return False
    if (
        task.verifier_id is not None
        and actor.id != task.verifier_id
        and not can(actor, "points.manage")
    ):
        return False
    if claimant is not None:
        home = set(_ancestors(parent_map(session), claimant.home_grid_id))
        on = On(
            own=claimant.id == actor.id,
            named=actor.id == task.verifier_id,
            answers_for=bool(home & _duty_grids(session, actor)),
            outside=not area.covers(claimant.home_grid_id),
        )
        return bool(can(actor, "task.check_claim", on))
    if can(actor, "points.manage") or actor.id == task.verifier_id:
        return True
    return bool(can(actor, "points.own_grids")) and (
        actor.id == task.publisher_id
        or _may_work_in(session, actor, sorted(_task_grids(session, [row_id(task)])[row_id(task)]))
    )


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
    if not can(actor, "task.publish"):
        return []
    area = area_of(session, actor)
    query = select(PointsTask)
    if not include_past:
        query = query.where(PointsTask.ends_at > now - PROOF_GRACE)
    if not area.whole:  # the tasks of one's area (and one's own), in SQL
        grids = area.grid_list() or [-1]
        elsewhere = select(TaskGrid.task_id).where(col(TaskGrid.grid_id).not_in(grids))
        query = query.where(
            (col(PointsTask.publisher_id) == actor.id) | col(PointsTask.id).not_in(elsewhere)
        )
    tasks = [
        t
        for t in session.exec(
            query.order_by(col(PointsTask.starts_at), col(PointsTask.id)).limit(1000)
        )
        if t.publisher_id == actor.id or _may_verify(session, actor, t, area=area, inside=True)
    ][:limit]
    ids = [row_id(t) for t in tasks]
    counts: dict[tuple[int, str], int] = {}
    if ids:
        for tid, status, n in session.exec(
            select(TaskClaim.task_id, TaskClaim.status, func.count())
            .where(col(TaskClaim.task_id).in_(ids))
            .group_by(col(TaskClaim.task_id), TaskClaim.status)
        ):
            counts[(tid, status)] = n
    return [
        TaskRow(
            t,
            sum(n for (tid, s), n in counts.items() if tid == t.id and s != "withdrawn"),
            counts.get((row_id(t), "submitted"), 0),
            counts.get((row_id(t), "approved"), 0),
        )
        for t in tasks
    ]


def publishable_grids(session: Session, *, actor_id: int) -> list[int]:
    """Grids this person may publish tasks for: their area for staff (everything for the whole
    deployment's), their grids and below for a grid worker."""
    actor = active_user(session, actor_id)
    parents = parent_map(session)
    if can(actor, "points.manage"):
        area = area_of(session, actor)
        return sorted(parents) if area.whole else area.grid_list()
    if not can(actor, "points.own_grids"):
        return []
    duties = session.exec(select(GridDuty.grid_id).where(GridDuty.user_id == actor.id)).all()
    found: set[int] = set()
    for gid in duties:
        found |= subtree(parents, gid)
    return sorted(found)
