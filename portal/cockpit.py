"""The staff cockpit: measures by grid, category and month, the red/black list, open data.

Every figure is computed from event rows of the other capabilities (report_event, joint_task,
wish_event, wish_promotion, points_entry), never from counters (points: summary rows written in
the ledger line's own transaction and checked against it, portal.points.summaries):
- received: reports created in the period (their `submit` time).
- response time: submit → first `accept` event, hours (mean over the reports accepted).
- resolution time: submit → first `resolve` event, hours (mean over the reports resolved).
- within limit: share of received reports whose first `accept` came by the resident's due time
  (submission + the category's limit, 72 h by default; portal.reports.clock).
- overdue: received reports still open past the resident's due time (portal.reports.clock).
- closure rate: share of received reports whose last event leaves them `closed`.
- reopen rate: share of received reports with at least one `reopen` event.
- repeats: reports with an earlier report of the same category within the category's duplicate
  radius in the REPEAT_DAYS before it (the same problem at the same place again).
- rating: mean of the ratings residents and merchants gave (1–5; a worker's own rating of a
  report does not count), over the reports rated.
- escalations by level: `escalate`/`auto_escalate` events by the level they went to.
- joint orders: reports with joint_task rows; departments: distinct departments in them.
- wishes posted (`posted` events), fulfilled (first `fulfilled` event) and the median days between.
- points issued (positive entries except refunds) and redeemed (reward entries less refunds), read
  per whole Beijing month from the summary rows kept with every ledger line (points_grid_month).
- wish decisions: promotions of wishes to the council decided in the period (wish_promotion).
- council items decided: agenda items whose voting closed in the period with an outcome of
  `adopted` or `rejected` (not `not_decided`, which means no quorum), by the month of `decided_at`;
  council actions done: actions whose first `action_progress` event to `done` falls in the period
  (council_event rows), by the month of that event. A council belongs to its grid: a general grid's
  council counts in that general grid's row, the community council in the row of the community grid
  (the community as a whole), never spread over the general grids.

Every function takes a Scope (portal.cockpit_scope): the whole community for staff, a grid worker's
own grids and below for them; rows outside it are never read.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, true
from sqlmodel import Session, col, select

from db.models import User
from db.models_council import Council, CouncilAction, CouncilEvent, CouncilItem, CouncilMeeting
from db.models_points import PointsEntry, PointsGridMonth
from db.models_reports import JointTask, Report, ReportCategory, ReportEvent
from db.models_wishes import Wish, WishEvent, WishPromotion
from db.types import utcnow
from portal import reports
from portal.cockpit_scope import WHOLE, Scope
from portal.csv_export import csv_bytes
from portal.grids import GridIndex
from portal.i18n import N_
from portal.localtime import ZONE as BEIJING
from portal.localtime import month_of
from portal.permissions import RATING_COUNTS_FROM
from portal.points import summaries
from portal.points.common import EARNING_EXCLUDED
from portal.reports.clock import overdue_sql

REPEAT_DAYS = 90
DIMENSIONS = ("grid", "category", "month")
ESCALATION_LEVELS = ("community", "street", "district")

# key → (label message id, higher is better?, kind: count / hours / percent / mean / days)
MEASURES: dict[str, tuple[str, bool, str]] = {
    "received": (N_("Reports received"), True, "count"),
    "response_h": (N_("Response time (hours)"), False, "hours"),
    "resolution_h": (N_("Resolution time (hours)"), False, "hours"),
    "within_limit_pct": (N_("Answered within the time limit (%)"), True, "percent"),
    "overdue": (N_("Overdue now"), False, "count"),
    "closure_pct": (N_("Closure rate (%)"), True, "percent"),
    "reopen_pct": (N_("Reopen rate (%)"), False, "percent"),
    "repeats": (N_("Repeat events at the same place"), False, "count"),
    "rating": (N_("Average rating"), True, "mean"),
    "esc_community": (N_("Escalated to the community"), False, "count"),
    "esc_street": (N_("Escalated to the street office"), False, "count"),
    "esc_district": (N_("Escalated to the district"), False, "count"),
    "joint_orders": (N_("Joint work orders"), True, "count"),
    "departments": (N_("Departments involved"), True, "count"),
    "wishes_posted": (N_("Wishes posted"), True, "count"),
    "wishes_fulfilled": (N_("Wishes fulfilled"), True, "count"),
    "wish_median_days": (N_("Median days to fulfil a wish"), False, "days"),
    "points_issued": (N_("Points issued"), True, "count"),
    "points_redeemed": (N_("Points redeemed"), True, "count"),
    "wishes_decided": (N_("Council decisions on wishes"), True, "count"),
    "council_decided": (N_("Council items decided"), True, "count"),
    "council_actions_done": (N_("Council actions done"), True, "count"),
}
OTHER_KEYS = (
    "wishes_posted",
    "wishes_fulfilled",
    "wish_median_days",
    "points_issued",
    "points_redeemed",
    "wishes_decided",
    "council_decided",
    "council_actions_done",
)
COUNTED = (
    "wishes_posted",
    "wishes_fulfilled",
    "points_issued",
    "points_redeemed",
    "wishes_decided",
    "council_decided",
    "council_actions_done",
)
RANKABLE = (
    "within_limit_pct",
    "closure_pct",
    "rating",
    "response_h",
    "resolution_h",
    "reopen_pct",
    "repeats",
)
RED_BLACK_RULE = N_(
    "Red list: the {n} grids with the best {measure}; black list: the {n} with the "
    "worst. Only grids with at least {min} reports in the period take part; on a tie "
    "the grid with more reports comes first."
)


def group_of(index: GridIndex, grid_id: int | None) -> int | None:
    """The general grid a grid lies in (exclusive and micro grids roll up to it)."""
    groups = index.__dict__.setdefault("_cockpit_groups", {})
    if grid_id not in groups:
        groups[grid_id] = _group_of(index, grid_id)
    return groups[grid_id]


def _group_of(index: GridIndex, grid_id: int | None) -> int | None:
    grid = index.grids.get(grid_id) if grid_id is not None else None
    if grid is None:
        return None
    for g in index.ancestors(grid):
        if g.kind == "general":
            return g.id
    return grid.id


def _rows(session: Session, statement):
    """Plain (Core) rows: several times faster than ORM loading for large read models."""
    return session.connection().execute(statement)


@dataclass
class ReportFact:
    id: int
    grid: int | None
    category_id: int
    month: str
    created_at: datetime
    due_at: datetime | None = None  # the resident's due time (reports.clock), never reset
    overdue: bool = False
    accepted_at: datetime | None = None
    resolved_at: datetime | None = None
    closed: bool = False
    reopened: bool = False
    rating: int | None = None
    escalations: dict[str, int] = field(default_factory=dict)
    departments: set[int] = field(default_factory=set)
    repeat: bool = False


def _in_scope(column, scope: Scope):
    return true() if scope.whole else column.in_(scope.id_list())


def report_facts(
    session: Session,
    index: GridIndex,
    since: datetime,
    until: datetime,
    scope: Scope = WHOLE,
    now: datetime | None = None,
) -> list[ReportFact]:
    """One fact per report created in [since, until) in the scope, derived from its event rows;
    overdue as of `now`."""
    now = now or utcnow()
    in_period = (
        (col(Report.created_at) >= since)
        & (col(Report.created_at) < until)
        & _in_scope(col(Report.grid_id), scope)
    )
    rows = _rows(
        session,
        select(
            col(Report.id),
            col(Report.grid_id),
            col(Report.category_id),
            col(Report.created_at),
            col(Report.rating),
            col(Report.resident_due_at),
            overdue_sql(now),
        ).where(in_period),
    ).all()
    facts = {
        rid: ReportFact(
            rid,
            scope.row_of(index, gid),
            cid,
            month_of(created),
            created,
            due_at=due,
            overdue=bool(late),
            rating=rating,
        )
        for rid, gid, cid, created, rating, due, late in rows
    }
    ids = select(col(Report.id)).where(in_period)
    events = _rows(
        session,
        select(
            ReportEvent.report_id,
            ReportEvent.action,
            ReportEvent.to_state,
            ReportEvent.level,
            ReportEvent.at,
            ReportEvent.actor_id,
        )
        .where(col(ReportEvent.report_id).in_(ids))
        .order_by(col(ReportEvent.report_id), col(ReportEvent.at), col(ReportEvent.id)),
    ).all()
    last_state: dict[int, str] = {}
    raters: dict[int, int | None] = {}
    for rid, action, to_state, level, at, actor_id in events:
        fact = facts.get(rid)
        if fact is None:
            continue
        last_state[rid] = to_state
        if action == "accept" and fact.accepted_at is None:
            fact.accepted_at = at
        elif action == "resolve" and fact.resolved_at is None:
            fact.resolved_at = at
        elif action == "reopen":
            fact.reopened = True
        elif action == "rate":
            raters[rid] = actor_id
        elif action in ("escalate", "auto_escalate"):
            fact.escalations[level] = fact.escalations.get(level, 0) + 1
    for rid, state in last_state.items():
        facts[rid].closed = state == "closed"
    _drop_workers_ratings(session, facts, raters)
    for rid, department in _rows(
        session,
        select(col(JointTask.report_id), col(JointTask.department_id)).where(
            col(JointTask.report_id).in_(ids)
        ),
    ).all():
        if rid in facts:
            facts[rid].departments.add(department)
    _mark_repeats(session, facts, since, until)
    return list(facts.values())


def _drop_workers_ratings(
    session: Session, facts: dict[int, ReportFact], raters: dict[int, int | None]
) -> None:
    """A rating counts in the handlers' figures only when a resident or merchant gave it: a
    worker's own report is no judgement on the work (permissions.RATING_COUNTS_FROM)."""
    ids = {uid for uid in raters.values() if uid is not None}
    roles = dict(_rows(session, select(User.id, User.role).where(User.id.in_(ids))).all())
    for rid, uid in raters.items():
        if uid is not None and roles.get(uid) not in RATING_COUNTS_FROM:
            facts[rid].rating = None


