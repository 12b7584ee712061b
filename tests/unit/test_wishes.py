"""Wish wall rules: posting limits, one vote per person, adoption to confirmation with points once,
promotion to the council at a per-grid threshold, moderation, expiry, and concurrency on both
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, User
from db.models_wishes import Wish, WishEvent, WishFlag, WishPromotion, WishVote
from portal import localtime, wishes
from portal.errors import FieldErrors, UserError
from tests.factories import add_grids, add_user, parallel


def build_community(url: str) -> None:
    """A small community (2 general grids, 4 micro-grids) and the accounts the tests use: much
    quicker than the full demo seed, so every rule runs on both backends in seconds."""
    with Session(get_engine(url)) as s:
        grids = add_grids(
            s,
            [
                ("S", "community", None),
                ("G1", "general", "S"),
                ("G2", "general", "S"),
                ("G1-M1", "micro", "G1"),
                ("G1-M2", "micro", "G1"),
                ("G2-M1", "micro", "G2"),
                ("G2-M2", "micro", "G2"),
            ],
        )
        people = [
            ("li_ayi", "李阿姨", "resident", "G1-M1", "zh_Hans"),
            ("zhang_nainai", "张奶奶", "resident", "G1-M1", "zh_Hans"),
            ("tashi", "扎西", "resident", "G1-M2", "bo"),
            ("chief_g1m1", "王网格长", "grid_worker", "G1-M1", "zh_Hans"),
            ("staff01", "周书记", "staff", "S", "zh_Hans"),
            ("chen_shop", "陈记小吃", "merchant", "G1-M2", "zh_Hans"),
            ("merchant001", "刘记商铺", "merchant", "G2-M1", "zh_Hans"),
        ]
        people += [
            (f"resident{n:04d}", f"居民{n}", "resident", ("G1-M1", "G2-M2")[n % 2], "zh_Hans")
            for n in range(1, 221)
        ]
        for username, name, role, home, lang in people:
            add_user(s, username, role, grids[home], display_name=name, language=lang)
        s.commit()


@pytest.fixture
def community(db_url) -> str:
    build_community(db_url)
    return db_url


@pytest.fixture
def demo_session(community):
    with Session(get_engine(community), expire_on_commit=False) as s:
        yield s


def uid(session, username: str) -> int:
    return session.exec(select(User.id).where(User.username == username)).one()


def residents(session, n: int, start: int = 1) -> list[int]:
    names = [f"resident{i:04d}" for i in range(start, start + n)]
    return list(session.exec(select(User.id).where(User.username.in_(names))).all())


def post(session, clock, username="li_ayi", **kw) -> Wish:
    values = {
        "title": "三号楼梯间装扶手",
        "body": "楼梯很陡，老人上下不方便，希望装一段扶手。",
        "category": "facility",
    }
    values.update(kw)
    return wishes.post_wish(session, author_id=uid(session, username), now=clock(), **values)


def events(session, wish_id) -> list[str]:
    return [
        e.kind
        for e in session.exec(
            select(WishEvent).where(WishEvent.wish_id == wish_id).order_by(WishEvent.id)
        )
    ]


def test_post_defaults_to_home_grid_and_authors_language(demo_session, clock):
    wish = post(
        demo_session,
        clock,
        username="tashi",
        title="བོད་ཡིག་གི་བརྡ་ཐོ་པང་།",
        body="ང་ཚོར་བོད་ཡིག་གི་བརྡ་ཐོ་པང་ཞིག་དགོས།",
    )
    tashi = demo_session.get(User, uid(demo_session, "tashi"))
    assert (wish.grid_id, wish.language, wish.state) == (tashi.home_grid_id, "bo", "open")
    assert not wish.proposal and not wish.personal
    assert events(demo_session, wish.id) == ["posted"]
    chief = post(demo_session, clock, username="chief_g1m1", title="院坝装路灯", body="晚上太黑。")
    assert chief.proposal


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "长" * 81}, "title"),
        ({"body": ""}, "body"),
        ({"body": "x" * 1001}, "body"),
        ({"category": "party"}, "category"),
        ({"language": "fr"}, "language"),
        ({"grid_id": 999999}, "grid"),
    ],
)
def test_bad_input_is_refused_at_the_field(demo_session, clock, changes, field):
    with pytest.raises(FieldErrors) as caught:
        post(demo_session, clock, **changes)
    assert field in caught.value.errors
    assert demo_session.exec(select(Wish)).all() == []


def test_tenth_wish_of_a_day_is_refused(demo_session, clock):
    for n in range(wishes.DAILY_LIMIT):
        post(demo_session, clock, title=f"心愿 {n}")
        clock.advance(minutes=5)
    with pytest.raises(UserError) as caught:
        post(demo_session, clock, title="第十个")
    assert caught.value.message.params == {"n": 9}
    assert len(demo_session.exec(select(Wish)).all()) == 9
    clock.now = localtime.day_start(localtime.today(clock.now)) + timedelta(
        days=1, minutes=1
    )  # next day, Shanghai
    assert post(demo_session, clock, title="第二天").id


def test_votes_are_rows_once_per_person_not_own(demo_session, clock):
    wish = post(demo_session, clock)
    a, b = residents(demo_session, 2)
    assert wishes.vote(demo_session, wish_id=wish.id, user_id=a, now=clock()) == 1
    assert wishes.vote(demo_session, wish_id=wish.id, user_id=b, now=clock()) == 2
    with pytest.raises(UserError, match="already support"):
        wishes.vote(demo_session, wish_id=wish.id, user_id=a, now=clock())
    with pytest.raises(UserError, match="own wish"):
        wishes.vote(demo_session, wish_id=wish.id, user_id=wish.author_id, now=clock())
    assert wishes.withdraw_vote(demo_session, wish_id=wish.id, user_id=a, now=clock()) == 1
    with pytest.raises(UserError, match="do not support"):
        wishes.withdraw_vote(demo_session, wish_id=wish.id, user_id=a, now=clock())
    assert wishes.support(demo_session, wish.id) == 1
    assert wishes.vote(demo_session, wish_id=wish.id, user_id=a, now=clock()) == 2  # again, later
    assert "vote_withdrawn" in events(demo_session, wish.id)


def test_adoption_rules(demo_session, clock):
    wish = post(demo_session, clock)
    merchant, other = uid(demo_session, "chen_shop"), residents(demo_session, 1)[0]
    today = date(2026, 11, 2)
    with pytest.raises(FieldErrors) as caught:
        wishes.adopt(
            demo_session,
            wish_id=wish.id,
            user_id=merchant,
            promised_date=today - timedelta(days=1),
            now=clock(),
        )
    assert "promised_date" in caught.value.errors
    with pytest.raises(UserError, match="own wish"):
        wishes.adopt(
            demo_session, wish_id=wish.id, user_id=wish.author_id, promised_date=today, now=clock()
        )
    adopted = wishes.adopt(
        demo_session,
        wish_id=wish.id,
        user_id=merchant,
        promised_date=today + timedelta(days=7),
        note="周末来装",
        now=clock(),
    )
    assert (adopted.state, adopted.adopter_id) == ("adopted", merchant)
    with pytest.raises(UserError, match="already adopted"):
        wishes.adopt(demo_session, wish_id=wish.id, user_id=other, promised_date=today, now=clock())
    with pytest.raises(UserError, match="no longer open"):
        wishes.vote(demo_session, wish_id=wish.id, user_id=other, now=clock())
    with pytest.raises(UserError, match="Only the adopter"):
        wishes.report_fulfilled(
            demo_session, wish_id=wish.id, user_id=other, note="done", now=clock()
        )
    back = wishes.release(
        demo_session, wish_id=wish.id, user_id=merchant, note="临时出差", now=clock()
    )
    assert (back.state, back.adopter_id, back.promised_date) == ("open", None, None)


def test_fulfil_dispute_confirm_awards_points_once(demo_session, clock):
    from portal import points

    wish = post(demo_session, clock)
    merchant = uid(demo_session, "chen_shop")
    wishes.adopt(
        demo_session,
        wish_id=wish.id,
        user_id=merchant,
        promised_date=date(2026, 11, 9),
        now=clock(),
    )
    with pytest.raises(FieldErrors):
        wishes.report_fulfilled(
            demo_session, wish_id=wish.id, user_id=merchant, note=" ", now=clock()
        )
    wishes.report_fulfilled(
        demo_session, wish_id=wish.id, user_id=merchant, note="扶手装好了", now=clock()
    )
    with pytest.raises(UserError, match="Only the author"):
        wishes.confirm(demo_session, wish_id=wish.id, user_id=merchant, now=clock())
    disputed = wishes.dispute(
        demo_session, wish_id=wish.id, user_id=wish.author_id, note="还缺二楼那一段", now=clock()
    )
    assert disputed.state == "adopted"
    assert _points_entries(demo_session, merchant, wish.id) == 0
    wishes.report_fulfilled(
        demo_session, wish_id=wish.id, user_id=merchant, note="二楼也装好了", now=clock()
    )
    done = wishes.confirm(demo_session, wish_id=wish.id, user_id=wish.author_id, now=clock())
    assert done.state == "confirmed"
    assert _points_entries(demo_session, merchant, wish.id) == 1
    with pytest.raises(UserError):
        wishes.confirm(demo_session, wish_id=wish.id, user_id=wish.author_id, now=clock())
    # even called again directly, the ledger gives the adopter points for this wish once
    points.award(
        demo_session,
        user_id=merchant,
        source="wish",
        source_id=wish.id,
        reason="again",
        actor_id=wish.author_id,
    )
    demo_session.commit()
    assert _points_entries(demo_session, merchant, wish.id) == 1
    assert events(demo_session, wish.id) == [
        "posted",
        "adopted",
        "fulfilled",
        "disputed",
        "fulfilled",
        "confirmed",
    ]


def _points_entries(session, user_id, wish_id) -> int:
    from db import models_points

    entry = next(
        getattr(models_points, name)
        for name in dir(models_points)
        if getattr(getattr(models_points, name), "__tablename__", None) == "points_entry"
    )
    return len(
        session.exec(
            select(entry).where(
                entry.user_id == user_id, entry.source == "wish", entry.source_id == str(wish_id)
            )
        ).all()
    )


def test_threshold_per_grid_promotes_to_the_council_and_decided(demo_session, clock):
    author = demo_session.get(User, uid(demo_session, "li_ayi"))
    home = demo_session.get(Grid, author.home_grid_id)
    staff = uid(demo_session, "staff01")
    with pytest.raises(UserError):
        wishes.set_grid_rule(
            demo_session,
            grid_id=home.parent_id,
            support_threshold=3,
            expire_days=30,
            set_by=author.id,
        )
    wishes.set_grid_rule(
        demo_session,
        grid_id=home.parent_id,
        support_threshold=3,
        expire_days=30,
        set_by=staff,
        now=clock(),
    )
    rule = wishes.rule_for(demo_session, home.id)  # inherited from the general grid
    assert (rule.support_threshold, rule.expire_days, rule.grid_id) == (3, 30, home.parent_id)
    wish = post(demo_session, clock, title="门口放一条长椅", body="等孩子放学时可以坐一坐。")
    personal = post(
        demo_session, clock, title="帮我换灯泡", body="我够不着。", category="help", personal=True
    )
    voters = residents(demo_session, 4)
    for voter in voters[:3]:
        wishes.vote(demo_session, wish_id=wish.id, user_id=voter, now=clock())
        wishes.vote(demo_session, wish_id=personal.id, user_id=voter, now=clock())
    demo_session.expire_all()
    assert demo_session.get(Wish, wish.id).state == "promoted"
    assert demo_session.get(Wish, personal.id).state == "open"  # personal needs are not promoted
    with pytest.raises(UserError, match="no longer open"):
        wishes.vote(demo_session, wish_id=wish.id, user_id=voters[3], now=clock())
    [(promotion, promoted)] = wishes.candidates(demo_session)
    assert (promoted.id, promotion.threshold, promotion.support, promotion.status) == (
        wish.id,
        3,
        3,
        "candidate",
    )
    card = wishes.detail(demo_session, wish_id=wish.id, viewer_id=voters[0]).card
    assert card.promotion.status == "candidate"
    decided = wishes.decide(
        demo_session,
        wish_id=wish.id,
        decision="议事会同意，由社区出资安装。",
        decided_by=staff,
        now=clock.advance(days=20),
    )
    assert (decided.status, decided.decided_by) == ("decided", staff)
    assert demo_session.get(Wish, wish.id).state == "decided"
    assert wishes.candidates(demo_session) == []
    assert wishes.detail(demo_session, wish_id=wish.id, viewer_id=None).card.promotion.decision
    with pytest.raises(UserError):
        wishes.decide(demo_session, wish_id=wish.id, decision="again", decided_by=staff)


def test_personal_need_hides_the_author_name(demo_session, clock):
    wish = post(
        demo_session,
        clock,
        username="zhang_nainai",
        title="想请人陪我去医院",
        body="下周二复查。",
        category="help",
        personal=True,
    )
    neighbour, chief = residents(demo_session, 1)[0], uid(demo_session, "chief_g1m1")
    seen = {c.id: c for c in wishes.wall(demo_session, viewer_id=neighbour).cards}
    assert seen[wish.id].author_name is None
    assert (
        wishes.detail(demo_session, wish_id=wish.id, viewer_id=chief).card.author_name == "张奶奶"
    )
    assert (
        wishes.detail(demo_session, wish_id=wish.id, viewer_id=wish.author_id).card.author_name
        == "张奶奶"
    )


def test_hide_with_reason_flags_and_restore(demo_session, clock):
    wish = post(
        demo_session, clock, title="<script>alert(1)</script>", body="**广告** [点我](javascript:x)"
    )
    a, b = residents(demo_session, 2)
    staff = uid(demo_session, "staff01")
    wishes.vote(demo_session, wish_id=wish.id, user_id=a, now=clock())
    wishes.flag(demo_session, wish_id=wish.id, user_id=a, reason="像广告", now=clock())
    wishes.flag(demo_session, wish_id=wish.id, user_id=b, now=clock())
    with pytest.raises(UserError, match="already flagged"):
        wishes.flag(demo_session, wish_id=wish.id, user_id=a, now=clock())
    [(queued, n)] = wishes.flagged(demo_session)
    assert (queued.id, n) == (wish.id, 2)
    with pytest.raises(UserError):
        wishes.hide(demo_session, wish_id=wish.id, moderator_id=a, reason="no")
    with pytest.raises(FieldErrors):
        wishes.hide(demo_session, wish_id=wish.id, moderator_id=staff, reason="  ")
    wishes.hide(
        demo_session,
        wish_id=wish.id,
        moderator_id=staff,
        reason="商业广告不能发在心愿墙",
        now=clock(),
    )
    assert wishes.flagged(demo_session) == []
    assert wish.id not in {
        c.id for c in wishes.wall(demo_session, viewer_id=a, states=["hidden", "open"]).cards
    }
    with pytest.raises(UserError):
        wishes.detail(demo_session, wish_id=wish.id, viewer_id=a)
    own = wishes.wall(demo_session, viewer_id=wish.author_id, states=["hidden"]).cards
    assert [c.hidden_reason for c in own] == ["商业广告不能发在心愿墙"]
    with pytest.raises(UserError, match="no longer open"):
        wishes.vote(demo_session, wish_id=wish.id, user_id=b, now=clock())
    restored = wishes.restore(demo_session, wish_id=wish.id, moderator_id=staff, now=clock())
    assert (restored.state, restored.hidden_reason) == ("open", None)
    assert wishes.support(demo_session, wish.id) == 1  # votes survived
    assert demo_session.exec(select(WishFlag).where(WishFlag.resolved_at.is_(None))).all() == []


def test_expire_stale_after_the_grids_time_without_support(demo_session, clock):
    quiet = post(demo_session, clock, title="安静的心愿")
    lively = post(demo_session, clock, title="热闹的心愿")
    adopted = post(demo_session, clock, title="已认领")
    wishes.adopt(
        demo_session,
        wish_id=adopted.id,
        user_id=uid(demo_session, "chen_shop"),
        promised_date=date(2026, 12, 1),
        now=clock(),
    )
    clock.advance(days=wishes.DEFAULT_EXPIRE_DAYS - 10)
    wishes.vote(demo_session, wish_id=lively.id, user_id=residents(demo_session, 1)[0], now=clock())
    assert wishes.expire_stale(demo_session, clock.advance(days=9)) == 0
    assert wishes.expire_stale(demo_session, clock.advance(days=2)) == 1
    demo_session.expire_all()
    states = {w.id: w.state for w in demo_session.exec(select(Wish))}
    assert states == {quiet.id: "expired", lively.id: "open", adopted.id: "adopted"}
    assert wishes.expire_stale(demo_session, clock.advance(days=60)) == 1  # lively now quiet too
    assert events(demo_session, quiet.id)[-1] == "expired"


def test_wall_sorts_and_filters(demo_session, clock):
    li = demo_session.get(User, uid(demo_session, "li_ayi"))
    far_grid = demo_session.exec(select(Grid).where(Grid.code == "G2-M1")).one()
    near = post(demo_session, clock, title="近处")
    clock.advance(minutes=1)
    far = post(
        demo_session,
        clock,
        title="远处",
        category="culture",
        grid_id=far_grid.id,
        username="resident0100",
    )
    clock.advance(minutes=1)
    newest = post(demo_session, clock, title="最新", username="resident0101", grid_id=far_grid.id)
    for voter in residents(demo_session, 3, start=11):
        wishes.vote(demo_session, wish_id=far.id, user_id=voter, now=clock())
    ids = lambda page: [c.id for c in page.cards]  # noqa: E731
    assert ids(wishes.wall(demo_session, viewer_id=li.id, sort="support"))[0] == far.id
    assert ids(wishes.wall(demo_session, viewer_id=li.id, sort="newest")) == [
        newest.id,
        far.id,
        near.id,
    ]
    assert ids(wishes.wall(demo_session, viewer_id=li.id, sort="near"))[0] == near.id
    assert ids(wishes.wall(demo_session, viewer_id=li.id, categories=["culture"])) == [far.id]
    general = far_grid.parent_id
    assert set(ids(wishes.wall(demo_session, viewer_id=li.id, grid_id=general))) == {
        far.id,
        newest.id,
    }
    page = wishes.wall(demo_session, viewer_id=li.id, limit=2)
    assert (page.total, len(page.cards), page.has_more) == (3, 2, True)
    card = wishes.wall(demo_session, viewer_id=li.id, sort="support").cards[0]
    assert (card.support, card.threshold, card.my_vote) == (3, wishes.DEFAULT_THRESHOLD, False)


def test_lowering_a_threshold_promotes_at_once(demo_session, clock):
    """Wishes that already have the support a lowered threshold asks for go to the council when
    the threshold is lowered, not at the next background run; other grids and wishes stay."""
    li = demo_session.get(User, uid(demo_session, "li_ayi"))
    home = demo_session.get(Grid, li.home_grid_id)
    staff = uid(demo_session, "staff01")
    wishes.set_grid_rule(  # a sibling micro-grid with its own, higher rule
        demo_session,
        grid_id=demo_session.exec(select(Grid.id).where(Grid.code == "G1-M2")).one(),
        support_threshold=50,
        expire_days=30,
        set_by=staff,
        now=clock(),
    )
    ready = post(demo_session, clock, title="门口放一条长椅", body="等孩子放学时可以坐一坐。")
    short = post(demo_session, clock, title="楼下种几棵树", body="夏天太晒。")
    personal = post(
        demo_session, clock, title="帮我换灯泡", body="我够不着。", category="help", personal=True
    )
    higher = post(demo_session, clock, username="tashi", title="修好路灯", body="晚上太黑。")
    voters = residents(demo_session, 4)
    for wish, n in ((ready, 3), (short, 2), (personal, 3), (higher, 3)):
        for voter in voters[:n]:
            wishes.vote(demo_session, wish_id=wish.id, user_id=voter, now=clock())
    assert demo_session.get(Wish, ready.id).state == "open"  # 3 < the default threshold
    wishes.set_grid_rule(
        demo_session,
        grid_id=home.parent_id,  # the general grid above both micro-grids
        support_threshold=3,
        expire_days=30,
        set_by=staff,
        now=clock(),
    )
    demo_session.expire_all()
    states = [demo_session.get(Wish, w.id).state for w in (ready, short, personal, higher)]
    assert states == ["promoted", "open", "open", "open"]
    promotion = demo_session.exec(
        select(WishPromotion).where(WishPromotion.wish_id == ready.id)
    ).one()
    assert (promotion.threshold, promotion.support, promotion.status) == (3, 3, "candidate")
    assert events(demo_session, ready.id)[-1] == "promoted"
    # setting the same rule again promotes nothing twice
    wishes.set_grid_rule(
        demo_session,
        grid_id=home.parent_id,
        support_threshold=3,
        expire_days=30,
        set_by=staff,
        now=clock(),
    )
    assert (
        len(demo_session.exec(select(WishPromotion).where(WishPromotion.wish_id == ready.id)).all())
        == 1
    )


# --- concurrency: real threads, each with its own session, on both backends --------------------


def test_hundred_people_vote_at_once(community, clock):
    engine = get_engine(community)
    with Session(engine, expire_on_commit=False) as s:
        wishes.set_grid_rule(
            s,
            grid_id=s.get(User, uid(s, "li_ayi")).home_grid_id,
            support_threshold=500,
            expire_days=30,
            set_by=uid(s, "staff01"),
        )
        wish = post(s, clock)
        voters = residents(s, 100, start=111)
    assert len(voters) == 100

    def work(i):
        with Session(engine, expire_on_commit=False) as s:
            return wishes.vote(s, wish_id=wish.id, user_id=voters[i])

    results = parallel(100, work)
    assert [r for r in results if isinstance(r, Exception)] == []
    with Session(engine) as s:
        assert wishes.support(s, wish.id) == 100
        assert len(s.exec(select(WishVote).where(WishVote.wish_id == wish.id)).all()) == 100


def test_same_person_from_two_browsers_votes_once(community, clock):
    engine = get_engine(community)
    with Session(engine, expire_on_commit=False) as s:
        wish = post(s, clock)
        voter = residents(s, 1)[0]

    def work(_i):
        with Session(engine, expire_on_commit=False) as s:
            return wishes.vote(s, wish_id=wish.id, user_id=voter)

    results = parallel(2, work)
    assert sorted(type(r).__name__ for r in results) == ["UserError", "int"]
    assert [str(r) for r in results if isinstance(r, UserError)] == [
        "You already support this wish."
    ]
    with Session(engine) as s:
        assert wishes.support(s, wish.id) == 1


def test_threshold_reached_by_parallel_votes_promotes_once(community, clock):
    engine = get_engine(community)
    with Session(engine, expire_on_commit=False) as s:
        wish = post(s, clock)
        voters = residents(s, 12, start=30)

    def work(i):
        with Session(engine, expire_on_commit=False) as s:
            return wishes.vote(s, wish_id=wish.id, user_id=voters[i])

    results = parallel(12, work)
    accepted = [r for r in results if isinstance(r, int)]
    assert len(accepted) == wishes.DEFAULT_THRESHOLD  # the rest found it sent to the council
    assert all(isinstance(r, UserError) for r in results if not isinstance(r, int))
    with Session(engine) as s:
        assert s.get(Wish, wish.id).state == "promoted"
        assert len(s.exec(select(WishPromotion).where(WishPromotion.wish_id == wish.id)).all()) == 1
        assert wishes.support(s, wish.id) == wishes.DEFAULT_THRESHOLD


def test_two_adopters_at_once_one_wins(community, clock):
    engine = get_engine(community)
    with Session(engine, expire_on_commit=False) as s:
        wish = post(s, clock)
        adopters = [uid(s, "chen_shop"), uid(s, "merchant001")]

    def work(i):
        with Session(engine, expire_on_commit=False) as s:
            return wishes.adopt(
                s,
                wish_id=wish.id,
                user_id=adopters[i],
                promised_date=date.today() + timedelta(days=3),
            ).adopter_id

    results = parallel(2, work)
    assert sum(isinstance(r, int) for r in results) == 1
    with Session(engine) as s:
        assert s.get(Wish, wish.id).adopter_id in adopters
        assert events(s, wish.id).count("adopted") == 1
