"""The topic circles page as each role uses it (AppTest, seeded demo: portal/demo/seed_circles.py)."""

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_circles import Circle, CirclePost
from db.models_wishes import Wish
from portal.i18n import translate
from tests.app.conftest import ROLE_USERS, texts

PAGE = "pages/circles.py"


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _html(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def _circle(url: str, name: str) -> int:
    with Session(get_engine(url)) as s:
        return s.exec(select(Circle.id).where(Circle.name == name)).one()


def _post(url: str, body: str) -> CirclePost:
    with Session(get_engine(url)) as s:
        return s.exec(select(CirclePost).where(CirclePost.body == body)).one()


def _opened(open_app, url, username, name):
    at = open_app(username, page=PAGE)
    at.button(key=f"circle_open_{_circle(url, name)}").click().run()
    assert not at.exception
    return at


CIRCLES = {"象棋角", "广场舞", "第一网格邻里圈"}
# role → may start a circle, may join the courtyard circle (张奶奶 is in it already; the
# merchant's shop lies in that general grid; workers moderate, they do not join)
LISTS = [
    ("resident", False, False),
    ("merchant", False, True),
    ("grid_worker", True, False),
    ("staff", True, False),
]


@pytest.mark.parametrize(("role", "starts", "joins"), LISTS)
def test_the_list_of_my_community_s_circles(open_app, app_db, role, starts, joins):
    at = open_app(ROLE_USERS[role], page=PAGE)
    assert not at.exception
    assert {s.value for s in at.subheader} >= CIRCLES
    assert bool([e for e in at.expander if e.label == zh("Start a circle")]) is starts
    yard = _circle(app_db, "第一网格邻里圈")
    assert bool([b for b in at.button if b.key == f"circle_join_{yard}"]) is joins


def test_a_member_posts_replies_and_turns_her_post_into_a_wish(open_app, app_db):
    at = _opened(open_app, app_db, "zhang_nainai", "象棋角")
    assert "周六下午三点活动室下棋" in _html(at)
    first = _post(app_db, "周六下午三点活动室下棋，新手也欢迎！")
    at.text_input(key=f"circle_reply_text_{first.id}").input("我也去")
    at.button(key=f"FormSubmitter:circle_reply_{first.id}-" + zh("Reply")).click().run()
    assert zh("Your reply is posted.") in texts(at) and "我也去" in _html(at)
    at.text_area(key="circle_post_text").input("x" * 10)
    at.text_area(key="circle_post_text").input("")  # empty: refused under the field, no post
    at.button(key="FormSubmitter:circle_post-" + zh("Post")).click().run()
    assert zh("Please write a few words.") in [e.value for e in at.error]
    at.text_area(key="circle_post_text").input("活动室的棋盘缺了两个子")
    at.button(key="FormSubmitter:circle_post-" + zh("Post")).click().run()
    assert not at.exception
    assert zh("Your post is in the circle.") in texts(at)
    assert at.text_area(key="circle_post_text").value in ("", None)  # emptied after it went
    mine = _post(app_db, "活动室的棋盘缺了两个子")
    at.selectbox(key=f"circle_wish_cat_{mine.id}").set_value("culture")
    at.button(key=f"FormSubmitter:circle_wish_{mine.id}-" + zh("Turn into a wish")).click().run()
    assert not at.exception
    assert zh("The post is now a wish on the wish wall.") in texts(at)
    assert zh("Turned into a wish") in texts(at)
    with Session(get_engine(app_db)) as s:
        wish = s.get(Wish, _post(app_db, mine.body).turned_into_id)
        assert wish.body == mine.body
    at.button(key=f"circle_wish_open_{mine.id}").click().run()
    assert not at.exception and zh("Wish") in [t.value for t in at.title]


def test_a_grid_worker_hides_with_a_reason_the_author_sees(open_app, app_db):
    target = _post(app_db, "晚上七点半广场见，这周学新曲子。")
    worker = _opened(open_app, app_db, ROLE_USERS["grid_worker"], "广场舞")
    submit = f"FormSubmitter:circle_hide_post_{target.id}-" + zh("Hide")
    worker.button(key=submit).click().run()
    assert zh("Please give the reason the author will see.") in [e.value for e in worker.error]
    worker.text_input(key=f"circle_hide_reason_post_{target.id}").input("请勿发广告")
    worker.button(key=submit).click().run()
    assert not worker.exception
    assert zh("It is hidden. The author can see why.") in texts(worker)
    reason = zh("Hidden by a grid worker. Reason: {reason}", reason="请勿发广告")
    assert reason in texts(worker)
    author = _opened(open_app, app_db, "aygul", "广场舞")
    assert translate(
        "ug", "Hidden by a grid worker. Reason: {reason}", reason="请勿发广告"
    ) in texts(author)
    other = _opened(open_app, app_db, "zhang_nainai", "广场舞")
    assert "这周学新曲子" not in _html(other)
    worker.button(key=f"circle_unhide_post_{target.id}").click().run()
    assert zh("It is shown again.") in texts(worker)
