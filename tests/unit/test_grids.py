import json
from collections import Counter

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union
from sqlmodel import select

from db.models import Grid
from portal import grids
from portal.grids import GridIndex, locate

KM2_PER_DEG2 = 110.85 * 95.78  # at 30.64° N


@pytest.fixture
def index(demo_session) -> GridIndex:
    return GridIndex.load(demo_session)


def test_demo_has_the_3_plus_1_tree(index):
    kinds = Counter(g.kind for g in index.grids.values())
    assert kinds == {"community": 1, "general": 8, "micro": 56, "exclusive": 17}
    for grid in index.grids.values():
        parent = index.grids.get(grid.parent_id)
        expected = {
            "community": None,
            "general": "community",
            "micro": "general",
            "exclusive": "general",
        }[grid.kind]
        assert (parent.kind if parent else None) == expected


def test_grids_do_not_overlap_and_cover_the_community(index):
    leaves = [index.shapes[g.id] for g in index.grids.values() if g.kind in ("micro", "exclusive")]
    union = unary_union(leaves)
    assert sum(s.area for s in leaves) == pytest.approx(union.area, rel=1e-6)
    community = index.shapes[index.of_kind("community")[0].id]
    assert union.symmetric_difference(community).area < community.area * 1e-6
    assert 0.80 < community.area * KM2_PER_DEG2 < 0.88
    for general in index.of_kind("general"):
        children = unary_union([index.shapes[c.id] for c in index.children(general.id)])
        assert children.symmetric_difference(index.shapes[general.id]).area < 1e-10


def test_locate_gives_most_specific_grid_and_chain(demo_session, index):
    micro = index.of_kind("micro")[3]
    point = index.shapes[micro.id].representative_point()
    placement = locate(demo_session, index, point.y, point.x)
    assert placement.inside and placement.grid.id == micro.id
    assert [level.grid.kind for level in placement.chain] == ["micro", "general", "community"]
    assert placement.chain[0].people[0].duty == "micro_chief"
    assert placement.lead().duty == "micro_chief"


def test_locate_exclusive_grid(demo_session, index):
    market = index.of_kind("exclusive")[0]
    point = index.shapes[market.id].representative_point()
    placement = locate(demo_session, index, point.y, point.x)
    assert placement.grid.code == market.code and placement.lead().duty == "responsible"


def test_lead_walks_up_when_a_grid_has_nobody(demo_session, index):
    micro = index.of_kind("micro")[0]
    from db.models import GridDuty

    for duty in demo_session.exec(select(GridDuty).where(GridDuty.grid_id == micro.id)):
        demo_session.delete(duty)
    demo_session.commit()
    point = index.shapes[micro.id].representative_point()
    placement = locate(demo_session, index, point.y, point.x)
    assert placement.chain[0].people == ()
    assert placement.lead().duty == "chief"  # the general grid's chief


@pytest.mark.parametrize("lat, lon", [(31.2, 121.5), (30.6, 104.0), (0, 0)])
def test_point_outside_every_grid_is_a_clear_answer(demo_session, index, lat, lon):
    placement = locate(demo_session, index, lat, lon)
    assert not placement.inside and placement.grid is None and placement.lead() is None
    assert placement.message == grids.OUTSIDE


@pytest.mark.parametrize(
    "lat, lon", [("north", 104.04), (None, None), (95, 104), (30.6, 500), ("", "")]
)
def test_nonsense_coordinates_are_a_clear_answer(demo_session, index, lat, lon):
    placement = locate(demo_session, index, lat, lon)
    assert not placement.inside and placement.message


def test_empty_database_locates_nothing(session):
    index = GridIndex.load(session)
    assert locate(session, index, 30.64, 104.04).message == grids.OUTSIDE


def test_counts_by_general_grid_add_up(demo_session, index):
    rows = grids.counts_by_general_grid(demo_session, index, this_year=2026)
    assert len(rows) == 8
    assert sum(r.micro_grids for r in rows) == 56 and sum(r.exclusive_grids for r in rows) == 17
    stored = demo_session.exec(select(Grid.households)).all()
    assert sum(r.households for r in rows) == sum(stored)
    from db.models import User

    residents = demo_session.exec(select(User).where(User.role == "resident")).all()
    assert sum(r.residents for r in rows) == len(residents)
    assert sum(r.elderly for r in rows) == sum(1 for u in residents if 2026 - u.birth_year >= 60)
    assert sum(r.own_language for r in rows) == sum(
        1 for u in residents if u.language in ("bo", "ug", "ii")
    )


def test_boundaries_are_valid_wgs84_polygons(index):
    for grid in index.grids.values():
        geometry = json.loads(grid.boundary)
        assert geometry["type"] == "Polygon"
        poly = shape(geometry)
        assert poly.is_valid
        lon, lat = poly.centroid.x, poly.centroid.y
        assert 30.63 < lat < 30.65 and 104.03 < lon < 104.05
