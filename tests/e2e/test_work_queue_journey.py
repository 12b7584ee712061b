"""The work queue in a real browser at phone size (390×844), with axe: the community secretary
(staff01) finds a report by its number, filters to one state, acts on it and keeps the filter; an
assisting department (the property company) sees and presses only the button of its own part."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Department, User
from db.models_reports import Report, ReportEvent
from portal import reports
from portal.grids import GridIndex
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    click_key,
    expect_text,
    navigate,
    open_as,
    pick_option,
    screenshot,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 390, "height": 844}}


def _assigned(server) -> Report:
    with Session(get_engine(server.db_url)) as s:
        return s.exec(
            select(Report).where(Report.state == "assigned").order_by(Report.id.desc())
        ).first()


def _actions(server, report_id: int) -> list[str]:
    with Session(get_engine(server.db_url)) as s:
        return list(
            s.exec(
                select(ReportEvent.action)
                .where(ReportEvent.report_id == report_id)
                .order_by(ReportEvent.id)
            )
        )


def test_secretary_finds_filters_acts_and_keeps_the_filter(server, new_context):
    target = _assigned(server)
    page = open_as(new_context, server, "staff01")
    page.set_viewport_size(PHONE["viewport"])
    navigate(page, "work_queue", f"{MAIN} h1")
    assert_no_axe_violations(page, "work queue (secretary, phone)")
    # find it by its number
    search = page.locator(".st-key-wq_search input")
    wait_rerun(page, lambda: (search.fill(f"#{target.id}"), search.press("Enter")))
    page.locator(f".st-key-open_{target.id}").wait_for()
    assert page.locator('[class*="st-key-open_"]').count() == 1
    screenshot(page, "queue-1-search")
    wait_rerun(page, lambda: (search.fill(""), search.press("Enter")))
    # filter to "sent to the person responsible": the option carries its count
    option = zh(reports.STATE_LABELS["assigned"])
    pick_option(page, page.locator('.st-key-wq_state input[role="combobox"]'), option)
    page.locator(f".st-key-open_{target.id}").wait_for()
    assert_no_axe_violations(page, "work queue filtered (phone)")
    # open the card, accept it: the banner says accepted, the filter is still there
    click_key(page, f"open_{target.id}")
    page.locator(f".st-key-wq_card_{target.id} textarea, .st-key-why_{target.id}").first.wait_for()
    assert_no_axe_violations(page, "work queue, one card opened (phone)")
    click_key(page, f"accept_{target.id}")
    expect_text(page, zh("Accepted: report #{id}.", id=target.id))
    assert _actions(server, target.id)[-1] == "accept"
    box = page.locator(".st-key-wq_state")
    shown = box.inner_text() + box.locator("input").first.input_value()
    assert option in shown  # the filter is kept after the action
    assert page.locator(f".st-key-open_{target.id}").count() == 1  # still open, above the list
    screenshot(page, "queue-2-accepted")


def test_an_assisting_department_acts_only_on_its_part(server, new_context):
    with Session(get_engine(server.db_url)) as s:
        report = s.exec(
            select(Report).where(Report.state == "assigned").order_by(Report.id)
        ).first()
        police = s.exec(select(Department).where(Department.code == "police")).one()
        prop = s.exec(select(Department).where(Department.code == "property")).one()
        staff = s.exec(select(User.id).where(User.username == "staff01")).one()
        reports.whistle(
            s,
            GridIndex.load(s),
            report_id=report.id,
            actor_id=staff,
            lead_department_id=police.id,
            assist_department_ids=[prop.id],
            parts={prop.id: "关闭燃气阀"},
        )
        rid, names = report.id, (police.name, prop.name)
    page = open_as(new_context, server, "handler_property")
    page.set_viewport_size(PHONE["viewport"])
    navigate(page, "work_queue", f"{MAIN} h1")
    card = page.locator(f".st-key-wq_card_{rid}")
    card.wait_for()
    text = card.inner_text()
    assert names[0] in text and names[1] in text and "关闭燃气阀" in text
    assert page.locator(f".st-key-accept_{rid}").count() == 0
    assert_no_axe_violations(page, "work queue (assisting department, phone)")
    click_key(page, f"open_{rid}")
    assert page.locator(f".st-key-escalate_{rid}, .st-key-whistle_{rid}").count() == 0
    click_key(page, f"joint_{rid}")
    expect_text(page, zh("Your part is recorded as done: report #{id}.", id=rid))
    assert _actions(server, rid)[-1] == "joint_done"
    assert zh("Part done") in page.locator(f".st-key-wq_card_{rid}").inner_text()
    screenshot(page, "queue-3-joint-part")
