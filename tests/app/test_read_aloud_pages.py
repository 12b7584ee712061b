"""The page's Read aloud reads the page's main content in reading order, not only its title."""

import pytest
from sqlmodel import Session

from db.engine import get_engine
from db.models import User
from portal import auth, notices
from portal.grids import GridIndex
from portal.i18n import translate
from portal.ui.speech_widgets import APPROXIMATE, READ_LAST
from tests.app.conftest import user_id


def _read(at) -> str:
    return at.session_state[READ_LAST]


def test_home_reads_greeting_notices_and_tiles_in_order(open_app, app_db):
    at = open_app("zhang_nainai")  # through the router, which lands on home
    assert not at.exception
    said = _read(at)
    # 张奶奶 holds no council seat: no ballot tile (it would lead nowhere), so none is read.
    # Snap a report comes first, before the notices (a phone's first screen), not as a tile.
    tiles = [
        p
        for p in auth.pages_for("resident")
        if p.tile and p.key not in ("council_vote", "report_new")
    ]
    assert translate("zh_Hans", "Home") in said
    assert "张奶奶" in said
    notices_at = said.index(translate("zh_Hans", "Notices"))
    with Session(get_engine(app_db)) as session:
        user = session.get(User, user_id(app_db, "zhang_nainai"))
        shown = notices.current(
            session, GridIndex.load(session), grid_id=user.home_grid_id, language="zh_Hans", limit=5
        )
    assert shown and all(said.index(n.title) > notices_at for n in shown)  # every notice shown
    assert said.index(translate("zh_Hans", "Snap a report")) < notices_at
    places = [said.index(translate("zh_Hans", p.title)) for p in tiles]
    assert places == sorted(places) and places[0] > notices_at  # tiles in order, after notices
    assert all(translate("zh_Hans", p.hint) in said for p in tiles)


def test_pressing_read_aloud_plays_the_content_in_yi(open_app):
    at = open_app("axi", page="pages/home.py")  # reads the portal in Yi
    at.button(key="read_page_home").click().run()
    assert not at.exception
    said = _read(at)
    tiles = [p for p in auth.pages_for("resident") if p.tile]
    assert all(translate("ii", p.title) in said for p in tiles)
    assert at.get("audio")  # the rule-based voice reads it (no clips, no engine speaks Yi)
    assert translate("ii", APPROXIMATE) in [c.value for c in at.caption]  # labelled as such


@pytest.mark.parametrize(
    "username, page, expected",
    [
        ("staff01", "pages/staff_home.py", "General grids"),
        ("zhang_nainai", "pages/my_reports.py", "My reports"),
        ("zhang_nainai", "pages/wish_wall.py", "Wish wall"),
        ("zhang_nainai", "pages/public_reports.py", None),
        ("zhang_nainai", "pages/points.py", None),
        ("zhang_nainai", "pages/council.py", None),
    ],
)
def test_pages_read_more_than_their_title(open_app, username, page, expected):
    key = page.removeprefix("pages/").removesuffix(".py")
    at = open_app(username, page=page)
    at.button(key=f"read_page_{key}").click().run()  # reads what the page showed
    assert not at.exception
    spec = auth.PAGE_BY_KEY[key]
    said = _read(at)
    purpose = [translate("zh_Hans", m) for m in (spec.title, spec.hint) if m]
    assert said.startswith(purpose[0])
    assert len(said) > len("。".join(purpose)) + 4, said  # the content, not only the purpose
    if expected:
        assert translate("zh_Hans", expected) in said
