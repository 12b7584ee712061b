"""Shared venues: opening windows and slots in Beijing time, booking with points through the ledger,
cancellation and refunds, the owner's approval, no-shows, who may do what in which community,
and two people booking the same time at once (exactly one wins) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_venues import Venue, VenueCell
from portal import localtime, notifications, points, venues
from portal.errors import FieldErrors, UserError
from tests import communities_world
from tests.factories import parallel

NOW = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 09:00 in Beijing
MONDAY = date(2026, 11, 9)  # the Monday after


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return localtime.at(day, time(hour, minute))


def sports_ground(s: Session, w, **kw) -> int:
    """The school's sports ground in CA: weekday evenings 18:00–22:00 in 60-minute slots."""
    values = {
        "name": "七中操场",
        "lat": 30.6,
        "lon": 104.0,
        "capacity": 40,
        "owner_unit": "成都七中",
        "points_per_booking": 5,
        "max_slots": 2,
    } | kw
    venue = venues.save_venue(s, actor_id=w.users["staff_ca"].id, now=NOW, **values)
    venues.add_window(
        s,
        actor_id=w.users["staff_ca"].id,
        venue_id=venue.id,
        weekdays=[0, 1, 2, 3, 4],
        start=time(18, 0),
        end=time(22, 0),
        slot_minutes=60,
    )
    return venue.id


def give_points(s: Session, w, who: str, n: int) -> None:
    points.adjust(
        s,
        actor_id=w.users["staff_ca"].id,
        user_id=w.users[who].id,
        amount=n,
        reason="开业赠送积分",
        now=NOW,
    )


def book(s, w, who, venue_id, starts, slots=1, **kw):
    return venues.book(
        s,
        user_id=w.users[who].id,
        venue_id=venue_id,
        starts=starts,
        slots=slots,
        purpose=kw.pop("purpose", "打篮球"),
        now=kw.pop("now", NOW),
        **kw,
    )


@pytest.fixture
def world(session):
    return communities_world.build(session)


def test_booking_costs_points_shows_on_the_calendar_and_cancelling_in_time_refunds(session, world):
    s, w = session, world
    venue_id = sports_ground(s, w)
    give_points(s, w, "resident_ca", 8)
    mine = book(
        s, w, "resident_ca", venue_id, at(MONDAY, 19), slots=2, group_name="篮球队", people=10
    )
    assert (mine.state, mine.points) == ("confirmed", -5)
    assert mine.ends_at == at(MONDAY, 21).astimezone(UTC)
    assert points.balance(s, w.users["resident_ca"].id) == 3
    cells = s.exec(select(VenueCell).where(VenueCell.booking_id == mine.id)).all()
    assert len(cells) == 8  # two hours in quarter hours

    venue = s.get(Venue, venue_id)
    days = venues.week(s, venue, w.users["resident_ca"].id, MONDAY, now=NOW)
    monday = [v.status for v in days[0][1]]
    assert monday == ["free", "mine", "mine", "free"]
    assert [len(v) for _, v in days] == [4, 4, 4, 4, 4, 0, 0]
    seen_by_other = venues.week(s, venue, w.users["merchant_ca"].id, MONDAY, now=NOW)
    assert [v.status for v in seen_by_other[0][1]] == ["free", "taken", "taken", "free"]

    give_points(s, w, "merchant_ca", 5)
    with pytest.raises(UserError) as taken:  # 20:00 is inside the booking above
        book(s, w, "merchant_ca", venue_id, at(MONDAY, 20))
    assert taken.value.message.msgid == venues.TAKEN
    assert points.balance(s, w.users["merchant_ca"].id) == 5  # nothing was taken

    venues.cancel(s, actor_id=w.users["resident_ca"].id, booking_id=mine.id, now=NOW)
    assert points.balance(s, w.users["resident_ca"].id) == 8
    assert s.exec(select(VenueCell).where(VenueCell.booking_id == mine.id)).all() == []
    again = book(s, w, "merchant_ca", venue_id, at(MONDAY, 20))
    assert again.state == "confirmed"
    late = NOW.replace(hour=0) + timedelta(days=7, hours=11, minutes=30)  # 19:30, 30 min before
    venues.cancel(s, actor_id=w.users["merchant_ca"].id, booking_id=again.id, now=late)
    assert points.balance(s, w.users["merchant_ca"].id) == 0  # too late: no refund
    history = points.history(s, w.users["resident_ca"].id)
    assert [(h.source, h.amount) for h in history[:2]] == [("refund", 5), ("venue_fee", -5)]


