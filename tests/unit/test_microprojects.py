"""Co-funded micro-projects (portal.microprojects) on SQLite and PostgreSQL: proposing, pledging
money and points (the one ledger), the matching rule and the matched share, the goal, the
office's approval and the council's agenda, payments, 公示, the deadline rule, other communities,
and exact sums when many neighbours pledge at once (threads on db_url)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_council import CouncilItem
from db.models_microprojects import MicroEvent, MicroPledge, MicroProject
from db.models_notifications import Notification
from portal import council, housekeeping, points
from portal import microprojects as mp
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from portal.localtime import today
from tests.communities_world import build
from tests.factories import add_user, parallel

OUTSIDE = "This belongs to another community."


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 140, 60)).save(out, "JPEG")
    return out.getvalue()


def _ids(world):
    u = {k: v.id for k, v in world.users.items()}
    g = {k: v.id for k, v in world.grids.items()}
    return u, g


def _project(s, world, clock, goal="1000", days=10, who="resident_ca"):
    u, g = _ids(world)
    return mp.propose(
        s,
        proposer_id=u[who],
        title="加装电梯 3栋",
        plan="3栋加装电梯：设计、施工、验收。",
        category="lift",
        grid_id=g["CA-G1-M1"],
        goal=goal,
        deadline=today(clock()) + timedelta(days=days),
        now=clock(),
    )


def _pledge(s, clock, **kw):
    kw.setdefault("now", clock())
    return mp.pledge(s, **kw)


def _people(s, world, n, start=0):
    home = world.grids["CA-G1-M1"]
    people = [add_user(s, f"n{start + i}", "resident", home) for i in range(n)]
    s.commit()
    return [p.id for p in people]


def _sums_agree(s, project_id):
    s.expire_all()
    p = s.get(MicroProject, project_id)
    assert (p.pledged_fen, p.pledged_points, p.paid_fen) == mp.totals_from_rows(s, project_id)
    return p


def test_money_is_fen_and_shown_in_yuan():
    assert mp.parse_fen("12.5") == (1250, None)
    assert mp.parse_fen("¥1,200.00")[0] == 120000
    assert mp.parse_fen("0.01")[0] == 1
    for bad in ("1.234", "-5", "abc", "0", "1e3"):
        assert mp.parse_fen(bad)[0] is None, bad
    assert mp.format_money("zh_Hans", 123456) == "¥1,234.56"
    assert mp.format_money("en", 5) == "¥0.05"


def test_pledges_matching_goal_approval_payment_and_publishing(session, clock, tmp_path):
    world = build(session)
    u, g = _ids(world)
    mp.set_rule(session, actor_id=u["staff_ca"], grid_id=g["CA"], ratio_percent=100, cap="300")
    project = _project(session, world, clock)
    assert project.state == "open" and project.goal_fen == 100000
    points.adjust(
        session, actor_id=u["staff_ca"], user_id=u["merchant_ca"], amount=50, reason="seed"
    )
    first = _pledge(session, clock, project_id=project.id, user_id=u["resident_ca"], amount="200")
    card = mp.detail(session, project_id=project.id, viewer_id=u["resident_ca"]).card
    assert (card.match.fen, card.raised_fen, card.percent) == (20000, 40000, 40)  # 1:1 live
    with pytest.raises(UserError, match="already pledged"):
        _pledge(session, clock, project_id=project.id, user_id=u["resident_ca"], amount="1")
    with pytest.raises(FieldErrors) as bad:
        _pledge(session, clock, project_id=project.id, user_id=u["merchant_ca"], amount="1.234")
    assert "amount" in bad.value.errors
    with pytest.raises(UserError, match="Not enough points"):
        _pledge(session, clock, project_id=project.id, user_id=u["merchant_ca"], points=80)
    _pledge(
        session, clock, project_id=project.id, user_id=u["merchant_ca"], amount="350", points=30
    )
    assert points.balance(session, u["merchant_ca"]) == 20
    p = _sums_agree(session, project.id)
    # 550 pledged + min(550, cap 300) = 850 < 1000: still open; the withdrawal gives points back
    assert p.state == "open"
    pledges = session.exec(select(MicroPledge).where(MicroPledge.user_id == u["merchant_ca"])).all()
    mp.withdraw(session, pledge_id=pledges[0].id, user_id=u["merchant_ca"], now=clock())
    assert points.balance(session, u["merchant_ca"]) == 50
    with pytest.raises(UserError, match="Only the person who pledged"):
        mp.withdraw(session, pledge_id=first.id, user_id=u["merchant_ca"])
    _pledge(
        session, clock, project_id=project.id, user_id=u["merchant_ca"], amount="500", points=10
    )
    p = _sums_agree(session, project.id)
    assert (p.state, p.matched_fen, p.match_grid_id) == ("funded", 30000, g["CA"])
    with pytest.raises(UserError, match="before the goal"):
        mp.withdraw(session, pledge_id=first.id, user_id=u["resident_ca"])
    with pytest.raises(UserError, match="once the project is approved"):
        mp.record_payment(session, actor_id=u["staff_ca"], pledge_id=first.id, receipt_no="R1")
    # another community's office cannot act; the resident's own office approves
    with pytest.raises(UserError, match=OUTSIDE):
        mp.approve(session, actor_id=u["staff_cb"], project_id=project.id)
    mp.approve(session, actor_id=u["staff_ca"], project_id=project.id, note="同意")
    paid = mp.record_payment(
        session, actor_id=u["staff_ca"], pledge_id=first.id, receipt_no="R-001"
    )
    assert (paid.state, paid.receipt_no, paid.recorded_by) == ("paid", "R-001", u["staff_ca"])
    with pytest.raises(UserError, match="already paid"):
        mp.record_payment(session, actor_id=u["staff_ca"], pledge_id=first.id, receipt_no="R-2")
    assert _sums_agree(session, project.id).paid_fen == 20000
    with pytest.raises(FieldErrors) as no_receipt:
        mp.publish(
            session,
            actor_id=u["staff_ca"],
            project_id=project.id,
            kind="spending",
            body="设计费",
            amount="120",
        )
    assert set(no_receipt.value.errors) == {"photo"}
    mp.publish(
        session,
        actor_id=u["staff_ca"],
        project_id=project.id,
        kind="spending",
        body="设计费",
        amount="120.50",
        photo=jpeg_bytes(),
        media_root=tmp_path,
    )
    mp.publish(
        session, actor_id=u["staff_ca"], project_id=project.id, kind="progress", body="已开工"
    )
    view = mp.detail(session, project_id=project.id, viewer_id=u["merchant_ca"])
    assert view.spent_fen == 12050 and len(view.entries) == 2 and not view.may_manage
    assert [e.kind for e in view.trail][:2] == ["proposed", "pledged"]
    # 公示 photo: the community sees it, the other community does not
    from portal.media_access import allowed_file

    spending = next(e for e in view.entries if e.kind == "spending")
    index = GridIndex.load(session)
    assert allowed_file(
        session, index, session.get(User, u["resident_ca"]), "microproject", spending.id
    )
    assert not allowed_file(
        session, index, session.get(User, u["resident_cb"]), "microproject", spending.id
    )
    with pytest.raises(UserError):  # another community's project is not found
        mp.detail(session, project_id=project.id, viewer_id=u["resident_cb"])
    mp.complete(session, actor_id=u["staff_ca"], project_id=project.id)
    assert session.get(MicroProject, project.id).state == "completed"


def test_other_community_unverified_and_budget(session, clock):
    world = build(session)
    u, g = _ids(world)
    project = _project(session, world, clock, goal="100")
    with pytest.raises(UserError, match=OUTSIDE):
        _pledge(session, clock, project_id=project.id, user_id=u["resident_cb"], amount="10")
    fresh = add_user(
        session, "fresh", "resident", world.grids["CA-G1-M1"], verification="unverified"
    )
    session.commit()
    with pytest.raises(UserError, match="not confirmed"):
        _pledge(session, clock, project_id=project.id, user_id=fresh.id, amount="10")
    with pytest.raises(UserError, match=OUTSIDE):  # a community's staff: not the street's rule
        mp.set_rule(session, actor_id=u["staff_ca"], grid_id=g["JD"], ratio_percent=50)
    with pytest.raises(UserError, match="own office"):  # the street's staff: its own rule
        mp.set_rule(session, actor_id=u["street_staff"], grid_id=g["CA"], ratio_percent=50)
    # the street's rule covers both communities; its budget is spent once
    mp.set_rule(
        session, actor_id=u["street_staff"], grid_id=g["JD"], ratio_percent=100, budget="60"
    )
    second = _project(session, world, clock, goal="100", who="merchant_ca")
    _pledge(session, clock, project_id=project.id, user_id=u["merchant_ca"], amount="50")
    assert session.get(MicroProject, project.id).state == "funded"  # 50 + 50
    card = mp.detail(session, project_id=second.id, viewer_id=u["resident_ca"]).card
    _pledge(session, clock, project_id=second.id, user_id=u["resident_ca"], amount="50")
    card = mp.detail(session, project_id=second.id, viewer_id=u["resident_ca"]).card
    assert (card.match.fen, card.project.state) == (1000, "open")  # only 10 of the budget left


def test_deadline_closes_once_and_releases_points(session, clock):
    world = build(session)
    u, _g = _ids(world)
    project = _project(session, world, clock, days=2)
    points.adjust(
        session, actor_id=u["staff_ca"], user_id=u["merchant_ca"], amount=40, reason="seed"
    )
    _pledge(session, clock, project_id=project.id, user_id=u["merchant_ca"], amount="10", points=40)
    assert points.balance(session, u["merchant_ca"]) == 0
    assert mp.close_due(session, clock.advance(days=2)).expired == 0  # the last day itself: open
    later = clock.advance(days=1)
    with pytest.raises(UserError, match="not collecting"):
        _pledge(session, clock, project_id=project.id, user_id=u["resident_ca"], amount="5")
    outcome = housekeeping.run(session, GridIndex.load(session), later)
    assert (outcome.microprojects.expired, outcome.microprojects.released) == (1, 1)
    assert mp.close_due(session, later).expired == 0  # exactly once
    p = _sums_agree(session, project.id)
    assert (p.state, p.pledged_fen) == ("expired", 0)
    assert points.balance(session, u["merchant_ca"]) == 40
    told = session.exec(
        select(Notification.params).where(
            Notification.recipient_id == u["merchant_ca"],
            Notification.event == "microproject_changed",
        )
    ).all()
    assert len(told) == 1 and "closed, pledges released" in told[0]  # the pledger, once


def test_funded_project_goes_to_the_council_and_follows_its_outcome(session, clock):
    world = build(session)
    u, g = _ids(world)
    project = _project(session, world, clock, goal="10")
    _pledge(session, clock, project_id=project.id, user_id=u["merchant_ca"], amount="10")
    with pytest.raises(UserError, match="no meeting in preparation"):
        mp.send_to_council(session, actor_id=u["staff_ca"], project_id=project.id)
    board = council.create_council(
        session,
        actor_id=u["staff_ca"],
        grid_id=g["CA"],
        name="CA议事会",
        term_start=today(clock()),
        term_end=today(clock()) + timedelta(days=365),
    )
    council.create_meeting(
        session,
        council_id=board.id,
        actor_id=u["staff_ca"],
        starts_at=clock() + timedelta(days=20),
        place="活动室",
        now=clock(),
    )
    item = mp.send_to_council(session, actor_id=u["staff_ca"], project_id=project.id, now=clock())
    assert (item.source, item.title, item.proposer_id) == ("staff", project.title, u["resident_ca"])
    assert session.get(MicroProject, project.id).state == "council"
    row = session.get(CouncilItem, item.id)
    row.outcome, row.decision = "adopted", "通过"
    session.add(row)
    session.commit()
    assert mp.close_due(session, clock()).decided == 1
    assert mp.close_due(session, clock()).decided == 0
    assert session.get(MicroProject, project.id).state == "approved"
    kinds = session.exec(select(MicroEvent.kind).where(MicroEvent.project_id == project.id)).all()
    assert kinds[-1] == "approved"


def test_reject_releases(session, clock):
    world = build(session)
    u, _g = _ids(world)
    project = _project(session, world, clock, goal="10")
    _pledge(session, clock, project_id=project.id, user_id=u["merchant_ca"], amount="10")
    with pytest.raises(FieldErrors):
        mp.reject(session, actor_id=u["staff_ca"], project_id=project.id, reason=" ")
    mp.reject(session, actor_id=u["street_staff"], project_id=project.id, reason="不符合规划")
    p = _sums_agree(session, project.id)
    assert (p.state, p.pledged_fen) == ("rejected", 0)
    states = session.exec(
        select(MicroPledge.state).where(MicroPledge.project_id == project.id)
    ).all()
    assert states == ["released"]


# --- concurrency: real threads, each with its own session, on both backends --------------------


def test_many_neighbours_pledge_at_once_and_the_sums_are_exact(db_url, clock):
    engine = get_engine(db_url)
    n = 24
    with Session(engine, expire_on_commit=False) as s:
        world = build(s)
        u, g = _ids(world)
        mp.set_rule(s, actor_id=u["staff_ca"], grid_id=g["CA"], ratio_percent=100)
        project = _project(s, world, clock, goal="100000")
        people = _people(s, world, n)
        for who in people:
            points.adjust(s, actor_id=u["staff_ca"], user_id=who, amount=5, reason="seed")

    def work(i):
        with Session(engine, expire_on_commit=False) as s:
            return _pledge(
                s, clock, project_id=project.id, user_id=people[i], amount=f"{i + 1}.01", points=5
            )

    results = parallel(n, work)
    assert [r for r in results if isinstance(r, Exception)] == []
    with Session(engine) as s:
        p = _sums_agree(s, project.id)
        assert p.pledged_fen == sum((i + 1) * 100 + 1 for i in range(n))
        assert p.pledged_points == 5 * n
        assert all(points.balance(s, who) == 0 for who in people)


def test_the_pledges_that_reach_the_goal_fund_it_once(db_url, clock):
    engine = get_engine(db_url)
    n = 8
    with Session(engine, expire_on_commit=False) as s:
        world = build(s)
        u, g = _ids(world)
        mp.set_rule(s, actor_id=u["staff_ca"], grid_id=g["CA"], ratio_percent=100, cap="20")
        project = _project(s, world, clock, goal="50")
        people = _people(s, world, n)

    def work(i):
        with Session(engine, expire_on_commit=False) as s:
            return _pledge(s, clock, project_id=project.id, user_id=people[i], amount="10")

    results = parallel(n, work)
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, UserError) and "not collecting" in str(e) for e in errors)
    with Session(engine) as s:
        p = _sums_agree(s, project.id)
        assert p.state == "funded" and p.matched_fen == 2000
        assert p.pledged_fen == 3000 and len(errors) == n - 3  # 30 pledged + 20 matched = 50
        funded = s.exec(
            select(MicroEvent).where(
                MicroEvent.project_id == project.id, MicroEvent.kind == "funded"
            )
        ).all()
        assert len(funded) == 1
