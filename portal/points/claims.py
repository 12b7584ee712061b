"""Claims on tasks: a person claims a place, withdraws, submits proof; a worker for the task's grid
verifies (approve awards the task's points, reject says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_points import (
    PointsEntry,
    PointsTask,
    TaskClaim,
    TaskClaimEvent,
)
from db.types import row_id, rowcount
from portal.areas import area_of
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map
from portal.i18n import N_
from portal.notifications import notify
from portal.permissions import On, can
from portal.points.common import PROOF_GRACE, REFUSED_ROLE, _ancestors, _now, _text
from portal.points.ledger import award
from portal.points.tasks import _may_verify, _move_claim, _taken, _task_grids

if TYPE_CHECKING:
    from portal.media_store import MediaStore


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
        .join(PointsTask, col(PointsTask.id) == TaskClaim.task_id)
        .where(TaskClaim.user_id == user_id, TaskClaim.status != "withdrawn")
        .order_by(col(TaskClaim.updated_at).desc())
        .limit(limit)
    ).all()
    return [MyClaim(c, t) for c, t in rows]


def claim_task(
    session: Session, *, user_id: int, task_id: int, now: datetime | None = None
) -> TaskClaim:
    """Take one place of a task. Never more claims than places, however many claim at once."""
    now = _now(now)
    user = active_user(session, user_id)
    area = area_of(session, user)  # a task of another community is not for this person
    grids = _task_grids(session, [task_id]).get(task_id, set())
    outside = bool(grids) and not any(area.reaches(g) for g in grids)
    allowed = can(user, "task.claim", On(outside=outside))
    if not allowed:
        raise UserError(allowed.reason or REFUSED_ROLE)
    # First statement is a write: it locks the task row (and on SQLite the database).
    locked = session.execute(
        update(PointsTask)
        .where(col(PointsTask.id) == task_id)
        .values(lock_version=PointsTask.lock_version + 1)
    )
    if rowcount(locked) != 1:
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
        & _task_grids(session, [row_id(task)])[row_id(task)]
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
                task_id=task_id,
                user_id=row_id(user),
                status="claimed",
                claimed_at=now,
                updated_at=now,
            )
            session.add(claim)
            session.flush()
            session.add(
                TaskClaimEvent(
                    claim_id=row_id(claim),
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
        .where(col(TaskClaim.id) == claim_id, col(TaskClaim.status).in_(("claimed", "rejected")))
        .values(status="withdrawn", updated_at=now)
    )
    if rowcount(done) != 1:
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
    media_root: Path | MediaStore | None = None,
    now: datetime | None = None,
) -> TaskClaim:
    """Send proof the task was done (a rejected claim may be sent once more). Raises FieldErrors."""
    now = _now(now)
    claim = _own_claim(session, user_id, claim_id)
    task = session.get_one(PointsTask, claim.task_id)
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
        from portal.media import check_photo, store_for

        try:
            checked = check_photo(photo)
        except UserError as exc:
            errors["photo"] = exc.message
        else:
            if media_root is None:
                raise UserError(N_("Photos cannot be stored right now."), field="photo")
            stored = store_for(media_root).save_photo(checked)[0]
    if errors:
        raise FieldErrors(errors)
    before = claim.status
    done = session.execute(
        update(TaskClaim)
        .where(
            col(TaskClaim.id) == claim_id,
            col(TaskClaim.status) == before,
            col(TaskClaim.submissions) == claim.submissions,
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
    if rowcount(done) != 1:
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


@dataclass(frozen=True)
class ToVerify:
    claim: TaskClaim
    task: PointsTask
    person: str
    username: str


def claims_to_verify(session: Session, *, actor_id: int, limit: int = 50) -> list[ToVerify]:
    """Proof waiting for this person's check, oldest first (not their own)."""
    actor = active_user(session, actor_id)
    if not can(actor, "task.publish"):
        return []
    rows = session.exec(
        select(TaskClaim, PointsTask, User)
        .join(PointsTask, col(PointsTask.id) == TaskClaim.task_id)
        .join(User, col(User.id) == TaskClaim.user_id)
        .where(TaskClaim.status == "submitted", TaskClaim.user_id != actor.id)
        .order_by(col(TaskClaim.updated_at))
        .limit(500)
    ).all()
    found = []
    area = area_of(session, actor)
    for claim, task, person in rows:
        if _may_verify(session, actor, task, person, area):
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
    task = session.get_one(PointsTask, claim.task_id)
    if claim.user_id == actor.id:
        raise UserError(N_("You cannot check your own task."))
    claimant = session.get(User, claim.user_id)
    if claimant is not None and not area_of(session, actor).covers(claimant.home_grid_id):
        allowed = can(actor, "task.check_claim", On(outside=True))  # another community's claim
        raise UserError(allowed.reason)
    if not _may_verify(session, actor, task, claimant):
        raise UserError(N_("You cannot check proof for this task."))
    note = _text(reason, 200)
    if not approve and len(note) < 2:
        raise UserError(N_("Please write why the proof is not accepted."), field="reason")
    to = "approved" if approve else "rejected"
    done = session.execute(
        update(TaskClaim)
        .where(col(TaskClaim.id) == claim_id, col(TaskClaim.status) == "submitted")
        .values(status=to, reject_reason=None if approve else note, updated_at=now)
    )
    if rowcount(done) != 1:
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
            source_id=row_id(claim),
            reason=task.title,
            actor_id=actor.id,
            amount=task.points,
            now=now,
        )
    notify(
        session,
        [claim.user_id],
        "claim_decided",
        {"title": task.title, "verdict": to},
        "points",
        now=now,
    )  # outbox: same commit
    session.commit()
    session.refresh(claim)
    return Verdict(claim, entry)
