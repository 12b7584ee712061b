"""The work queue and the reports map in a deployment of two communities (tests/communities_world.py):
staff of CA see none of CB's reports; the street's staff see both, told apart by community."""

from __future__ import annotations

import pytest
import streamlit as st
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from db.engine import dispose_engines, get_engine
from portal import reports
from portal.grids import GridIndex
from portal.i18n import translate
from portal.media import LocalMediaStore
from tests.app.conftest import texts
from tests.communities_world import build
from tests.conftest import ROOT, _sqlite_copy


@pytest.fixture
def world_app(tmp_path, sqlite_templates, monkeypatch):
    url = _sqlite_copy(sqlite_templates["empty"], tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("MEDIA_DIR", str(tmp_path / "media"))
    st.cache_resource.clear()
    st.cache_data.clear()
    with Session(get_engine(url)) as s:
        world = build(s)
        people = {name: u.id for name, u in world.users.items()}
        index, store = GridIndex.load(s), LocalMediaStore(tmp_path / "media")
        category = reports.categories(s, False)[0].id
        filed = {}
        for code in ("CA", "CB"):
            lat, lon = world.centre(f"{code}-G1-M1")
            filed[code] = reports.submit(
                s,
                index,
                store,
                reporter_id=people[f"resident_{code.lower()}"],
                category_id=category,
                description=f"{code} 的问题",
                lat=lat,
                lon=lon,
            ).id

    def open_as(username: str, page: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["user_id"] = people[username]
        at.run()
        at.switch_page(page).run()
        assert not at.exception
        return at

    yield open_as, filed
    st.cache_resource.clear()
    dispose_engines()


def _cards(at) -> list[int]:
    return sorted(int(b.key[5:]) for b in at.button if b.key and b.key.startswith("open_"))


def test_work_queue_of_community_staff_holds_only_their_community(world_app):
    open_as, filed = world_app
    at = open_as("staff_ca", "pages/work_queue.py")
    assert _cards(at) == [filed["CA"]]
    assert "CB 的问题" not in texts(at)
    assert "CB" not in [o for box in at.selectbox for o in box.options if o]
    at.session_state["wq_open"] = filed["CB"]  # as a link to CB's report: it opens nothing
    at.run()
    assert "CB 的问题" not in texts(at)
    assert _cards(at) == [filed["CA"]]

    street = open_as("street_staff", "pages/work_queue.py")
    assert _cards(street) == sorted(filed.values())
    shown = texts(street).replace("\\", "")  # markdown escapes
    assert "CA · CA-G1-M1" in shown and "CB · CB-G1-M1" in shown
    grid_box = street.selectbox(key="wq_grid")
    assert any(o.startswith("CB") for o in grid_box.options)


def test_reports_map_of_community_staff_shows_only_their_community(world_app):
    open_as, filed = world_app
    at = open_as("staff_ca", "pages/report_map.py")
    one = translate("zh_Hans", "{n} reports shown, {k} overdue.", n=1, k=0)
    assert one in texts(at)
    assert not [b for b in at.selectbox if b.key == "rm_community"]  # one community: no choice
    at.session_state["rm_open"] = filed["CB"]
    at.run()
    assert "CB 的问题" not in texts(at)
    assert translate("zh_Hans", "There is no report with this number that you can open.") in texts(
        at
    )

    street = open_as("street_staff", "pages/report_map.py")
    two = translate("zh_Hans", "{n} reports shown, {k} overdue.", n=2, k=0)
    assert two in texts(street)
    box = street.selectbox(key="rm_community")
    box.select_index(box.options.index("CB")).run()
    assert one in texts(street)
