"""The community's address list, searched in Chinese, full pinyin and initials (offline)."""

from __future__ import annotations

import time

import pytest
from sqlmodel import select

from db.models import Grid
from portal.addresses import MAX_QUERY, address_book, normalise, search
from portal.grids import GridIndex
from tests.factories import add_grids, add_user, square


@pytest.fixture
def book(session):
    grids = add_grids(session, [("S", "community", None), ("G1", "general", "S")])
    rows = [
        ("M1", "micro", "三里花园3号院", 0.000),
        ("M2", "micro", "玉林北路5栋", 0.002),
        ("M3", "micro", "浆洗街12号院", 0.004),
        ("X1", "exclusive", "红牌楼农贸市场", 0.006),
    ]
    for code, kind, name, dx in rows:
        grid = add_grids(session, [(code, kind, None)], boundary=square(104.0 + dx, 30.6, 0.002))
        grid[code].name, grid[code].parent_id = name, grids["G1"].id
        session.add(grid[code])
    grids["G1"].name = "第一网格"
    session.add(grids["G1"])
    session.flush()
    market = session.exec(select(Grid).where(Grid.code == "X1")).one()
    add_user(session, "chen_shop", "merchant", home=market, display_name="陈记小吃")
    add_user(
        session, "gone_shop", "merchant", home=market, display_name="三里小卖部", is_active=False
    )
    session.flush()
    return address_book(session, GridIndex.load(session))


def names(found):
    return [a.name for a in found]


@pytest.mark.parametrize(
    "query", ["三里", "sanli", "SanLi", "san li", "sl", "slhy", "sanlihuayuan"]
)
def test_chinese_full_pinyin_and_initials_find_the_courtyard(book, query):
    assert names(search(book, query))[0] == "三里花园3号院"


def test_kinds_places_and_shops(book):
    kinds = {a.name: a.kind for a in book}
    assert kinds["三里花园3号院"] == "courtyard" and kinds["玉林北路5栋"] == "building"
    assert kinds["红牌楼农贸市场"] == "place" and kinds["陈记小吃"] == "shop"
    assert kinds["第一网格"] == "grid" and "S" not in kinds  # the whole community is no address
    assert "三里小卖部" not in kinds  # an inactive merchant's shop is gone
    shop = next(a for a in book if a.name == "陈记小吃")
    market = next(a for a in book if a.name == "红牌楼农贸市场")
    assert (shop.lat, shop.lon) == (market.lat, market.lon)  # placed in its grid
    assert 104.006 < market.lon < 104.008 and 30.6 < market.lat < 30.602
    assert market.within == "第一网格"


def test_prefix_matches_come_before_inner_matches(book):
    found = names(search(book, "yuan"))  # 花园 and 号院 inside names, none starts with it
    assert set(found) == {"三里花园3号院", "浆洗街12号院"}
    assert names(search(book, "12"))[0] == "浆洗街12号院"
    assert names(search(book, "cj"))[0] == "陈记小吃"
    assert names(search(book, "ylbl"))[0] == "玉林北路5栋"


@pytest.mark.parametrize(
    "query",
    ["", "   ", None, 42, "'; DROP TABLE grid; --", "<script>alert(1)</script>", "%", "_", ".*"],
)
def test_empty_odd_or_malicious_queries_are_safe(book, query):
    assert search(book, query) == []


def test_a_huge_query_is_cut_and_quick(book):
    started = time.perf_counter()
    assert search(book, "三里" * 100_000) == []
    assert search(book, "sanli" + "x" * 10**6) == []
    assert time.perf_counter() - started < 0.5
    assert len(normalise("a" * 10**6)) == MAX_QUERY


def test_limit(book):
    assert len(search(book, "l", limit=2)) == 2
    assert search(book, "l", limit=0) == []
