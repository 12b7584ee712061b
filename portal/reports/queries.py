"""Read models for reports: timelines, work queues, map points, the public list, Open311 GeoReport v2."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from db.models import Department, GridDuty, User
from db.models_cockpit import DeviceAlarm
from db.models_reports import JointTask, Report, ReportCategory, ReportEvent, ReportMedia
from db.types import row_id, utcnow
from portal.areas import EVERYWHERE, Area
from portal.grids import GridIndex, subtree
from portal.i18n import DEFAULT_LANGUAGE
from portal.reports.catalog import category_name
from portal.reports.clock import OPEN_STATES, is_overdue, overdue_sql
from portal.reports.common import ACTION_TEXTS, DONE_STATES, GRID_DUTIES, LEVEL_LABELS
from portal.reports.visibility import reader, visible_reports


@dataclass(frozen=True)
class Step:
    at: datetime
    action: str
    text: str  # message id of ACTION_TEXTS
    params: dict
    note: str | None
    media_id: int | None


def timeline(session: Session, report_id: int, *, public: bool = False) -> list[Step]:
    """The report's history in plain words; residents' names left out when public."""
    events = session.exec(
        select(ReportEvent)
        .where(col(ReportEvent.report_id) == report_id)
        .order_by(col(ReportEvent.at), col(ReportEvent.id))
    ).all()
    people = _names(
        session,
        {e.actor_id for e in events if e.actor_id}
        | {e.assignee_id for e in events if e.assignee_id},
    )
    departments = dict(session.exec(select(col(Department.id), col(Department.name))).all())
    steps = []
    for event in events:
        name, role = people.get(event.actor_id, ("", "")) if event.actor_id else ("", "")
        if public and role in ("resident", "merchant"):
            name = ""
        assignee_name = people.get(event.assignee_id, ("", ""))[0] if event.assignee_id else ""
        assignee = assignee_name or departments.get(event.department_id, "")
        steps.append(
            Step(
                event.at,
                event.action,
                ACTION_TEXTS.get(event.action, event.action),
                {
                    "actor": name,
                    "assignee": assignee,
                    "level": LEVEL_LABELS.get(event.level, event.level),
                },
                None if public else event.note,
                None if public else event.media_id,
            )
        )
    return steps if public else _filed_for(session, report_id, steps)


def _filed_for(session: Session, report_id: int, steps: list[Step]) -> list[Step]:
    """A report filed for someone (代办) names both: the grid worker and the resident."""
    from portal import behalf

    done = behalf.on_target(session, "report", [report_id]).get(report_id)
    if done is None:
        return steps
    return [
        Step(
            s.at,
            s.action,
            behalf.FILED_FOR_TEXT,
            {**s.params, "resident": done.resident, "method": done.method},
            s.note,
            s.media_id,
        )
        if s.action == "submit"
        else s
        for s in steps
    ]


def _names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {
        uid: (name, role)
        for uid, name, role in session.exec(
            select(col(User.id), col(User.display_name), col(User.role)).where(
                col(User.id).in_(ids)
            )
        )
    }


def _assignee_name(session: Session, report: Report) -> str:
    if report.assignee_id:
        user = session.get(User, report.assignee_id)
        if user:
            return user.display_name
    if report.department_id:
        department = session.get(Department, report.department_id)
        if department:
            return department.name
    return ""


@dataclass(frozen=True)
class QueueItem:
    report: Report
    category: str
    grid_name: str
    overdue: bool
    assignee: str


def work_queue(
    session: Session,
    index: GridIndex,
    user: User,
    *,
    language: str = DEFAULT_LANGUAGE,
    now: datetime | None = None,
    limit: int = 200,
) -> list[QueueItem]:
    """Reports this person can act on: overdue first, then by due time."""
    now = now or utcnow()
    active = OPEN_STATES + ("resolved",)
    query = select(Report).where(col(Report.state).in_(active))
    if user.role == "grid_worker":
        own = set(
            session.exec(
                select(col(GridDuty.grid_id)).where(
                    col(GridDuty.user_id) == user.id, col(GridDuty.duty).in_(GRID_DUTIES)
                )
            ).all()
        )
        grids = subtree({g.id: g.parent_id for g in index.grids.values()}, *own)
        query = query.where(
            or_(
                col(Report.assignee_id) == user.id,
                col(Report.grid_id).in_(grids) & (col(Report.level) == "grid"),
            )
        )
    elif user.role == "handler":
        joint = select(col(JointTask.report_id)).where(
            col(JointTask.department_id) == user.department_id
        )
        query = query.where(
            or_(
                col(Report.assignee_id) == user.id,
                col(Report.department_id) == user.department_id,
                col(Report.id).in_(joint),
            )
        )
    elif user.role not in ("staff", "admin"):
        return []
    query = query.where(
        visible_reports(reader(session, index, user))
    )  # never beyond what they read
    query = query.order_by(
        case((overdue_sql(now), 0), else_=1),
        col(Report.urgent).desc(),
        col(Report.resident_due_at),
    ).limit(limit)
    reports = session.exec(query).all()
    cats = {c.id: c for c in session.exec(select(ReportCategory))}
    return [
        QueueItem(
            r,
            category_name(cats[r.category_id], language),
            index.grids[r.grid_id].name if r.grid_id in index.grids else "",
            is_overdue(r, now),
            _assignee_name(session, r),
        )
        for r in reports
    ]


def my_reports(session: Session, user_id: int) -> list[Report]:
    return list(
        session.exec(
            select(Report)
            .where(or_(col(Report.reporter_id) == user_id, col(Report.on_behalf_of_id) == user_id))
            .order_by(col(Report.created_at).desc())
        )
    )


@dataclass(frozen=True)
class MapFilter:
    category_ids: tuple[int, ...] = ()
    states: tuple[str, ...] = ()
    grid_ids: tuple[int, ...] = ()
    since: datetime | None = None
    until: datetime | None = None


def map_points(
    session: Session,
    flt: MapFilter = MapFilter(),
    now: datetime | None = None,
    limit: int = 50_000,
    *,
    visible=None,
) -> list[tuple]:
    """(id, lat, lon, state, overdue, urgent, category_id) rows for the staff map; `visible`: the
    reader's condition (visibility.visible_reports)."""
    now = now or utcnow()
    query = select(
        col(Report.id),
        col(Report.lat),
        col(Report.lon),
        col(Report.state),
        overdue_sql(now),
        col(Report.urgent),
        col(Report.category_id),
    )
    if visible is not None:
        query = query.where(visible)
    if flt.category_ids:
        query = query.where(col(Report.category_id).in_(flt.category_ids))
    if flt.states:
        query = query.where(col(Report.state).in_(flt.states))
    if flt.grid_ids:
        query = query.where(col(Report.grid_id).in_(flt.grid_ids))
    if flt.since:
        query = query.where(col(Report.created_at) >= flt.since)
    if flt.until:
        query = query.where(col(Report.created_at) < flt.until)
    return [tuple(row) for row in session.exec(query.order_by(col(Report.id)).limit(limit)).all()]


