"""Acting on behalf (代办) in a real browser: a micro-grid chief visiting 张奶奶 finds her, records her
consent (refused first without the tick), files a report and supports a wish in her name, then stops
acting; 张奶奶, in elder mode, sees both names in her report's trail and on her 代办 page.
axe-core finds nothing on each of these screens."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_behalf import BehalfAction
from db.models_reports import Report
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    choose,
    expect_text,
    navigate,
    open_as,
    open_page,
    screenshot,
    texts,
    wait_idle,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e


def _button(page, msgid: str, **params):
    names = "|".join(re.escape(t) for t in texts(msgid, **params))
    return page.locator(f"{MAIN} button").filter(has_text=re.compile(f"({names})\\s*$")).first


def _click(page, msgid: str, **params) -> None:
    button = _button(page, msgid, **params)
    wait_rerun(page, lambda: button.click())


def _choose(page, label_msgid: str, option_text: str) -> None:
    choose(page, label_msgid, option_text, rerun=False)


def _names(server) -> dict[str, str]:
    with Session(get_engine(server.db_url)) as s:
        return dict(
            s.exec(
                select(User.username, User.display_name).where(
                    User.username.in_(["chief_g1m1", "zhang_nainai"])
                )
            ).all()
        )


def test_grid_worker_acts_for_zhang_nainai(server, new_context):
    names = _names(server)
    worker = open_as(new_context, server, "chief_g1m1")
    open_page(worker, server.url + "/act_for", f"{MAIN} h1")
    assert_no_axe_violations(worker, "act_for (grid worker, find)")

    # 1. find her by name, then try to start without her consent ticked
    worker.get_by_label(zh("Name, last digits of the phone number, or house")).fill("张奶奶")
    _click(worker, "Find")
    expect_text(worker, zh("2. Record the resident's consent"))
    _choose(worker, "How did they agree?", zh("In person, spoken"))
    worker.get_by_label(zh("Note about the consent (optional)")).fill("女儿在场")
    _click(worker, "Record consent and start acting")
    expect_text(worker, zh("Please tick the box once the resident has agreed."))
    assert worker.get_by_label(zh("Note about the consent (optional)")).input_value() == "女儿在场"
    assert_no_axe_violations(worker, "act_for (grid worker, consent refused)")
    worker.locator('[data-testid="stCheckbox"] label').filter(
        has_text=zh("The resident has agreed that I act for them")
    ).click()
    _click(worker, "Record consent and start acting")
    expect_text(worker, zh("Stop acting"))
    banner = worker.locator(f"{MAIN} .st-key-behalf_banner").inner_text()
    assert "张奶奶" in banner and zh("In person, spoken") in banner
    assert_no_axe_violations(worker, "act_for (grid worker, acting)")
    screenshot(worker, "behalf-1-acting")
    # a reload is a new session: acting stops there, and the running consent can be taken up again
    open_page(worker, server.url + "/act_for", f"{MAIN} h1")
    assert not worker.locator(f"{MAIN} .st-key-behalf_banner").count()
    continue_button = worker.locator(f"{MAIN} button").filter(has_text="张奶奶").first
    wait_rerun(worker, lambda: continue_button.click())
    expect_text(worker, zh("Stop acting"))

    # 2. file a report for her from her courtyard: the banner stays on every page
    navigate(worker, "/report_new", f"{MAIN} h1")  # same browser session: still acting
    assert "张奶奶" in worker.locator(f"{MAIN} .st-key-behalf_banner").inner_text()
    _choose(worker, "What kind of problem?", "路灯")
    wait_idle(worker)
    worker.locator(f"{MAIN} textarea").first.fill("张奶奶家门口路灯不亮，晚上出门怕摔")
    home = worker.locator('[data-testid="stRadio"] label').filter(
        has_text=zh("In my courtyard: {place}", place="X").split("X")[0].strip()
    )
    wait_rerun(worker, lambda: home.first.click())
    _click(worker, "Send the report")
    worker.wait_for_selector(f"{MAIN} [data-testid='stAlertContentSuccess']")
    assert_no_axe_violations(worker, "report_new (acting for a resident)")
    with Session(get_engine(server.db_url)) as s:
        report = s.exec(select(Report).order_by(Report.id.desc())).first()
        nainai = s.exec(select(User.id).where(User.username == "zhang_nainai")).one()
        assert report.on_behalf_of_id == nainai
        assert s.exec(
            select(BehalfAction).where(
                BehalfAction.kind == "report", BehalfAction.target_id == report.id
            )
        ).one()
    screenshot(worker, "behalf-2-report")

    # 3. support a wish in her name from the wall, then stop acting
    navigate(worker, "/wish_wall", f"{MAIN} h1")
    _click(worker, "Support for {resident}", resident="张奶奶")
    expect_text(worker, zh("Your support for {resident} was recorded.", resident="张奶奶"))
    assert_no_axe_violations(worker, "wish_wall (acting for a resident)")
    _click(worker, "Stop acting")
    expect_text(worker, zh("You stopped acting for the resident. The consent is ended."))
    assert not worker.locator(f"{MAIN} .st-key-behalf_banner").count()

    # 4. 张奶奶 (elder mode) sees both names in her report's trail and on her 代办 page
    nainai_page = open_as(new_context, server, "zhang_nainai", elder=True)
    open_page(nainai_page, server.url + "/my_reports", f"{MAIN} h1")
    trail = zh(
        "{actor} reported the problem for {resident} (consent: {method}).",
        actor=names["chief_g1m1"],
        resident="张奶奶",
        method=zh("In person, spoken"),
    )
    card = (
        nainai_page.locator('[data-testid="stExpander"]')
        .filter(has_text=zh("What happened so far"))
        .first
    )
    card.locator("summary").click()
    card.get_by_text(trail).wait_for()
    assert_no_axe_violations(nainai_page, "my_reports (resident, filed for her)")
    open_page(nainai_page, server.url + "/act_for", f"{MAIN} h1")
    text = nainai_page.inner_text(MAIN)
    assert (
        zh(
            "{actor} filed report #{target} for {resident} (consent: {method}).",
            actor=names["chief_g1m1"],
            target=report.id,
            resident="张奶奶",
            method=zh("In person, spoken"),
        )
        in text
    )
    assert zh("Ended") in text
    assert_no_axe_violations(nainai_page, "act_for (resident, elder mode)")
    screenshot(nainai_page, "behalf-3-resident")
