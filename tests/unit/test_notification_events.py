"""Each service announces its events to the right people, in the same commit as the change."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_notifications import Notification
from portal import council as c
from portal import devices, notices
from tests.unit import test_council, test_devices, test_wishes

s, url = test_council.s, test_council.url  # council fixtures: a small built community
home = test_devices.home  # the demo courtyard with fresh devices
community = test_wishes.community  # the wish tests' community (many residents)


@pytest.fixture
def wish_session(community):
    with Session(get_engine(community), expire_on_commit=False) as session:
        yield session


def _told(session, event):
    return {
        (n.recipient_id, json.loads(n.params).get("title"))
        for n in session.exec(select(Notification).where(Notification.event == event))
    }


def test_seat_holders_hear_of_agenda_voting_and_the_decision(s, clock):
    council, meeting, items = test_council.ready_to_vote(s, clock, per_group=2)
    seated = {i for ids in test_council.member_ids(s, 2).values() for i in ids}
    assert {r for r, _t in _told(s, "council_agenda")} == seated
    assert {r for r, _t in _told(s, "council_voting_open")} == seated
    staff = test_council.uid(s, "staff01")
    c.close_voting(s, meeting_id=meeting.id, actor_id=staff, now=clock())
    assert {r for r, _t in _told(s, "council_voting_closed")} == seated
    assert _told(s, "council_decision") == {(items[0].proposer_id, items[0].title)}


def test_a_smoke_alarm_tells_the_chief_urgently(demo_session, home, clock):
    text = f"device,kind,at,value\nT-smoke,smoke,{clock().isoformat()},1\n"
    devices.intake(demo_session, home["index"], text, now=clock())
    chief = home["chief"]
    (alarm,) = demo_session.exec(
        select(Notification).where(
            Notification.event == "device_alarm", Notification.recipient_id == chief
        )
    ).all()
    assert alarm.urgent and json.loads(alarm.params)["device"] == "T-smoke"


def test_the_chiefs_answer_reaches_the_resident_not_the_residents_own_words(
    demo_session, home, clock
):
    elder = home["elder"]
    before = _told(demo_session, "chief_message")  # the demo already holds a conversation
    first = notices.send_to_chief(
        demo_session, resident_id=elder.id, body="楼道灯坏了", now=clock()
    )
    assert _told(demo_session, "chief_message") == before
    notices.answer(
        demo_session,
        thread_id=first.thread_id,
        author_id=home["chief"],
        body="明天来修",
        now=clock(),
    )
    assert _told(demo_session, "chief_message") - before == {(elder.id, "明天来修")}


def test_wish_milestone_and_promotion_tell_author_and_supporters_once(wish_session, clock):
    from portal import wishes

    wish = test_wishes.post(wish_session, clock)
    voters = test_wishes.residents(wish_session, wishes.DEFAULT_THRESHOLD, start=30)
    for voter in voters:
        wishes.vote(wish_session, wish_id=wish.id, user_id=voter, now=clock())
    people = {wish.author_id, *voters}
    promoted = {
        n.recipient_id
        for n in wish_session.exec(select(Notification).where(Notification.event == "wish_changed"))
        if json.loads(n.params)["state"] == "promoted to the council"
    }
    assert promoted == people
    milestone = {r for r, _t in _told(wish_session, "wish_milestone")}
    assert milestone == {wish.author_id, *voters[:10]}  # the 10th vote (threshold 10)
