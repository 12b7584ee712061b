"""Each community keeps its own notices, wish wall, council, tasks and reward catalogue
(issue #18): staff, chief and resident of CA against CB's things — not listed, every action
refused as another community's — while the street's notices and rewards reach both, and the
street's staff manage both. On SQLite and PostgreSQL (tests/communities_world.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal import content_translations, notices, points, wishes
from portal import council as c
from portal.areas import area_of
from portal.errors import UserError
from portal.grids import GridIndex
from tests.communities_world import build

OUTSIDE = "belongs to another community"


@pytest.fixture
def world(session):
    return build(session)


def _id(world, name: str) -> int:
    return world.users[name].id


def _gid(world, code: str) -> int:
    return world.grids[code].id


def _area(session, world, name):
    return area_of(session, world.users[name])


def _refused(call, *args, **kwargs) -> None:
    with pytest.raises(UserError) as caught:
        call(*args, **kwargs)
    assert OUTSIDE in str(caught.value.message.msgid), caught.value.message


def test_notices_reach_their_community_and_the_street_reaches_both(session, world, clock):
    index = GridIndex.load(session)
    cb = notices.publish(
        session,
        index,
        actor_id=_id(world, "staff_cb"),
        kind="public",
        title="CB 公示",
        body="b",
        now=clock(),
    )
    ca = notices.publish(
        session,
        index,
        actor_id=_id(world, "staff_ca"),
        kind="public",
        title="CA 公示",
        body="b",
        now=clock(),
    )
    street = notices.publish(
        session,
        index,
        actor_id=_id(world, "street_staff"),
        kind="policy",
        title="街道通知",
        body="b",
        now=clock(),
    )
    assert (cb.grid_id, ca.grid_id, street.grid_id) == (
        _gid(world, "CB"),
        _gid(world, "CA"),
        _gid(world, "JD"),
    )

    def seen(who):
        user = world.users[who]
        return {
            n.title
            for n in notices.current(
                session,
                index,
                grid_id=user.home_grid_id,
                language="zh_Hans",
                now=clock(),
                area=_area(session, world, who),
            )
        }

    assert seen("resident_ca") == {"CA 公示", "街道通知"}
    assert seen("resident_cb") == {"CB 公示", "街道通知"}
    managed = {
        n.title
        for n, _l, _g in notices.all_notices(session, area=_area(session, world, "staff_ca"))
    }
    assert managed == {"CA 公示"}  # the street's is not CA's to withdraw
    street_managed = {
        n.title
        for n, _l, _g in notices.all_notices(session, area=_area(session, world, "street_staff"))
    }
    assert street_managed == {"CA 公示", "CB 公示", "街道通知"}
    staff = _id(world, "staff_ca")
    _refused(notices.withdraw, session, notice_id=cb.id, actor_id=staff)
    _refused(notices.withdraw, session, notice_id=street.id, actor_id=staff)
    _refused(
        notices.publish,
        session,
        index,
        actor_id=_id(world, "staff_ca"),
        kind="public",
        title="t",
        body="b",
        grid_ids=[_gid(world, "CB-G1")],
        now=clock(),
    )
    notices.withdraw(session, notice_id=cb.id, actor_id=_id(world, "street_staff"), now=clock())
    assert seen("resident_cb") == {"街道通知"}


def test_the_wish_wall_is_the_community_s_own(session, world, clock):
    wish = wishes.post_wish(
        session,
        author_id=_id(world, "resident_cb"),
        title="CB 的心愿",
        body="修路灯",
        category="facility",
        now=clock(),
    )
    mine = wishes.post_wish(
        session,
        author_id=_id(world, "resident_ca"),
        title="CA 的心愿",
        body="长椅",
        category="facility",
        now=clock(),
    )
    wishes.flag(
        session, wish_id=wish.id, user_id=_id(world, "resident_cb"), reason="x", now=clock()
    )
    for who in ("staff_ca", "chief_ca", "resident_ca"):
        titles = {x.title for x in wishes.wall(session, viewer_id=_id(world, who)).cards}
        assert titles == {"CA 的心愿"}, who
        _refused(wishes.detail, session, wish_id=wish.id, viewer_id=_id(world, who))
    assert {x.title for x in wishes.wall(session, viewer_id=_id(world, "street_staff")).cards} == {
        "CA 的心愿",
        "CB 的心愿",
    }
    resident = _id(world, "resident_ca")
    _refused(wishes.vote, session, wish_id=wish.id, user_id=resident, now=clock())
    _refused(wishes.withdraw_vote, session, wish_id=wish.id, user_id=resident, now=clock())
    _refused(wishes.flag, session, wish_id=wish.id, user_id=resident, now=clock())
    _refused(
        wishes.adopt,
        session,
        wish_id=wish.id,
        user_id=resident,
        promised_date=date(2026, 11, 20),
        now=clock(),
    )
    _refused(wishes.confirm, session, wish_id=wish.id, user_id=resident, now=clock())
    _refused(
        wishes.post_wish,
        session,
        author_id=resident,
        title="t",
        body="b",
        category="facility",
        grid_id=_gid(world, "CB-G1"),
        now=clock(),
    )
    for who in ("staff_ca", "chief_ca"):
        moderator = _id(world, who)
        assert [w.id for w, _n in wishes.flagged(session, area=_area(session, world, who))] == []
        _refused(
            wishes.hide, session, wish_id=wish.id, moderator_id=moderator, reason="r", now=clock()
        )
        _refused(wishes.restore, session, wish_id=wish.id, moderator_id=moderator, now=clock())
        _refused(
            wishes.dismiss_flags, session, wish_id=wish.id, moderator_id=moderator, now=clock()
        )
        _refused(
            wishes.set_grid_rule,
            session,
            grid_id=_gid(world, "CB-G1"),
            support_threshold=3,
            expire_days=30,
            set_by=moderator,
            now=clock(),
        )
    _refused(
        content_translations.add,
        session,
        kind="wish",
        item_id=wish.id,
        language="en",
        title="t",
        body="b",
        translator_id=_id(world, "staff_ca"),
    )
    assert not content_translations.may_translate(session, _id(world, "staff_ca"), "wish", wish.id)
    assert content_translations.may_translate(session, _id(world, "staff_cb"), "wish", wish.id)
    # inside one's own community all of it still works
    assert wishes.vote(session, wish_id=mine.id, user_id=_id(world, "staff_ca"), now=clock()) == 1
    street = _area(session, world, "street_staff")
    assert [w.id for w, _n in wishes.flagged(session, area=street)] == [wish.id]
    wishes.hide(
        session, wish_id=wish.id, moderator_id=_id(world, "street_staff"), reason="r", now=clock()
    )


def _cb_council(session, world, clock):
    staff = _id(world, "staff_cb")
    council = c.create_council(
        session,
        actor_id=staff,
        grid_id=_gid(world, "CB"),
        name="CB 议事会",
        term_start=clock().date(),
        term_end=clock().date() + timedelta(days=700),
    )
    meeting = c.create_meeting(
        session,
        council_id=council.id,
        actor_id=staff,
        starts_at=clock() + timedelta(days=10),
        place="CB 活动室",
        now=clock(),
    )
    c.publish_meeting(session, meeting_id=meeting.id, actor_id=staff, now=clock())
    proposal = c.submit_proposal(
        session,
        meeting_id=meeting.id,
        author_id=_id(world, "resident_cb"),
        title="CB 提案",
        body="b",
        now=clock(),
    )
    item = c.add_item(
        session, meeting_id=meeting.id, actor_id=staff, source="staff", title="CB 议题", now=clock()
    )
    c.add_seat(
        session,
        council_id=council.id,
        user_id=_id(world, "resident_cb"),
        group="resident",
        actor_id=staff,
        now=clock(),
    )
    return council, meeting, proposal, item


def test_a_council_is_its_community_s_own(session, world, clock):
    council, meeting, proposal, item = _cb_council(session, world, clock)
    for who in ("staff_ca", "chief_ca", "resident_ca"):
        assert c.councils(session, _area(session, world, who)) == []
        assert c.councils_for(session, _id(world, who), clock()) == []
        assert c.council_for(session, _id(world, who), clock()) is None
    assert [x.id for x in c.councils_for(session, _id(world, "resident_cb"), clock())] == [
        council.id
    ]
    assert [g.code for g in c.council_grids(session, _area(session, world, "staff_ca"))] == [
        "CA",
        "CA-G1",
    ]
    resident = _id(world, "resident_ca")
    _refused(
        c.submit_proposal,
        session,
        meeting_id=meeting.id,
        author_id=resident,
        title="t",
        body="b",
        now=clock(),
    )
    _refused(c.support_proposal, session, proposal_id=proposal.id, user_id=resident, now=clock())
    _refused(c.cast_ballot, session, item_id=item.id, user_id=resident, choice="for", now=clock())
    staff = _id(world, "staff_ca")
    _refused(
        c.add_seat,
        session,
        council_id=council.id,
        user_id=resident,
        group="resident",
        actor_id=_id(world, "staff_cb"),
        now=clock(),
    )  # a resident of CA never sits on CB's council
    steps = [
        lambda: c.create_meeting(
            session,
            council_id=council.id,
            actor_id=staff,
            starts_at=clock() + timedelta(days=40),
            place="x",
            now=clock(),
        ),
        lambda: c.set_rules(
            session,
            council_id=council.id,
            actor_id=staff,
            seats_per_group=2,
            quorum_num=1,
            quorum_den=2,
            majority="more_for",
            proposal_days=3,
            now=clock(),
        ),
        lambda: c.add_seat(
            session,
            council_id=council.id,
            user_id=_id(world, "resident_cb"),
            group="resident",
            actor_id=staff,
            now=clock(),
        ),
        lambda: c.add_item(
            session, meeting_id=meeting.id, actor_id=staff, source="staff", title="t", now=clock()
        ),
        lambda: c.remove_item(session, item_id=item.id, actor_id=staff, reason="r", now=clock()),
        lambda: c.accept_proposal(session, proposal_id=proposal.id, actor_id=staff, now=clock()),
        lambda: c.decline_proposal(
            session, proposal_id=proposal.id, actor_id=staff, reason="r", now=clock()
        ),
        lambda: c.record_attendance(
            session,
            meeting_id=meeting.id,
            member_id=_id(world, "resident_cb"),
            actor_id=staff,
            now=clock(),
        ),
        lambda: c.open_voting(session, meeting_id=meeting.id, actor_id=staff, now=clock()),
        lambda: c.close_voting(session, meeting_id=meeting.id, actor_id=staff, now=clock()),
        lambda: c.publish_minutes(
            session, meeting_id=meeting.id, actor_id=staff, minutes="m", now=clock()
        ),
        lambda: c.record_hand_vote(
            session,
            item_id=item.id,
            member_id=_id(world, "resident_cb"),
            choice="for",
            actor_id=staff,
            now=clock(),
        ),
        lambda: c.create_council(
            session,
            actor_id=staff,
            grid_id=_gid(world, "CB-G1"),
            name="x",
            term_start=clock().date(),
            term_end=clock().date() + timedelta(days=30),
        ),
    ]
    for step in steps:
        _refused(step)
    # the street's office may manage it
    c.record_attendance(
        session,
        meeting_id=meeting.id,
        member_id=_id(world, "resident_cb"),
        actor_id=_id(world, "street_staff"),
        now=clock(),
    )


def test_tasks_cover_the_publisher_s_community(session, world, clock):
    staff_cb = _id(world, "staff_cb")
    task = points.publish_task(
        session,
        actor_id=staff_cb,
        title="CB 清扫",
        description="",
        points=10,
        places=3,
        grid_ids=[_gid(world, "CB")],
        starts_at=clock(),
        ends_at=clock() + timedelta(days=3),
        now=clock(),
    )[0]
    claim = points.claim_task(
        session, user_id=_id(world, "resident_cb"), task_id=task.id, now=clock()
    )
    points.submit_proof(
        session, user_id=_id(world, "resident_cb"), claim_id=claim.id, note="done", now=clock()
    )
    staff = _id(world, "staff_ca")
    assert _gid(world, "CB") not in points.publishable_grids(session, actor_id=staff)
    assert set(points.publishable_grids(session, actor_id=staff)) == {
        _gid(world, k) for k in ("CA", "CA-G1", "CA-G1-M1", "CA-X1")
    }
    for who in ("staff_ca", "chief_ca"):
        assert points.tasks_overview(session, actor_id=_id(world, who), now=clock()) == []
        assert points.claims_to_verify(session, actor_id=_id(world, who)) == []
        _refused(
            points.verify_claim,
            session,
            actor_id=_id(world, who),
            claim_id=claim.id,
            approve=True,
            now=clock(),
        )
    _refused(points.cancel_task, session, actor_id=staff, task_id=task.id, reason="no", now=clock())
    _refused(
        points.publish_task,
        session,
        actor_id=staff,
        title="x",
        description="",
        points=5,
        places=1,
        grid_ids=[_gid(world, "CB-G1")],
        starts_at=clock(),
        ends_at=clock() + timedelta(days=1),
        now=clock(),
    )
    assert points.open_tasks_for(session, user_id=_id(world, "resident_ca"), now=clock()) == []
    _refused(
        points.claim_task, session, user_id=_id(world, "resident_ca"), task_id=task.id, now=clock()
    )
    street = _id(world, "street_staff")
    assert [r.task.id for r in points.tasks_overview(session, actor_id=street, now=clock())] == [
        task.id
    ]
    points.verify_claim(session, actor_id=street, claim_id=claim.id, approve=True, now=clock())


def test_rewards_are_the_community_s_catalogue_and_the_street_s_reach_both(session, world, clock):
    cb = points.save_reward(
        session, actor_id=_id(world, "staff_cb"), name="CB 米", cost=10, stock=5, now=clock()
    )
    street = points.save_reward(
        session, actor_id=_id(world, "street_staff"), name="街道油", cost=10, stock=5, now=clock()
    )
    ca = points.save_reward(
        session, actor_id=_id(world, "staff_ca"), name="CA 面", cost=10, stock=5, now=clock()
    )
    assert (cb.grid_id, street.grid_id, ca.grid_id) == (
        _gid(world, "CB"),
        _gid(world, "JD"),
        _gid(world, "CA"),
    )

    def offered(who, managed=False):
        area = _area(session, world, who)
        return {
            r.reward.name
            for r in points.rewards_for(session, now=clock(), area=area, managed=managed)
        }

    assert offered("resident_ca") == {"CA 面", "街道油"}
    assert offered("resident_cb") == {"CB 米", "街道油"}
    assert offered("staff_ca", managed=True) == {"CA 面"}
    assert offered("street_staff", managed=True) == {"CA 面", "CB 米", "街道油"}
    staff = _id(world, "staff_ca")
    _refused(
        points.change_stock,
        session,
        actor_id=staff,
        reward_id=cb.id,
        delta=5,
        reason="more",
        now=clock(),
    )
    _refused(points.set_reward_active, session, actor_id=staff, reward_id=cb.id, active=False)
    _refused(points.set_reward_active, session, actor_id=staff, reward_id=street.id, active=False)
    _refused(
        points.save_reward,
        session,
        actor_id=staff,
        reward_id=cb.id,
        name="CB 米",
        cost=1,
        now=clock(),
    )
    _refused(
        points.redeem, session, user_id=_id(world, "resident_ca"), reward_id=cb.id, now=clock()
    )
    points.change_stock(
        session,
        actor_id=_id(world, "street_staff"),
        reward_id=cb.id,
        delta=1,
        reason="more",
        now=clock(),
    )
    points.award(
        session,
        user_id=_id(world, "resident_cb"),
        source="adjustment",
        source_id="t",
        reason="r",
        amount=20,
        actor_id=_id(world, "admin"),
        now=clock(),
    )
    code = points.redeem(
        session, user_id=_id(world, "resident_cb"), reward_id=cb.id, now=clock()
    ).code
    assert points.codes_waiting(session, actor_id=staff) == []
    with pytest.raises(UserError):
        points.hand_over(session, actor_id=staff, code=code, now=clock())
    assert [
        v.redemption.code for v in points.codes_waiting(session, actor_id=_id(world, "staff_cb"))
    ] == [code]


def test_monthly_figures_per_community(session, world, clock):
    admin = _id(world, "admin")
    for who, n in (("resident_ca", 7), ("resident_cb", 11)):
        points.award(
            session,
            user_id=_id(world, who),
            source="adjustment",
            source_id=who,
            reason="r",
            amount=n,
            actor_id=admin,
            now=clock(),
        )
    session.commit()

    def issued(who):
        figures = points.monthly_by_grid(
            session, now=clock() + timedelta(days=40), area=_area(session, world, who)
        )
        return {(f.grid_id, f.issued) for f in figures}

    assert issued("staff_ca") == {(_gid(world, "CA-G1"), 7)}
    assert issued("staff_cb") == {(_gid(world, "CB-G1"), 11)}
    assert issued("street_staff") == {(_gid(world, "CA-G1"), 7), (_gid(world, "CB-G1"), 11)}
    board = points.leaderboard(session, grid_id=_gid(world, "CA"))
    assert [s.user_id for s in board] == [_id(world, "resident_ca")]