def test_rules_of_the_form_area_and_roles(session, world):
    s, w = session, world
    venue_id = sports_ground(s, w, points_per_booking=0)
    cases = [
        ({"starts": at(MONDAY, 21), "slots": 2}, "slots"),  # runs past 22:00
        ({"starts": at(MONDAY, 18, 30)}, "slots"),  # not a slot start
        ({"starts": at(MONDAY + timedelta(days=5), 19)}, "slots"),  # Saturday: closed
        ({"starts": at(MONDAY, 19), "slots": 3}, "slots"),  # more than max_slots
        ({"starts": at(MONDAY, 19), "people": 41}, "people"),
        ({"starts": at(MONDAY, 19), "purpose": " "}, "purpose"),
        ({"starts": at(date(2026, 11, 2), 8)}, "slots"),  # passed
        ({"starts": at(MONDAY + timedelta(days=14), 19)}, "slots"),  # more than 14 days ahead
    ]
    for kw, field in cases:
        with pytest.raises(FieldErrors) as bad:
            book(s, w, "resident_ca", venue_id, **kw)
        assert field in bad.value.errors, kw
    for who, why in (
        ("resident_cb", "This belongs to another community."),
        ("staff_ca", "Your role cannot do this."),
    ):
        with pytest.raises(UserError) as refused:
            book(s, w, who, venue_id, at(MONDAY, 19))
        assert refused.value.message.msgid == why
    w.users["resident_ca"].verification = "unverified"
    s.commit()
    with pytest.raises(UserError, match="not confirmed"):
        book(s, w, "resident_ca", venue_id, at(MONDAY, 19))
    with pytest.raises(UserError, match="another community"):  # CB's office cannot change it
        venues.add_window(
            s,
            actor_id=w.users["staff_cb"].id,
            venue_id=venue_id,
            weekdays=[5],
            start=time(8, 0),
            end=time(12, 0),
            slot_minutes=60,
        )
    with pytest.raises(FieldErrors) as overlap:
        venues.add_window(
            s,
            actor_id=w.users["staff_ca"].id,
            venue_id=venue_id,
            weekdays=[0],
            start=time(21, 0),
            end=time(23, 0),
            slot_minutes=60,
        )
    assert "start" in overlap.value.errors
    assert [v.id for v in venues.visible_venues(s, w.users["resident_cb"].id)] == []
    assert [v.id for v in venues.visible_venues(s, w.users["street_staff"].id, managed=True)] == [
        venue_id
    ]
    with pytest.raises(UserError, match="Not enough points"):
        priced = sports_ground(s, w, name="会议室", points_per_booking=3)
        book(s, w, "merchant_ca", priced, at(MONDAY, 19))


