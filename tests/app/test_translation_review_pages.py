"""The translation review page: staff appoint reviewers; reviewers correct; others are refused."""

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_reviews import TranslationCorrection, TranslationReviewer
from portal import i18n
from portal import translation_reviews as tr
from portal.i18n import translate

PAGE = "pages/translation_review.py"
REFUSED = "This page is not available for your role."


@pytest.fixture(autouse=True)
def clean_overrides():
    yield
    i18n.set_reviewed({})
    tr._loaded["version"] = None


def _rows(url, model):
    with Session(get_engine(url)) as session:
        return session.exec(select(model)).all()


@pytest.mark.parametrize("username", ["zhang_nainai", "axi", "chief_g1m1", "handler_street"])
def test_people_who_are_not_reviewers_are_refused(open_app, username):
    at = open_app(username, page=PAGE)
    assert not at.exception
    assert translate(at.session_state.get("lang_picker") or "zh_Hans", REFUSED) in [
        e.value for e in at.error
    ]
    assert not at.get("text_area")


def test_staff_appoint_and_the_reviewer_corrects(open_app, app_db):
    staff = open_app("staff01", page=PAGE)
    assert not staff.exception
    assert staff.title[0].value == translate("zh_Hans", "Translation review")
    staff.text_input(key="tr_person").set_value("nobodyhere").run()
    staff.button(key="tr_appoint").click().run()
    assert translate(
        "zh_Hans", "No account has the username {username}.", username="nobodyhere"
    ) in [e.value for e in staff.error]
    staff.text_input(key="tr_person").set_value("axi").run()
    staff.selectbox(key="tr_appoint_language").set_value("ii").run()
    staff.button(key="tr_appoint").click().run()
    assert [(r.language, r.ended_at) for r in _rows(app_db, TranslationReviewer)] == [("ii", None)]

    axi = open_app("axi", page=PAGE)  # a resident, appointed for Yi
    assert not axi.exception and not axi.error
    assert axi.radio(key="tr_language").options == [i18n.language("ii").native_name]
    axi.text_input(key="tr_query").set_value("Hello, {name}").run()
    axi.selectbox(key="tr_message").set_value("Hello, {name}").run()
    (box,) = axi.text_area
    box.set_value("ꀉꂿ {nam}").run()
    axi.button(key="tr_save").click().run()
    assert axi.error and axi.text_area[0].value == "ꀉꂿ {nam}"  # refused, what was typed kept
    assert _rows(app_db, TranslationCorrection) == []
    axi.text_area[0].set_value("{name}, ꀉꂿ").run()
    axi.button(key="tr_save").click().run()
    assert not axi.exception and not axi.error
    (row,) = _rows(app_db, TranslationCorrection)
    assert (row.language, row.msgid, row.text) == ("ii", "Hello, {name}", "{name}, ꀉꂿ")
    assert translate("ii", "Hello, {name}", name="阿西") == "阿西, ꀉꂿ"  # in use at once
    home = open_app("axi", page="pages/home.py")
    assert home.title[0].value == "阿西, ꀉꂿ"