def _mark_repeats(
    session: Session, facts: dict[int, ReportFact], since: datetime, until: datetime
) -> None:
    radius = dict(
        _rows(session, select(col(ReportCategory.id), col(ReportCategory.duplicate_radius_m))).all()
    )
    cell = max([50, *radius.values()]) / 111_000  # degrees; neighbours are checked too
    rows = _rows(
        session,
        select(
            col(Report.id),
            col(Report.category_id),
            col(Report.lat),
            col(Report.lon),
            col(Report.created_at),
        )
        .where(
            col(Report.created_at) >= since - timedelta(days=REPEAT_DAYS),
            col(Report.created_at) < until,
        )
        .order_by(col(Report.created_at), col(Report.id)),
    ).all()
    buckets: dict[tuple, list[tuple]] = defaultdict(list)
    window = timedelta(days=REPEAT_DAYS)
    for rid, cid, lat, lon, created in rows:
        cx, cy = int(lat // cell), int(lon // cell)
        if rid in facts:
            limit = radius.get(cid, 50)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    # buckets fill in time order: walk back from the newest, stop past the window
                    for _oid, olat, olon, ocreated in reversed(
                        buckets.get((cid, cx + dx, cy + dy), ())
                    ):
                        if created - ocreated > window:
                            break
                        if reports.distance_m(lat, lon, olat, olon) <= limit:
                            facts[rid].repeat = True
                            break
                    if facts[rid].repeat:
                        break
                if facts[rid].repeat:
                    break
        buckets[(cid, cx, cy)].append((rid, lat, lon, created))


def _hours(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 3600


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 1) if values else None


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _answered_in_time(fact: ReportFact, limit_hours: float) -> bool:
    if fact.accepted_at is None:
        return False
    due = fact.due_at or fact.created_at + timedelta(hours=limit_hours)
    return fact.accepted_at <= due


def summarise(facts: list[ReportFact], limit_hours: float = 72) -> dict:
    """The report measures of a group of facts (`limit_hours` only for facts without a due time)."""
    n = len(facts)
    response = [_hours(f.created_at, f.accepted_at) for f in facts if f.accepted_at]
    resolution = [_hours(f.created_at, f.resolved_at) for f in facts if f.resolved_at]
    rated = [f.rating for f in facts if f.rating]
    joint = [f for f in facts if f.departments]
    out = {
        "received": n,
        "response_h": _mean(response),
        "resolution_h": _mean(resolution),
        "within_limit_pct": _pct(sum(1 for f in facts if _answered_in_time(f, limit_hours)), n),
        "overdue": sum(1 for f in facts if f.overdue),
        "closure_pct": _pct(sum(1 for f in facts if f.closed), n),
        "reopen_pct": _pct(sum(1 for f in facts if f.reopened), n),
        "repeats": sum(1 for f in facts if f.repeat),
        "rating": round(statistics.fmean(rated), 2) if rated else None,
        "joint_orders": len(joint),
        "departments": len(set().union(*(f.departments for f in joint))) if joint else 0,
    }
    for level in ESCALATION_LEVELS:
        out[f"esc_{level}"] = sum(f.escalations.get(level, 0) for f in facts)
    return out


# --- wishes, points, council -----------------------------------------------------------------


def wish_facts(
    session: Session, index: GridIndex, since: datetime, until: datetime, scope: Scope = WHOLE
) -> dict:
    """{'posted': [(row, month)], 'fulfilled': [(row, month, days)], 'decided': [(row, month)]}"""
    here = _in_scope(col(Wish.grid_id), scope)
    posted = _rows(
        session,
        select(col(Wish.grid_id), col(WishEvent.at))
        .join(Wish, col(Wish.id) == col(WishEvent.wish_id))
        .where(
            col(WishEvent.kind) == "posted",
            col(WishEvent.at) >= since,
            col(WishEvent.at) < until,
            here,
        ),
    ).all()
    first_fulfilled = (
        select(col(WishEvent.wish_id), func.min(col(WishEvent.at)).label("at"))
        .where(col(WishEvent.kind) == "fulfilled")
        .group_by(col(WishEvent.wish_id))
        .subquery()
    )
    fulfilled = _rows(
        session,
        select(col(Wish.grid_id), col(Wish.created_at), first_fulfilled.c.at)
        .join(first_fulfilled, first_fulfilled.c.wish_id == col(Wish.id))
        .where(first_fulfilled.c.at >= since, first_fulfilled.c.at < until, here),
    ).all()
    decided = _rows(
        session,
        select(col(Wish.grid_id), col(WishPromotion.decided_at))
        .join(Wish, col(Wish.id) == col(WishPromotion.wish_id))
        .where(
            col(WishPromotion.status) == "decided",
            col(WishPromotion.decided_at) >= since,
            col(WishPromotion.decided_at) < until,
            here,
        ),
    ).all()
    row = scope.row_of
    return {
        "posted": [(row(index, g), month_of(at)) for g, at in posted],
        "fulfilled": [
            (row(index, g), month_of(at), (at - created).total_seconds() / 86400)
            for g, created, at in fulfilled
        ],
        "decided": [(row(index, g), month_of(at)) for g, at in decided],
    }


def council_facts(
    session: Session, index: GridIndex, since: datetime, until: datetime, scope: Scope = WHOLE
) -> dict:
    """{'decided': [(row, month, outcome)], 'done': [(row, month)]}: agenda items decided and
    council actions done in [since, until), each in the row of its council's grid."""
    here = _in_scope(col(Council.grid_id), scope)
    decided = _rows(
        session,
        select(col(Council.grid_id), col(CouncilItem.decided_at), col(CouncilItem.outcome))
        .join(CouncilMeeting, col(CouncilMeeting.id) == col(CouncilItem.meeting_id))
        .join(Council, col(Council.id) == col(CouncilMeeting.council_id))
        .where(
            col(CouncilItem.outcome).in_(("adopted", "rejected")),
            col(CouncilItem.decided_at) >= since,
            col(CouncilItem.decided_at) < until,
            here,
        ),
    ).all()
    first_done = (
        select(col(CouncilEvent.action_id), func.min(col(CouncilEvent.at)).label("at"))
        .where(
            col(CouncilEvent.kind) == "action_progress",
            col(CouncilEvent.to_state) == "done",
            col(CouncilEvent.action_id).is_not(None),
        )
        .group_by(col(CouncilEvent.action_id))
        .subquery()
    )
    done = _rows(
        session,
        select(col(Council.grid_id), first_done.c.at)
        .join(CouncilAction, col(CouncilAction.id) == first_done.c.action_id)
        .join(CouncilItem, col(CouncilItem.id) == col(CouncilAction.item_id))
        .join(CouncilMeeting, col(CouncilMeeting.id) == col(CouncilItem.meeting_id))
        .join(Council, col(Council.id) == col(CouncilMeeting.council_id))
        .where(first_done.c.at >= since, first_done.c.at < until, here),
    ).all()
    row = scope.row_of
    return {
        "decided": [(row(index, g), month_of(at), outcome) for g, at, outcome in decided],
        "done": [(row(index, g), month_of(at)) for g, at in done],
    }


def points_facts(
    session: Session,
    index: GridIndex,
    since: datetime,
    until: datetime,
    by: str = "grid",
    scope: Scope = WHOLE,
) -> list[tuple]:
    """(key, issued, redeemed); key is the general grid (by="grid") or the Beijing month
    (by="month"). Whole Beijing months come from the summary rows (points_grid_month, kept with
    every ledger line); only the part-months at the ends of a period that does not start or end
    on a month boundary are summed from the ledger lines (one range query each)."""
    full: list[tuple[str, datetime, datetime]] = []
    partial: list[tuple[str, datetime, datetime]] = []
    for label, start, end in month_bounds(since, until):
        whole = start == summaries.month_start(label) and end == summaries.next_month_start(
            start + timedelta(microseconds=1)
        )
        (full if whole else partial).append((label, start, end))
    gm = PointsGridMonth
    in_summary = _in_scope(col(gm.grid_key), scope)
    out: list[tuple] = []
    if by == "month":
        sums = {
            m: (int(i or 0), int(r or 0))
            for m, i, r in _rows(
                session,
                select(col(gm.month), func.sum(col(gm.issued)), func.sum(col(gm.redeemed)))
                .where(col(gm.month).in_([label for label, _s, _e in full]), in_summary)
                .group_by(col(gm.month)),
            )
        }
        by_label = {label: sums.get(label, (0, 0)) for label, _s, _e in full}
        for label, start, end in partial:
            by_label[label] = _ledger_points(session, start, end, scope, by_grid=False)[0][1:]
        return [(label, *by_label[label]) for label, _s, _e in month_bounds(since, until)]
    if full:
        rows = _rows(
            session,
            select(col(gm.grid_key), func.sum(col(gm.issued)), func.sum(col(gm.redeemed)))
            .where(col(gm.month).in_([label for label, _s, _e in full]), in_summary)
            .group_by(col(gm.grid_key)),
        ).all()
        out += [(summaries.grid_of_key(g), int(i or 0), int(r or 0)) for g, i, r in rows]
    for _label, start, end in partial:
        out += _ledger_points(session, start, end, scope, by_grid=True)
    return [(scope.row_of(index, g), i, r) for g, i, r in out]


def _ledger_points(
    session: Session, since: datetime, until: datetime, scope: Scope, *, by_grid: bool
) -> list[tuple]:
    """(grid or None, issued, redeemed) summed from the ledger lines in [since, until)."""
    issued = func.sum(
        case(
            (
                (col(PointsEntry.amount) > 0) & (col(PointsEntry.source) != "refund"),
                col(PointsEntry.amount),
            ),
            else_=0,
        )
    )
    redeemed = func.sum(
        case((col(PointsEntry.source).in_(EARNING_EXCLUDED), -col(PointsEntry.amount)), else_=0)
    )
    here = _in_scope(col(PointsEntry.grid_id), scope)
    during = (col(PointsEntry.created_at) >= since, col(PointsEntry.created_at) < until, here)
    if not by_grid:
        i, r = _rows(session, select(issued, redeemed).where(*during)).one()
        return [(None, int(i or 0), int(r or 0))]
    grid = (col(PointsEntry.grid_id) + 0).label("grid")  # + 0: scan by time, not by the grid index
    rows = _rows(session, select(grid, issued, redeemed).where(*during).group_by(grid)).all()
    return [(g, int(i or 0), int(r or 0)) for g, i, r in rows]


def month_bounds(since: datetime, until: datetime) -> list[tuple[str, datetime, datetime]]:
    """(YYYY-MM, start, end) of the Beijing months touching [since, until), clipped to it."""
    out = []
    for label in months_between(since, until):
        year, month = map(int, label.split("-"))
        start = datetime(year, month, 1, tzinfo=BEIJING)
        end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=BEIJING)
        out.append((label, max(start, since), min(end, until)))
    return out


