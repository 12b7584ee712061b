"""Cockpit, devices, notices and messages pages (AppTest, seeded demo)."""

from sqlmodel import Session, select

from db.engine import get_engine
from db.models_cockpit import Device, Notice, ThreadMessage
from portal.i18n import translate
from portal.text import md_text
from tests.app.conftest import texts


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def test_cockpit_shows_measures_red_black_list_map_and_downloads(open_app):
    for role_user in ("staff01", "chief_g1m1", "admin"):
        at = open_app(role_user, page="pages/cockpit.py")
        assert not at.exception, at.exception
        assert zh("Cockpit") in [e.value for e in at.title]
        assert at.dataframe and len(at.metric) == 6
        assert zh("Overdue now") in [m.label for m in at.metric]  # the one clock's count
    assert any(zh("Red list (best)") in m.value for m in at.markdown)
    for by in ("category", "month"):
        at.radio(key="ck_by").set_value(by).run()
        assert not at.exception, at.exception
    at.selectbox(key="ck_rank").set_value("rating").run()
    at.selectbox(key="ck_map_measure").set_value("closure_pct").run()
    assert not at.exception
    assert zh("No open alarms.") not in texts(at)  # the demo smoke alarm is open


def test_resident_cannot_open_the_cockpit(open_app):
    at = open_app("zhang_nainai", page="pages/cockpit.py")
    assert not at.exception
    assert zh("This page is not available for your role.") in texts(at)
    assert not at.dataframe


def test_register_device_with_field_errors_kept(open_app, app_db):
    at = open_app("staff01", page="pages/devices.py")
    assert not at.exception
    at.text_input(key="dev_code").input("bad id with spaces")
    at.text_input(key="dev_house").input("3栋")
    at.button(key="FormSubmitter:dev_register_form-" + zh("Register the device")).click().run()
    assert not at.exception
    assert zh("Please choose the micro-grid of the house.") in [e.value for e in at.error]
    assert at.text_input(key="dev_house").value == "3栋"
    grid = at.selectbox(key="dev_grid").options[0]
    at.text_input(key="dev_code").input("APP-SMOKE-1")
    at.selectbox(key="dev_grid").select_index(0)
    at.button(key="FormSubmitter:dev_register_form-" + zh("Register the device")).click().run()
    assert not at.exception, at.exception
    assert zh("Device {device} registered.", device=md_text("APP-SMOKE-1")) in texts(at)
    with Session(get_engine(app_db)) as s:
        assert s.exec(select(Device).where(Device.code == "APP-SMOKE-1")).one()
    assert grid


def test_check_meters_button(open_app):
    at = open_app("admin", page="pages/devices.py")
    at.button(key="dev_check").click().run()
    assert not at.exception
    assert zh(
        "Meters checked: {opened} alarms opened, {closed} ended.", opened=0, closed=0
    ) in texts(at)


def test_notice_published_and_seen_on_home_in_tibetan(open_app, app_db):
    at = open_app("staff01", page="pages/notices_manage.py")
    assert not at.exception
    at.text_input(key="nt_title").input("<b>停电通知</b>")
    at.button(key="FormSubmitter:nt_form-" + zh("Publish the notice")).click().run()
    assert zh("Please write the notice (at most {n} characters).", n=4000) in [
        e.value for e in at.error
    ]
    assert at.text_input(key="nt_title").value == "<b>停电通知</b>"
    at.text_area(key="nt_body").input("周三9点到12点停电。")
    at.text_input(key="nt_tr_title_bo").input("གློག་མེད།")
    at.text_area(key="nt_tr_body_bo").input("གཟའ་ལྷག་པ།")
    at.button(key="FormSubmitter:nt_form-" + zh("Publish the notice")).click().run()
    assert not at.exception, at.exception
    with Session(get_engine(app_db)) as s:
        assert s.exec(select(Notice).where(Notice.title == "<b>停电通知</b>")).one()
    home = open_app("zhang_nainai", page="pages/home.py")
    assert not home.exception
    body = "\n".join(m.value for m in home.markdown)
    assert "&lt;b&gt;停电通知&lt;/b&gt;" in body and "<b>停电通知" not in body
    tibetan = open_app("tashi", page="pages/home.py")
    assert "གློག་མེད།" in "\n".join(m.value for m in tibetan.markdown)


def test_resident_and_chief_exchange_messages(open_app, app_db):
    at = open_app("zhang_nainai", page="pages/messages.py")
    assert not at.exception
    at.text_area(key="msg_new_body").input("水管漏水了")
    at.button(key="FormSubmitter:msg_new-" + zh("Send")).click().run()
    assert not at.exception, at.exception
    assert zh("Your message was sent.") in texts(at)
    chief = open_app("chief_g1m1", page="pages/messages.py")
    assert not chief.exception
    assert "水管漏水了" in "\n".join(m.value for m in chief.markdown)
    chief.text_area(key="msg_answer_body").input("马上来")
    chief.button(key="FormSubmitter:msg_answer-" + zh("Send")).click().run()
    assert not chief.exception
    with Session(get_engine(app_db)) as s:
        bodies = [m.body for m in s.exec(select(ThreadMessage).order_by(ThreadMessage.id))]
    assert bodies[-2:] == ["水管漏水了", "马上来"]


def test_devices_page_lists_alarms_events_and_devices(open_app):
    """(The upload itself is tested in tests/unit/test_devices.py and the browser is not needed:
    AppTest cannot drive st.file_uploader.)"""
    at = open_app("staff01", page="pages/devices.py")
    assert not at.exception
    shown = "\n".join(df.value.to_csv() for df in at.dataframe)
    assert "SEED-SMOKE-099" in shown and "SEED-METER-001" in shown
    assert zh("Smoke alarm") in shown