def test_owner_approves_or_rejects_and_records_no_shows_and_use(session, world):
    s, w = session, world
    chief = w.users["chief_ca"]  # the unit's approver (a grid worker account)
    venue_id = sports_ground(s, w, needs_approval=True, approver="chief_ca", points_per_booking=-4)
    first = book(s, w, "resident_ca", venue_id, at(MONDAY, 18))
    assert first.state == "pending"
    for who, why in (("micro_ca", "owner unit"), ("chief_cb", "another community")):
        with pytest.raises(UserError, match=why):
            venues.decide(s, actor_id=w.users[who].id, booking_id=first.id, approve=True)
    with pytest.raises(UserError, match="why"):
        venues.decide(s, actor_id=chief.id, booking_id=first.id, approve=False)
    lines = venues.bookings_to_handle(s, chief.id, now=NOW)
    assert [line.booking.id for line in lines] == [first.id]
    venues.decide(s, actor_id=chief.id, booking_id=first.id, approve=False, note="当晚学校有活动")
    told = [(n.event, n.link) for n in notifications.inbox(s, chief.id)]
    assert told == [("venue_request", "venues_manage")]
    (news,) = notifications.inbox(s, w.users["resident_ca"].id)
    assert notifications.render("en", news)[1].endswith("was rejected.")
    second = book(s, w, "resident_ca", venue_id, at(MONDAY, 18))  # the time is free again
    venues.decide(s, actor_id=chief.id, booking_id=second.id, approve=True)
    with pytest.raises(UserError, match="begun"):
        venues.record_use(s, actor_id=chief.id, booking_id=second.id, came=True, now=NOW)
    after = at(MONDAY, 19)
    used = venues.record_use(s, actor_id=chief.id, booking_id=second.id, came=True, now=after)
    assert (used.state, used.points) == ("attended", 4)
    assert points.balance(s, w.users["resident_ca"].id) == 4  # earned for using it
    for day in (1, 2):
        b = book(s, w, "merchant_ca", venue_id, at(MONDAY + timedelta(days=day), 20))
        venues.decide(s, actor_id=w.users["staff_ca"].id, booking_id=b.id, approve=True)
        venues.record_use(
            s,
            actor_id=w.users["staff_ca"].id,
            booking_id=b.id,
            came=False,
            now=at(MONDAY + timedelta(days=day), 21),
        )
    later = at(MONDAY, 23) + timedelta(days=3)
    assert venues.repeated_no_shows(s, w.users["staff_ca"].id, now=later) == [
        ("merchant_ca", "merchant_ca", 2)
    ]
    assert venues.repeated_no_shows(s, w.users["staff_cb"].id, now=later) == []
    states = [line.booking.state for line in venues.my_bookings(s, w.users["merchant_ca"].id)]
    assert states == ["no_show", "no_show"]


def test_photos_are_seen_by_the_venues_community_only(session, world, tmp_path):
    import io

    from PIL import Image

    from portal.grids import GridIndex
    from portal.media_access import allowed_file

    s, w = session, world
    venue_id = sports_ground(s, w)
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 140, 60)).save(out, "JPEG")
    photo = venues.add_photo(
        s,
        actor_id=w.users["staff_ca"].id,
        venue_id=venue_id,
        photo=out.getvalue(),
        media_root=tmp_path,
    )
    with pytest.raises(FieldErrors):
        venues.add_photo(
            s, actor_id=w.users["staff_ca"].id, venue_id=venue_id, photo=b"no", media_root=tmp_path
        )
    index = GridIndex.load(s)
    seen = {
        who: allowed_file(s, index, w.users[who], "venue", photo.id) is not None
        for who in ("resident_ca", "staff_ca", "street_staff", "resident_cb", "staff_cb")
    }
    assert seen == {
        "resident_ca": True,
        "staff_ca": True,
        "street_staff": True,
        "resident_cb": False,
        "staff_cb": False,
    }
    venues.remove_photo(s, actor_id=w.users["staff_ca"].id, photo_id=photo.id)
    assert venues.photos_of(s, venue_id) == []


def test_two_people_book_the_same_time_at_once_one_wins(db_url):
    engine = get_engine(db_url)
    with Session(engine, expire_on_commit=False) as s:
        w = communities_world.build(s)
        venue_id = sports_ground(s, w, points_per_booking=0)
        people = [w.users["resident_ca"].id, w.users["merchant_ca"].id]

    def work(i):  # the second overlaps the first's second hour
        with Session(engine, expire_on_commit=False) as s:
            starts, slots = (at(MONDAY, 18), 2) if i == 0 else (at(MONDAY, 19), 1)
            return venues.book(
                s,
                user_id=people[i],
                venue_id=venue_id,
                starts=starts,
                slots=slots,
                purpose="跳坝坝舞",
                now=NOW,
            ).id

    first, second = parallel(2, work), parallel(2, work)  # once at once, then both again
    for results, winners in ((first, 1), (second, 0)):
        assert sum(isinstance(r, int) for r in results) == winners, results
        lost = [r for r in results if not isinstance(r, int)]
        assert [r.message.msgid for r in lost] == [venues.TAKEN] * (2 - winners), lost
    with Session(engine) as s:
        held = s.exec(select(VenueCell).where(VenueCell.venue_id == venue_id)).all()
        assert len({c.booking_id for c in held}) == 1
