"""Points: the ledger, rules and caps, tasks, rewards, redemptions, figures — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, GridDuty, User
from db.models_points import (
    PointsEntry,
    PointsTask,
    Redemption,
    RedemptionEvent,
    Reward,
    TaskClaim,
    TaskClaimEvent,
)
from portal import points
from portal.errors import FieldErrors, UserError
from portal.points.common import _add_months
from tests.factories import add_grids, add_user, race

BOX = json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]})


def _world(session: Session, residents: int = 3) -> dict:
    """S → G1 (M1, M2), G2 (M1); staff, two grid workers, residents, a merchant."""
    grids = add_grids(
        session,
        (
            ("S", "community", None),
            ("G1", "general", "S"),
            ("G1-M1", "micro", "G1"),
            ("G1-M2", "micro", "G1"),
            ("G2", "general", "S"),
            ("G2-M1", "micro", "G2"),
        ),
        boundary=BOX,
    )

    def person(name, role, home=None):
        return add_user(
            session, name, role, grids[home] if home else None, display_name=name.title()
        )

    world = {
        "grids": grids,
        "staff": person("staff", "staff", "S"),
        "worker": person("worker", "grid_worker", "G1-M1"),
        "worker2": person("worker2", "grid_worker", "G2-M1"),
        "merchant": person("shop", "merchant", "G1-M2"),
        "other_shop": person("other_shop", "merchant", "G1-M2"),
        "handler": person("handler", "handler"),
    }
    session.add(GridDuty(grid_id=grids["G1-M1"].id, user_id=world["worker"].id, duty="micro_chief"))
    session.add(
        GridDuty(grid_id=grids["G2-M1"].id, user_id=world["worker2"].id, duty="micro_chief")
    )
    world["residents"] = [person(f"r{n}", "resident", "G1-M1") for n in range(residents)]
    world["outsider"] = person("outsider", "resident", "G2-M1")
    session.commit()
    return world


def _task(session, world, clock, **kw) -> PointsTask:
    args = {
        "actor_id": world["staff"].id,
        "title": "打扫楼道",
        "description": "清理杂物",
        "points": 15,
        "places": 3,
        "grid_ids": [world["grids"]["G1"].id],
        "starts_at": clock.now - timedelta(hours=1),
        "ends_at": clock.now + timedelta(days=2),
        "proof": "note",
        "now": clock.now,
    }
    args.update(kw)
    return points.publish_task(session, **args)[0]


def _reward(session, world, clock, **kw) -> Reward:
    args = {
        "actor_id": world["staff"].id,
        "name": "大米",
        "cost": 50,
        "stock": 5,
        "now": clock.now,
        "available_from": clock.now - timedelta(days=1),
    }
    args.update(kw)
    return points.save_reward(session, **args)


def _give(session, user, amount, key, clock):
    entry = points.award(
        session,
        user_id=user.id,
        source="task",
        source_id=key,
        reason="seed",
        amount=amount,
        now=clock.now,
    )
    session.commit()
    return entry


# --- the ledger --------------------------------------------------------------------------------


def test_award_uses_rule_and_is_idempotent(session, clock):
    w = _world(session)
    r = w["residents"][0]
    entry = points.award(
        session,
        user_id=r.id,
        source="report",
        source_id=17,
        reason="路灯坏了",
        actor_id=w["worker"].id,
        now=clock.now,
    )
    session.commit()
    assert entry is not None and entry.amount == 5 and entry.balance_after == 5
    again = points.award(
        session, user_id=r.id, source="report", source_id="17", reason="路灯坏了", now=clock.now
    )
    assert again is None
    session.commit()
    assert points.balance(session, r.id) == 5 == points.ledger_sum(session, r.id)


def test_duplicate_award_does_not_abort_the_callers_transaction(session, clock):
    w = _world(session)
    r = w["residents"][0]
    points.award(session, user_id=r.id, source="wish", source_id="w1", reason="心愿", now=clock.now)
    session.commit()
    # the caller did its own work first, then credits the same event again
    w["grids"]["G1"].households = 321
    session.add(w["grids"]["G1"])
    session.flush()
    assert (
        points.award(
            session, user_id=r.id, source="wish", source_id="w1", reason="x", now=clock.now
        )
        is None
    )
    session.commit()
    assert session.get(Grid, w["grids"]["G1"].id).households == 321
    assert points.balance(session, r.id) == 20


def test_award_savepoint_on_unique_violation(session, clock, monkeypatch):
    """Forcing the insert path for an event already credited: None, caller's work kept."""
    w = _world(session)
    r = w["residents"][0]
    points.award(
        session, user_id=r.id, source="council", source_id="m1", reason="议事会", now=clock.now
    )
    session.commit()
    real_exec = session.exec
    calls = {"n": 0}

    def skip_quick_check(statement, *a, **kw):  # hide the existing row from the fast path once
        if (
            calls["n"] == 0
            and "points_entry.id" in str(statement)
            and "source_id" in str(statement)
        ):
            calls["n"] += 1
            return real_exec(select(PointsEntry.id).where(PointsEntry.id == -1))
        return real_exec(statement, *a, **kw)

    monkeypatch.setattr(session, "exec", skip_quick_check)
    w["grids"]["G2"].households = 99
    session.add(w["grids"]["G2"])
    session.flush()
    assert (
        points.award(
            session,
            user_id=r.id,
            source="council",
            source_id="m1",
            reason="议事会",
            now=clock.now + timedelta(days=1),
        )
        is None
    )
    monkeypatch.undo()
    session.commit()
    assert calls["n"] == 1
    assert session.get(Grid, w["grids"]["G2"].id).households == 99
    assert points.balance(session, r.id) == 10