# --- the table of measures -------------------------------------------------------------------


@dataclass(frozen=True)
class Measures:
    dimension: str
    rows: list[dict]  # each: {"key": group key, **measures}
    total: dict
    since: datetime
    until: datetime


def measures(
    session: Session,
    index: GridIndex,
    *,
    since: datetime,
    until: datetime,
    by: str = "grid",
    limit_hours: float = 72,
    scope: Scope = WHOLE,
    now: datetime | None = None,
) -> Measures:
    """All measures for reports, wishes, points and council, grouped by grid, category or month,
    counted only from rows in the scope (the whole community by default)."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    facts = report_facts(session, index, since, until, scope, now)
    keyf = {
        "grid": lambda f: f.grid,
        "category": lambda f: f.category_id,
        "month": lambda f: f.month,
    }[by]
    groups: dict[object, list[ReportFact]] = defaultdict(list)
    for fact in facts:
        groups[keyf(fact)].append(fact)
    keys: set = set(groups)
    if by == "grid":
        keys |= scope.row_grids(index)
    elif by == "month":
        keys |= set(months_between(since, until))
    extra: dict[object, dict] = defaultdict(_no_other_figures)
    if by != "category":  # wishes, points and council have no report category
        _count_other_figures(extra, session, index, since, until, by, scope)
        keys |= {k for k in extra if k != TOTAL and k is not None}

    def finish(base: dict, more: dict | None) -> dict:
        if by == "category":
            return base
        more = more or _no_other_figures()
        days = more["wish_days"]
        return {
            **base,
            **{k: more[k] for k in COUNTED},
            "wish_median_days": round(statistics.median(days), 1) if days else None,
        }

    community = (
        {g.id for g in index.of_kind("community")}
        if by == "grid" and not scope.by_community
        else set()
    )
    rows = [
        {
            "key": k,
            **finish(summarise(groups.get(k, []), limit_hours), extra.get(k)),
            **({"community": True} if k in community else {}),
        }
        for k in sorted((k for k in keys if k is not None), key=str)
    ]
    total = finish(summarise(facts, limit_hours), extra[TOTAL])
    return Measures(by, rows, total, since, until)


TOTAL = "__total__"


def _no_other_figures() -> dict:
    return {**dict.fromkeys(COUNTED, 0), "wish_days": []}


def _count_other_figures(
    extra: dict,
    session: Session,
    index: GridIndex,
    since: datetime,
    until: datetime,
    by: str,
    scope: Scope,
) -> None:
    """Adds wish, points and council figures to extra[row key] and extra[TOTAL]."""
    pos = 0 if by == "grid" else 1

    def add(row: tuple, measure: str, amount: int = 1) -> None:
        extra[row[pos]][measure] += amount
        extra[TOTAL][measure] += amount

    wishes = wish_facts(session, index, since, until, scope)
    for row in wishes["posted"]:
        add(row, "wishes_posted")
    for row in wishes["fulfilled"]:
        add(row, "wishes_fulfilled")
        extra[row[pos]]["wish_days"].append(row[2])
        extra[TOTAL]["wish_days"].append(row[2])
    for row in wishes["decided"]:
        add(row, "wishes_decided")
    council = council_facts(session, index, since, until, scope)
    for row in council["decided"]:
        add(row, "council_decided")
    for row in council["done"]:
        add(row, "council_actions_done")
    for key, issued, redeemed in points_facts(session, index, since, until, by, scope):
        add((key, key), "points_issued", issued)
        add((key, key), "points_redeemed", redeemed)


def months_between(since: datetime, until: datetime) -> list[str]:
    out, moment = (
        [],
        since.astimezone(BEIJING).replace(day=1, hour=0, minute=0, second=0, microsecond=0),
    )
    end = (until - timedelta(microseconds=1)).astimezone(BEIJING)
    while moment <= end:
        out.append(moment.strftime("%Y-%m"))
        moment = (moment + timedelta(days=32)).replace(day=1)
    return out


def period_of_months(months: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """The last `months` whole Beijing months up to and including the current one."""
    now = (now or utcnow()).astimezone(BEIJING)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    end = (
        now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) + timedelta(days=32)
    ).replace(day=1)
    return start.astimezone(BEIJING), end.astimezone(BEIJING)


# --- red / black list ------------------------------------------------------------------------


@dataclass(frozen=True)
class RedBlack:
    measure: str
    red: list[dict]
    black: list[dict]
    n: int
    min_reports: int


def red_black(result: Measures, measure: str, *, n: int = 3, min_reports: int = 5) -> RedBlack:
    """红黑榜 of grids on one measure; grids without enough reports (or no value) are left out."""
    if measure not in RANKABLE:
        raise ValueError(measure)
    higher = MEASURES[measure][1]
    taking = [
        r
        for r in result.rows
        if r["received"] >= min_reports and r.get(measure) is not None and not r.get("community")
    ]  # grids are ranked, not the community as a whole

    def order(best_first: bool):
        sign = -1 if higher == best_first else 1
        return sorted(taking, key=lambda r: (sign * r[measure], -r["received"], str(r["key"])))

    red = order(True)[:n]
    black = [r for r in order(False) if r not in red][:n]
    return RedBlack(measure, red, black, n, min_reports)


# --- exports ---------------------------------------------------------------------------------


def to_csv(
    rows: list[dict], columns: list[str] | None = None, headers: list[str] | None = None
) -> bytes:
    """An open-data or measures file as CSV (see portal.csv_export: Excel-safe cells)."""
    columns = columns or (list(rows[0]) if rows else [])
    return csv_bytes(headers or columns, ([row.get(c) for c in columns] for row in rows))


def community_code(index: GridIndex, grid_id: int | None) -> str:
    """The code of the community a grid lies in ("" above or outside communities): every open-data
    row names it, so a street's or the deployment's file splits per community."""
    from portal.areas import community_of, parents_from

    codes = index.__dict__.setdefault("_community_codes", {})
    if grid_id not in codes:
        kinds = {gid: g.kind for gid, g in index.grids.items()}
        community = community_of(parents_from(index), kinds, grid_id)
        codes[grid_id] = index.grids[community].code if community in index.grids else ""
    return codes[grid_id]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def open_reports(
    session: Session, index: GridIndex, *, now: datetime | None = None, scope: Scope = WHOLE
) -> list[dict]:
    """Public reports without personal data: no reporter, no handler names, no description
    (residents write names and room numbers in it), place rounded to about 10 m."""
    from portal.reports.queries import public_list

    now = now or utcnow()
    cats = dict(session.exec(select(col(ReportCategory.id), col(ReportCategory.code))).all())
    out = []
    for r in public_list(session, now=now):  # the public view, read column by column
        if not scope.covers(r.grid_id):
            continue
        group = group_of(index, r.grid_id)
        general = index.grids.get(group) if group is not None else None
        out.append(
            {
                "id": r.id,
                "category": cats.get(r.category_id, ""),
                "state": r.state,
                "community": community_code(index, r.grid_id),
                "grid": general.code if general else "",
                "created_at": _iso(r.created_at),
                "closed_at": _iso(r.closed_at),
                "due_at": _iso(r.due_at),  # the public view's due time is the resident's clock
                "overdue": r.overdue,
                "rating": r.rating,
                "lat": r.lat,
                "lon": r.lon,
            }
        )
    return out


PUBLIC_WISH_STATES = ("open", "adopted", "fulfilled", "confirmed", "promoted", "decided")


def open_wishes(session: Session, index: GridIndex, *, scope: Scope = WHOLE) -> list[dict]:
    """Wishes on the public wall; personal needs and authors are left out; place = grid centre."""
    rows = session.exec(
        select(Wish)
        .where(
            col(Wish.state).in_(PUBLIC_WISH_STATES),
            col(Wish.personal) == False,  # noqa: E712
            _in_scope(col(Wish.grid_id), scope),
        )
        .order_by(col(Wish.id))
    ).all()
    out = []
    for w in rows:
        grid = index.grids.get(w.grid_id)
        point = (
            index.shapes[w.grid_id].representative_point() if w.grid_id in index.shapes else None
        )
        out.append(
            {
                "id": w.id,
                "title": w.title,
                "category": w.category,
                "state": w.state,
                "community": community_code(index, w.grid_id),
                "grid": grid.code if grid else "",
                "created_at": _iso(w.created_at),
                "lat": round(point.y, 4) if point else None,
                "lon": round(point.x, 4) if point else None,
            }
        )
    return out


def open_decisions(session: Session, index: GridIndex, *, scope: Scope = WHOLE) -> list[dict]:
    """The council's decided agenda items once their minutes are published (proposals, promoted
    wishes, reports and staff items alike); no proposer or voter names, place = the council's grid
    centre."""
    rows = session.exec(
        select(CouncilItem, Council)
        .join(CouncilMeeting, col(CouncilMeeting.id) == col(CouncilItem.meeting_id))
        .join(Council, col(Council.id) == col(CouncilMeeting.council_id))
        .where(
            col(CouncilMeeting.status) == "minutes_published",
            col(CouncilItem.outcome).is_not(None),
            _in_scope(col(Council.grid_id), scope),
        )
        .order_by(col(CouncilItem.decided_at), col(CouncilItem.id))
    ).all()
    out = []
    for item, council in rows:
        grid = index.grids.get(council.grid_id)
        point = (
            index.shapes[council.grid_id].representative_point()
            if council.grid_id in index.shapes
            else None
        )
        out.append(
            {
                "id": item.id,
                "title": item.title,
                "source": item.source,
                "source_id": item.source_id,
                "outcome": item.outcome,
                "decision": item.decision or "",
                "council": council.name,
                "community": community_code(index, council.grid_id),
                "grid": grid.code if grid else "",
                "decided_at": _iso(item.decided_at),
                "lat": round(point.y, 4) if point else None,
                "lon": round(point.x, 4) if point else None,
            }
        )
    return out


def open311_in_scope(session: Session, scope: Scope = WHOLE, *, now: datetime | None = None) -> str:
    """The Open311 GeoReport v2 file of the public reports in the scope."""
    from portal.reports.queries import open311_requests

    requests = open311_requests(session, now=now)
    if not scope.whole:
        ids = (
            {
                str(rid)
                for rid in session.exec(
                    select(col(Report.id)).where(
                        col(Report.id).in_([int(r["service_request_id"]) for r in requests]),
                        _in_scope(col(Report.grid_id), scope),
                    )
                ).all()
            }
            if requests
            else set()
        )
        requests = [r for r in requests if r["service_request_id"] in ids]
    return json.dumps(requests, ensure_ascii=False, indent=1)


def to_geojson(rows: list[dict]) -> bytes:
    features = [
        {
            "type": "Feature",
            "id": row["id"],
            "geometry": (
                {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
                if row.get("lat") is not None
                else None
            ),
            "properties": {k: v for k, v in row.items() if k not in ("lat", "lon")},
        }
        for row in rows
    ]
    return json.dumps(
        {"type": "FeatureCollection", "features": features}, ensure_ascii=False
    ).encode("utf-8")