PUBLIC_PLACE_DECIMALS = 4  # about 10 m: the street corner, not the door
PRIVATE_CATEGORIES = ("elder_visit",)  # welfare visits (探访) name a person at home


def public_place(lat: float, lon: float) -> tuple[float, float]:
    """Where a report is, as every public page and open-data file shows it."""
    return round(lat, PUBLIC_PLACE_DECIMALS), round(lon, PUBLIC_PLACE_DECIMALS)


def never_public():
    """Reports no resident sees on shared pages or files: device alarms (a fall or smoke alarm
    names a house), welfare visits, and reports filed on someone's behalf (代办)."""
    alarms = select(DeviceAlarm.report_id).where(DeviceAlarm.report_id.is_not(None))
    welfare = select(ReportCategory.id).where(ReportCategory.code.in_(PRIVATE_CATEGORIES))
    return or_(
        Report.on_behalf_of_id.is_not(None),
        Report.id.in_(alarms),
        Report.category_id.in_(welfare),
    )


@dataclass(frozen=True)
class PublicReport:
    """What anyone may see of a report (public list, open data, Open311): no reporter, no
    handler, the place rounded to about 10 m, the words only if the reporter chose to show them."""

    id: int
    category_id: int
    state: str
    level: str
    urgent: bool
    overdue: bool
    grid_id: int
    department_id: int | None
    lat: float
    lon: float
    description: str
    language: str
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    closed_at: datetime | None
    rating: int | None


