"""The deputies' desk in a real browser: an elderly resident on a phone (390×844, elder mode) books
a reception time with the people's congress deputy; the deputy on a laptop (1366×768) answers it
and writes the public outline; axe-core finds nothing on either view."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_deputies import Deputy, DeputyRequest
from portal.deputies import queries
from portal.i18n import format_when
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    expect_text,
    log_in,
    open_page,
    pick_option,
    screenshot,
    set_elder,
    set_language,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e

RESIDENT, DEPUTY = "zhang_nainai", "resident0030"
TOPIC = "楼下路灯<b>不亮</b>"


def _as(new_context, server, username: str, width: int, height: int, elder: bool):
    page = new_context(viewport={"width": width, "height": height}).new_page()
    log_in(page, server.url, username)
    set_language(page, "zh_Hans")
    set_elder(page, elder)
    return page


def test_book_and_answer(server, new_context):
    with Session(get_engine(server.db_url)) as s:
        npc, me = s.exec(select(Deputy.id, Deputy.user_id).where(Deputy.body == "npc")).one()
        card = next(c for c in queries.deputies(s, actor_id=me) if c.id == npc)
        first_free = format_when("zh_Hans", card.free_slots[0].starts_at, "short")
    resident = _as(new_context, server, RESIDENT, 390, 844, elder=True)
    form_sel = f'{MAIN} .st-key-dep_card_{npc} [data-testid="stForm"]'
    open_page(resident, server.url + "/deputies", form_sel)
    assert_no_axe_violations(resident, "deputies' desk (resident, phone, elder mode)")
    form = resident.locator(form_sel)
    form.get_by_role("textbox", name=zh("Topic")).fill(TOPIC)
    form.get_by_role("textbox", name=zh("What would you like to raise?")).fill(
        "晚上下楼买菜看不清台阶。"
    )
    slot = form.get_by_role("combobox", name=zh("Book a reception time (optional)"))
    pick_option(resident, slot, first_free, rerun=False)
    wait_rerun(resident, lambda: form.get_by_role("button", name=zh("Send the request")).click())
    expect_text(resident, zh("My requests"))
    assert TOPIC in resident.inner_text(MAIN)  # markup shown as text
    screenshot(resident, "deputies-1-booked-phone")

    with Session(get_engine(server.db_url)) as s:
        asked = s.exec(select(DeputyRequest).where(DeputyRequest.topic == TOPIC)).one()
        assert asked.slot_id is not None
    deputy = _as(new_context, server, DEPUTY, 1366, 768, elder=False)
    answer_sel = f'{MAIN} .st-key-dep_incoming_{asked.id} [data-testid="stForm"]'
    open_page(deputy, server.url + "/deputies", answer_sel)
    assert_no_axe_violations(deputy, "deputies' desk (deputy, laptop)")
    form = deputy.locator(answer_sel)
    form.get_by_role("textbox", name=zh("Answer to the resident")).fill("已请物业今晚修好。")
    form.get_by_role(
        "textbox", name=zh("Public outline (no names: what was raised, what happened)")
    ).fill("居民反映楼下路灯不亮，代表已请物业维修")
    wait_rerun(deputy, lambda: form.get_by_role("button", name=zh("Send the answer")).click())
    expect_text(deputy, zh("The answer has been sent."))
    screenshot(deputy, "deputies-2-answered-laptop")
    with Session(get_engine(server.db_url)) as s:
        done = s.get(DeputyRequest, asked.id)
        assert (done.state, done.answer) == ("answered", "已请物业今晚修好。")
