"""The deputies' desk page for each role on the demo (portal/demo/seed_deputies.py): who sees the
request form, the incoming requests, the office's forms, the trail; a resident books a time, the
deputy answers it, the office forwards it as a report."""

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_deputies import Deputy, DeputyRequest
from portal.i18n import translate
from tests.app.conftest import ROLE_USERS, texts

PAGE = "pages/deputies.py"
DEPUTY = "resident0030"  # the demo's people's congress deputy with an account
PRIVATE = (
    "5 号楼想加装电梯"  # li_ayi's words: never on anyone's page but hers, the deputy's, staff's
)
OUTLINE = "代表已向街道了解补贴政策"


def zh(msgid: str) -> str:
    return translate("zh_Hans", msgid)


def _npc(url: str) -> int:
    with Session(get_engine(url)) as s:
        return s.exec(select(Deputy.id).where(Deputy.body == "npc")).one()


# role → (request form shown, incoming requests shown, office forms shown)
ROLES = {
    "resident": (True, False, False),
    "merchant": (True, False, False),
    "grid_worker": (False, False, False),
    "staff": (False, True, True),
    "handler": (False, False, False),
    "admin": (False, True, True),
    DEPUTY: (True, True, False),
}


@pytest.mark.parametrize("who", sorted(ROLES))
def test_the_desk_for_each_role(open_app, app_db, who):
    form, incoming, office = ROLES[who]
    at = open_app(ROLE_USERS.get(who, who), page=PAGE)
    assert not at.exception
    shown = texts(at)
    assert at.title[0].value == zh("Deputies' desk")
    assert "马永福" in shown and OUTLINE in shown  # deputies and the public trail: everyone
    npc = _npc(app_db)
    send = f"FormSubmitter:dep_{npc}_form-" + zh("Send the request")
    assert any(b.key == send for b in at.button) is form
    assert (zh("Requests to answer") in shown) is incoming
    assert (PRIVATE in shown) is incoming  # the detail: deputy and office only
    assert (zh("Add a deputy") in shown) is office


def test_book_answer_and_forward(open_app, app_db):
    npc = _npc(app_db)
    at = open_app(ROLE_USERS["resident"], page=PAGE)
    send = f"FormSubmitter:dep_{npc}_form-" + zh("Send the request")
    at.button(key=send).click().run()  # empty: told at the fields, nothing lost
    assert zh("Please give the request a short topic.") in [e.value for e in at.error]
    at.text_input(key=f"dep_{npc}_topic").set_value("门口路灯不亮")
    at.text_area(key=f"dep_{npc}_text").set_value("小区东门路灯坏了两周，晚上老人出门不安全。")
    at.selectbox(key=f"dep_{npc}_slot").set_value(_first_slot(app_db, npc))
    at.button(key=send).click().run()
    assert not at.exception
    assert zh("My requests") in texts(at) and "门口路灯不亮" in texts(at)
    with Session(get_engine(app_db)) as s:
        asked = s.exec(select(DeputyRequest).where(DeputyRequest.topic == "门口路灯不亮")).one()
        assert asked.slot_id is not None and asked.state == "received"

    deputy = open_app(DEPUTY, page=PAGE)
    p = f"dep_in_{asked.id}"
    deputy.text_area(key=f"{p}_answer").set_value("我已联系物业，本周修好。")
    deputy.text_input(key=f"{p}_outline").set_value("居民反映东门路灯不亮，代表已联系物业维修")
    deputy.button(key=f"FormSubmitter:{p}_form-" + zh("Send the answer")).click().run()
    assert not deputy.exception
    assert zh("The answer has been sent.") in texts(deputy)

    staff = open_app(ROLE_USERS["staff"], page=PAGE)
    staff.selectbox(key=f"{p}_category").select_index(0)
    staff.button(key=f"FormSubmitter:{p}_form-" + zh("Forward as a report")).click().run()
    assert not staff.exception
    with Session(get_engine(app_db)) as s:
        forwarded = s.get(DeputyRequest, asked.id)
        assert forwarded.state == "forwarded" and forwarded.report_id is not None


def _first_slot(url: str, deputy_id: int) -> int:
    from portal.deputies import queries

    with Session(get_engine(url)) as s:
        me = s.exec(select(Deputy.user_id).where(Deputy.id == deputy_id)).one()
        card = next(c for c in queries.deputies(s, actor_id=me) if c.id == deputy_id)
        return card.free_slots[0].id
