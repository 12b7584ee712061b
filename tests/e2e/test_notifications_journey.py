"""Notifications in a real browser at phone size (390×844): a resident files a report, the micro-grid
chief sees it in the inbox (and gets an email at a local SMTP server, sent by `portal.worker`),
resolves it; the resident sees "please rate" in the inbox, opens the report and rates it.
axe-core finds nothing on the inbox screens."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_notifications import NotificationSetting
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    click_key,
    enter_as,
    expect_text,
    open_page,
    screenshot,
    texts,
    wait_rerun,
    zh,
)
from tests.e2e.server import ROOT
from tests.e2e.test_report_journey import _choose, _click_button, _latest_report
from tests.unit.test_notifications import smtp  # noqa: F401  (fixture: aiosmtpd on 127.0.0.1)

pytestmark = pytest.mark.e2e
PHONE = {"viewport": {"width": 390, "height": 844}}


def _chief_email(server) -> int:
    with Session(get_engine(server.db_url)) as s:
        chief = s.exec(select(User).where(User.username == "chief_g1m1")).one()
        s.add(
            NotificationSetting(
                user_id=chief.id,
                email="chief@example.com",
                use_email=True,
                email_confirmed_at=datetime.now(UTC),
                quiet_hours=False,
            )
        )
        s.commit()
        return chief.id


def _run_worker(server, smtp_url: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": server.db_url,
        "LINLI_SMTP_URL": smtp_url,
        "LINLI_PUBLIC_URL": server.url,
    }
    subprocess.run(
        [sys.executable, "-m", "portal.worker", "--once"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
    )


def test_report_notices_reach_chief_and_resident(server, new_context, smtp):  # noqa: F811
    _chief_email(server)
    # 1. the resident files a report in her courtyard
    resident = new_context(**PHONE).new_page()
    enter_as(resident, server, "zhang_nainai")
    open_page(resident, server.url + "/report_new", f"{MAIN} h1")
    _choose(resident, "What kind of problem?", "路灯")
    resident.locator(f"{MAIN} textarea").first.fill("五单元楼道灯坏了")
    # her courtyard is the place by default: leaving the words sends them
    wait_rerun(resident, lambda: resident.locator(f"{MAIN} textarea").first.blur())
    resident.wait_for_selector(f"{MAIN} [data-testid='stAlertContainer']")
    _click_button(resident, "Send the report")
    resident.wait_for_selector(f"{MAIN} [data-testid='stAlertContentSuccess']")
    report, _ = _latest_report(server)

    # 2. the chief: the notice in the inbox, and the email at the SMTP server
    _run_worker(server, smtp.url)
    mails = [message_from_bytes(m.content, policy=policy.default) for m in smtp.messages]
    assert [m["To"] for m in mails] == ["chief@example.com"]
    assert mails[0]["Subject"] == zh("A report for you")
    assert f"/work_queue?report={report.id}" in mails[0].get_content()
    chief = new_context(**PHONE).new_page()
    enter_as(chief, server, "chief_g1m1")
    open_page(chief, server.url + "/inbox", f"{MAIN} h1")
    expect_text(
        chief, zh("Report #{id} was sent to you: {what}", id=report.id, what="五单元楼道灯坏了")
    )
    assert_no_axe_violations(chief, "inbox (chief, phone)")
    screenshot(chief, "notify-1-chief-inbox")
    open_page(chief, server.url + "/work_queue", f"{MAIN} h1")
    card = chief.locator('[data-testid="stVerticalBlock"]').filter(has_text=f"#{report.id} ").last
    accept = re.compile("|".join(map(re.escape, texts("Accept"))))
    wait_rerun(chief, lambda: card.locator("button").filter(has_text=accept).first.click())
    click_key(chief, f"open_{report.id}")  # only the opened card has the step forms
    card = chief.locator(f".st-key-wq_card_{report.id}").first
    card.locator("textarea").first.fill("已换灯泡")
    resolved = re.compile("|".join(map(re.escape, texts("Resolved"))))
    wait_rerun(chief, lambda: card.locator("button").filter(has_text=resolved).first.click())

    # 3. the resident: "please rate" in the inbox, then rates from the report's page
    open_page(resident, server.url + "/inbox", f"{MAIN} h1")
    expect_text(resident, zh("Your report was resolved: please rate"))
    assert_no_axe_violations(resident, "inbox (resident, phone)")
    screenshot(resident, "notify-2-resident-inbox")
    open_page(resident, server.url + "/my_reports", f"{MAIN} h1")
    form = resident.locator('[data-testid="stForm"]').first
    form.locator(
        '[data-testid="stFeedback"] button, [data-testid="stFeedback"] [role="radio"]'
    ).nth(4).click()
    wait_rerun(resident, lambda: form.locator('[data-testid="stFormSubmitButton"] button').click())
    report, actions = _latest_report(server)
    assert report.state == "closed" and actions[-2:] == ["rate", "close"]
