"""A resident on a phone (390×844) files two reports: one from "Use my location" (the browser's
geolocation, faked here) and one from the address search in pinyin initials."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_reports import Report
from portal.addresses import spell
from portal.grids import GridIndex
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    choose,
    enter_as,
    open_page,
    screenshot,
    set_elder,
    set_language,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e


def _places(server):
    with Session(get_engine(server.db_url)) as s:
        index = GridIndex.load(s)
        home = s.exec(select(User.home_grid_id).where(User.username == "zhang_nainai")).one()
    other = next(g for g in index.of_kind("micro") if g.id != home)
    centre = index.shapes[other.id].representative_point()
    place = index.of_kind("exclusive")[0]
    return other, (centre.y, centre.x), place


def _latest(server) -> Report:
    with Session(get_engine(server.db_url)) as s:
        return s.exec(select(Report).order_by(Report.id.desc())).first()


def _send(page, words: str) -> None:
    choose(page, "What kind of problem?", "路灯")
    page.locator(f"{MAIN} textarea").first.fill(words)
    wait_rerun(page, lambda: page.locator(f"{MAIN} textarea").first.blur())
    send = page.locator(".st-key-rp_send button")
    wait_rerun(page, lambda: send.click())
    page.wait_for_selector(f"{MAIN} [data-testid='stAlertContentSuccess']")


def test_phone_report_from_my_location_and_from_an_address(server, new_context):
    grid, (lat, lon), place = _places(server)
    context = new_context(
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": lat, "longitude": lon, "accuracy": 12},
        permissions=["geolocation"],
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    enter_as(page, server, "zhang_nainai")
    set_language(page, "zh_Hans")
    open_page(page, server.url + "/report_new", f"{MAIN} h1")

    # 1. Use my location: the accuracy in metres and the grid the point is in
    button = page.locator(".st-key-rp_locate button")
    expect(button).to_have_text(re.compile(re.escape(zh("Use my location")) + r"\s*$"))
    wait_rerun(page, lambda: button.click())
    option = zh("Where I am now (accurate to about {m} m)", m=12)
    page.locator(f"{MAIN} [role='radiogroup']").get_by_text(option).wait_for()
    info = page.locator(f"{MAIN} [data-testid='stAlertContentInfo']").filter(
        has_text=re.compile(re.escape(grid.name))
    )
    info.first.wait_for()
    assert_no_axe_violations(page, "report form with my location")
    screenshot(page, "phone-report-1-location", full_page=False)
    _send(page, "我家楼下路灯不亮")
    report = _latest(server)
    assert report.place_source == "gps" and report.grid_id == grid.id
    assert abs(report.lat - lat) < 1e-6 and abs(report.lon - lon) < 1e-6

    screenshot(page, "phone-report-2-sent", full_page=False)
    # 2. the form is fresh; an address found by its pinyin initials
    assert page.locator(f"{MAIN} [role='radiogroup']").get_by_text(option).count() == 0
    search = page.locator(".st-key-rp_address_query input")
    search.fill(spell(place.name)[1])
    wait_rerun(page, lambda: search.press("Enter"))
    pick = page.locator(".st-key-rp_address_pick_0 button")
    assert place.name in pick.inner_text()
    wait_rerun(page, lambda: pick.click())
    page.locator(f"{MAIN} [role='radiogroup']").get_by_text(
        zh("At the address: {place}", place=place.name)
    ).wait_for()
    screenshot(page, "phone-report-3-address", full_page=False)
    _send(page, "市场门口路灯坏了")
    report = _latest(server)
    assert report.place_source == "address" and report.grid_id == place.id

    # 3. the first screen of the phone: snap a report and her open items, without scrolling
    set_elder(page, False)  # the plain mode (elder mode's larger text is measured in the report)
    open_page(page, server.url + "/", ".st-key-home_first")
    first = page.locator(".st-key-home_first")
    first.get_by_text(f"#{report.id}").wait_for()
    screenshot(page, "phone-report-4-home", full_page=False)
    box = first.bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, box
    assert first.locator("a").filter(has_text=zh("Snap a report")).count() == 1
