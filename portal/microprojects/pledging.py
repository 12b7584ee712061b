"""Proposing a project and pledging to it: money as a promise (fen) and points (taken from the one
points ledger in the same transaction, returned when the pledge is withdrawn or released).

Exact sums under concurrent pledges: every pledge and withdrawal first moves the project's running
totals with one conditional `UPDATE microproject SET pledged_fen = pledged_fen + x WHERE id = …
AND state = 'open'` — on PostgreSQL that takes the project's row lock, on SQLite the database
write lock — and writes its pledge row in the same transaction, so the totals always equal the
sum of the live pledge rows. The pledge that reaches the goal fixes the matched share under the
same lock (and the office rule's row lock, so two projects cannot both spend the last budget)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_microprojects import PROJECT_CATEGORIES, MicroMatchRule, MicroPledge, MicroProject
from db.types import row_id, rowcount, utcnow
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import LANGUAGE_CODES, N_
from portal.localtime import today
from portal.microprojects import notices
from portal.microprojects.common import (
    CHANGED,
    MAX_DAYS,
    MAX_POINTS,
    NOT_COLLECTING,
    PLAN_MAX,
    TITLE_MAX,
    _allowed,
    _commit,
    _event,
)
from portal.microprojects.matching import committed, rule_for, share
from portal.microprojects.money import parse_fen
from portal.points.common import move_points
from portal.text import clean_text

PLEDGE_SOURCE = "pledge"  # the points ledger's source of a pledge (and "refund" when returned)


def _too_long(text: str, most: int) -> Message:
    return Message(N_("Use at most {n} characters (now {count})."), {"n": most, "count": len(text)})


def propose(
    session: Session,
    *,
    proposer_id: int,
    title: str,
    plan: str,
    category: str | None,
    grid_id: int | None,
    goal: object,
    deadline: date | None,
    language: str | None = None,
    now: datetime | None = None,
) -> MicroProject:
    """A resident or merchant proposes a project for a grid of their own community."""
    now = now or utcnow()
    user = active_user(session, proposer_id)
    title, plan = clean_text(title), clean_text(plan)
    errors: dict[str, Message] = {}
    if not title:
        errors["title"] = Message(N_("Please give the project a short title."))
    elif len(title) > TITLE_MAX:
        errors["title"] = _too_long(title, TITLE_MAX)
    if not plan:
        errors["plan"] = Message(N_("Please describe the plan: what, where, who does it, costs."))
    elif len(plan) > PLAN_MAX:
        errors["plan"] = _too_long(plan, PLAN_MAX)
    if category not in PROJECT_CATEGORIES:
        errors["category"] = Message(N_("Please choose what kind of project it is."))
    if grid_id is None:
        errors["grid"] = Message(N_("Please choose the courtyard or grid it is for."))
    goal_fen, why = parse_fen(goal)
    if why:
        errors["goal"] = why
    first, last = today(now) + timedelta(days=1), today(now) + timedelta(days=MAX_DAYS)
    if deadline is None or not first <= deadline <= last:
        errors["deadline"] = Message(
            N_("Choose a last day for pledges between tomorrow and {days} days from now."),
            {"days": MAX_DAYS},
        )
    if errors or goal_fen is None or deadline is None or category is None or grid_id is None:
        raise FieldErrors(errors)
    _allowed(session, user, "microproject.propose", grid_id)
    project = MicroProject(
        grid_id=grid_id,
        proposer_id=row_id(user),
        title=title,
        plan=plan,
        category=category,
        language=language if language in LANGUAGE_CODES else user.language,
        goal_fen=goal_fen,
        deadline=deadline,
        created_at=now,
        state_changed_at=now,
    )
    session.add(project)
    session.flush()
    _event(session, row_id(project), "proposed", user.id, now, to_state="open")
    _commit(session)
    return session.get_one(MicroProject, project.id)


def _points(value: object) -> int | None:
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() else None


def _add_to_totals(session: Session, project_id: int, fen: int, points: int, paid: int = 0):
    """Moves the running totals while the project collects; takes the lock (module text)."""
    return session.execute(
        update(MicroProject)
        .where(col(MicroProject.id) == project_id, col(MicroProject.state) == "open")
        .values(
            pledged_fen=MicroProject.pledged_fen + fen,
            pledged_points=MicroProject.pledged_points + points,
            paid_fen=MicroProject.paid_fen + paid,
        )
        .execution_options(synchronize_session=False)
    )


def pledge(
    session: Session,
    *,
    project_id: int,
    user_id: int,
    amount: object = "",
    points: object = 0,
    now: datetime | None = None,
) -> MicroPledge:
    """A confirmed resident or merchant of the project's community promises money (yuan as typed)
    and/or points. May bring the project to its goal (then: funded, matched share fixed)."""
    now = now or utcnow()
    user = active_user(session, user_id)
    project = session.get(MicroProject, project_id)
    if project is None:
        raise UserError(N_("This project could not be found."))
    _allowed(session, user, "microproject.pledge", project.grid_id)
    errors: dict[str, Message] = {}
    fen, why = parse_fen(amount, allow_zero=True)
    if why:
        errors["amount"] = why
    count = _points(points)
    if count is None or not 0 <= count <= MAX_POINTS:
        errors["points"] = Message(
            N_("Points must be a whole number from {least} to {most}."),
            {"least": 0, "most": MAX_POINTS},
        )
    if not errors and not fen and not count:
        errors["amount"] = Message(N_("Please pledge an amount, some points, or both."))
    if errors or fen is None or count is None:
        raise FieldErrors(errors)
    if project.state != "open" or today(now) > project.deadline:
        raise UserError(NOT_COLLECTING)
    if rowcount(_add_to_totals(session, row_id(project), fen, count)) != 1:
        session.rollback()
        raise UserError(NOT_COLLECTING)
    row = MicroPledge(
        project_id=row_id(project),
        user_id=row_id(user),
        amount_fen=fen,
        points=count,
        state="promised",
        created_at=now,
        state_changed_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise UserError(
            N_("You have already pledged to this project. Withdraw that pledge to change it.")
        ) from None
    if count:
        try:
            move_points(
                session,
                user=user,
                amount=-count,
                source=PLEDGE_SOURCE,
                source_id=f"mp-{row.id}",
                reason=project.title,
                actor_id=user.id,
                now=now,
            )
        except UserError as exc:
            session.rollback()
            raise UserError(exc.message.msgid, field="points", **exc.message.params) from None
    _event(session, row_id(project), "pledged", user.id, now, pledge_id=row.id)
    _maybe_funded(session, row_id(project), now)
    _commit(session)
    return session.get_one(MicroPledge, row.id)


def _maybe_funded(session: Session, project_id: int, now: datetime) -> bool:
    """Holding the project's lock: when pledges plus the matched share reach the goal, the project
    is funded and its matched share is fixed from its office's budget."""
    project = session.exec(
        select(MicroProject)
        .where(col(MicroProject.id) == project_id)
        .execution_options(populate_existing=True)
    ).one()
    rule = rule_for(session, project.grid_id)
    if rule is not None:  # serialise the budget of this office (row lock; SQLite: write lock)
        session.exec(
            select(MicroMatchRule.id).where(col(MicroMatchRule.id) == rule.id).with_for_update()
        ).first()
    used = committed(session, rule.grid_id, but=project_id) if rule is not None else 0
    matched = share(rule, project.pledged_fen, used)
    if project.pledged_fen + matched < project.goal_fen:
        return False
    result = session.execute(
        update(MicroProject)
        .where(col(MicroProject.id) == project_id, col(MicroProject.state) == "open")
        .values(
            state="funded",
            state_changed_at=now,
            matched_fen=matched,
            match_grid_id=rule.grid_id if rule is not None else None,
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        return False
    _event(session, project_id, "funded", None, now, from_state="open", to_state="funded")
    notices.state_changed(session, project, "funded", now)
    return True


def _refund(session: Session, row: MicroPledge, owner: User, reason: str, actor, now) -> None:
    """Gives a pledge's points back through the ledger (once: the ledger refuses a second)."""
    if not row.points:
        return
    move_points(
        session,
        user=owner,
        amount=row.points,
        source="refund",
        source_id=f"mp-{row.id}",
        reason=reason,
        actor_id=actor,
        now=now,
    )


def withdraw(
    session: Session, *, pledge_id: int, user_id: int, now: datetime | None = None
) -> MicroPledge:
    """The pledger takes a promise back while the project still collects (points come back)."""
    now = now or utcnow()
    row = session.get(MicroPledge, pledge_id)
    if row is None:
        raise UserError(N_("This pledge could not be found."))
    project = session.get(MicroProject, row.project_id)
    grid = project.grid_id if project is not None else None
    user = active_user(session, user_id)
    _allowed(session, user, "microproject.withdraw", grid, own=row.user_id == user.id)
    if project is None or project.state != "open":
        raise UserError(N_("A pledge can only be withdrawn before the goal is reached."))
    if rowcount(_add_to_totals(session, row_id(project), -row.amount_fen, -row.points)) != 1:
        session.rollback()
        raise UserError(N_("A pledge can only be withdrawn before the goal is reached."))
    done = session.execute(
        update(MicroPledge)
        .where(col(MicroPledge.id) == pledge_id, col(MicroPledge.state) == "promised")
        .values(state="withdrawn", state_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise UserError(CHANGED)
    _refund(session, row, user, project.title, user.id, now)
    _event(session, row_id(project), "withdrawn", user.id, now, pledge_id=pledge_id)
    _commit(session)
    return session.get_one(MicroPledge, pledge_id)


def release_all(
    session: Session, project: MicroProject, actor_id: int | None, now: datetime
) -> int:
    """Releases every promised pledge of a project that was rejected or missed its deadline (the
    caller moved its state in this transaction): points come back, totals drop. No commit."""
    rows = session.exec(
        select(MicroPledge)
        .where(col(MicroPledge.project_id) == project.id, col(MicroPledge.state) == "promised")
        .order_by(col(MicroPledge.id))
    ).all()
    released = 0
    for row in rows:
        done = session.execute(
            update(MicroPledge)
            .where(col(MicroPledge.id) == row.id, col(MicroPledge.state) == "promised")
            .values(state="released", state_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if rowcount(done) != 1:
            continue
        session.execute(
            update(MicroProject)
            .where(col(MicroProject.id) == project.id)
            .values(
                pledged_fen=MicroProject.pledged_fen - row.amount_fen,
                pledged_points=MicroProject.pledged_points - row.points,
            )
            .execution_options(synchronize_session=False)
        )
        owner = session.get_one(User, row.user_id)
        _refund(session, row, owner, project.title, actor_id, now)
        _event(session, row_id(project), "released", actor_id, now, pledge_id=row.id)
        released += 1
    return released
