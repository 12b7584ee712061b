"""Issue #16: the same report sent at once from six browser sessions of one resident is stored
once (a unique key in the database, not a check before the insert)."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import User
from db.models_reports import Report
from tests.e2e.helpers import MAIN, choose, open_as, open_page, texts, wait_idle, wait_rerun

pytestmark = pytest.mark.e2e
TABS = 6


def _fill(page, server):
    open_page(page, server.url + "/report_new", f"{MAIN} h1")
    choose(page, "What kind of problem?", "路灯")
    page.locator(f"{MAIN} textarea").first.fill("六个标签页同时发送：二单元路灯不亮")
    # her courtyard is the place by default: leaving the words sends them
    wait_rerun(page, lambda: page.locator(f"{MAIN} textarea").first.blur())
    page.wait_for_selector(f"{MAIN} [data-testid='stAlertContainer']")


def _reports_of(server, username: str) -> int:
    with Session(get_engine(server.db_url)) as s:
        uid = s.exec(select(User.id).where(User.username == username)).one()
        return s.exec(select(func.count()).where(Report.reporter_id == uid)).one()


def test_six_sessions_sending_the_same_report_store_one(server, new_context):
    before = _reports_of(server, "zhang_nainai")
    pages = [open_as(new_context, server, "zhang_nainai") for _ in range(TABS)]
    for page in pages:
        _fill(page, server)
    names = "|".join(re.escape(t) for t in texts("Send the report"))
    buttons = [
        p.locator(f"{MAIN} button").filter(has_text=re.compile(f"({names})\\s*$")).first
        for p in pages
    ]
    for button in buttons:  # all six clicks leave before any answer comes back
        button.dispatch_event("click")
    for page in pages:
        page.wait_for_selector(f"{MAIN} [data-testid='stAlertContentSuccess']")
        wait_idle(page)
    assert _reports_of(server, "zhang_nainai") == before + 1