def test_daily_cap_per_person(session, clock):
    w = _world(session)
    r = w["residents"][0]
    got = [
        points.award(
            session, user_id=r.id, source="report", source_id=n, reason="报告", now=clock.now
        )
        for n in range(6)
    ]
    session.commit()
    assert [e.amount if e else None for e in got] == [5, 5, 5, 5, None, None]  # cap 20 a day
    clock.advance(days=1)
    assert (
        points.award(
            session, user_id=r.id, source="report", source_id=99, reason="报告", now=clock.now
        ).amount
        == 5
    )
    session.commit()
    assert points.balance(session, r.id) == 25


def test_cap_cuts_an_award_to_what_is_left(session, clock):
    w = _world(session)
    r = w["residents"][0]
    points.set_rule(
        session, actor_id=w["staff"].id, source="wish", amount=20, daily_cap=30, now=clock.now
    )
    assert (
        points.award(
            session, user_id=r.id, source="wish", source_id=1, reason="a", now=clock.now
        ).amount
        == 20
    )
    assert (
        points.award(
            session, user_id=r.id, source="wish", source_id=2, reason="b", now=clock.now
        ).amount
        == 10
    )
    session.commit()


def test_rules_are_configurable_by_staff_only(session, clock):
    w = _world(session)
    with pytest.raises(UserError):
        points.set_rule(session, actor_id=w["worker"].id, source="report", amount=8, now=clock.now)
    with pytest.raises(FieldErrors) as bad:
        points.set_rule(
            session,
            actor_id=w["staff"].id,
            source="report",
            amount=-3,
            daily_cap="many",
            now=clock.now,
        )
    assert set(bad.value.errors) == {"amount", "daily_cap"}
    points.set_rule(
        session, actor_id=w["staff"].id, source="report", amount=8, daily_cap=None, now=clock.now
    )
    assert points.rule_for(session, "report").amount == 8
    entry = points.award(
        session,
        user_id=w["residents"][0].id,
        source="report",
        source_id=1,
        reason="r",
        now=clock.now,
    )
    assert entry.amount == 8
    points.set_rule(
        session, actor_id=w["staff"].id, source="report", amount=8, enabled=False, now=clock.now
    )
    assert (
        points.award(
            session,
            user_id=w["residents"][0].id,
            source="report",
            source_id=2,
            reason="r",
            now=clock.now,
        )
        is None
    )


def test_absurd_awards_are_refused(session, clock):
    w = _world(session)
    for amount in (0, -5, 100_000, 2.5, "ten", True):
        with pytest.raises(UserError):
            points.award(
                session,
                user_id=w["residents"][0].id,
                source="task",
                source_id="x",
                reason="r",
                amount=amount,
                now=clock.now,
            )
    assert points.history_count(session, w["residents"][0].id) == 0


def test_award_refuses_unknown_rule_and_reserved_sources(session, clock):
    w = _world(session)
    r = w["residents"][0].id
    with pytest.raises(UserError):
        points.award(session, user_id=r, source="lottery", source_id=1, reason="r", now=clock.now)
    with pytest.raises(UserError):
        points.award(
            session, user_id=r, source="refund", source_id=1, reason="r", amount=5, now=clock.now
        )
    with pytest.raises(UserError):
        points.award(session, user_id=r, source="report", source_id="", reason="r", now=clock.now)


