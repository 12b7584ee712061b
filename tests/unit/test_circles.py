"""Topic circles (话题圈) on SQLite and PostgreSQL, in the two-community world
(tests/communities_world.py): who joins, posts and moderates; hidden posts seen by their author
with the reason and by moderators only; a post turned into a wish or a report keeps the link, and
two clicks (or two tabs at once) make one wish."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import User
from db.models_notifications import Notification
from db.models_reports import Report, ReportCategory
from db.models_wishes import Wish
from portal import circles
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from portal.media import store_for
from portal.media_access import allowed_file
from tests.communities_world import build
from tests.factories import parallel


@pytest.fixture
def world(session):
    return build(session)


def _id(world, name: str) -> int:
    return world.users[name].id


def _refused(call, *args, **kwargs) -> str:
    with pytest.raises(UserError) as caught:
        call(*args, **kwargs)
    return caught.value.message.msgid


def _circles(session, world):
    """CA's chess circle (interest) and CA-G1-M1's courtyard circle; CB's dance circle."""
    chess = circles.create_circle(session, actor_id=_id(world, "staff_ca"), name="象棋")
    yard = circles.create_circle(
        session,
        actor_id=_id(world, "chief_ca"),
        name="一号院",
        kind="courtyard",
        courtyard_grid_id=world.grids["CA-G1-M1"].id,
    )
    dance = circles.create_circle(session, actor_id=_id(world, "staff_cb"), name="广场舞")
    return chess, yard, dance


def test_members_post_moderators_hide_the_author_sees_why(session, world):
    chess, yard, dance = _circles(session, world)
    res, mer, chief = _id(world, "resident_ca"), _id(world, "merchant_ca"), _id(world, "chief_ca")
    assert chess.grid_id == yard.grid_id == world.grids["CA"].id
    # not a member yet: refused; staff of CB cannot start a circle in CA's courtyard
    assert "Join the circle" in _refused(
        circles.post, session, circle_id=chess.id, author_id=res, body="下午下棋"
    )
    _refused(
        circles.create_circle,
        session,
        actor_id=_id(world, "staff_cb"),
        name="x",
        kind="courtyard",
        courtyard_grid_id=world.grids["CA-G1-M1"].id,
    )
    circles.join(session, circle_id=chess.id, user_id=res)
    circles.join(session, circle_id=chess.id, user_id=res)  # twice: still one member
    circles.join(session, circle_id=yard.id, user_id=res)  # lives in CA-G1-M1
    # the merchant's home is CA-X1, not the courtyard; a grid worker does not join
    assert "courtyard" in _refused(circles.join, session, circle_id=yard.id, user_id=mer)
    _refused(circles.join, session, circle_id=chess.id, user_id=chief)
    # CB's dance circle is another community's for CA's resident
    assert "another community" in _refused(circles.join, session, circle_id=dance.id, user_id=res)
    with pytest.raises(FieldErrors):
        circles.post(session, circle_id=chess.id, author_id=res, body="x" * 501)
    first = circles.post(session, circle_id=chess.id, author_id=res, body="周六下午下棋，谁来？")
    circles.join(session, circle_id=chess.id, user_id=mer)
    circles.reply(session, post_id=first.id, author_id=mer, body="我来！")
    cards = {c.name: c for c in circles.circles_for(session, res)}
    assert set(cards) == {"象棋", "一号院"} and cards["象棋"].members == 2
    assert {c.name for c in circles.circles_for(session, _id(world, "resident_cb"))} == {"广场舞"}

    # hide: staff of CB can do nothing; CA's chief needs a reason
    assert "another community" in _refused(
        circles.hide,
        session,
        kind="post",
        item_id=first.id,
        moderator_id=_id(world, "staff_cb"),
        reason="x",
    )
    _refused(
        circles.feed, session, circle_id=chess.id, viewer_id=_id(world, "staff_cb")
    )  # nor read it
    with pytest.raises(FieldErrors):
        circles.hide(session, kind="post", item_id=first.id, moderator_id=chief, reason=" ")
    circles.hide(session, kind="post", item_id=first.id, moderator_id=chief, reason="广告")
    told = session.exec(select(Notification).where(Notification.event == "circle_hidden")).one()
    assert (told.recipient_id, json.loads(told.params)["reason"]) == (res, "广告")
    own = circles.feed(session, circle_id=chess.id, viewer_id=res).posts
    assert [(p.id, p.hidden_reason) for p in own] == [(first.id, "广告")]
    assert not own[0].can_turn
    assert circles.feed(session, circle_id=chess.id, viewer_id=mer).posts == ()
    assert circles.feed(session, circle_id=chess.id, viewer_id=chief).posts[0].hidden_reason
    _refused(circles.reply, session, post_id=first.id, author_id=mer, body="?")
    circles.unhide(session, kind="post", item_id=first.id, moderator_id=chief)
    shown = circles.feed(session, circle_id=chess.id, viewer_id=mer).posts
    assert shown[0].hidden_reason is None and [r.body for r in shown[0].replies] == ["我来！"]
    # a reply hidden: its author sees it with the reason, the post's author does not
    reply_id = shown[0].replies[0].id
    circles.hide(session, kind="reply", item_id=reply_id, moderator_id=chief, reason="离题")
    assert circles.feed(session, circle_id=chess.id, viewer_id=res).posts[0].replies == ()
    mine = circles.feed(session, circle_id=chess.id, viewer_id=mer).posts[0].replies
    assert [r.hidden_reason for r in mine] == ["离题"]
    circles.leave(session, circle_id=chess.id, user_id=mer)
    assert "Join the circle" in _refused(
        circles.post, session, circle_id=chess.id, author_id=mer, body="再见"
    )


