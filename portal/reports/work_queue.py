"""The work queue as staff live in it: search, filters with their counts, sort, one page of cards.

Everything the page shows comes from `queue_page`: a fixed number of statements per run, however
many cards the page holds (the cards' names, joint parts and permissions are looked up once per
page, never per card). Overdue and due today are the one clock of portal/report_clock.py. What
each person may do on a card is asked of portal/permissions.py `can()`; this module only looks up
the facts it needs, for the whole page at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, true, union_all
from sqlmodel import Session, col, select

from db.models import Department, GridDuty, User
from db.models_reports import JointTask, Report, ReportCategory, ReportEvent
from db.types import row_id, utcnow
from portal.areas import Area, area_of, community_of
from portal.grids import GridIndex, subtree
from portal.i18n import DEFAULT_LANGUAGE, N_
from portal.localtime import day_end, today
from portal.permissions import On, can
from portal.reports import GRID_DUTIES, LEVELS, WORKING_STATES, category_name
from portal.reports.clock import OPEN_STATES, due_today_sql, is_overdue, overdue_sql
from portal.reports.visibility import reader, visible_reports

PAGE_SIZE = 20
ACTIVE_STATES = OPEN_STATES + ("resolved",)  # what the queue holds: open, or waiting for a check
JUST_ESCALATED = timedelta(hours=24)  # "just escalated" on the first page for a day
ESCALATIONS = ("escalate", "auto_escalate", "whistle")
SEARCH_MAX = 100

SORTS = {
    "priority": N_("Urgent, overdue and just escalated first"),
    "due": N_("Due soonest first"),
    "newest": N_("Newest first"),
    "oldest": N_("Oldest first"),
}
FLAGS = {
    "overdue": N_("Overdue"),
    "due_today": N_("Due today"),
    "urgent": N_("Urgent"),
}
JOINT_ROLES = {"lead": N_("Lead"), "assist": N_("Assisting")}
JOINT_STATUS = {"open": N_("Working on it"), "done": N_("Part done")}


@dataclass(frozen=True)
class QueueFilter:
    """What the person chose above the list; empty means everything in their queue."""

    search: str = ""
    state: str | None = None
    category_id: int | None = None
    grid_id: int | None = None  # the grid and every grid below it
    department_id: int | None = None  # holding it, or taking part in its joint order
    overdue: bool = False
    due_today: bool = False
    urgent: bool = False
    sort: str = "priority"
    page: int = 1
    report_id: int | None = None  # one report only (a link, the opened card)


@dataclass(frozen=True)
class JointPart:
    department: str
    role: str  # lead, assist
    part: str
    status: str  # open, done
    mine: bool  # the viewer's department


@dataclass(frozen=True)
class Card:
    report: Report
    category: str
    grid_name: str
    assignee: str
    reporter: str
    overdue: bool
    just_escalated: bool
    actions: frozenset[str]  # what this person may do now (permissions.can, state)
    joint: tuple[JointPart, ...] = ()
    community: str = ""  # the report's community, when the viewer's area holds more than one


@dataclass(frozen=True)
class Counts:
    """How many reports each choice would show, the other choices staying as they are."""

    total: int
    states: dict[str, int] = field(default_factory=dict)
    categories: dict[int, int] = field(default_factory=dict)
    grids: dict[int, int] = field(default_factory=dict)  # rolled up to every grid above
    departments: dict[int, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class QueuePage:
    cards: list[Card]
    counts: Counts
    page: int
    pages: int
    overdue: int  # overdue among everything the filters show (not only this page)
    categories: dict[int, str]
    grids: dict[int, str]
    departments: dict[int, str]
    # the departments this person may send a report to (reassign, whistle): of their area, the
    # offices above it, or serving the whole deployment
    choices: dict[int, str] = field(default_factory=dict)
    communities: dict[int, str] = field(default_factory=dict)  # in the area, when more than one


# --- who is in whose queue ---------------------------------------------------------------------


def _duty_grids(session: Session, user: User) -> set[int]:
    return set(
        session.exec(
            select(col(GridDuty.grid_id)).where(
                col(GridDuty.user_id) == user.id, col(GridDuty.duty).in_(GRID_DUTIES)
            )
        ).all()
    )


def _scope(session: Session, index: GridIndex, user: User, duty: set[int]):
    """Reports this person works on (None: nobody's queue), never beyond what they may read."""
    if user.role == "grid_worker":
        grids = subtree({row_id(g): g.parent_id for g in index.grids.values()}, *duty)
        mine = or_(
            col(Report.assignee_id) == user.id,
            col(Report.grid_id).in_(sorted(grids)) & (col(Report.level) == "grid"),
        )
    elif user.role == "handler":
        joint = select(col(JointTask.report_id)).where(
            col(JointTask.department_id) == user.department_id
        )
        mine = or_(
            col(Report.assignee_id) == user.id,
            col(Report.department_id) == user.department_id,
            col(Report.id).in_(joint),
        )
    elif user.role in ("staff", "admin"):
        mine = true()
    else:
        return None
    return and_(
        col(Report.state).in_(ACTIVE_STATES), mine, visible_reports(reader(session, index, user))
    )


# --- filters -----------------------------------------------------------------------------------


def _digits(text: str) -> int | None:
    text = text.strip().lstrip("#＃").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def _search(index: GridIndex, text: str):
    """Report number, words of the description, the place (grid name) or the reporter's name."""
    text = (text or "").strip()[:SEARCH_MAX]
    if not text:
        return None
    needle = text.lower()
    places = [row_id(g) for g in index.grids.values() if needle in g.name.lower()]
    parents = {row_id(g): g.parent_id for g in index.grids.values()}
    people = select(col(User.id)).where(col(User.display_name).icontains(text, autoescape=True))
    found = [
        col(Report.description).icontains(text, autoescape=True),
        col(Report.reporter_id).in_(people),
        col(Report.on_behalf_of_id).in_(people),
    ]
    if places:
        found.append(col(Report.grid_id).in_(sorted(subtree(parents, *places))))
    number = _digits(text)
    if number is not None:
        found.append(col(Report.id) == number)
    return or_(*found)


def _in_department(department_id: int):
    joint = select(col(JointTask.report_id)).where(col(JointTask.department_id) == department_id)
    return or_(col(Report.department_id) == department_id, col(Report.id).in_(joint))


def _conditions(
    flt: QueueFilter, index: GridIndex, now: datetime, end: datetime, skip: str = ""
) -> list:
    """The chosen filters as SQL conditions, leaving out the facet `skip` (for its counts)."""
    parents = {row_id(g): g.parent_id for g in index.grids.values()}
    out = []
    found = _search(index, flt.search)
    if found is not None:
        out.append(found)
    if flt.report_id is not None:
        out.append(col(Report.id) == flt.report_id)
    if flt.state and skip != "state":
        out.append(col(Report.state) == flt.state)
    if flt.category_id is not None and skip != "category":
        out.append(col(Report.category_id) == flt.category_id)
    if flt.grid_id is not None and skip != "grid":
        out.append(col(Report.grid_id).in_(sorted(subtree(parents, flt.grid_id))))
    if flt.department_id is not None and skip != "department":
        out.append(_in_department(flt.department_id))
    if skip != "flags":
        out.extend(_flag_conditions(flt, now, end))
    return out


def _flag_conditions(flt: QueueFilter, now: datetime, end: datetime, but: str = "") -> list:
    chosen = {
        "overdue": (flt.overdue, overdue_sql(now)),
        "due_today": (flt.due_today, due_today_sql(now, end)),
        "urgent": (flt.urgent, col(Report.urgent) == True),  # noqa: E712
    }
    return [cond for name, (on, cond) in chosen.items() if on and name != but]


def _just_escalated(now: datetime):
    return exists().where(
        col(ReportEvent.report_id) == col(Report.id),
        col(ReportEvent.action).in_(ESCALATIONS),
        col(ReportEvent.at) >= now - JUST_ESCALATED,
    )


def _order(sort: str, now: datetime) -> list:
    if sort == "due":
        return [col(Report.resident_due_at), col(Report.id)]
    if sort == "newest":
        return [col(Report.created_at).desc(), col(Report.id).desc()]
    if sort == "oldest":
        return [col(Report.created_at), col(Report.id)]
    return [  # priority: urgent, overdue, just escalated, then by the resident's due time
        case(
            (col(Report.urgent) == True, 0),  # noqa: E712
            (overdue_sql(now), 1),
            (_just_escalated(now), 2),
            else_=3,
        ),
        col(Report.resident_due_at),
        col(Report.id),
    ]


# --- counts ------------------------------------------------------------------------------------


def _group(session: Session, column, where: list) -> dict:
    rows = session.exec(select(column, func.count()).where(*where).group_by(column)).all()
    return {key: n for key, n in rows if key is not None}


def _count_departments(session: Session, where: list) -> dict[int, int]:
    """Reports per department: the one holding it, and every department of its joint order."""
    held: Any = select(col(Report.id).label("rid"), col(Report.department_id).label("dep")).where(
        *where, col(Report.department_id).is_not(None)
    )
    joint: Any = (
        select(col(JointTask.report_id).label("rid"), col(JointTask.department_id).label("dep"))
        .join(Report, col(Report.id) == col(JointTask.report_id))
        .where(*where)
    )
    both = union_all(held, joint).subquery()
    rows = session.exec(
        select(both.c.dep, func.count(func.distinct(both.c.rid))).group_by(both.c.dep)
    ).all()
    return dict(rows)


def _count_flags(session: Session, base: list, flt: QueueFilter, now: datetime, end: datetime):
    """One statement: each flag counted with the other flags (and every other filter) applied."""

    def total(name: str, cond) -> ColumnElement:
        also = _flag_conditions(flt, now, end, but=name)
        return func.coalesce(func.sum(case((and_(cond, *also), 1), else_=0)), 0)

    row = session.exec(
        select(
            total("overdue", overdue_sql(now)),
            total("due_today", due_today_sql(now, end)),
            total("urgent", col(Report.urgent) == True),  # noqa: E712
        ).where(*base)
    ).one()
    return dict(zip(FLAGS, (int(n) for n in row), strict=True))


def _roll_up(index: GridIndex, per_grid: dict[int, int]) -> dict[int, int]:
    """A general grid counts the reports of its micro-grids too (the filter takes the subtree)."""
    out: dict[int, int] = {}
    for grid_id, n in per_grid.items():
        grid = index.grids.get(grid_id)
        for g in index.ancestors(grid) if grid else []:
            out[row_id(g)] = out.get(row_id(g), 0) + n
    return out


def counts(
    session: Session, index: GridIndex, scope, flt: QueueFilter, now: datetime, end: datetime
) -> Counts:
    every = [scope, *_conditions(flt, index, now, end)]
    return Counts(
        total=session.exec(select(func.count()).select_from(Report).where(*every)).one(),
        states=_group(
            session, col(Report.state), [scope, *_conditions(flt, index, now, end, "state")]
        ),
        categories=_group(
            session,
            col(Report.category_id),
            [scope, *_conditions(flt, index, now, end, "category")],
        ),
        grids=_roll_up(
            index,
            _group(
                session, col(Report.grid_id), [scope, *_conditions(flt, index, now, end, "grid")]
            ),
        ),
        departments=_count_departments(
            session, [scope, *_conditions(flt, index, now, end, "department")]
        ),
        flags=_count_flags(
            session, [scope, *_conditions(flt, index, now, end, "flags")], flt, now, end
        ),
    )


# --- permissions for the page's cards, facts looked up once ------------------------------------


def _actions(user: User, report: Report, on: On, joint_open: bool) -> frozenset[str]:
    """What `user` may do on `report` now: the facts as reports.facts / reports.may_handle give
    them (checked against them in tests/unit/test_work_queue.py), the decision by can()."""
    at_grid = report.level == "grid"
    handle_on = (
        On(named=on.named, answers_for=on.answers_for, outside=on.outside)
        if at_grid
        else On(named=on.named, department=on.department, outside=on.outside)
    )
    handle = bool(can(user, "report.handle", handle_on))
    state, out = report.state, set()
    if handle and state in ("assigned", "reopened"):
        out.add("accept")
    if handle and state == "accepted":
        out.add("start")
    if handle and state in ("accepted", "in_progress"):
        out.add("resolve")
    if handle and state in ("assigned", "accepted"):
        out.add("return")
    if handle and state in WORKING_STATES and report.level != LEVELS[-1]:
        out.add("escalate")
    if state == "resolved" and can(user, "report.verify", on):
        out.add("verify")
    if (state == "returned" or state in WORKING_STATES) and can(user, "report.reassign", on):
        out.add("reassign")
    if state in WORKING_STATES and can(user, "report.whistle", on):
        out.add("whistle")
    if joint_open and can(
        user, "report.finish_joint_part", On(department=True, outside=on.outside)
    ):
        out.add("joint_done")
    return frozenset(out)


def page_facts(
    session: Session,
    index: GridIndex,
    user: User,
    reports: list[Report],
    duty: set[int],
    area: Area | None = None,
) -> dict[int, tuple[On, bool]]:
    """{report id: (On, the viewer's department has an open joint part)} for a page of
    reports, in one statement (the joint tasks); the grid duties come from the caller."""
    area = area if area is not None else area_of(session, user, index)
    ids = [row_id(r) for r in reports]
    mine: dict[int, JointTask] = {}
    if ids and user.department_id is not None:
        for found in session.exec(
            select(JointTask).where(
                col(JointTask.report_id).in_(ids),
                col(JointTask.department_id) == user.department_id,
            )
        ):
            mine[found.report_id] = found
    out = {}
    for r in reports:
        chain = [
            g.id
            for g in (index.ancestors(index.grids[r.grid_id]) if r.grid_id in index.grids else [])
            if g.kind != "community"
        ]
        task: JointTask | None = mine.get(row_id(r))
        lead = task is not None and task.role == "lead"
        department = user.department_id is not None and (
            r.department_id == user.department_id or lead
        )
        on = On(
            own=user.id in (r.reporter_id, r.on_behalf_of_id),
            answers_for=bool(duty.intersection(chain)),
            named=r.assignee_id == user.id,
            department=department,
            outside=not area.covers(r.grid_id),
        )
        out[row_id(r)] = (on, task is not None and task.status == "open")
    return out


# --- the page ----------------------------------------------------------------------------------


def _names(session: Session, given: Iterable[int | None]) -> dict[int, str]:
    ids = sorted({i for i in given if i})
    if not ids:
        return {}
    rows = session.exec(
        select(col(User.id), col(User.display_name)).where(col(User.id).in_(ids))
    ).all()
    return {int(uid or 0): name for uid, name in rows}


def queue_page(
    session: Session,
    index: GridIndex,
    user: User,
    flt: QueueFilter = QueueFilter(),
    *,
    language: str = DEFAULT_LANGUAGE,
    now: datetime | None = None,
    page_size: int = PAGE_SIZE,
) -> QueuePage:
    """One page of the person's queue with the counts for every filter control."""
    now = now or utcnow()
    end = day_end(today(now))
    cats = {row_id(c): c for c in session.exec(select(ReportCategory))}
    categories = {cid: category_name(c, language) for cid, c in cats.items()}
    area = area_of(session, user, index)
    every_department = session.exec(select(Department).order_by(col(Department.id))).all()
    departments = {row_id(d): d.name for d in every_department}
    choices = {row_id(d): d.name for d in every_department if area.reaches(d.grid_id)}
    parents = {row_id(g): g.parent_id for g in index.grids.values()}
    kinds = {row_id(g): g.kind for g in index.grids.values()}
    in_area = {row_id(g): g.name for g in index.of_kind("community") if area.covers(g.id)}
    communities = in_area if len(in_area) > 1 else {}
    duty = _duty_grids(session, user)
    scope = _scope(session, index, user, duty)
    if scope is None:
        return QueuePage([], Counts(0), 1, 1, 0, categories, {}, departments, choices)
    if flt.report_id is None:
        tally = counts(session, index, scope, flt, now, end)
    else:  # one card: no counts needed
        tally = Counts(1, flags=dict.fromkeys(FLAGS, 0))
    pages = max(1, -(-tally.total // page_size))
    page = min(max(1, flt.page), pages)
    where = [scope, *_conditions(flt, index, now, end)]
    rows = session.exec(
        select(Report, _just_escalated(now))
        .where(*where)
        .order_by(*_order(flt.sort if flt.sort in SORTS else "priority", now))
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    reports = [r for r, _ in rows]
    escalated = {row_id(r): bool(e) for r, e in rows}
    facts = page_facts(session, index, user, reports, duty, area)
    people = _names(
        session,
        [r.assignee_id for r in reports] + [r.reporter_id for r in reports],  # type: ignore[list-item]
    )
    joint = _joint_parts(session, reports, departments, user)
    cards = [
        Card(
            report=r,
            category=categories.get(r.category_id, ""),
            grid_name=index.grids[r.grid_id].name if r.grid_id in index.grids else "",
            assignee=people.get(r.assignee_id or 0) or departments.get(r.department_id or 0, ""),
            reporter=people.get(r.reporter_id, ""),
            overdue=is_overdue(r, now),
            just_escalated=escalated[row_id(r)],
            actions=_actions(user, r, *facts[row_id(r)]),
            joint=joint.get(row_id(r), ()),
            community=communities.get(community_of(parents, kinds, r.grid_id) or 0, ""),
        )
        for r in reports
    ]
    overdue = tally.flags["overdue"] if not flt.overdue else tally.total
    grid_names = {gid: index.grids[gid].name for gid in tally.grids if gid in index.grids}
    return QueuePage(
        cards,
        tally,
        page,
        pages,
        overdue,
        categories,
        grid_names,
        departments,
        choices,
        communities,
    )


def _joint_parts(
    session: Session, reports: list[Report], departments: dict[int, str], user: User
) -> dict[int, tuple[JointPart, ...]]:
    ids = [row_id(r) for r in reports]
    if not ids:
        return {}
    out: dict[int, list[JointPart]] = {}
    tasks = session.exec(
        select(JointTask)
        .where(col(JointTask.report_id).in_(ids))
        .order_by(col(JointTask.report_id), case((col(JointTask.role) == "lead", 0), else_=1))
    )
    for task in tasks:
        out.setdefault(task.report_id, []).append(
            JointPart(
                departments.get(task.department_id, ""),
                task.role,
                task.part,
                task.status,
                task.department_id == user.department_id,
            )
        )
    return {rid: tuple(parts) for rid, parts in out.items()}


def one_card(
    session: Session,
    index: GridIndex,
    user: User,
    report_id: int,
    *,
    language: str = DEFAULT_LANGUAGE,
    now: datetime | None = None,
) -> Card | None:
    """The card of one report in this person's queue (a link or the opened card), or None."""
    found = queue_page(
        session, index, user, QueueFilter(report_id=report_id), language=language, now=now
    )
    return found.cards[0] if found.cards else None