def public_view(report: Report, now: datetime | None = None) -> PublicReport:
    """The one rule for a public view of a report. The description only when its reporter ticked
    "show my words publicly" (residents write names, phone and room numbers in it). report: a
    Report or a row of its columns with the same names (public_list)."""
    lat, lon = public_place(report.lat, report.lon)
    return PublicReport(
        id=row_id(report),
        category_id=report.category_id,
        state=report.state,
        level=report.level,
        urgent=report.urgent,
        overdue=is_overdue(report, now),
        grid_id=report.grid_id,
        department_id=report.department_id,
        lat=lat,
        lon=lon,
        description=report.description if report.public_description else "",
        language=report.language,
        created_at=report.created_at,
        updated_at=report.updated_at,
        due_at=report.resident_due_at,  # the resident's clock (reports.clock), never reset
        closed_at=report.closed_at,
        rating=report.rating,
    )


def _public_filter(now: datetime, closed_days: int = 30):
    """Open reports and those closed recently, less those never shown in public."""
    return and_(
        or_(
            col(Report.state).in_(OPEN_STATES + ("resolved", "verified", "rated")),
            col(Report.closed_at) >= now - timedelta(days=closed_days),
        ),
        ~never_public(),
    )


def _in_grids(query, grids: Collection[int] | None):
    """Only the reports of these grids (a community's or a street's, portal.areas); None: the
    whole deployment."""
    return query if grids is None else query.where(col(Report.grid_id).in_(sorted(grids)))


def public_reports(
    session: Session,
    *,
    now: datetime | None = None,
    closed_days: int = 30,
    limit: int = 5000,
    grids: Collection[int] | None = None,
) -> list[Report]:
    """Open reports and those closed recently that may be shown in public (exact rows: callers
    show them through public_view or round them with public_place). `grids`: only those of an
    area (Area.grid_list()); None: the whole deployment."""
    now = now or utcnow()
    query = _in_grids(select(Report).where(_public_filter(now, closed_days)), grids)
    return list(session.exec(query.order_by(col(Report.created_at).desc()).limit(limit)))


_PUBLIC_VIEW_COLUMNS = (
    *(getattr(Report, name) for name in PublicReport.__dataclass_fields__),
    Report.public_description,
    Report.resident_due_at,
)


def public_list(
    session: Session,
    *,
    now: datetime | None = None,
    limit: int = 5000,
    grids: Collection[int] | None = None,
) -> list[PublicReport]:
    """ "Problems in our community": every public report through public_view (of `grids` only
    when given: a community's). Only the columns public_view reads are loaded (not whole Report
    rows: most of the page's time at 20,000)."""
    now = now or utcnow()
    query = _in_grids(select(*_PUBLIC_VIEW_COLUMNS).where(_public_filter(now)), grids)
    rows = session.exec(query.order_by(col(Report.created_at).desc()).limit(limit))
    return [public_view(row, now) for row in rows]


def photos(session: Session, report_id: int) -> list[ReportMedia]:
    return list(
        session.exec(
            select(ReportMedia)
            .where(col(ReportMedia.report_id) == report_id, col(ReportMedia.kind) == "photo")
            .order_by(col(ReportMedia.id))
        )
    )


def voice_notes(session: Session, report_id: int) -> list[ReportMedia]:
    return list(
        session.exec(
            select(ReportMedia)
            .where(col(ReportMedia.report_id) == report_id, col(ReportMedia.kind) == "audio")
            .order_by(col(ReportMedia.id))
        )
    )


# --- Open311 GeoReport v2 --------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def open311_services(session: Session, language: str = DEFAULT_LANGUAGE) -> list[dict]:
    return [
        {
            "service_code": c.code,
            "service_name": category_name(c, language),
            "description": category_name(c, "en"),
            "metadata": False,
            "type": "realtime",
            "keywords": c.kind,
            "group": "部件" if c.kind == "component" else "事件",
        }
        for c in session.exec(select(ReportCategory).where(col(ReportCategory.active)))
    ]


OPEN311_STATUS = {
    state: ("closed" if state in DONE_STATES else "open") for state in OPEN_STATES + DONE_STATES
}
OPEN311_MAX_PAGE = 1000


@dataclass(frozen=True)
class Open311Query:
    """The filters of GeoReport v2 GET requests: ids win over every other filter (as the spec
    says); dates are on requested_datetime; status is open or closed; pages count from 1."""

    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    status: str | None = None
    page: int = 1
    page_size: int = OPEN311_MAX_PAGE
    grids: frozenset[int] | None = None  # a jurisdiction's grids (a community's); None: all