def test_turn_into_a_wish_once_and_into_a_report_with_the_link(session, world, tmp_path):
    index = GridIndex.load(session)  # (detaches what the session holds: load it first)
    chess, _yard, _dance = _circles(session, world)
    res, mer = _id(world, "resident_ca"), _id(world, "merchant_ca")
    for who in (res, mer):
        circles.join(session, circle_id=chess.id, user_id=who)
    item = circles.post(session, circle_id=chess.id, author_id=res, body="活动室想添两副象棋")
    # another member is not the author; CB's staff is outside
    assert "author or a grid worker" in _refused(
        circles.turn_into_wish, session, post_id=item.id, actor_id=mer, category="culture"
    )
    _refused(
        circles.turn_into_wish,
        session,
        post_id=item.id,
        actor_id=_id(world, "staff_cb"),
        category="culture",
    )
    with pytest.raises(FieldErrors):  # the wish service's own check; the claim is given back
        circles.turn_into_wish(session, post_id=item.id, actor_id=res, category="nonsense")
    wish_id = circles.turn_into_wish(session, post_id=item.id, actor_id=res, category="culture")
    wish = session.get(Wish, wish_id)
    assert wish.body == "活动室想添两副象棋" and wish.author_id == res
    assert circles.source_of(session, "wish", wish_id).id == item.id
    view = circles.feed(session, circle_id=chess.id, viewer_id=mer).posts[0]
    assert (view.turned_kind, view.turned_id, view.can_turn) == ("wish", wish_id, False)
    assert "already been turned" in _refused(
        circles.turn_into_wish, session, post_id=item.id, actor_id=res, category="culture"
    )
    _refused(
        circles.turn_into_report,
        session,
        index,
        store_for(tmp_path),
        post_id=item.id,
        actor_id=_id(world, "chief_ca"),
        category_id=None,
    )
    assert session.exec(select(func.count()).select_from(Wish)).one() == 1

    lamp = circles.post(session, circle_id=chess.id, author_id=mer, body="棋牌室的灯坏了")
    category = session.exec(select(ReportCategory)).first()
    report_id = circles.turn_into_report(
        session,
        index,
        store_for(tmp_path),
        post_id=lamp.id,
        actor_id=_id(world, "chief_ca"),  # a grid worker for the author
        category_id=category.id,
    )
    report = session.get(Report, report_id)
    assert report.description == "棋牌室的灯坏了"
    assert circles.source_of(session, "report", report_id).id == lamp.id


def test_a_post_s_photo_is_for_those_who_may_see_the_post(session, world, tmp_path):
    chess, _yard, _dance = _circles(session, world)
    res, mer, chief = _id(world, "resident_ca"), _id(world, "merchant_ca"), _id(world, "chief_ca")
    for who in (res, mer):
        circles.join(session, circle_id=chess.id, user_id=who)
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 120, 60)).save(out, "JPEG")
    with pytest.raises(FieldErrors) as bad:
        circles.post(
            session, circle_id=chess.id, author_id=res, body="x", photo=b"no", media_root=tmp_path
        )
    assert set(bad.value.errors) == {"photo"}
    item = circles.post(
        session,
        circle_id=chess.id,
        author_id=res,
        body="新棋盘到了",
        photo=out.getvalue(),
        media_root=tmp_path,
    )
    index = GridIndex.load(session)
    users = {
        n: session.get(User, _id(world, n)) for n in ("resident_ca", "merchant_ca", "chief_ca")
    }
    users["staff_cb"] = session.get(User, _id(world, "staff_cb"))

    def opens(name):
        return allowed_file(session, index, users[name], "circle", item.id) is not None

    assert [opens(n) for n in ("resident_ca", "merchant_ca", "chief_ca", "staff_cb")] == [
        True,
        True,
        True,
        False,
    ]
    circles.hide(session, kind="post", item_id=item.id, moderator_id=chief, reason="重复")
    assert [opens(n) for n in ("resident_ca", "merchant_ca", "chief_ca")] == [True, False, True]
    assert store_for(tmp_path).get(
        circles.feed(session, circle_id=chess.id, viewer_id=res).posts[0].photo_path
    )


def test_two_tabs_turning_one_post_make_one_wish(session, db_url, world):
    chess, _yard, _dance = _circles(session, world)
    res = _id(world, "resident_ca")
    circles.join(session, circle_id=chess.id, user_id=res)
    item_id = circles.post(session, circle_id=chess.id, author_id=res, body="院坝装个乒乓球台").id

    def turn(_i):
        with Session(get_engine(db_url)) as own:
            return circles.turn_into_wish(own, post_id=item_id, actor_id=res, category="facility")

    results = parallel(2, turn)
    made = [r for r in results if isinstance(r, int)]
    assert len(made) == 1, results
    assert all(isinstance(r, UserError) for r in results if not isinstance(r, int))
    with Session(get_engine(db_url)) as fresh:
        assert fresh.exec(select(func.count()).select_from(Wish)).one() == 1
        assert circles.source_of(fresh, "wish", made[0]).id == item_id
