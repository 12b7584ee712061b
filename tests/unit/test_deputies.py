"""Deputies' desk (portal.deputies) in the two-community world (tests/communities_world.py):
who may request, book, answer and read; detail private, outline public; one booking per slot
when two residents click at once; forwarding files a report and keeps the link. Both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_deputies import DeputyRequest, DeputyRequestEvent
from db.models_reports import Report, ReportCategory
from db.types import utcnow
from portal import deputies, notifications
from portal.deputies import queries
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from portal.media import LocalMediaStore
from portal.permissions import NOT_VERIFIED, OUTSIDE_AREA
from tests.communities_world import build
from tests.factories import add_user, race


def _world(session):
    world = build(session)
    u = world.users
    u["deputy_a"] = add_user(session, "deputy_a", "resident", world.grids["CA-G1-M1"])
    u["neighbour_a"] = add_user(session, "neighbour_a", "resident", world.grids["CA-G1-M1"])
    u["fresh_a"] = add_user(
        session, "fresh_a", "resident", world.grids["CA-G1-M1"], verification="unverified"
    )
    session.commit()
    staff = u["staff_ca"].id
    npc = deputies.save_deputy(
        session,
        actor_id=staff,
        grid_id=world.grids["CA"].id,
        name="王代表",
        body="npc",
        level="district",
        reception_place="社区党群服务中心二楼",
        reception_days="每月第一个周三下午",
        username="deputy_a",
    )
    cppcc = deputies.save_deputy(
        session,
        actor_id=staff,
        grid_id=world.grids["CA"].id,
        name="李委员",
        body="cppcc",
        level="city",
    )
    slot = deputies.add_slot(
        session,
        actor_id=staff,
        deputy_id=npc.id,
        starts_at=utcnow() + timedelta(days=2),
        minutes=30,
    )
    return world, npc, cppcc, slot


@pytest.fixture
def w(session):
    return (session, *_world(session))


def _ask(session, world, deputy, who="resident_ca", slot_id=None, text="楼道灯坏了三个月"):
    return deputies.leave_request(
        session,
        actor_id=world.users[who].id,
        deputy_id=deputy.id,
        topic="楼道照明",
        text=text,
        slot_id=slot_id,
    )


def test_who_may_request_and_manage(w):
    s, world, npc, cppcc, slot = w
    u = world.users
    assert _ask(s, world, npc, "merchant_ca").state == "received"
    for who, reason in (
        ("resident_cb", OUTSIDE_AREA),  # another community's resident
        ("fresh_a", NOT_VERIFIED),
        ("micro_ca", None),  # a grid worker is not whom the desk serves
    ):
        with pytest.raises(UserError) as refused:
            _ask(s, world, npc, who)
        assert reason is None or refused.value.message.msgid == reason
    with pytest.raises(UserError) as outside:  # the office of community B cannot add a slot to A
        deputies.add_slot(
            s,
            actor_id=u["staff_cb"].id,
            deputy_id=npc.id,
            starts_at=utcnow() + timedelta(days=3),
            minutes=30,
        )
    assert outside.value.message.msgid == OUTSIDE_AREA
    with pytest.raises(UserError):
        deputies.save_deputy(
            s,
            actor_id=u["resident_ca"].id,
            grid_id=world.grids["CA"].id,
            name="x",
            body="npc",
            level="city",
        )
    # community B's people see none of A's deputies
    assert queries.deputies(s, actor_id=u["resident_cb"].id) == []
    cards = queries.deputies(s, actor_id=u["resident_ca"].id)
    assert [c.name for c in cards] == ["王代表", "李委员"]
    assert [sl.id for sl in cards[0].free_slots] == [slot.id]


def test_bad_input_names_the_field(w):
    s, world, npc, _cppcc, slot = w
    with pytest.raises(FieldErrors) as bad:
        deputies.leave_request(
            s,
            actor_id=world.users["resident_ca"].id,
            deputy_id=npc.id,
            topic="",
            text="x" * 1001,
        )
    assert set(bad.value.errors) == {"topic", "text"}
    _ask(s, world, npc, slot_id=slot.id)
    with pytest.raises(FieldErrors) as taken:
        _ask(s, world, npc, "neighbour_a", slot_id=slot.id)
    assert taken.value.errors["slot"].msgid == deputies.SLOT_TAKEN
    assert queries.deputies(s, actor_id=world.users["resident_ca"].id)[0].free_slots == ()


def test_detail_is_private_and_the_outline_public(w):
    s, world, npc, cppcc, _slot = w
    u = world.users
    asked = _ask(s, world, npc)
    for who in ("resident_ca", "deputy_a", "staff_ca"):
        detail = queries.request_detail(s, actor_id=u[who].id, request_id=asked.id)
        assert detail.body == "楼道灯坏了三个月" and detail.resident_name == "resident_ca"
    for who in ("neighbour_a", "merchant_ca", "micro_ca", "staff_cb", "resident_cb"):
        with pytest.raises(UserError):
            queries.request_detail(s, actor_id=u[who].id, request_id=asked.id)
    # the deputy without an account is answered for by the office only
    other = _ask(s, world, cppcc)
    with pytest.raises(UserError):
        deputies.answer(s, actor_id=u["deputy_a"].id, request_id=other.id, text="好")
    with pytest.raises(UserError) as outside:
        deputies.answer(s, actor_id=u["staff_cb"].id, request_id=asked.id, text="好")
    assert outside.value.message.msgid == OUTSIDE_AREA
    assert queries.trail(s, actor_id=u["neighbour_a"].id) == []  # no outline yet: not public
    deputies.answer(
        s,
        actor_id=u["deputy_a"].id,
        request_id=asked.id,
        text="已联系物业，下周更换",
        outline="居民反映楼道照明不足，已协调物业更换灯具",
    )
    trail = queries.trail(s, actor_id=u["neighbour_a"].id)
    assert [(t.topic, t.state, t.deputy_name) for t in trail] == [
        ("楼道照明", "answered", "王代表")
    ]
    public = vars(trail[0])
    assert "resident_ca" not in str(public) and "已联系物业" not in str(public)
    assert "楼道灯坏了" not in str(public)
    assert queries.trail(s, actor_id=u["resident_cb"].id) == []  # another community
    assert [r.id for r in queries.incoming(s, actor_id=u["deputy_a"].id)] == [asked.id]
    assert {r.id for r in queries.incoming(s, actor_id=u["staff_ca"].id)} == {asked.id, other.id}
    assert queries.incoming(s, actor_id=u["staff_cb"].id) == []
    assert queries.incoming(s, actor_id=u["neighbour_a"].id) == []
    told = notifications.inbox(s, u["resident_ca"].id)
    assert [n.event for n in told] == ["deputy_request"] and told[0].link == "deputies"
    mine = queries.my_requests(s, actor_id=u["resident_ca"].id)
    assert [(r.id, r.answer) for r in mine if r.id == asked.id] == [
        (asked.id, "已联系物业，下周更换")
    ]


def test_forward_files_a_report_and_keeps_the_link(w, tmp_path):
    s, world, npc, _cppcc, _slot = w
    asked = _ask(s, world, npc)
    category = s.exec(select(ReportCategory).where(ReportCategory.code == "ads")).one()
    report = deputies.forward(
        s,
        GridIndex.load(s),
        LocalMediaStore(tmp_path / "media"),
        actor_id=world.users["deputy_a"].id,
        request_id=asked.id,
        category_id=category.id,
    )
    s.expire_all()
    request = s.get(DeputyRequest, asked.id)
    assert request.state == "forwarded" and request.report_id == report.id
    stored = s.get(Report, report.id)
    assert stored.grid_id == world.grids["CA-G1-M1"].id  # the resident's courtyard
    assert stored.reporter_id == world.users["deputy_a"].id and not stored.public_description
    assert "楼道灯坏了三个月" in stored.description and stored.state != "submitted"
    kinds = s.exec(
        select(DeputyRequestEvent.kind).where(DeputyRequestEvent.request_id == asked.id)
    ).all()
    assert sorted(kinds) == ["forwarded", "received"]
    with pytest.raises(UserError):  # forwarded once
        deputies.forward(
            s,
            GridIndex.load(s),
            LocalMediaStore(tmp_path / "media"),
            actor_id=world.users["staff_ca"].id,
            request_id=asked.id,
            category_id=category.id,
        )
    assert deputies.close(s, actor_id=world.users["staff_ca"].id, request_id=asked.id).state == (
        "closed"
    )


def test_two_residents_booking_one_slot_at_once_one_wins(db_url):
    with Session(get_engine(db_url), expire_on_commit=False) as s:
        world, npc, _cppcc, slot = _world(s)
        people = [world.users["resident_ca"].id, world.users["neighbour_a"].id]

    def book(session, i):
        return deputies.leave_request(
            session,
            actor_id=people[i],
            deputy_id=npc.id,
            topic="预约",
            text="想当面谈谈",
            slot_id=slot.id,
        )

    results = race(db_url, 2, book)
    assert sorted(type(r).__name__ for r in results) == ["DeputyRequest", "FieldErrors"]
    with Session(get_engine(db_url)) as s:
        booked = s.exec(select(DeputyRequest).where(DeputyRequest.slot_id == slot.id)).all()
        assert len(booked) == 1
