"""Micro-projects in a real browser: on a phone (390×844) a resident opens the community's project,
pledges ¥100 and sees the matched share bring it to its goal; on a desktop (1366×768) the office
approves it and records the payment. axe-core finds nothing on each screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_microprojects import MicroProject
from portal import microprojects as mp
from portal.localtime import today
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    click_key,
    expect_text,
    log_in,
    open_page,
    screenshot,
    set_elder,
    set_language,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
TITLE = "5栋加装电梯"


def _seed(db_url: str) -> int:
    with Session(get_engine(db_url), expire_on_commit=False) as s:
        proposer = s.exec(select(User).where(User.username == "zhang_nainai")).one()
        staff = s.exec(select(User).where(User.username == "staff01")).one()
        office = staff.home_grid_id
        mp.set_rule(s, actor_id=staff.id, grid_id=office, ratio_percent=100, cap="100")
        project = mp.propose(
            s,
            proposer_id=proposer.id,
            title=TITLE,
            plan="5栋加装电梯：设计、施工、验收，费用按户分摊。",
            category="lift",
            grid_id=proposer.home_grid_id,
            goal="200",
            deadline=today() + timedelta(days=30),
        )
        return project.id


def _as(new_context, server, username: str, viewport: dict):
    page = new_context(viewport=viewport).new_page()
    log_in(page, server.url, username)
    set_language(page, "zh_Hans")
    set_elder(page, False)
    return page


def test_microprojects_journey(server, new_context):
    project_id = _seed(server.db_url)
    # 1. on a phone, a resident of the community opens the project and pledges ¥100
    phone = _as(new_context, server, "li_ayi", PHONE)
    open_page(phone, server.url + "/microprojects", f"{MAIN} h1")
    expect_text(phone, TITLE)
    assert_no_axe_violations(phone, "microprojects list (resident, phone)")
    click_key(phone, f"mp_open_{project_id}")
    form = phone.locator('[data-testid="stForm"]')
    form.get_by_label(zh("Amount in yuan")).fill("100")
    wait_rerun(phone, lambda: form.get_by_role("button", name=zh("Pledge")).click())
    expect_text(phone, zh("Thank you. Your pledge is recorded."))
    text = phone.inner_text(MAIN)
    assert "¥200.00" in text and zh("Goal reached, waiting for approval") in text  # 100 + 100
    assert_no_axe_violations(phone, "microproject page after pledging (resident, phone)")
    screenshot(phone, "microprojects-1-pledged-phone")

    # 2. on a desktop, the office approves and records the payment at the office
    desk = _as(new_context, server, "staff01", DESKTOP)
    open_page(desk, server.url + "/microprojects_manage", f"{MAIN} h1")
    expect_text(desk, TITLE)
    assert_no_axe_violations(desk, "microprojects office (staff, desktop)")
    click_key(desk, "mp_approve")
    expect_text(desk, zh("The project is approved. Record the payments as people pay."))
    receipt = desk.get_by_label(zh("Receipt number"))
    pay = desk.locator('[data-testid="stForm"]').filter(has=receipt)
    pay.get_by_label(zh("Receipt number")).fill("R-2026-0001")
    wait_rerun(desk, lambda: pay.get_by_role("button", name=zh("Record the payment")).click())
    expect_text(desk, zh("The payment is recorded."))
    assert_no_axe_violations(desk, "microprojects office after the payment (staff, desktop)")
    screenshot(desk, "microprojects-2-paid-desktop")
    with Session(get_engine(server.db_url)) as s:
        project = s.get(MicroProject, project_id)
        assert (project.state, project.paid_fen, project.matched_fen) == ("approved", 10000, 10000)
        assert mp.totals_from_rows(s, project_id) == (10000, 0, 10000)
