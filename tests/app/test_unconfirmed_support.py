"""An unconfirmed (self-registered) resident is told, in their language, on the wish page and at
the moment they support, that their support does not count toward the threshold yet and how to
get confirmed; a confirmed resident is not. Before, the page said "Thank you for your support."
and nothing else, while the support silently did not count."""

from __future__ import annotations

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_wishes import Wish
from portal import auth
from portal.i18n import translate
from portal.ui.verification_widgets import NOT_COUNTED_YET
from tests.app.conftest import texts, user_id


def _unconfirm(url: str, username: str) -> None:
    with Session(get_engine(url)) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        user.verification = "unverified"
        s.add(user)
        s.commit()


def _open_wish_of_someone_else(url: str, uid: int) -> int:
    with Session(get_engine(url)) as s:
        return s.exec(
            select(Wish.id).where(Wish.state == "open", Wish.author_id != uid).order_by(Wish.id)
        ).first()


def _wish_page(open_app, app_db, username: str):
    wish_id = _open_wish_of_someone_else(app_db, user_id(app_db, username))
    at = open_app(username)
    at.query_params["id"] = str(wish_id)
    at.switch_page("pages/wish_detail.py").run()
    assert not at.exception, at.exception
    return at


def test_an_unconfirmed_resident_is_told_their_support_does_not_count(open_app, app_db):
    _unconfirm(app_db, "aygul")
    with Session(get_engine(app_db)) as s:
        language = s.exec(select(User.language).where(User.username == "aygul")).one()
    said = translate(language, NOT_COUNTED_YET)
    at = _wish_page(open_app, app_db, "aygul")
    assert said in " ".join(i.value for i in at.info)  # on the page, before acting
    my_grid = translate(language, auth.PAGE_BY_KEY["my_grid"].title)
    assert any(my_grid in str(link.proto) for link in at.get("page_link"))
    at.button(key="wish_vote").click().run()
    assert not at.exception, at.exception
    assert said in texts(at)  # at the moment they act, with the thanks
    assert translate(language, "Thank you for your support.") in texts(at)


def test_a_confirmed_resident_is_not(open_app, app_db):
    at = _wish_page(open_app, app_db, "aygul")
    assert not [i for i in at.info if "badge" in str(i.proto)]
    at.button(key="wish_vote").click().run()
    with Session(get_engine(app_db)) as s:
        language = s.exec(select(User.language).where(User.username == "aygul")).one()
    assert translate(language, NOT_COUNTED_YET) not in texts(at)
