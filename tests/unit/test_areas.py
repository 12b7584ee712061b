"""Many communities: the area each person sees (portal.areas), the departments a report reaches,
and a street's cockpit with its communities side by side (tests/communities_world.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from db.models import Department
from db.models_reports import Report, ReportCategory, ReportEvent
from db.types import utcnow
from portal import cockpit
from portal.areas import EVERYWHERE, area_of, department_for, office_above, require_inside
from portal.cockpit_scope import scope_for
from portal.errors import UserError
from portal.grids import GridIndex
from portal.permissions import OUTSIDE_AREA, On, can
from tests import communities_world


@pytest.fixture
def world(session):
    return communities_world.build(session)


def _inside(session, world, who: str) -> set[str]:
    area = area_of(session, world.users[who])
    return {code for code, grid in world.grids.items() if area.covers(grid.id)}


def test_each_person_sees_their_own_community_and_offices_their_office(session, world):
    ca = {"CA", "CA-G1", "CA-G1-M1", "CA-X1"}
    cb = {c.replace("CA", "CB") for c in ca}
    for who in ("staff_ca", "chief_ca", "micro_ca", "resident_ca", "merchant_ca"):
        assert _inside(session, world, who) == ca, who
    assert _inside(session, world, "resident_cb") == cb
    assert _inside(session, world, "street_staff") == ca | cb | {"JD"}
    assert _inside(session, world, "handler_street") == ca | cb | {"JD"}  # its department's street
    assert _inside(session, world, "district_staff") == ca | cb | {"JD", "WH"}
    assert area_of(session, world.users["admin"]) == EVERYWHERE  # no office grid: everything


def test_what_offices_above_publish_reaches_the_communities_below(session, world):
    area = area_of(session, world.users["resident_ca"])
    g = world.grids
    assert area.reaches(g["JD"].id) and area.reaches(g["WH"].id) and area.reaches(None)
    assert not area.reaches(g["CB"].id) and not area.covers(g["JD"].id)
    with pytest.raises(UserError) as refused:
        require_inside(area, g["CB-G1"].id)
    assert refused.value.message.msgid == OUTSIDE_AREA


def test_permissions_refuse_a_target_of_another_community(world):
    staff = world.users["staff_ca"]
    assert can(staff, "report.reassign", On())
    decision = can(staff, "report.reassign", On(outside=True))
    assert not decision and decision.reason == OUTSIDE_AREA


def test_one_community_without_streets_is_everywhere_as_before(demo_session):
    from db.models import User

    for user in demo_session.exec(select(User).limit(50)):
        assert area_of(demo_session, user).whole


def test_a_service_department_resolves_to_the_one_of_the_reports_street(session, world):
    index = GridIndex.load(session)
    g = world.grids
    communities_world.add_second_street(session, world)
    je = world.grids["JE"]
    index = GridIndex.load(session)
    base = world.departments["cgz"]
    assert department_for(session, index, g["CA-G1-M1"].id, base).id == base.id
    other = department_for(session, index, world.grids["CC-G1-M1"].id, base)
    assert other.grid_id == je.id and other.service == "cgz" and other.id != base.id
    office = session.exec(select(Department).where(Department.code == "office_ca")).one()
    assert department_for(session, index, g["CB-G1"].id, office).code == "office_cb"
    assert office_above(index, g["CB-X1"].id, "street") == g["JD"].id


def _report(session, world, grid: str, *, hours_to_accept: float | None, rating=None) -> None:
    created = utcnow() - timedelta(days=5)
    lat, lon = world.centre(grid)
    cat = session.exec(select(ReportCategory)).first()
    report = Report(
        reporter_id=world.users[f"resident_{grid[:2].lower()}"].id,
        category_id=cat.id,
        lat=lat,
        lon=lon,
        grid_id=world.grids[grid].id,
        state="closed" if rating else "assigned",
        due_at=created + timedelta(hours=72),
        resident_due_at=created + timedelta(hours=72),
        created_at=created,
        updated_at=created,
        rating=rating,
    )
    session.add(report)
    session.flush()
    steps = [(0, "submit", "submitted"), (0, "assign", "assigned")]
    if hours_to_accept is not None:
        steps.append((hours_to_accept, "accept", "accepted"))
    for hours, action, state in steps:
        session.add(
            ReportEvent(
                report_id=report.id,
                actor_id=report.reporter_id,
                action=action,
                to_state=state,
                level="grid",
                at=created + timedelta(hours=hours),
            )
        )
    session.commit()


def test_street_cockpit_puts_its_communities_side_by_side(session, world):
    _report(session, world, "CA-G1-M1", hours_to_accept=2, rating=5)
    _report(session, world, "CA-X1", hours_to_accept=100)
    _report(session, world, "CB-G1-M1", hours_to_accept=1, rating=3)
    index = GridIndex.load(session)
    now = utcnow()

    def rows(who: str) -> dict[str, dict]:
        user = world.users[who]
        scope = scope_for(session, index, role=user.role, user_id=user.id)
        result = cockpit.measures(
            session, index, since=now - timedelta(days=30), until=now, scope=scope
        )
        return {index.grids[r["key"]].code: r for r in result.rows}

    street = rows("street_staff")
    assert set(street) == {"CA", "CB"}  # one row per community
    assert street["CA"]["received"] == 2 and street["CB"]["received"] == 1
    assert street["CA"]["within_limit_pct"] == 50.0 and street["CB"]["within_limit_pct"] == 100.0
    assert street["CA"]["rating"] == 5 and street["CB"]["rating"] == 3
    assert not any(r.get("community") for r in street.values())  # ranked in red/black lists
    community = rows("staff_ca")
    assert "CB" not in community and "CB-G1" not in community  # nothing of the other community
    assert sum(r["received"] for r in community.values()) == 2
