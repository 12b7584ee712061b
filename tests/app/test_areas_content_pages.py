"""The wish wall, the home page's notices and the points page's rewards show a resident of CA
none of CB's things, and the street's notice and reward (AppTest on tests/communities_world.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from db.engine import dispose_engines, get_engine
from db.types import utcnow
from portal import notices, points, wishes
from portal.grids import GridIndex
from tests.app.conftest import texts
from tests.communities_world import build
from tests.conftest import ROOT, _sqlite_copy


@pytest.fixture
def world_app(sqlite_templates, tmp_path, monkeypatch):
    url = _sqlite_copy(sqlite_templates["empty"], tmp_path)
    now = utcnow() - timedelta(minutes=5)
    with Session(get_engine(url), expire_on_commit=False) as s:
        world = build(s)
        index = GridIndex.load(s)
        ids = {name: u.id for name, u in world.users.items()}
        for who, title in (
            ("staff_ca", "CA社区公示"),
            ("staff_cb", "CB社区公示"),
            ("street_staff", "街道通知"),
        ):
            notices.publish(
                s, index, actor_id=ids[who], kind="public", title=title, body="正文", now=now
            )
            points.save_reward(
                s,
                actor_id=ids[who],
                name=title.replace("公示", "奖品").replace("通知", "奖品"),
                cost=5,
                stock=3,
                now=now,
            )
        for who, title in (("resident_ca", "CA的心愿"), ("resident_cb", "CB的心愿")):
            wishes.post_wish(
                s,
                author_id=ids[who],
                title=title,
                body="想要一张长椅",
                category="facility",
                now=now,
            )
    monkeypatch.setenv("DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()

    def _open(username: str, page: str) -> str:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["user_id"] = ids[username]
        at.run()
        at.switch_page(page).run()
        assert not at.exception, at.exception
        html = [e.proto.body for e in at.get("html")]  # the wish cards (portal.ui.wish_widgets)
        tables = [e.value.to_string() for e in at.dataframe]  # the catalogue
        return "\n".join([texts(at), *html, *tables])

    yield _open
    st.cache_resource.clear()
    dispose_engines()


def test_resident_of_ca_sees_only_ca_and_the_street(world_app):
    home = world_app("resident_ca", "pages/home.py")
    assert "CA社区公示" in home and "街道通知" in home
    assert "CB社区公示" not in home
    wall = world_app("resident_ca", "pages/wish_wall.py")
    assert "CA的心愿" in wall and "CB的心愿" not in wall
    shop = world_app("resident_ca", "pages/points.py")
    assert "CA社区奖品" in shop and "街道奖品" in shop
    assert "CB社区奖品" not in shop


def test_staff_of_ca_manage_only_ca(world_app):
    managed = world_app("staff_ca", "pages/notices_manage.py")
    assert "CA社区公示" in managed
    assert "CB社区公示" not in managed and "街道通知" not in managed
    rewards = world_app("staff_ca", "pages/rewards_manage.py")
    assert "CA社区奖品" in rewards and "CB社区奖品" not in rewards
    wall = world_app("staff_ca", "pages/wish_wall.py")
    assert "CA的心愿" in wall and "CB的心愿" not in wall
    street = world_app("street_staff", "pages/notices_manage.py")
    assert "CA社区公示" in street and "CB社区公示" in street
