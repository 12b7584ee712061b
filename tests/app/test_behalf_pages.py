"""Acting on behalf (代办) pages as each role uses them (AppTest, seeded demo)."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, User
from db.models_behalf import BehalfAction
from db.models_points import TaskClaim
from db.models_reports import Report, ReportCategory
from db.models_wishes import Wish, WishVote
from db.types import utcnow
from portal import behalf, points
from portal.i18n import translate
from tests.app.conftest import ROLE_USERS, texts, user_id

PAGE = "pages/act_for.py"
CONSENT_BUTTON = "FormSubmitter:behalf_consent_form-"


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _consent(url, actor="chief_g1m1", resident="zhang_nainai") -> int:
    with Session(get_engine(url), expire_on_commit=False) as s:
        return behalf.record_consent(
            s,
            actor_id=user_id(url, actor),
            resident_id=user_id(url, resident),
            agreed=True,
            method="in_person",
        ).id


def _acting(open_app, url, page, actor="chief_g1m1"):
    """A session of `actor` acting for 张奶奶 (consent recorded as the page records it)."""
    consent_id = _consent(url, actor)
    at = open_app(actor)
    at.session_state["behalf_consent_id"] = consent_id
    at.switch_page(page).run()
    return at, consent_id


@pytest.mark.parametrize("entry", ["router", "direct"])
@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_the_page_for_each_role(open_app, role, entry):
    at = (
        open_app(ROLE_USERS[role], page=PAGE)
        if entry == "router"
        else open_app(ROLE_USERS[role], entry=PAGE)
    )
    assert not at.exception, at.exception
    titles = [t.value for t in at.title]
    if role in ("grid_worker", "staff", "admin"):
        assert zh("Acting on behalf") in titles
        assert at.text_input(key="behalf_query") is not None
    elif role == "resident":
        assert zh("Acting on behalf") in titles
        assert zh("Consents you gave") in [s.value for s in at.subheader]
        assert not [w for w in at.text_input if w.key == "behalf_query"]
    else:
        assert zh("This page is not available for your role.") in texts(at)


def test_consent_form_refuses_bad_input_then_starts_acting(open_app, app_db):
    at = open_app("chief_g1m1", page=PAGE)
    at.button(key="behalf_find").click().run()  # nothing typed
    assert zh("Please type a name, the last digits of a phone number or a house.") in [
        e.value for e in at.error
    ]
    at.text_input(key="behalf_query").input("扎西").run()
    at.button(key="behalf_find").click().run()  # lives outside chief_g1m1's grids
    assert zh("No resident of your grids matches. Check the spelling or try the house.") in texts(
        at
    )
    at.text_input(key="behalf_query").input("张奶奶").run()
    at.button(key="behalf_find").click().run()
    assert at.radio(key="behalf_resident").value == user_id(app_db, "zhang_nainai")
    at.text_input(key="behalf_note").input("女儿在场")
    at.button(key=CONSENT_BUTTON + zh("Record consent and start acting")).click().run()
    errors = [e.value for e in at.error]
    assert zh("Please tick the box once the resident has agreed.") in errors
    assert zh("Please choose how the resident agreed.") in errors
    assert at.text_input(key="behalf_note").value == "女儿在场"  # what was typed is kept
    assert "behalf_consent_id" not in at.session_state
    at.checkbox(key="behalf_agreed").check()
    at.selectbox(key="behalf_method").set_value("in_person")
    at.button(key=CONSENT_BUTTON + zh("Record consent and start acting")).click().run()
    assert not at.exception, at.exception
    assert at.session_state["behalf_consent_id"]
    banner = "\n".join(m.value for m in at.markdown)
    assert (
        zh(
            "You are acting for {resident} (consent: {method}, until {until}).",
            resident="张奶奶",
            method=zh("In person, spoken"),
            until="X",
        ).split("X")[0]
        in banner
    )
    assert at.button(key="behalf_stop") is not None


def test_report_filed_for_her_shows_both_names_in_her_reports(open_app, app_db):
    at, consent_id = _acting(open_app, app_db, "pages/report_new.py")
    assert not at.exception, at.exception
    with Session(get_engine(app_db)) as s:
        category = s.exec(select(ReportCategory.id).where(ReportCategory.code == "lighting")).one()
    at.selectbox(key="rp_category").set_value(category)
    at.text_area(key="rp_text").input("张奶奶家楼道灯不亮")
    at.radio(key="rp_where").set_value("home").run()
    at.button(key="rp_send").click().run()
    assert not at.exception, at.exception
    with Session(get_engine(app_db)) as s:
        report = s.exec(select(Report).order_by(Report.id.desc())).first()
        trail = s.exec(select(BehalfAction).where(BehalfAction.kind == "report")).one()
    assert report.description == "张奶奶家楼道灯不亮"
    assert (report.reporter_id, report.on_behalf_of_id) == (
        user_id(app_db, "chief_g1m1"),
        user_id(app_db, "zhang_nainai"),
    )
    assert (trail.target_id, trail.consent_id) == (report.id, consent_id)
    worker_name = _name(app_db, "chief_g1m1")
    resident = open_app("zhang_nainai", page="pages/my_reports.py")
    assert not resident.exception
    assert zh(
        "{actor} reported the problem for {resident} (consent: {method}).",
        actor=worker_name,
        resident="张奶奶",
        method=zh("In person, spoken"),
    ) in texts(resident)
    mine = open_app("zhang_nainai", page=PAGE)
    assert zh(
        "{actor} filed report #{target} for {resident} (consent: {method}).",
        actor=worker_name,
        target=report.id,
        resident="张奶奶",
        method=zh("In person, spoken"),
    ) in texts(mine)


def _name(url, username):
    with Session(get_engine(url)) as s:
        return s.exec(select(User.display_name).where(User.username == username)).one()


def test_wish_support_and_task_claim_for_her(open_app, app_db):
    nainai = user_id(app_db, "zhang_nainai")
    with Session(get_engine(app_db), expire_on_commit=False) as s:
        wish = s.exec(select(Wish).where(Wish.title == "花坛种点月季")).one()
        grid = s.get(Grid, s.get(User, nainai).home_grid_id)
        task = points.publish_task(
            s,
            actor_id=user_id(app_db, "staff01"),
            title="帮邻居取快递",
            description="每天一次",
            points=10,
            places=3,
            grid_ids=[grid.parent_id],
            starts_at=utcnow() - timedelta(hours=1),
            ends_at=utcnow() + timedelta(days=3),
            proof="note",
        )[0]
    at, _consent_id = _acting(open_app, app_db, "pages/wish_wall.py")
    at.session_state["wish_id"] = wish.id
    at.switch_page("pages/wish_detail.py").run()
    assert not at.exception, at.exception
    at.button(key=f"behalf_wish_{wish.id}").click().run()
    assert zh("Your support for {resident} was recorded.", resident="张奶奶") in texts(at)
    assert [b for b in at.button if b.key == f"behalf_wish_{wish.id}"] == []  # no second click
    assert zh("{resident} supports this wish.", resident="张奶奶") in texts(at)
    worker = _name(app_db, "chief_g1m1")
    assert zh(
        "{actor} gave this support for {resident} (consent: {method}).",
        actor=worker,
        resident="张奶奶",
        method=zh("In person, spoken"),
    ) in texts(at)
    with Session(get_engine(app_db)) as s:
        assert s.exec(
            select(WishVote).where(WishVote.wish_id == wish.id, WishVote.user_id == nainai)
        ).one()

    at.switch_page(PAGE).run()
    at.button(key=f"behalf_claim_{task.id}").click().run()
    assert not at.exception, at.exception
    assert zh("“{title}” is claimed for the resident.", title="帮邻居取快递") in texts(at)
    with Session(get_engine(app_db)) as s:
        claim = s.exec(select(TaskClaim).where(TaskClaim.task_id == task.id)).one()
    assert claim.user_id == nainai
    resident = open_app("zhang_nainai", page="pages/points.py")
    assert not resident.exception
    assert zh(
        "Claimed for you by {actor} (consent: {method}).",
        actor=worker,
        method=zh("In person, spoken"),
    ) in texts(resident)


def test_stopping_on_the_phone_ends_acting_on_the_pc(open_app, app_db):
    phone, consent_id = _acting(open_app, app_db, PAGE)
    pc = open_app("chief_g1m1")
    pc.session_state["behalf_consent_id"] = consent_id
    pc.switch_page(PAGE).run()
    assert pc.button(key="behalf_stop") is not None
    phone.button(key="behalf_stop").click().run()
    assert zh("You stopped acting for the resident. The consent is ended.") in texts(phone)
    pc.run()
    assert not pc.exception
    assert [
        w
        for w in pc.warning
        if w.value.startswith(
            zh(
                "The consent of {name} was ended at {when}. Please ask again and record it.",
                name="张奶奶",
                when="X",
            ).split("X")[0]
        )
    ]
    assert "behalf_consent_id" not in pc.session_state
    assert [b for b in pc.button if b.key == "behalf_stop"] == []


def test_staff_acting_may_file_a_report_and_a_resident_may_not_act(open_app, app_db):
    staff, _ = _acting(open_app, app_db, "pages/report_new.py", actor="staff01")
    assert not staff.exception
    assert zh("This page is not available for your role.") not in texts(staff)
    assert zh("Snap a report") in [t.value for t in staff.title]
    plain_staff = open_app("staff01", page="pages/report_new.py")
    assert zh("This page is not available for your role.") in texts(plain_staff)
    # a resident who somehow holds a consent id acts for nobody
    resident = open_app("li_ayi")
    resident.session_state["behalf_consent_id"] = _consent(app_db)
    resident.switch_page("pages/wish_wall.py").run()
    assert not resident.exception
    assert not [b for b in resident.button if (b.key or "").startswith("behalf_")]
