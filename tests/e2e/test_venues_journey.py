"""Shared venues in a real browser: two residents on phones (390×844) open the community meeting
room's week and book the same first free slot from two browsers; exactly one gets it, the other is
told the time was just taken. The week reads in elder mode with large chips and no sideways scroll;
the office's page (1366×768) lists the booking. axe-core finds nothing on either page."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_venues import Venue, VenueBooking
from portal import venues
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    choose,
    expect_text,
    font_sizes,
    log_in,
    open_page,
    screenshot,
    set_elder,
    set_language,
    wait_idle,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
ROOM = "社区活动室"
PEOPLE = ("li_ayi", "resident0200")


def _open_as(new_context, server, username: str, viewport: dict):
    page = new_context(viewport=viewport).new_page()
    log_in(page, server.url, username)
    set_language(page, "zh_Hans")
    set_elder(page, False)
    return page


def _room(server) -> int:
    with Session(get_engine(server.db_url)) as s:
        return s.exec(select(Venue.id).where(Venue.name == ROOM)).one()


def _ready_to_book(page, server, room_id: int, purpose: str) -> None:
    open_page(page, f"{server.url}/venues?id={room_id}", f"{MAIN} .linli-week")
    page.get_by_role("textbox", name=zh("What for")).fill(purpose)
    page.get_by_role("textbox", name=zh("What for")).press("Tab")  # commit the text
    wait_idle(page)


def test_two_residents_book_the_same_time_one_wins(server, new_context):
    room_id = _room(server)
    first, second = (_open_as(new_context, server, who, PHONE) for who in PEOPLE)
    _ready_to_book(first, server, room_id, "合唱排练")
    assert ROOM in first.inner_text(MAIN)
    assert_no_axe_violations(first, "venues (resident, phone)")
    _ready_to_book(second, server, room_id, "象棋比赛")
    # both pages show the same first free slot; the second clicks while the first books
    book = [p.get_by_role("button", name=zh("Book"), exact=True) for p in (first, second)]
    book[0].click()
    wait_rerun(second, lambda: book[1].click())
    wait_idle(first)
    shown = [p.inner_text(MAIN) for p in (first, second)]
    taken = zh(venues.TAKEN)
    assert sum(taken in text for text in shown) == 1, shown
    winner = first if taken in shown[1] else second
    expect_text(winner, zh(venues.STATE_LABELS["confirmed"]))
    screenshot(first, "venues-1-phone")

    set_elder(winner, True)
    winner.wait_for_selector(f"{MAIN} .linli-slots li")
    assert min(font_sizes(winner, f"{MAIN} .linli-slots li")) >= 24
    width = winner.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, width
    screenshot(winner, "venues-2-phone-elder")

    with Session(get_engine(server.db_url)) as s:
        held = s.exec(
            select(VenueBooking).where(
                VenueBooking.venue_id == room_id, VenueBooking.purpose.in_(("合唱排练", "象棋比赛"))
            )
        ).all()
    assert len(held) == 1

    staff = _open_as(new_context, server, "staff01", DESKTOP)
    open_page(staff, server.url + "/venues_manage", f'{MAIN} [data-testid="stForm"]')
    choose(staff, "Venue to change", ROOM)
    expect_text(staff, held[0].purpose)
    assert_no_axe_violations(staff, "venues and bookings (office)")
    screenshot(staff, "venues-3-office")
