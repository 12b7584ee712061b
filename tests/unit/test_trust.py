"""Issue #16, points and ratings: each test is an attack that worked before the trust rules."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_reports import Report
from db.models_verification import ResidentVerification
from portal import auth, cockpit, council, permissions, points, reports, verification, wishes
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from tests.unit import test_council as tc
from tests.unit import test_reports as tr
from tests.unit.test_points import _reward, _task, _world

PASSWORD = "Quiet-Lantern-42"
ctx = tr.ctx  # the demo community without reports (a fixture)
_submit = tr._submit


def _register(session, world, name, home="G1-M1") -> User:
    return auth.register_resident(
        session,
        username=name,
        password=PASSWORD,
        display_name=name.title(),
        home_grid_id=world["grids"][home].id,
    )


def _wish_round(session, clock, author: User, helper: User) -> None:
    """Author posts, helper adopts and reports it done, author confirms."""
    wish = wishes.post_wish(
        session,
        author_id=author.id,
        title="帮我换灯泡",
        body="楼道灯泡坏了",
        category=wishes.WISH_CATEGORIES[0],
        personal=True,
        now=clock.now,
    )
    wishes.adopt(
        session,
        wish_id=wish.id,
        user_id=helper.id,
        promised_date=clock.now.date() + timedelta(days=7),
        now=clock.now,
    )
    wishes.report_fulfilled(
        session, wish_id=wish.id, user_id=helper.id, note="换好了", now=clock.now
    )
    wishes.confirm(session, wish_id=wish.id, user_id=author.id, now=clock.now)


# --- residents are verified before their actions count --------------------------------------


def test_two_fresh_accounts_cannot_mint_points_between_themselves(session, clock):
    w = _world(session)
    a, b = _register(session, w, "fresh_a"), _register(session, w, "fresh_b")
    assert a.verification == b.verification == "unverified"
    with pytest.raises(UserError) as refused:
        _wish_round(session, clock, a, b)
    assert refused.value.message.msgid == permissions.NOT_VERIFIED
    # A verified helper adopting a sock puppet's wish earns nothing either: the confirmation of
    # an unverified author does not count.
    _wish_round(session, clock, a, w["residents"][0])
    assert points.balance(session, w["residents"][0].id) == 0
    assert points.balance(session, a.id) == points.balance(session, b.id) == 0


def test_award_records_nothing_for_an_unverified_person(session, clock):
    w = _world(session)
    fresh = _register(session, w, "fresh_c")
    entry = points.award(
        session, user_id=fresh.id, source="wish", source_id="x1", reason="试试", now=clock.now
    )
    assert entry is None and points.balance(session, fresh.id) == 0


def test_unverified_cannot_claim_tasks_or_redeem(session, clock):
    w = _world(session)
    fresh = _register(session, w, "fresh_d")
    task = _task(session, w, clock)
    reward = _reward(session, w, clock)
    with pytest.raises(UserError, match="not confirmed"):
        points.claim_task(session, user_id=fresh.id, task_id=task.id, now=clock.now)
    with pytest.raises(UserError, match="not confirmed"):
        points.redeem(session, user_id=fresh.id, reward_id=reward.id, now=clock.now)


def test_unverified_support_does_not_reach_the_wish_threshold(session, clock):
    w = _world(session)
    author = w["residents"][0]
    wish = wishes.post_wish(
        session,
        author_id=author.id,
        title="小区加装长椅",
        body="老人走累了没处坐",
        category=wishes.WISH_CATEGORIES[0],
        now=clock.now,
    )
    wishes.set_grid_rule(
        session,
        grid_id=w["grids"]["S"].id,
        support_threshold=2,
        expire_days=30,
        set_by=w["staff"].id,
        now=clock.now,
    )
    for n in range(3):  # three sock puppets
        puppet = _register(session, w, f"puppet_{n}")
        wishes.vote(session, wish_id=wish.id, user_id=puppet.id, now=clock.now)
    assert wishes.support(session, wish.id) == 0
    assert session.get(wishes.Wish, wish.id).state == "open"
    wishes.vote(session, wish_id=wish.id, user_id=w["residents"][1].id, now=clock.now)
    wishes.vote(session, wish_id=wish.id, user_id=w["residents"][2].id, now=clock.now)
    session.expire_all()
    assert session.get(wishes.Wish, wish.id).state == "promoted"


def test_unverified_support_does_not_count_for_council_proposals(db_url, clock):
    tc.build(db_url)
    with Session(get_engine(db_url), expire_on_commit=False) as s:
        meeting = tc.make_meeting(s, clock, tc.make_council(s, clock, per_group=1))
        bench = tc.propose(s, clock, meeting, username="res03", title="放长椅")
        puppet = s.get(User, tc.uid(s, "res05"))
        puppet.verification = "unverified"  # as if it had registered itself a minute ago
        s.commit()
        for who in ("res04", "res05"):
            council.support_proposal(s, proposal_id=bench.id, user_id=tc.uid(s, who), now=clock())
        assert council.support_counts(s, [bench.id]) == {bench.id: 1}


def test_grid_worker_confirms_residents_of_their_grids_only(session, clock):
    w = _world(session)
    mine, theirs = _register(session, w, "new_mine"), _register(session, w, "new_theirs", "G2-M1")
    assert [x.username for x in verification.waiting(session, actor_id=w["worker"].id)] == [
        "new_mine"
    ]
    assert {x.username for x in verification.waiting(session, actor_id=w["staff"].id)} == {
        "new_mine",
        "new_theirs",
    }
    assert verification.waiting(session, actor_id=mine.id) == []
    with pytest.raises(UserError, match="grids you look after"):
        verification.confirm(
            session,
            actor_id=w["worker"].id,
            resident_id=theirs.id,
            method="in_person",
            house="2-1-301",
        )
    with pytest.raises(FieldErrors) as bad:
        verification.confirm(
            session, actor_id=w["worker"].id, resident_id=mine.id, method="x", house=""
        )
    assert set(bad.value.errors) == {"method", "house"}
    row = verification.confirm(
        session,
        actor_id=w["worker"].id,
        resident_id=mine.id,
        method="house_visit",
        house="1-2-102",
        now=clock.now,
    )
    assert (row.verified_by, row.method, row.house) == (w["worker"].id, "house_visit", "1-2-102")
    session.expire_all()
    assert session.get(User, mine.id).verification == "verified"
    with pytest.raises(UserError, match="already confirmed"):
        verification.confirm(
            session,
            actor_id=w["staff"].id,
            resident_id=mine.id,
            method="in_person",
            house="1-2-102",
        )
    assert len(session.exec(select(ResidentVerification)).all()) == 1
    entry = points.award(
        session, user_id=mine.id, source="wish", source_id="x2", reason="帮忙", now=clock.now
    )
    assert entry is not None and entry.amount == 20


def test_existing_accounts_count_as_verified(demo_session):
    states = set(demo_session.exec(select(User.verification)).all())
    assert states == {"verified"}


# --- no one checks or earns from their own work ----------------------------------------------


def test_proof_on_a_community_wide_task_is_checked_by_the_claimants_grid_only(session, clock):
    w = _world(session)
    r = w["residents"][0]  # lives in G1-M1 (worker's); worker2 answers for G2-M1
    task = _task(session, w, clock, grid_ids=[w["grids"]["S"].id])
    claim = points.claim_task(session, user_id=r.id, task_id=task.id, now=clock.now)
    points.submit_proof(session, user_id=r.id, claim_id=claim.id, note="扫完了", now=clock.now)
    assert points.claims_to_verify(session, actor_id=w["worker2"].id) == []
    with pytest.raises(UserError, match="cannot check proof"):
        points.verify_claim(
            session, actor_id=w["worker2"].id, claim_id=claim.id, approve=True, now=clock.now
        )
    verdict = points.verify_claim(
        session, actor_id=w["worker"].id, claim_id=claim.id, approve=True, now=clock.now
    )
    assert verdict.entry.amount == 15


def test_nobody_confirms_a_wish_they_fulfilled_themselves(session, clock):
    w = _world(session)
    author, helper = w["residents"][0], w["residents"][1]
    wish = wishes.post_wish(
        session,
        author_id=author.id,
        title="修自行车",
        body="车胎破了",
        category=wishes.WISH_CATEGORIES[0],
        personal=True,
        now=clock.now,
    )
    wishes.adopt(
        session,
        wish_id=wish.id,
        user_id=helper.id,
        promised_date=clock.now.date() + timedelta(days=7),
        now=clock.now,
    )
    wishes.report_fulfilled(
        session, wish_id=wish.id, user_id=helper.id, note="修好了", now=clock.now
    )
    with pytest.raises(UserError, match="Only the author"):
        wishes.confirm(session, wish_id=wish.id, user_id=helper.id, now=clock.now + timedelta(1))
    assert points.balance(session, helper.id) == 0


# --- reports: no one verifies or rates their own work; one report however many tabs send it ---


def _handle(c, clock, report, actor_id, actions=("accept", "start", "resolve")):
    for action in actions:
        reports.act(
            c.s,
            c.index,
            report_id=report.id,
            actor_id=actor_id,
            action=action,
            note="处理好了" if action == "resolve" else None,
            now=clock.advance(hours=1),
        )


def test_a_worker_cannot_verify_their_own_report(ctx, clock):
    chief = ctx.user("chief_g1m1")
    report = _submit(ctx, clock, who="chief_g1m1", text="楼道堆了杂物")
    _handle(ctx, clock, report, chief.id)
    with pytest.raises(UserError) as own:
        _handle(ctx, clock, report, chief.id, actions=("verify",))
    assert own.value.message.msgid == permissions.OWN_WORK
    _handle(ctx, clock, report, ctx.user("gridworker_g1").id, actions=("verify",))
    ctx.s.expire_all()
    assert ctx.s.get(Report, report.id).state == "verified"


def test_a_workers_rating_of_their_own_report_is_not_in_the_cockpit(ctx, clock):
    chief = ctx.user("chief_g1m1")
    start = clock()
    own = _submit(ctx, clock, who="chief_g1m1", text="楼道堆了杂物")
    theirs = _submit(ctx, clock, who="zhang_nainai", text="楼道灯不亮")
    for report, rater, stars in ((own, chief, 5), (theirs, ctx.user("zhang_nainai"), 3)):
        _handle(ctx, clock, report, chief.id)
        reports.rate(ctx.s, report_id=report.id, actor_id=rater.id, stars=stars, now=clock())
    facts = {f.id: f for f in cockpit.report_facts(ctx.s, ctx.index, start, clock())}
    assert facts[own.id].rating is None and facts[theirs.id].rating == 3
    assert cockpit.summarise(list(facts.values()))["rating"] == 3


def test_six_tabs_sending_the_same_report_at_once_file_one(ctx, clock):
    reporter, category = ctx.user("zhang_nainai").id, ctx.cat("lighting").id
    now = clock()
    barrier = threading.Barrier(6)
    ids, errors = [], []

    def send():
        with Session(get_engine(ctx.url), expire_on_commit=False) as s:
            index = GridIndex.load(s)
            barrier.wait()
            try:
                report = reports.submit(
                    s,
                    index,
                    ctx.store,
                    reporter_id=reporter,
                    category_id=category,
                    description="三单元门口的灯坏了",
                    lat=ctx.lat,
                    lon=ctx.lon,
                    now=now,
                )
                ids.append(report.id)
            except Exception as exc:  # noqa: BLE001 - shown in the assertion
                errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == [] and len(ids) == 6 and len(set(ids)) == 1
    mine = ctx.s.exec(select(Report).where(Report.reporter_id == reporter)).all()
    assert len(mine) == 1
