"""Topic circles in a real browser: a resident on a phone (390×844) opens her chess circle and
posts with a photo; a grid worker at a desk (1366×768) hides the post with a reason; she sees the reason.
axe-core finds nothing on the list, the feed and the moderator's feed."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_circles import Circle, CirclePost
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    expect_text,
    log_in,
    open_page,
    screenshot,
    wait_idle,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 390, "height": 844}}
DESK = {"viewport": {"width": 1366, "height": 768}}
TEXT = "棋盘少了一个“马”<b>谁有？</b>"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (160, 90, 40)).save(out, "JPEG")
    return out.getvalue()


def test_circles_journey(server, new_context):
    with Session(get_engine(server.db_url)) as s:
        chess = s.exec(select(Circle.id).where(Circle.name == "象棋角")).one()
    resident = new_context(**PHONE).new_page()
    log_in(resident, server.url, "zhang_nainai")
    open_page(resident, server.url + "/circles", f"{MAIN} .st-key-circle_open_{chess}")
    assert_no_axe_violations(resident, "circles list (phone)")
    wait_rerun(resident, lambda: resident.locator(f".st-key-circle_open_{chess} button").click())
    resident.wait_for_selector(f'{MAIN} [data-testid="stForm"]')
    form = resident.locator(f'{MAIN} [data-testid="stForm"]').first
    form.get_by_role("textbox", name=zh("Write to the circle")).fill(TEXT)
    form.locator('input[type="file"]').set_input_files(
        files=[{"name": "ma.jpg", "mimeType": "image/jpeg", "buffer": _jpeg()}]
    )
    form.get_by_text("ma.jpg").wait_for()  # uploaded (the form shows the file)
    wait_idle(resident)
    wait_rerun(resident, lambda: form.get_by_role("button", name=zh("Post")).click())
    expect_text(resident, zh("Your post is in the circle."))
    assert TEXT in resident.inner_text(MAIN)  # markup shown as typed, not rendered
    photo = resident.locator(f'{MAIN} img[src^="/files/circle/"]').first
    photo.wait_for()
    assert resident.evaluate("el => el.complete && el.naturalWidth > 0", photo.element_handle())
    assert_no_axe_violations(resident, "circle feed (phone, member)")
    screenshot(resident, "circles-1-posted-phone")

    with Session(get_engine(server.db_url)) as s:
        post_id = s.exec(select(CirclePost.id).where(CirclePost.body == TEXT)).one()
    worker = new_context(**DESK).new_page()
    log_in(worker, server.url, "chief_g1m1")
    open_page(worker, f"{server.url}/circles?id={chess}", f"{MAIN} .st-key-circle_back")
    assert_no_axe_violations(worker, "circle feed (desk, moderator)")
    hide = worker.locator(f".st-key-circle_hide_reason_post_{post_id} input")
    hide.fill("请私信联系")
    wait_rerun(
        worker,
        lambda: (
            worker.locator('[data-testid="stForm"]')
            .filter(has=hide)
            .get_by_role("button", name=zh("Hide"))
            .click()
        ),
    )
    expect_text(worker, zh("It is hidden. The author can see why."))
    screenshot(worker, "circles-2-hidden-desk")

    open_page(resident, f"{server.url}/circles?id={chess}", f"{MAIN} .st-key-circle_back")
    expect_text(resident, zh("Hidden by a grid worker. Reason: {reason}", reason="请私信联系"))
