"""A database outage while posting a wish: one clear message in the user's language, nothing
saved, no Streamlit error, and the typed wish is still there to send again."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_wishes import Wish
from portal.i18n import translate
from portal.ui import data
from portal.ui.outage import OUTAGE
from tests.e2e.server import free_port

TITLE, BODY = "楼下装个长椅", "老人走累了可以坐一坐，放在三栋门口的树下。"


def test_outage_while_posting_a_wish_keeps_the_typed_wish(open_app, app_db, monkeypatch):
    at = open_app("zhang_nainai", page="pages/wish_post.py")
    assert not at.exception, at.exception
    at.text_input(key="wish_title").input(TITLE)
    at.text_area(key="wish_body").input(BODY)
    real = data.get_engine
    down = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    monkeypatch.setattr(data, "get_engine", lambda url=None: down)
    submit = next(b for b in at.button if b.proto.is_form_submitter)
    submit.click().run()
    assert not at.exception, at.exception
    assert translate("zh_Hans", OUTAGE) in [e.value for e in at.error]
    monkeypatch.setattr(data, "get_engine", real)
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="wish_title").value == TITLE
    assert at.text_area(key="wish_body").value == BODY
    with Session(get_engine(app_db)) as s:
        assert s.exec(select(Wish).where(Wish.title == TITLE)).first() is None  # nothing saved
