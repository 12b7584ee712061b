"""The inbox page for every role, the unread count in the shell, and the account's settings."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_notifications import Notification, NotificationDelivery, NotificationSetting
from portal import notifications
from portal.i18n import translate
from tests.app.conftest import ROLE_USERS, texts, user_id


def _shown(at) -> str:
    """Visible text plus the labels of page links (the unread count is one)."""
    return texts(at) + "\n".join(e.proto.label for e in at.get("page_link"))


def _tell(url, username, n=2):
    with Session(get_engine(url)) as s:
        uid = user_id(url, username)
        notifications.mark_read(s, uid)
        for k in range(n):
            notifications.notify(s, [uid], "chief_message", {"title": f"通知{k}"}, "home")
        s.commit()
        return uid


@pytest.mark.parametrize("role", list(ROLE_USERS))
def test_every_role_sees_its_inbox_and_the_count_and_marks_read(open_app, app_db, role):
    username = ROLE_USERS[role]
    uid = _tell(app_db, username)
    at = open_app(username, page="pages/inbox.py")
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        language = s.get(User, uid).language
    shown = _shown(at)
    assert translate(language, "You have {n} unread notifications", n=2) in shown
    assert "通知1" in shown and "通知0" in shown
    at.button(key="read_all").click().run()
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        assert notifications.unread_count(s, uid) == 0
    assert translate(language, "You have {n} unread notifications", n=2) not in _shown(at)
    staff_only = translate(language, "Messages that could not be delivered")
    assert (staff_only in texts(at)) == (role in ("staff", "admin"))


def test_one_notice_marked_read_and_texts_in_the_viewers_language(open_app, app_db):
    uid = _tell(app_db, "aygul", n=1)
    at = open_app("aygul", page="pages/inbox.py")
    assert translate("ug", "A message from your grid chief") in texts(at)
    with Session(get_engine(app_db)) as s:
        notice = s.exec(
            select(Notification)
            .where(Notification.recipient_id == uid)
            .order_by(Notification.id.desc())
        ).first()
    at.button(key=f"read_{notice.id}").click().run()
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        assert s.get(Notification, notice.id).read_at is not None


def test_elder_mode_count_is_large_and_can_be_read_aloud(open_app, app_db):
    _tell(app_db, "tashi", n=3)
    with Session(get_engine(app_db)) as s:
        tashi = s.get(User, user_id(app_db, "tashi"))
        tashi.elder_mode = True
        s.add(tashi)
        s.commit()
    at = open_app("tashi", page="pages/home.py")
    assert not at.exception
    assert translate("bo", "You have {n} unread notifications", n=3) in _shown(at)
    assert at.button(key="unread_read")  # the read-aloud button next to the count


def test_account_settings_keep_bad_input_and_email_is_in_app_until_confirmed(open_app, app_db):
    at = open_app("zhang_nainai", page="pages/account.py")
    at.text_input(key="nf_email").set_value("zhang-at-example")
    at.checkbox(key="nf_use_email").check()
    submit = [b for b in at.button if b.key and b.key.startswith("FormSubmitter:notify_form")]
    submit[0].click().run()
    assert not at.exception
    assert translate("zh_Hans", "Please enter an email address like name@example.com.") in texts(at)
    assert at.text_input(key="nf_email").value == "zhang-at-example"
    at.text_input(key="nf_email").set_value("zhang@example.com")
    [b for b in at.button if b.key and b.key.startswith("FormSubmitter:notify_form")][
        0
    ].click().run()
    assert translate("zh_Hans", "Email is not set up on this portal yet.") in texts(at)
    uid = user_id(app_db, "zhang_nainai")
    with Session(get_engine(app_db)) as s:
        setting = s.get(NotificationSetting, uid)
        assert setting.email == "zhang@example.com" and setting.email_confirmed_at is None
        notifications.notify(s, [uid], "chief_message", {"title": "x"})
        s.commit()
        assert s.exec(select(NotificationDelivery)).all() == []