def test_adjustments_need_a_reason_and_never_go_below_zero(session, clock):
    w = _world(session)
    r = w["residents"][0]
    _give(session, r, 30, "t1", clock)
    with pytest.raises(FieldErrors) as bad:
        points.adjust(
            session, actor_id=w["staff"].id, user_id=r.id, amount=10, reason="", now=clock.now
        )
    assert set(bad.value.errors) == {"reason"}
    with pytest.raises(UserError):
        points.adjust(
            session,
            actor_id=w["worker"].id,
            user_id=r.id,
            amount=10,
            reason="补录积分",
            now=clock.now,
        )
    with pytest.raises(UserError) as below:
        points.adjust(
            session,
            actor_id=w["staff"].id,
            user_id=r.id,
            amount=-31,
            reason="误记积分更正",
            now=clock.now,
        )
    assert below.value.field == "amount"
    entry = points.adjust(
        session,
        actor_id=w["staff"].id,
        user_id=r.id,
        amount=-10,
        reason="误记积分更正",
        now=clock.now,
    )
    assert (entry.source, entry.actor_id, entry.balance_after) == ("adjustment", w["staff"].id, 20)
    line = points.history(session, r.id)[0]
    assert line.msgid == points.HISTORY_TEXT["adjustment"] and line.reason == "误记积分更正"


