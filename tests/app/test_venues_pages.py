"""Shared venues pages for each role (AppTest, seeded demo): the resident's list, week and booking,
the approver's decision, the office's venue form keeping bad input."""

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_venues import Venue, VenueBooking
from portal.i18n import translate
from tests.app.conftest import ROLE_USERS, texts, user_id


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _html(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


@pytest.mark.parametrize(
    ("role", "page", "sees", "refused"),
    [
        ("resident", "pages/venues.py", "Book", False),
        ("merchant", "pages/venues.py", "Book", False),
        (
            "staff",
            "pages/venues.py",
            "Residents and merchants of the community book venues here.",
            False,
        ),
        ("staff", "pages/venues_manage.py", "Save the venue", False),
        ("grid_worker", "pages/venues_manage.py", "Nothing to decide or record now.", False),
        ("resident", "pages/venues_manage.py", "", True),
    ],
)
def test_each_role_sees_its_part(open_app, role, page, sees, refused):
    at = open_app(ROLE_USERS[role], page=page)
    assert not at.exception
    if refused:
        assert zh("This page is not available for your role.") in [e.value for e in at.error]
        return
    shown = texts(at) + _html(at) + " ".join(b.label for b in at.button)
    assert zh(sees) in shown


def test_resident_books_the_sports_ground_and_the_approver_approves(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        ground = s.exec(select(Venue).where(Venue.name == "七中操场（夜间开放）")).one()
    at = open_app("li_ayi", page="pages/venues.py")
    at.selectbox(key="venue_pick").set_value(ground.id).run()
    at.button(key="venue_next").click().run()  # next week: its weekday evenings are all to come
    assert "七中操场" in _html(at) and zh("Free") in _html(at)
    at.button(key="venue_book").click().run()  # no purpose: refused, under its field
    assert zh("Please say what the venue is for (e.g. square dancing).") in [
        e.value for e in at.error
    ]
    at.text_input(key="venue_purpose").input("篮球友谊赛")
    at.button(key="venue_book").click().run()
    assert not at.exception
    tail = zh("Booked: {when}. Waiting for the owner's approval.", when="\x00").split("\x00")[1]
    assert tail in texts(at)
    with Session(get_engine(app_db)) as s:
        booking = s.exec(select(VenueBooking).where(VenueBooking.venue_id == ground.id)).one()
    assert booking.state == "pending" and booking.user_id == user_id(app_db, "li_ayi")

    approver = open_app("handler_property", page="pages/venues_manage.py")
    assert "篮球友谊赛" in texts(approver)
    approver.button(key=f"vm_ok_{booking.id}").click().run()
    assert zh("Approved.") in texts(approver)
    with Session(get_engine(app_db)) as s:
        assert s.get(VenueBooking, booking.id).state == "confirmed"

    back = open_app("li_ayi", page="pages/venues.py")
    back.button(key=f"venue_cancel_{booking.id}").click().run()
    assert zh("The booking is cancelled.") in texts(back)


def test_office_form_keeps_what_was_typed(open_app):
    at = open_app("staff01", page="pages/venues_manage.py")
    at.selectbox(key="vm_pick").set_value(0).run()
    at.text_input(key="vm_0_name").input("")
    at.text_input(key="vm_0_addr").input("二号楼架空层")
    at.button(key="FormSubmitter:vm_0_form-" + zh("Save the venue")).click().run()
    assert not at.exception
    assert zh("Please give the venue a name.") in [e.value for e in at.error]
    assert at.text_input(key="vm_0_addr").value == "二号楼架空层"
