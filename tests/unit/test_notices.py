"""Notices to the community or chosen grids, translations, expiry; messages with the chief."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlmodel import select

from db.models import GridDuty, User
from portal import notices
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from portal.media import LocalMediaStore, check_photo


def _user(session, username) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def _titles(session, index, user, language, now):
    return [
        n.title
        for n in notices.current(
            session, index, grid_id=user.home_grid_id, language=language, now=now
        )
    ]


def test_publish_to_grids_with_translation_and_expiry(demo_session, clock, tmp_path):
    index = GridIndex.load(demo_session)
    staff, elder, tashi = (_user(demo_session, n) for n in ("staff01", "zhang_nainai", "tashi"))
    general = next(
        g for g in index.ancestors(index.grids[elder.home_grid_id]) if g.kind == "general"
    )
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "PNG")
    notices.publish(
        demo_session,
        index,
        actor_id=staff.id,
        kind="activity",
        title="周六义诊",
        body="社区卫生站周六上午义诊。",
        grid_ids=[general.id],
        expires_at=clock() + timedelta(days=3),
        photo=check_photo(buf.getvalue()),
        image_alt="义诊海报",
        store=LocalMediaStore(tmp_path),
        translations={"bo": ("གཟའ་སྤེན་པ།", "སྨན་བཅོས།"), "en": ("", "")},
        now=clock(),
    )
    assert "周六义诊" in _titles(demo_session, index, elder, "zh_Hans", clock())
    if tashi.home_grid_id in [
        g.id for g in index.grids.values() if general.id in [a.id for a in index.ancestors(g)]
    ]:
        assert "གཟའ་སྤེན་པ།" in _titles(demo_session, index, tashi, "bo", clock())
    shown = notices.current(
        demo_session, index, grid_id=elder.home_grid_id, language="bo", now=clock()
    )
    mine = next(n for n in shown if n.id is not None and n.title == "གཟའ་སྤེན་པ།")
    assert mine.language == "bo" and mine.image_path and mine.image_alt == "义诊海报"
    other = next(
        g for g in index.of_kind("micro") if general.id not in [a.id for a in index.ancestors(g)]
    )
    assert "周六义诊" not in [
        n.title
        for n in notices.current(
            demo_session, index, grid_id=other.id, language="zh_Hans", now=clock()
        )
    ]
    assert "周六义诊" not in _titles(
        demo_session, index, elder, "zh_Hans", clock() + timedelta(days=4)
    )


def test_publish_refusals(demo_session, clock):
    index = GridIndex.load(demo_session)
    staff, elder = _user(demo_session, "staff01"), _user(demo_session, "zhang_nainai")
    with pytest.raises(UserError):
        notices.publish(demo_session, index, actor_id=elder.id, kind="public", title="t", body="b")
    with pytest.raises(FieldErrors) as caught:
        notices.publish(
            demo_session,
            index,
            actor_id=staff.id,
            kind="x",
            title="",
            body="",
            expires_at=clock() - timedelta(days=1),
            translations={"ug": ("t", "")},
            now=clock(),
        )
    assert set(caught.value.errors) == {"kind", "title", "body", "expires", "tr_ug"}


def test_withdraw_once(demo_session, clock):
    index = GridIndex.load(demo_session)
    staff, elder = _user(demo_session, "staff01"), _user(demo_session, "zhang_nainai")
    notice = notices.publish(
        demo_session,
        index,
        actor_id=staff.id,
        kind="policy",
        title="停水通知",
        body="明天停水。",
        now=clock(),
    )
    notices.withdraw(demo_session, notice_id=notice.id, actor_id=staff.id, now=clock())
    assert "停水通知" not in _titles(demo_session, index, elder, "zh_Hans", clock())
    with pytest.raises(UserError):
        notices.withdraw(demo_session, notice_id=notice.id, actor_id=staff.id, now=clock())


def test_resident_writes_chief_answers_thread_kept(demo_session, clock):
    elder = _user(demo_session, "li_ayi")  # (zhang_nainai's thread is in the demo already)
    chief_id = demo_session.exec(
        select(GridDuty.user_id).where(
            GridDuty.grid_id == elder.home_grid_id, GridDuty.duty == "micro_chief"
        )
    ).first()
    chief = demo_session.get(User, chief_id)
    first = notices.send_to_chief(
        demo_session, resident_id=elder.id, body="楼道灯坏了", now=clock()
    )
    waiting = notices.threads_for_chief(demo_session, chief)
    assert [s.thread.id for s in waiting] == [first.thread_id] and waiting[0].waiting
    clock.advance(minutes=30)
    notices.answer(
        demo_session, thread_id=first.thread_id, author_id=chief.id, body="明天来修", now=clock()
    )
    notices.send_to_chief(
        demo_session, resident_id=elder.id, body="谢谢", now=clock() + timedelta(minutes=1)
    )
    assert [body.body for body, _name in notices.messages(demo_session, first.thread_id)] == [
        "楼道灯坏了",
        "明天来修",
        "谢谢",
    ]
    other_chief = demo_session.exec(
        select(User)
        .join(GridDuty, GridDuty.user_id == User.id)
        .where(
            GridDuty.duty == "micro_chief",
            GridDuty.grid_id.notin_(
                [elder.home_grid_id, _user(demo_session, "zhang_nainai").home_grid_id]
            ),
        )
    ).first()
    with pytest.raises(UserError):
        notices.answer(demo_session, thread_id=first.thread_id, author_id=other_chief.id, body="x")
    assert notices.threads_for_chief(demo_session, other_chief) == []
    with pytest.raises(FieldErrors):
        notices.send_to_chief(demo_session, resident_id=elder.id, body="  ")