def test_the_database_refuses_negative_balance_and_reused_seq(session, clock):
    w = _world(session)
    r = w["residents"][0]
    _give(session, r, 10, "t1", clock)
    session.add(
        PointsEntry(
            user_id=r.id,
            seq=2,
            amount=-11,
            balance_after=-1,
            source="adjustment",
            source_id="bad",
            reason="x",
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.add(
        PointsEntry(
            user_id=r.id,
            seq=1,
            amount=5,
            balance_after=15,
            source="adjustment",
            source_id="bad2",
            reason="x",
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_history_is_plain_and_newest_first(session, clock):
    w = _world(session)
    r = w["residents"][0]
    _give(session, r, 10, "a", clock)
    clock.advance(minutes=5)
    points.award(
        session, user_id=r.id, source="council", source_id="c", reason="十一月议事会", now=clock.now
    )
    session.commit()
    lines = points.history(session, r.id)
    assert [(x.amount, x.balance_after, x.source) for x in lines] == [
        (10, 20, "council"),
        (10, 10, "task"),
    ]
    assert points.history_count(session, r.id) == 2


# --- tasks -------------------------------------------------------------------------------------


def test_task_lifecycle_claim_submit_reject_resubmit_approve(session, clock):
    w = _world(session)
    r = w["residents"][0]
    task = _task(session, w, clock)
    cards = points.open_tasks_for(session, user_id=r.id, now=clock.now)
    assert [c.task.id for c in cards] == [task.id] and cards[0].places_left == 3
    assert points.open_tasks_for(session, user_id=w["outsider"].id, now=clock.now) == []
    claim = points.claim_task(session, user_id=r.id, task_id=task.id, now=clock.now)
    with pytest.raises(UserError, match="already claimed"):
        points.claim_task(session, user_id=r.id, task_id=task.id, now=clock.now)
    with pytest.raises(FieldErrors) as missing:
        points.submit_proof(session, user_id=r.id, claim_id=claim.id, note="", now=clock.now)
    assert set(missing.value.errors) == {"note"}
    points.submit_proof(session, user_id=r.id, claim_id=claim.id, note="扫完了三楼", now=clock.now)
    # the outsider's grid worker may not check it; the resident's may
    assert points.claims_to_verify(session, actor_id=w["worker2"].id) == []
    assert [v.claim.id for v in points.claims_to_verify(session, actor_id=w["worker"].id)] == [
        claim.id
    ]
    with pytest.raises(UserError):
        points.verify_claim(
            session, actor_id=w["worker2"].id, claim_id=claim.id, approve=True, now=clock.now
        )
    with pytest.raises(UserError) as no_reason:
        points.verify_claim(
            session, actor_id=w["worker"].id, claim_id=claim.id, approve=False, now=clock.now
        )
    assert no_reason.value.field == "reason"
    points.verify_claim(
        session,
        actor_id=w["worker"].id,
        claim_id=claim.id,
        approve=False,
        reason="照片看不清",
        now=clock.now,
    )
    assert points.balance(session, r.id) == 0
    points.submit_proof(session, user_id=r.id, claim_id=claim.id, note="补充说明", now=clock.now)
    verdict = points.verify_claim(
        session, actor_id=w["worker"].id, claim_id=claim.id, approve=True, now=clock.now
    )
    assert verdict.entry.amount == 15 and points.balance(session, r.id) == 15
    with pytest.raises(UserError, match="already checked"):
        points.verify_claim(
            session, actor_id=w["staff"].id, claim_id=claim.id, approve=True, now=clock.now
        )
    steps = session.exec(
        select(TaskClaimEvent.to_status)
        .where(TaskClaimEvent.claim_id == claim.id)
        .order_by(TaskClaimEvent.id)
    ).all()
    assert steps == ["claimed", "submitted", "rejected", "submitted", "approved"]
    assert points.balance(session, r.id) == 15


def test_resubmit_only_once(session, clock):
    w = _world(session)
    r = w["residents"][0]
    task = _task(session, w, clock)
    claim = points.claim_task(session, user_id=r.id, task_id=task.id, now=clock.now)
    for _ in range(2):
        points.submit_proof(session, user_id=r.id, claim_id=claim.id, note="做了", now=clock.now)
        points.verify_claim(
            session,
            actor_id=w["staff"].id,
            claim_id=claim.id,
            approve=False,
            reason="不符合要求",
            now=clock.now,
        )
    with pytest.raises(UserError, match="third time"):
        points.submit_proof(session, user_id=r.id, claim_id=claim.id, note="再来", now=clock.now)


def test_verifying_ones_own_task_is_refused(session, clock):
    w = _world(session)
    task = _task(session, w, clock)
    claim = points.claim_task(session, user_id=w["worker"].id, task_id=task.id, now=clock.now)
    points.submit_proof(
        session, user_id=w["worker"].id, claim_id=claim.id, note="巡查完毕", now=clock.now
    )
    with pytest.raises(UserError, match="your own task"):
        points.verify_claim(
            session, actor_id=w["worker"].id, claim_id=claim.id, approve=True, now=clock.now
        )
    assert points.claims_to_verify(session, actor_id=w["worker"].id) == []


def test_claiming_full_closed_cancelled_or_foreign_task_is_refused(session, clock):
    w = _world(session, residents=3)
    a, b, c = w["residents"]
    task = _task(session, w, clock, places=2)
    points.claim_task(session, user_id=a.id, task_id=task.id, now=clock.now)
    claim_b = points.claim_task(session, user_id=b.id, task_id=task.id, now=clock.now)
    with pytest.raises(UserError, match="All places"):
        points.claim_task(session, user_id=c.id, task_id=task.id, now=clock.now)
    points.withdraw_claim(session, user_id=b.id, claim_id=claim_b.id, now=clock.now)
    points.claim_task(session, user_id=c.id, task_id=task.id, now=clock.now)
    with pytest.raises(UserError, match="not open to your grid"):
        points.claim_task(session, user_id=w["outsider"].id, task_id=task.id, now=clock.now)
    with pytest.raises(UserError, match="closed"):
        points.claim_task(session, user_id=b.id, task_id=task.id, now=clock.now + timedelta(days=3))
    points.cancel_task(
        session, actor_id=w["staff"].id, task_id=task.id, reason="下雨取消", now=clock.now
    )
    with pytest.raises(UserError, match="cancelled"):
        points.claim_task(session, user_id=b.id, task_id=task.id, now=clock.now)
    statuses = session.exec(select(TaskClaim.status).where(TaskClaim.task_id == task.id)).all()
    assert sorted(statuses) == ["withdrawn", "withdrawn", "withdrawn"]


BAD_TASKS = [
    ("points", {"points": -5}),
    ("points", {"points": 100000}),
    ("points", {"points": "lots"}),
    ("places", {"places": 0}),
    ("grids", {"grid_ids": []}),
    ("title", {"title": " "}),
    ("period", {"ends_at": None}),
    ("proof", {"proof": "dna"}),
    ("occurrences", {"repeat": "weekly", "occurrences": 99}),
]


def test_publishing_refuses_bad_input(session, clock):
    w = _world(session)
    for field, kw in BAD_TASKS:
        with pytest.raises(FieldErrors) as bad:
            _task(session, w, clock, **kw)
        assert field in bad.value.errors, (field, kw)
    with pytest.raises(FieldErrors) as past:
        _task(
            session,
            w,
            clock,
            starts_at=clock.now - timedelta(days=3),
            ends_at=clock.now - timedelta(days=2),
        )
    assert "period" in past.value.errors
    assert session.exec(select(func.count()).select_from(PointsTask)).one() == 0


def test_publishing_rights(session, clock):
    w = _world(session)
    with pytest.raises(UserError):
        _task(session, w, clock, actor_id=w["residents"][0].id)
    with pytest.raises(FieldErrors) as foreign:  # a micro-grid chief cannot publish for G2
        _task(session, w, clock, actor_id=w["worker"].id, grid_ids=[w["grids"]["G2-M1"].id])
    assert "grids" in foreign.value.errors
    assert _task(session, w, clock, actor_id=w["worker"].id, grid_ids=[w["grids"]["G1-M1"].id])


def test_weekly_series(session, clock):
    w = _world(session)
    tasks = points.publish_task(
        session,
        actor_id=w["staff"].id,
        title="周末巡逻",
        description="",
        points=10,
        places=4,
        grid_ids=[w["grids"]["S"].id],
        starts_at=clock.now + timedelta(days=1),
        ends_at=clock.now + timedelta(days=1, hours=2),
        proof="none",
        repeat="weekly",
        occurrences=4,
        now=clock.now,
    )
    assert len(tasks) == 4 and len({t.series_id for t in tasks}) == 1
    assert [(t.starts_at - tasks[0].starts_at).days for t in tasks] == [0, 7, 14, 21]
    monthly = points.publish_task(
        session,
        actor_id=w["staff"].id,
        title="月度大扫除",
        description="",
        points=10,
        places=4,
        grid_ids=[w["grids"]["S"].id],
        starts_at=clock.now + timedelta(days=1),
        ends_at=clock.now + timedelta(days=1, hours=2),
        proof="none",
        repeat="monthly",
        occurrences=3,
        now=clock.now,
    )
    assert [_add_months(monthly[0].starts_at, n) for n in range(3)] == [
        t.starts_at for t in monthly
    ]


def test_photo_proof(session, clock, tmp_path):
    import io

    from PIL import Image

    w = _world(session)
    r = w["residents"][0]
    task = _task(session, w, clock, proof="photo")
    claim = points.claim_task(session, user_id=r.id, task_id=task.id, now=clock.now)
    with pytest.raises(FieldErrors) as bad:
        points.submit_proof(
            session,
            user_id=r.id,
            claim_id=claim.id,
            photo=b"not a photo",
            media_root=tmp_path,
            now=clock.now,
        )
    assert "photo" in bad.value.errors
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buf, "JPEG")
    done = points.submit_proof(
        session,
        user_id=r.id,
        claim_id=claim.id,
        photo=buf.getvalue(),
        media_root=tmp_path,
        now=clock.now,
    )
    assert done.status == "submitted" and (tmp_path / done.proof_photo).exists()


# --- rewards -----------------------------------------------------------------------------------


def test_redeem_hand_over_and_cancel(session, clock):
    w = _world(session)
    r = w["residents"][0]
    _give(session, r, 120, "t", clock)
    reward = _reward(session, w, clock, provider="merchant", merchant_id=w["merchant"].id)
    redemption = points.redeem(session, user_id=r.id, reward_id=reward.id, now=clock.now)
    code = redemption.code
    assert len(code) == 6 and not set(code) & set("01OI")
    assert points.balance(session, r.id) == 70
    assert session.get(Reward, reward.id).stock == 4
    with pytest.raises(UserError):  # another merchant cannot see the code
        points.hand_over(session, actor_id=w["other_shop"].id, code=code, now=clock.now)
    view = points.hand_over(session, actor_id=w["merchant"].id, code=code.lower(), now=clock.now)
    assert view.redemption.status == "handed_over"
    with pytest.raises(UserError, match="already handed over"):
        points.hand_over(session, actor_id=w["merchant"].id, code=code, now=clock.now)
    with pytest.raises(UserError):
        points.cancel_redemption(session, actor_id=r.id, redemption_id=redemption.id, now=clock.now)
    second = points.redeem(session, user_id=r.id, reward_id=reward.id, now=clock.now)
    assert points.balance(session, r.id) == 20
    points.cancel_redemption(
        session, actor_id=r.id, redemption_id=second.id, reason="不要了", now=clock.now
    )
    assert points.balance(session, r.id) == 70 == points.ledger_sum(session, r.id)
    assert session.get(Reward, reward.id).stock == 4
    with pytest.raises(UserError):
        points.cancel_redemption(session, actor_id=r.id, redemption_id=second.id, now=clock.now)
    with pytest.raises(UserError, match="cancelled"):
        points.hand_over(session, actor_id=w["staff"].id, code=second.code, now=clock.now)
    sources = session.exec(
        select(PointsEntry.source).where(PointsEntry.user_id == r.id).order_by(PointsEntry.seq)
    ).all()
    assert sources == ["task", "reward", "reward", "refund"]
    events = session.exec(
        select(RedemptionEvent.to_status)
        .where(RedemptionEvent.redemption_id == second.id)
        .order_by(RedemptionEvent.id)
    ).all()
    assert events == ["pending", "cancelled"]


def test_redeem_refusals(session, clock):
    w = _world(session)
    r = w["residents"][0]
    _give(session, r, 40, "t", clock)
    reward = _reward(session, w, clock, stock=1)
    with pytest.raises(UserError, match="Not enough points") as poor:
        points.redeem(session, user_id=r.id, reward_id=reward.id, now=clock.now)
    assert poor.value.message.params == {"cost": 50, "balance": 40}
    assert session.get(Reward, reward.id).stock == 1
    _give(session, r, 100, "t2", clock)
    points.redeem(session, user_id=r.id, reward_id=reward.id, now=clock.now)
    with pytest.raises(UserError, match="out of stock"):
        points.redeem(session, user_id=r.id, reward_id=reward.id, now=clock.now)
    later = _reward(session, w, clock, available_from=clock.now + timedelta(days=3))
    with pytest.raises(UserError, match="not available"):
        points.redeem(session, user_id=r.id, reward_id=later.id, now=clock.now)
    assert [c.reward.id for c in points.rewards_for(session, now=clock.now)] == [reward.id]


def test_catalogue_and_stock_rules(session, clock):
    w = _world(session)
    with pytest.raises(UserError):
        _reward(session, w, clock, actor_id=w["merchant"].id)
    with pytest.raises(FieldErrors) as bad:
        _reward(
            session, w, clock, cost=0, stock=-1, provider="merchant", merchant_id=w["worker"].id
        )
    assert set(bad.value.errors) == {"cost", "stock", "merchant"}
    reward = _reward(session, w, clock, stock=2)
    with pytest.raises(UserError):
        points.change_stock(
            session,
            actor_id=w["staff"].id,
            reward_id=reward.id,
            delta=-3,
            reason="盘点",
            now=clock.now,
        )
    assert (
        points.change_stock(
            session,
            actor_id=w["staff"].id,
            reward_id=reward.id,
            delta=10,
            reason="新到货",
            now=clock.now,
        ).stock
        == 12
    )


# --- leaderboard and figures ---------------------------------------------------------------------


def test_leaderboard_per_grid_with_opt_out(session, clock):
    w = _world(session)
    a, b, c = w["residents"]
    for person, pts in ((a, 30), (b, 50), (c, 10), (w["outsider"], 99)):
        _give(session, person, pts, "t", clock)
    points.set_leaderboard_opt_out(session, user_id=b.id, opt_out=True, now=clock.now)
    board = points.leaderboard(session, grid_id=w["grids"]["G1"].id)
    assert [(s.rank, s.user_id, s.points) for s in board] == [
        (1, b.id, 50),
        (2, a.id, 30),
        (3, c.id, 10),
    ]
    assert board[0].name is None and board[1].name == a.display_name
    assert [s.user_id for s in points.leaderboard(session, grid_id=w["grids"]["S"].id)][0] == w[
        "outsider"
    ].id
    assert points.leaderboard_opt_out(session, b.id) is True


def test_monthly_figures_per_general_grid(session, clock):
    w = _world(session)
    a = w["residents"][0]
    _give(session, a, 80, "t", clock)
    _give(session, w["outsider"], 20, "t", clock)
    reward = _reward(session, w, clock)
    points.redeem(session, user_id=a.id, reward_id=reward.id, now=clock.now)
    figures = {
        (f.grid_id, f.month): (f.issued, f.redeemed)
        for f in points.monthly_by_grid(session, months=3, now=clock.now)
    }
    assert figures == {
        (w["grids"]["G1"].id, "2026-11"): (80, 50),
        (w["grids"]["G2"].id, "2026-11"): (20, 0),
    }


# --- two browsers at once -------------------------------------------------------------------------


def test_fifty_parallel_claims_on_ten_places(db_url, session, clock):
    w = _world(session, residents=50)
    task = _task(session, w, clock, places=10)
    ids = [r.id for r in w["residents"]]
    results = race(
        db_url,
        50,
        lambda s, i: points.claim_task(s, user_id=ids[i], task_id=task.id, now=clock.now),
    )
    ok = [x for x in results if isinstance(x, TaskClaim)]
    refused = [x for x in results if isinstance(x, UserError)]
    assert len(ok) == 10, [x for x in results if not isinstance(x, (TaskClaim, UserError))]
    assert len(refused) == 40 and all("All places" in str(x) for x in refused)
    with Session(get_engine(db_url)) as s:
        assert (
            s.exec(
                select(func.count()).select_from(TaskClaim).where(TaskClaim.task_id == task.id)
            ).one()
            == 10
        )


def test_twenty_parallel_redemptions_of_the_last_unit(db_url, session, clock):
    w = _world(session, residents=20)
    for r in w["residents"]:
        points.award(
            session,
            user_id=r.id,
            source="task",
            source_id="gift",
            reason="x",
            amount=100,
            now=clock.now,
        )
    session.commit()
    reward = _reward(session, w, clock, stock=1)
    ids = [r.id for r in w["residents"]]
    results = race(
        db_url,
        20,
        lambda s, i: points.redeem(s, user_id=ids[i], reward_id=reward.id, now=clock.now),
    )
    ok = [x for x in results if isinstance(x, Redemption)]
    assert len(ok) == 1, results
    assert all(isinstance(x, UserError) for x in results if x not in ok), results
    with Session(get_engine(db_url)) as s:
        assert s.get(Reward, reward.id).stock == 0
        assert (
            s.exec(
                select(func.count()).select_from(PointsEntry).where(PointsEntry.source == "reward")
            ).one()
            == 1
        )
        assert sum(points.balance(s, uid) for uid in ids) == 20 * 100 - 50


def test_one_person_two_browsers_cannot_overspend(db_url, session, clock):
    w = _world(session, residents=1)
    r = w["residents"][0]
    _give(session, r, 60, "t", clock)
    reward = _reward(session, w, clock, cost=50, stock=5)
    results = race(
        db_url, 6, lambda s, i: points.redeem(s, user_id=r.id, reward_id=reward.id, now=clock.now)
    )
    assert len([x for x in results if isinstance(x, Redemption)]) == 1, results
    with Session(get_engine(db_url)) as s:
        assert points.balance(s, r.id) == 10 == points.ledger_sum(s, r.id)
        assert s.get(Reward, reward.id).stock == 4


def test_the_same_event_credited_from_many_threads_counts_once(db_url, session, clock):
    w = _world(session, residents=1)
    r = w["residents"][0]

    def credit(s, _i):
        entry = points.award(
            s, user_id=r.id, source="wish", source_id="wish-7", reason="心愿", now=clock.now
        )
        s.commit()
        return entry

    results = race(db_url, 10, credit)
    assert len([x for x in results if isinstance(x, PointsEntry)]) == 1, results
    assert all(x is None for x in results if not isinstance(x, PointsEntry)), results
    with Session(get_engine(db_url)) as s:
        assert points.balance(s, r.id) == 20


def test_demo_seed_has_points(sqlite_demo_url):
    with Session(get_engine(sqlite_demo_url), expire_on_commit=False) as demo_session:
        _check_demo(demo_session)


def _check_demo(demo_session):
    users = {
        u.username: u
        for u in demo_session.exec(
            select(User).where(User.username.in_(["zhang_nainai", "tashi", "aygul", "axi"]))
        )
    }
    assert all(
        points.balance(demo_session, u.id) == points.ledger_sum(demo_session, u.id) > 0
        for name, u in users.items()
        if name != "tashi"
    )
    assert demo_session.exec(select(func.count()).select_from(Reward)).one() == 3
    assert points.open_tasks_for(demo_session, user_id=users["zhang_nainai"].id)
    from portal.demo.seed_points import seed_points

    assert seed_points(demo_session) == 0
