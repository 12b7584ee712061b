"""The efficacy survey in a real browser: community staff open a round (1366×768), a resident in
elder mode answers the 13 questions with the large 1–5 buttons on a phone (390×844) and sends
them once, staff read the results beside Dazu's figures, a handler opens the two-way scores;
axe-core finds nothing on any of these screens."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_assessment import SurveyResponse, SurveyRound
from portal.assessment.indicators import INDICATORS
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    click_key,
    expect_text,
    heights,
    log_in,
    open_page,
    screenshot,
    set_elder,
    set_language,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 768}


def _as(new_context, server, username: str, viewport: dict, elder: bool = False):
    page = new_context(viewport=viewport).new_page()
    log_in(page, server.url, username)
    set_language(page, "zh_Hans")
    set_elder(page, elder)
    return page


def test_survey_journey(server, new_context):
    staff = _as(new_context, server, "staff01", DESKTOP)
    open_page(staff, server.url + "/assessment_manage", f'{MAIN} [data-testid="stTabs"]')
    assert_no_axe_violations(staff, "efficacy survey: weights")
    staff.get_by_role("tab", name=zh("Survey rounds")).click()
    form = staff.locator(f'{MAIN} [data-testid="stForm"]').filter(has_text=zh("Open the round"))
    form.get_by_role("textbox", name=zh("Title")).fill("2026年第四季度治理效能问卷")
    wait_rerun(staff, lambda: form.get_by_role("button", name=zh("Open the round")).click())
    expect_text(staff, zh("The survey round is open."))
    with Session(get_engine(server.db_url)) as s:
        round_id = s.exec(select(SurveyRound)).one().id

    resident = _as(new_context, server, "zhang_nainai", PHONE, elder=True)
    open_page(resident, server.url + "/survey", f"{MAIN} .st-key-survey_scale")
    assert_no_axe_violations(resident, "survey question (phone, elder mode)")
    tall = heights(resident, f"{MAIN} .st-key-survey_scale button")
    assert len(tall) == 5 and all(h >= 60 for _label, h in tall), tall
    screenshot(resident, "survey-1-question")
    for n, _indicator in enumerate(INDICATORS):
        click_key(resident, f"survey_{round_id}_{n}_{4 if n % 3 else 5}")
    expect_text(resident, zh("Your answers"))
    assert_no_axe_violations(resident, "survey answers before sending")
    click_key(resident, "survey_send")
    expect_text(resident, zh("Thank you! Your answers are saved."))
    screenshot(resident, "survey-2-sent")
    with Session(get_engine(server.db_url)) as s:
        assert len(s.exec(select(SurveyResponse)).all()) == 1

    staff.reload()
    open_page(staff, server.url + "/assessment_manage", f'{MAIN} [data-testid="stTabs"]')
    staff.get_by_role("tab", name=zh("Results")).click()
    expect_text(staff, "3.803")
    assert_no_axe_violations(staff, "efficacy survey: results")
    screenshot(staff, "survey-3-results")

    handler = _as(new_context, server, "handler_street", PHONE)
    open_page(handler, server.url + "/order_scores", f"{MAIN} h1")
    assert zh("Two-way assessment") in handler.inner_text(MAIN)
    assert_no_axe_violations(handler, "two-way assessment (handler, phone)")
