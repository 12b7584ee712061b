"""Micro-project pages as residents, merchants and the office use them (AppTest, seeded demo):
propose (bad input kept), pledge, the matched share, approve, record a payment, publish spending
with a receipt photo, and what each role sees."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_microprojects import MicroPledge, MicroProject
from portal import microprojects as mp
from portal.i18n import translate
from portal.localtime import today
from tests.app.conftest import texts, user_id

PAGE, OFFICE = "pages/microprojects.py", "pages/microprojects_manage.py"


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _submit(at, form: str, label: str):
    return at.button(key=f"FormSubmitter:{form}-{zh(label)}").click().run()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 60)).save(out, "JPEG")
    return out.getvalue()


def test_propose_pledge_approve_pay_and_publish(open_app, app_db):
    at = open_app("zhang_nainai", page=PAGE)
    assert not at.exception
    assert zh("No projects yet in our community.") in texts(at)
    at.text_input(key="mp_title").input("3栋加装电梯")
    at.text_input(key="mp_goal").input("12.345")
    _submit(at, "mp_propose_form", "Propose the project")
    assert not at.exception
    errors = [e.value for e in at.error]
    assert zh("Please describe the plan: what, where, who does it, costs.") in errors
    assert zh("Write an amount in yuan, for example 200 or 12.50 (at most two decimals).") in errors
    assert at.text_input(key="mp_title").value == "3栋加装电梯"  # what was typed stays
    at.text_area(key="mp_plan").input("设计、施工、验收")
    at.selectbox(key="mp_category").set_value("lift")
    at.text_input(key="mp_goal").input("300")
    _submit(at, "mp_propose_form", "Propose the project")
    assert not at.exception
    assert zh("Your project is proposed. Neighbours can pledge now.") in texts(at)
    with Session(get_engine(app_db)) as s:
        project = s.exec(select(MicroProject)).one()
    # the office sets 1:1 matching up to ¥100; a neighbour pledges ¥100 → ¥200 of ¥300
    office = open_app("staff01", page=OFFICE)
    office.text_input(key="mp_rule_cap").input("100")
    _submit(office, "mp_rule_form", "Save the matching rule")
    assert zh("The matching rule is saved.") in texts(office)
    shop = open_app("chen_shop", page=PAGE)
    shop.button(key=f"mp_open_{project.id}").click().run()
    shop.text_input(key="mp_amount").input("100")
    _submit(shop, "mp_pledge_form", "Pledge")
    assert not shop.exception
    shown = texts(shop)
    assert zh("Thank you. Your pledge is recorded.") in shown
    assert "¥200.00" in "\n".join(e.proto.body for e in shop.get("html"))
    assert zh("Withdraw my pledge") in [b.label for b in shop.button]
    # the proposer pledges the rest: funded; the office approves, records, publishes
    at.run()  # the proposer is on the project's page since proposing
    at.text_input(key="mp_amount").input("100")
    _submit(at, "mp_pledge_form", "Pledge")
    with Session(get_engine(app_db)) as s:
        assert s.get(MicroProject, project.id).state == "funded"
    office = open_app("staff01", page=OFFICE)
    office.button(key="mp_approve").click().run()
    assert not office.exception
    assert zh("The project is approved. Record the payments as people pay.") in texts(office)
    office.text_input(key="mp_receipt").input("R-2026-001")
    _submit(office, "mp_pay_form", "Record the payment")
    assert zh("The payment is recorded.") in texts(office)
    office.text_input(key="mp_body").input("设计费")
    office.text_input(key="mp_spent").input("80")
    _submit(office, "mp_publish_form", "Publish")
    assert zh("Please add a photo of the receipt.") in [e.value for e in office.error]
    assert office.text_input(key="mp_body").value == "设计费"
    with Session(get_engine(app_db)) as s:
        p = s.get(MicroProject, project.id)
        assert (p.paid_fen, p.pledged_fen) == (10000, 20000)
        assert mp.totals_from_rows(s, project.id) == (20000, 0, 10000)
        assert len(s.exec(select(MicroPledge)).all()) == 2


@pytest.mark.parametrize(
    ("username", "sees_form"),
    [("zhang_nainai", True), ("chief_g1m1", False), ("staff01", False), ("handler_street", False)],
)
def test_each_role_sees_the_project_and_only_residents_pledge(
    open_app, app_db, username, sees_form
):
    with Session(get_engine(app_db)) as s:
        project = mp.propose(
            s,
            proposer_id=user_id(app_db, "chen_shop"),
            title="充电桩",
            plan="院内装4个充电桩",
            category="charging",
            grid_id=s.exec(select(MicroProject.grid_id)).first()
            or _home(s, user_id(app_db, "chen_shop")),
            goal="5000",
            deadline=today() + timedelta(days=20),
        )
    at = open_app(username, page=PAGE)
    at.button(key=f"mp_open_{project.id}").click().run()
    assert not at.exception
    assert "充电桩" in "\n".join(e.proto.body for e in at.get("html"))
    keys = [b.key for b in at.button]
    assert any(str(k).startswith("FormSubmitter:mp_pledge_form") for k in keys) is sees_form


def _home(s, uid):
    from db.models import User

    return s.get(User, uid).home_grid_id
