"""Every page each person of community CA can open, walked with AppTest on a deployment of two
communities under one street (tests/communities_world.py), with things of both communities in it:
nothing of CB (its grids, notices, rewards, wishes, tasks, reports) shows on any of them — not in
text, tables, cards, nor in the choices of a select box. The street's staff see both."""

from __future__ import annotations

from datetime import timedelta

import pytest
import streamlit as st
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from db.engine import dispose_engines, get_engine
from db.models_reports import ReportCategory
from db.types import utcnow
from portal import auth, notices, points, reports, wishes
from portal.grids import GridIndex
from portal.media import LocalMediaStore
from tests.app.conftest import texts
from tests.communities_world import World, build
from tests.conftest import ROOT, _sqlite_copy

CA_PEOPLE = ("staff_ca", "chief_ca", "micro_ca", "resident_ca", "merchant_ca")


def _populate(s: Session, world: World, media) -> None:
    """A notice, a reward, a wish, a task and a public report of each community, marked with
    its code."""
    now = utcnow() - timedelta(minutes=5)
    index = GridIndex.load(s)
    ids = {name: u.id for name, u in world.users.items()}
    category = s.exec(select(ReportCategory.id).where(ReportCategory.code != "emergency")).first()
    for c in ("CA", "CB"):
        staff, resident = ids[f"staff_{c.lower()}"], ids[f"resident_{c.lower()}"]
        notices.publish(
            s, index, actor_id=staff, kind="public", title=f"{c}公示", body="正文", now=now
        )
        points.save_reward(s, actor_id=staff, name=f"{c}奖品", cost=5, stock=3, now=now)
        wishes.post_wish(
            s, author_id=resident, title=f"{c}心愿", body="想要长椅", category="facility", now=now
        )
        points.publish_task(
            s,
            actor_id=staff,
            title=f"{c}任务",
            description="打扫楼道",
            points=5,
            places=3,
            grid_ids=[world.grids[c].id],
            starts_at=now,
            ends_at=now + timedelta(days=7),
        )
        lat, lon = world.centre(f"{c}-G1-M1")
        reports.submit(
            s,
            index,
            LocalMediaStore(media),
            reporter_id=resident,
            category_id=category,
            description=f"{c}报告：楼道灯不亮",
            lat=lat,
            lon=lon,
            public_description=True,
            now=now,
        )
    s.commit()


def _everything(at: AppTest) -> str:
    parts = [texts(at)]
    parts += [e.proto.body for e in at.get("html")]
    parts += [e.value.to_string() for e in at.dataframe]
    for kind in ("selectbox", "multiselect", "radio"):
        for widget in getattr(at, kind):
            parts += [str(o) for o in widget.options]
    parts += [e.label for e in at.expander] if hasattr(at, "expander") else []
    return "\n".join(parts)


@pytest.fixture(scope="module")
def walk(tmp_path_factory, sqlite_templates):
    tmp = tmp_path_factory.mktemp("walk")
    url = _sqlite_copy(sqlite_templates["empty"], tmp)
    with Session(get_engine(url), expire_on_commit=False) as s:
        world = build(s)
        _populate(s, world, tmp / "media")
        ids = {name: u.id for name, u in world.users.items()}
        roles = {name: u.role for name, u in world.users.items()}
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", url)
    mp.setenv("LINLI_MEDIA_DIR", str(tmp / "media"))
    st.cache_resource.clear()
    st.cache_data.clear()

    def open_page(username: str, page: str) -> str:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["user_id"] = ids[username]
        at.run()
        at.switch_page(page).run()
        assert not at.exception, (username, page, at.exception)
        return _everything(at)

    yield open_page, roles
    mp.undo()
    st.cache_resource.clear()
    dispose_engines()


@pytest.mark.parametrize("who", CA_PEOPLE)
def test_no_page_shows_anything_of_the_other_community(walk, who):
    open_page, roles = walk
    pages = [p.path for p in auth.pages_for(roles[who])]
    assert len(pages) >= 5
    leaks = {}
    for page in pages:
        shown = open_page(who, page)
        if "CB" in shown:
            at = shown.index("CB")
            leaks[page] = shown[max(0, at - 30) : at + 30].replace("\n", " ")
    assert not leaks, "\n".join(f"{page}: …{seen}…" for page, seen in leaks.items())


def test_the_street_s_staff_see_both_communities(walk):
    open_page, _roles = walk
    for page in (
        "pages/notices_manage.py",
        "pages/tasks_manage.py",
        "pages/cockpit.py",
        "pages/work_queue.py",
    ):
        shown = open_page("street_staff", page)
        assert "CA" in shown and "CB" in shown, page