def _open311_select(
    query: Open311Query, now: datetime, cats: dict[int, ReportCategory]
) -> SelectOfScalar[Report]:
    statement = _in_grids(select(Report).where(_public_filter(now)), query.grids)
    if query.ids:
        return statement.where(col(Report.id).in_(query.ids)).order_by(col(Report.id))
    if query.service_codes:
        wanted = [c.id for c in cats.values() if c.code in query.service_codes]
        statement = statement.where(Report.category_id.in_(wanted))
    if query.start:
        statement = statement.where(Report.created_at >= query.start)
    if query.end:
        statement = statement.where(Report.created_at <= query.end)
    if query.status == "open":
        statement = statement.where(Report.state.in_(OPEN_STATES))
    elif query.status == "closed":
        statement = statement.where(Report.state.in_(DONE_STATES))
    size = max(1, min(query.page_size, OPEN311_MAX_PAGE))
    return (
        statement.order_by(Report.created_at.desc(), Report.id.desc())
        .offset((max(query.page, 1) - 1) * size)
        .limit(size)
    )


def open311_request(
    view: PublicReport, category: ReportCategory, agency: str, language: str = DEFAULT_LANGUAGE
) -> dict:
    """One public report as a GeoReport v2 service request."""
    return {
        "service_request_id": str(view.id),
        "status": OPEN311_STATUS.get(view.state, "open"),
        "status_notes": view.state,
        "service_name": category_name(category, language),
        "service_code": category.code,
        "description": view.description,
        "agency_responsible": agency,
        "service_notice": "",
        "requested_datetime": _iso(view.created_at),
        "updated_datetime": _iso(view.updated_at),
        "expected_datetime": _iso(view.due_at),
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": view.lat,
        "long": view.lon,
        "media_url": "",
    }


def open311_requests(
    session: Session,
    *,
    now: datetime | None = None,
    language: str = DEFAULT_LANGUAGE,
    query: Open311Query | None = None,
    grids: Collection[int] | None = None,
) -> list[dict]:
    """Public reports as GeoReport v2 service requests (see public_view: no names, no
    description, the place rounded). Without a query: every public report (the download), of
    `grids` only when given (a community's)."""
    now = now or utcnow()
    cats = {row_id(c): c for c in session.exec(select(ReportCategory))}
    departments = dict(session.exec(select(Department.id, Department.name)).all())
    rows = (
        public_reports(session, now=now, grids=grids)
        if query is None
        else session.exec(_open311_select(query, now, cats)).all()
    )
    return [
        open311_request(
            public_view(report, now),
            cats[report.category_id],
            departments.get(report.department_id, ""),
            language,
        )
        for report in rows
    ]


def open311_json(session: Session, **kw) -> str:
    return json.dumps(open311_requests(session, **kw), ensure_ascii=False, indent=1)


def report(session: Session, report_id: int) -> Report | None:
    """One report by its id (None when there is no such report)."""
    return session.get(Report, report_id)


def department_names(session: Session, area: Area = EVERYWHERE) -> dict[int, str]:
    """{department id: name}, in id order, for choosing who handles a report: the departments
    serving the area, the offices above it and the whole deployment (a category names one of a
    service; a report goes to that service's department of its own street, areas.department_for)."""
    departments = session.exec(select(Department).order_by(col(Department.id))).all()
    return {row_id(d): d.name for d in departments if area.reaches(d.grid_id)}


@dataclass(frozen=True)
class PublicArea:
    """Whose public reports a page shows: `grids` None is the whole deployment."""

    grids: frozenset[int] | None
    communities: dict[int, str]  # the communities one may choose from (visitors, the deployment)


def public_area(
    session: Session, index: GridIndex, user_id: int | None, community_id: int | None = None
) -> PublicArea:
    """A logged-in person sees the public reports of their own area (a resident: their
    community); a visitor, or someone whose area is the whole deployment, sees everything or the
    community they choose (`community_id`)."""
    from portal.areas import area_of, area_of_roots, parents_from

    user = session.get(User, user_id) if user_id is not None else None
    area = area_of(session, user, index)
    if not area.whole:
        return PublicArea(area.grids, {})
    communities = {row_id(g): g.name for g in index.of_kind("community")}
    if len(communities) < 2:
        return PublicArea(None, {})
    if community_id not in communities:
        return PublicArea(None, communities)
    return PublicArea(area_of_roots(parents_from(index), [community_id]).grids, communities)
