"""portal.district_setup: a district's grid tree from GeoJSON, its departments and staff, and the
areas that follow from them (portal.areas)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from db.models import Grid, GridDuty
from portal import auth, district_setup
from portal.areas import area_of
from portal.district_setup import SetupError
from tests.factories import square


def _feature(code, kind, parent, lon, size, **extra):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": f"{code}名", "kind": kind, "parent": parent, **extra},
        "geometry": json.loads(square(lon, 30.6, size)),
    }


TREE = [
    _feature("WH", "district", None, 104.0, 0.1),
    _feature("JXJ", "street", "WH", 104.0, 0.05),
    _feature("SQ1", "community", "JXJ", 104.0, 0.01),
    _feature("SQ1-G1", "general", "SQ1", 104.0, 0.008),
    _feature("SQ1-G1-M1", "micro", "SQ1-G1", 104.0, 0.004, households=60),
    _feature("SQ2", "community", "JXJ", 104.02, 0.01),
]


def _file(features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def test_grids_load_with_their_tree_and_a_second_load_updates(session):
    loaded = district_setup.load_grids(session, _file(TREE))
    assert (loaded.added, loaded.updated) == (6, 0)
    grids = {g.code: g for g in session.exec(select(Grid))}
    assert grids["SQ1-G1-M1"].parent_id == grids["SQ1-G1"].id
    assert grids["SQ1"].parent_id == grids["JXJ"].id and grids["JXJ"].kind == "street"
    assert grids["SQ1-G1-M1"].households == 60
    renamed = [dict(f, properties={**f["properties"], "name": "新名"}) for f in TREE[:2]]
    again = district_setup.load_grids(session, _file(renamed))
    assert (again.added, again.updated) == (0, 2)
    assert session.exec(select(Grid).where(Grid.code == "WH")).one().name == "新名"


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ("not json", "not JSON"),
        (_file([]), "no features"),
        (_file([*TREE[:2], _feature("X", "micro", "JXJ", 104.0, 0.01)]), "cannot lie under"),
        (_file([_feature("X", "general", "NOPE", 104.0, 0.01)]), "parent NOPE"),
        (_file([_feature("X", "planet", None, 104.0, 0.01)]), "kind must be"),
        (_file([{**TREE[0], "geometry": {"type": "Point", "coordinates": [1, 2]}}]), "Polygon"),
        (
            _file([*TREE[:2], {**TREE[2], "properties": {"code": "", "kind": "community"}}]),
            "required",
        ),
    ],
)
def test_a_bad_file_is_refused_whole_and_says_why(session, bad, says):
    with pytest.raises(SetupError, match=says):
        district_setup.load_grids(session, bad)
    assert session.exec(select(Grid)).first() is None  # nothing of it was kept


def test_departments_and_staff_of_each_office_get_that_office_as_their_area(session):
    district_setup.load_grids(session, _file(TREE))
    district_setup.add_department(
        session, "office_sq1", "SQ1居委会", level="community", office="SQ1", service="office"
    )
    district_setup.add_department(
        session, "cgz_jxj", "城管中队", level="street", office="JXJ", service="cgz"
    )
    staff, password = district_setup.add_account(
        session, "sq1_staff", "周书记", role="staff", office="SQ1", department="office_sq1"
    )
    assert auth.verify_password(staff.password_hash, password) and len(password) >= 12
    handler, _ = district_setup.add_account(
        session, "cgz01", "王队长", role="handler", office="JXJ", department="cgz_jxj"
    )
    worker, _ = district_setup.add_account(
        session, "sq1_g1", "李网格员", role="grid_worker", office="SQ1-G1", duty="chief"
    )
    codes = {g.id: g.code for g in session.exec(select(Grid))}

    def inside(user) -> set[str]:
        area = area_of(session, user)
        return {code for gid, code in codes.items() if area.covers(gid)}

    assert inside(staff) == {"SQ1", "SQ1-G1", "SQ1-G1-M1"}
    assert inside(handler) == {"JXJ", "SQ1", "SQ1-G1", "SQ1-G1-M1", "SQ2"}
    assert inside(worker) == {"SQ1", "SQ1-G1", "SQ1-G1-M1"}
    duty = session.exec(select(GridDuty).where(GridDuty.user_id == worker.id)).one()
    assert duty.duty == "chief"


def test_accounts_and_departments_are_checked_before_anything_is_stored(session):
    district_setup.load_grids(session, _file(TREE))
    with pytest.raises(SetupError, match="not an office"):
        district_setup.add_department(
            session, "d", "d", level="street", office="SQ1-G1", service=None
        )
    with pytest.raises(SetupError, match="office grid"):
        district_setup.add_account(session, "s", "s", role="staff", office="SQ1-G1-M1")
    with pytest.raises(SetupError, match="needs --department"):
        district_setup.add_account(session, "h", "h", role="handler", office="JXJ")
    with pytest.raises(SetupError, match="role must be"):
        district_setup.add_account(session, "a", "a", role="admin", office="WH")
    district_setup.add_account(session, "s", "s", role="staff", office="SQ1")
    with pytest.raises(SetupError, match="taken"):
        district_setup.add_account(session, "s", "s2", role="staff", office="SQ2")
