"""Snap a report, end to end in a real browser: a resident files it with a photo, the micro-grid
chief accepts and resolves it, the resident rates it, and the staff map shows it closed.
axe-core finds nothing on each of these pages."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_reports import Report, ReportEvent
from tests.e2e.helpers import (
    MAIN,
    MAP_IFRAME,
    assert_no_axe_violations,
    choose,
    click_key,
    enter_as,
    open_as,
    open_page,
    screenshot,
    texts,
    wait_idle,
    wait_rerun,
)

pytestmark = pytest.mark.e2e


def _photo(tmp_path):
    path = tmp_path / "stairwell.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 90, 120)).save(buffer, "JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _click_button(page, label_msgid: str, scope: str = MAIN):
    names = "|".join(re.escape(t) for t in texts(label_msgid))
    button = page.locator(f"{scope} button").filter(has_text=re.compile(f"({names})\\s*$"))
    wait_rerun(page, lambda: button.first.click())


def _choose(page, label_msgid: str, option_text: str):
    choose(page, label_msgid, option_text)


def _latest_report(server):
    with Session(get_engine(server.db_url)) as s:
        report = s.exec(select(Report).order_by(Report.id.desc())).first()
        actions = s.exec(
            select(ReportEvent.action)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.id)
        ).all()
        return report, actions


def test_report_closed_loop(server, new_context, tmp_path):
    # 1. the resident files a report with a photo, placed in her courtyard
    resident = open_as(new_context, server, "zhang_nainai")
    open_page(resident, server.url + "/report_new", f"{MAIN} h1")
    assert_no_axe_violations(resident, "report form")
    _choose(resident, "What kind of problem?", "路灯")
    resident.locator('.st-key-rp_photo_0 input[type="file"]').set_input_files(str(_photo(tmp_path)))
    wait_idle(resident)
    resident.locator(f"{MAIN} textarea").first.fill("三单元门口路灯不亮，晚上看不见台阶")
    # her courtyard is the place by default: leaving the words sends them
    wait_rerun(resident, lambda: resident.locator(f"{MAIN} textarea").first.blur())
    resident.wait_for_selector(f"{MAIN} [data-testid='stAlertContainer']")
    screenshot(resident, "report-1-form")
    _click_button(resident, "Send the report")
    resident.wait_for_selector(f"{MAIN} [data-testid='stAlertContentSuccess']")
    report, actions = _latest_report(server)
    assert report.description.startswith("三单元门口路灯不亮") and actions == ["submit", "assign"]
    screenshot(resident, "report-2-sent")

    # 2. the micro-grid chief accepts, then resolves with a note
    chief = new_context().new_page()
    enter_as(chief, server, "chief_g1m1")
    open_page(chief, server.url + "/work_queue", f"{MAIN} h1")
    assert_no_axe_violations(chief, "work queue")
    card = chief.locator('[data-testid="stVerticalBlock"]').filter(has_text=f"#{report.id} ").last
    wait_rerun(
        chief,
        lambda: (
            card.locator("button")
            .filter(has_text=re.compile("|".join(map(re.escape, texts("Accept")))))
            .first.click()
        ),
    )
    click_key(chief, f"open_{report.id}")  # only the opened card has the step forms
    card = chief.locator(f".st-key-wq_card_{report.id}").first
    card.locator("textarea").first.fill("已更换灯泡，晚上亮了")
    wait_rerun(
        chief,
        lambda: (
            card.locator("button")
            .filter(has_text=re.compile("|".join(map(re.escape, texts("Resolved")))))
            .first.click()
        ),
    )
    _, actions = _latest_report(server)
    assert actions[-2:] == ["accept", "resolve"]
    screenshot(chief, "report-3-queue")

    # 3. the resident rates it five stars: it closes
    open_page(resident, server.url + "/my_reports", f"{MAIN} h1")
    assert_no_axe_violations(resident, "my reports")
    form = resident.locator('[data-testid="stForm"]').first
    form.locator(
        '[data-testid="stFeedback"] button, [data-testid="stFeedback"] [role="radio"]'
    ).nth(4).click()
    wait_rerun(resident, lambda: form.locator('[data-testid="stFormSubmitButton"] button').click())
    report, actions = _latest_report(server)
    assert report.state == "closed" and report.rating == 5 and actions[-2:] == ["rate", "close"]
    screenshot(resident, "report-4-rated")

    # 4. the staff map shows it closed (the pins draw with no tiles; its detail says closed)
    staff = new_context().new_page()
    enter_as(staff, server, "staff01")
    open_page(staff, server.url + f"/report_map?report={report.id}", MAP_IFRAME)
    staff.frame_locator(MAP_IFRAME).locator(".leaflet-marker-icon").first.wait_for(state="attached")
    assert any(t in staff.inner_text(MAIN) for t in texts("Closed"))
    screenshot(staff, "report-5-staff-map")
    assert_no_axe_violations(staff, "staff report map")
    frame = staff.locator(MAP_IFRAME).element_handle().content_frame()
    assert_no_axe_violations(frame, "staff report map iframe")
