"""Acting on behalf (代办): consent rules, acting for a resident, and both names in every trail —
on SQLite and PostgreSQL (the demo community: 张奶奶 lives in G1-M1, looked after by chief_g1m1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from db.models import User
from db.models_behalf import BehalfAction, BehalfConsent
from db.models_cockpit import Device
from db.models_points import TaskClaim
from db.models_reports import Report, ReportCategory
from db.models_wishes import WishVote
from portal import behalf, points, reports, wishes
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from portal.media import LocalMediaStore
from portal.reports import queries as report_queries


@pytest.fixture
def c(demo_session, clock, tmp_path):
    class C:
        pass

    ctx = C()
    ctx.s, ctx.clock = demo_session, clock
    ctx.index = GridIndex.load(demo_session)
    ctx.store = LocalMediaStore(tmp_path / "media")
    ctx.user = lambda name: demo_session.exec(select(User).where(User.username == name)).one()
    ctx.worker, ctx.nainai = ctx.user("chief_g1m1"), ctx.user("zhang_nainai")
    return ctx


def _consent(c, actor="chief_g1m1", resident="zhang_nainai", **kw):
    args = {
        "actor_id": c.user(actor).id,
        "resident_id": c.user(resident).id,
        "agreed": True,
        "method": "in_person",
        "note": "",
        "duration": "today",
        "now": c.clock(),
    }
    args.update(kw)
    return behalf.record_consent(c.s, **args)


def _place(c):
    point = c.index.shapes[c.nainai.home_grid_id].representative_point()
    return point.y, point.x


def _file(c, consent, text="楼道灯坏了，张奶奶晚上看不见"):
    lat, lon = _place(c)
    category = c.s.exec(select(ReportCategory).where(ReportCategory.code == "lighting")).one()
    return behalf.file_report(
        c.s,
        c.index,
        c.store,
        consent_id=consent.id,
        actor_id=c.worker.id,
        category_id=category.id,
        description=text,
        lat=lat,
        lon=lon,
        place_source="home",
        now=c.clock(),
    )


def _trail_rows(c, kind):
    return c.s.exec(select(BehalfAction).where(BehalfAction.kind == kind)).all()


# --- consent ------------------------------------------------------------------------------------


def test_consent_is_recorded_with_method_and_valid_to_the_end_of_the_day(c):
    consent = _consent(c, note="在家，女儿在场")
    assert (consent.actor_id, consent.resident_id, consent.method) == (
        c.worker.id,
        c.nainai.id,
        "in_person",
    )
    assert consent.note == "在家，女儿在场" and consent.revoked_at is None
    # 01:00 UTC = 09:00 in Chengdu: valid until 23:59 Beijing time = 15:59 UTC
    assert consent.valid_until == c.clock.now.replace(hour=15, minute=59)
    who = behalf.acting(c.s, consent_id=consent.id, actor_id=c.worker.id, now=c.clock())
    assert (who.actor_name, who.resident_name) == (c.worker.display_name, "张奶奶")
    assert who.method == behalf.METHOD_LABELS["in_person"]


def test_second_click_returns_the_same_open_consent(c):
    first = _consent(c)
    again = _consent(c, method="signed_paper")
    assert again.id == first.id
    assert len(c.s.exec(select(BehalfConsent)).all()) == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"agreed": False}, "agreed"),
        ({"agreed": "yes"}, "agreed"),
        ({"method": None}, "method"),
        ({"method": "telepathy"}, "method"),
        ({"note": "长" * 301}, "note"),
        ({"duration": "forever"}, "duration"),
        ({"resident_id": "1 OR 1=1"}, "resident"),
        ({"resident_id": 999_999}, "resident"),
    ],
)
def test_bad_consent_input_names_the_field(c, change, field):
    with pytest.raises(FieldErrors) as caught:
        _consent(c, **change)
    assert field in caught.value.errors
    assert c.s.exec(select(BehalfConsent)).all() == []


def test_only_grid_workers_and_staff_act_and_only_for_residents_of_their_grids(c):
    with pytest.raises(UserError) as caught:  # a resident acting for a neighbour
        _consent(c, actor="li_ayi")
    assert caught.value.message.msgid == behalf.NOT_A_HELPER
    with pytest.raises(UserError):
        _consent(c, actor="handler_street")
    with pytest.raises(FieldErrors) as caught:  # 扎西 lives in another general grid
        _consent(c, resident="tashi")
    assert caught.value.errors["resident"].msgid == behalf.NOT_IN_GRIDS
    assert caught.value.errors["resident"].params == {"name": "扎西"}
    with pytest.raises(FieldErrors) as caught:
        _consent(c, resident="chief_g1m1")
    assert caught.value.errors["resident"].msgid == behalf.NOT_SELF
    with pytest.raises(FieldErrors) as caught:
        _consent(c, resident="chen_shop")
    assert caught.value.errors["resident"].msgid == behalf.NOT_A_RESIDENT
    # the general grid's chief reaches the micro-grids below; staff reach everyone
    assert _consent(c, actor="gridchief_g1").resident_id == c.nainai.id
    assert _consent(c, actor="staff01", resident="tashi").resident_id == c.user("tashi").id


def test_expired_and_ended_consent_are_refused_with_the_reason(c):
    consent = _consent(c, duration="1h")
    c.clock.advance(minutes=61)
    with pytest.raises(UserError) as caught:
        behalf.acting(c.s, consent_id=consent.id, actor_id=c.worker.id, now=c.clock())
    assert caught.value.message.msgid == behalf.EXPIRED
    assert caught.value.message.params["name"] == "张奶奶"
    with pytest.raises(UserError):
        _file(c, consent)
    fresh = _consent(c)  # asking again after it ran out gives a new consent
    assert fresh.id != consent.id
    behalf.end_consent(
        c.s, consent_id=fresh.id, user_id=c.nainai.id, now=c.clock()
    )  # she withdraws
    behalf.end_consent(c.s, consent_id=fresh.id, user_id=c.worker.id, now=c.clock())  # twice: fine
    with pytest.raises(UserError) as caught:
        behalf.acting(c.s, consent_id=fresh.id, actor_id=c.worker.id, now=c.clock())
    assert caught.value.message.msgid == behalf.REVOKED
    assert c.s.get(BehalfConsent, fresh.id).revoked_by == c.nainai.id
    with pytest.raises(UserError) as caught:  # someone else's consent id
        behalf.acting(c.s, consent_id=fresh.id, actor_id=c.user("chief_g1m2").id, now=c.clock())
    assert caught.value.message.msgid == behalf.NO_CONSENT
    with pytest.raises(UserError):
        behalf.end_consent(c.s, consent_id=fresh.id, user_id=c.user("tashi").id)


def test_a_second_browser_holding_an_ended_consent_is_refused(demo_url, c):
    """The phone stops acting; the PC, with its own database session, cannot act any more."""
    from sqlmodel import Session

    from db.engine import get_engine

    consent = _consent(c)
    with Session(get_engine(demo_url), expire_on_commit=False) as pc:
        assert behalf.acting(pc, consent_id=consent.id, actor_id=c.worker.id, now=c.clock())
        behalf.end_consent(c.s, consent_id=consent.id, user_id=c.worker.id, now=c.clock())
        with pytest.raises(UserError) as caught:
            behalf.acting(pc, consent_id=consent.id, actor_id=c.worker.id, now=c.clock())
    assert caught.value.message.msgid == behalf.REVOKED


# --- acting --------------------------------------------------------------------------------------


def test_report_filed_for_a_resident_names_both_and_is_in_her_reports(c):
    consent = _consent(c)
    report = _file(c, consent)
    assert (report.reporter_id, report.on_behalf_of_id) == (c.worker.id, c.nainai.id)
    [row] = _trail_rows(c, "report")
    assert (row.consent_id, row.target_id, row.actor_id, row.resident_id) == (
        consent.id,
        report.id,
        c.worker.id,
        c.nainai.id,
    )
    assert report.id in [r.id for r in report_queries.my_reports(c.s, c.nainai.id)]
    submit = [s for s in report_queries.timeline(c.s, report.id) if s.action == "submit"][0]
    assert submit.text == behalf.FILED_FOR_TEXT
    assert submit.params["actor"] == c.worker.display_name and submit.params["resident"] == "张奶奶"
    assert submit.params["method"] == behalf.METHOD_LABELS["in_person"]
    public = [
        s for s in report_queries.timeline(c.s, report.id, public=True) if s.action == "submit"
    ][0]
    assert "resident" not in public.params  # the public never sees who it was filed for
    [done] = behalf.done_for(c.s, c.nainai.id)
    assert (done.kind, done.actor, done.resident) == ("report", c.worker.display_name, "张奶奶")


def test_a_refused_report_leaves_no_trail_and_no_report(c):
    consent = _consent(c)
    with pytest.raises(FieldErrors):
        behalf.file_report(
            c.s,
            c.index,
            c.store,
            consent_id=consent.id,
            actor_id=c.worker.id,
            category_id=None,
            description="",
            lat=None,
            lon=None,
            now=c.clock(),
        )
    assert _trail_rows(c, "report") == []
    assert c.s.exec(select(Report).where(Report.on_behalf_of_id == c.nainai.id)).all() == []


def test_points_for_a_verified_report_filed_for_her_go_to_her(c):
    points.ensure_rules(c.s)
    before, worker_before = points.balance(c.s, c.nainai.id), points.balance(c.s, c.worker.id)
    report = _file(c, _consent(c))
    # the worker who filed it handles it; someone else verifies it (issue #16: not one's own work)
    for action, who in (("accept", c.worker), ("resolve", c.worker), ("verify", c.user("staff01"))):
        reports.act(
            c.s,
            c.index,
            report_id=report.id,
            actor_id=who.id,
            action=action,
            note="已修好",
            now=c.clock(),
        )
    assert points.balance(c.s, c.nainai.id) == before + 5
    assert points.balance(c.s, c.worker.id) == worker_before
    [line] = [
        h
        for h in points.history(c.s, c.nainai.id)
        if h.source == "report" and h.source_id == str(report.id)
    ]
    assert (
        behalf.on_target(c.s, "report", [int(line.source_id)])[report.id].actor
        == c.worker.display_name
    )


def test_wish_support_for_a_resident_is_her_vote_given_by_the_worker(c):
    wish = wishes.post_wish(
        c.s,
        author_id=c.user("li_ayi").id,
        title="三号楼装扶手",
        body="楼梯陡，老人上下不便。",
        category="facility",
        now=c.clock(),
    )
    consent = _consent(c)
    assert (
        behalf.support_wish(
            c.s, consent_id=consent.id, actor_id=c.worker.id, wish_id=wish.id, now=c.clock()
        )
        == 1
    )
    vote = c.s.exec(select(WishVote).where(WishVote.wish_id == wish.id)).one()
    assert vote.user_id == c.nainai.id
    who = behalf.acting(c.s, consent_id=consent.id, actor_id=c.worker.id, now=c.clock())
    assert not behalf.may_support(c.s, who, wish.id)
    with pytest.raises(UserError) as caught:  # second click
        behalf.support_wish(
            c.s, consent_id=consent.id, actor_id=c.worker.id, wish_id=wish.id, now=c.clock()
        )
    assert caught.value.message.msgid == "{name} already supports this wish."
    assert caught.value.message.params == {"name": "张奶奶"}
    [done] = behalf.on_target_all(c.s, "wish_vote", wish.id)
    assert (done.actor, done.resident, done.consent_id) == (
        c.worker.display_name,
        "张奶奶",
        consent.id,
    )
    assert len(_trail_rows(c, "wish_vote")) == 1


def test_she_cannot_support_her_own_wish_through_the_worker(c):
    wish = wishes.post_wish(
        c.s,
        author_id=c.nainai.id,
        title="想要一把椅子",
        body="楼下等车时想坐一会儿。",
        category="facility",
        now=c.clock(),
    )
    consent = _consent(c)
    with pytest.raises(UserError) as caught:
        behalf.support_wish(
            c.s, consent_id=consent.id, actor_id=c.worker.id, wish_id=wish.id, now=c.clock()
        )
    assert caught.value.message.params == {"name": "张奶奶"}
    assert _trail_rows(c, "wish_vote") == []


def test_task_claimed_for_her_earns_her_the_points_and_says_who_claimed(c):
    staff = c.user("staff01")
    grid = c.index.grids[c.nainai.home_grid_id]
    task = points.publish_task(
        c.s,
        actor_id=staff.id,
        title="陪老人散步",
        description="傍晚一小时",
        points=15,
        places=2,
        grid_ids=[grid.parent_id],
        starts_at=c.clock.now - timedelta(hours=1),
        ends_at=c.clock.now + timedelta(days=2),
        proof="note",
        now=c.clock(),
    )[0]
    consent = _consent(c)
    before = points.balance(c.s, c.nainai.id)
    who = behalf.acting(c.s, consent_id=consent.id, actor_id=c.worker.id, now=c.clock())
    assert task.id in [card.task.id for card in behalf.tasks_for(c.s, who, now=c.clock())]
    claim = behalf.claim_task(
        c.s, consent_id=consent.id, actor_id=c.worker.id, task_id=task.id, now=c.clock()
    )
    assert c.s.get(TaskClaim, claim.id).user_id == c.nainai.id
    assert task.id not in [card.task.id for card in behalf.tasks_for(c.s, who, now=c.clock())]
    with pytest.raises(UserError) as caught:
        behalf.claim_task(
            c.s, consent_id=consent.id, actor_id=c.worker.id, task_id=task.id, now=c.clock()
        )
    assert caught.value.message.params == {"name": "张奶奶"}
    points.submit_proof(
        c.s, user_id=c.nainai.id, claim_id=claim.id, note="陪王爷爷散步了", now=c.clock()
    )
    points.verify_claim(c.s, actor_id=staff.id, claim_id=claim.id, approve=True, now=c.clock())
    assert points.balance(c.s, c.nainai.id) == before + 15
    [line] = [
        h
        for h in points.history(c.s, c.nainai.id)
        if h.source == "task" and h.source_id == str(claim.id)
    ]
    done = behalf.on_target(c.s, "task_claim", [int(line.source_id)])[claim.id]
    assert (done.actor, done.resident, done.title) == (
        c.worker.display_name,
        "张奶奶",
        "陪老人散步",
    )
    assert [d.kind for d in behalf.done_by(c.s, c.worker.id)] == ["task_claim"]


# --- finding a resident -------------------------------------------------------------------------


def test_find_residents_by_name_house_and_phone_tail_within_own_grids(c):
    c.s.add(
        Device(
            code="behalf-test-meter",
            kind="meter",
            grid_id=c.nainai.home_grid_id,
            house="7栋3单元502",
            lat=0.0,
            lon=0.0,
            resident_id=c.nainai.id,
            registered_by=c.worker.id,
        )
    )
    c.nainai.phone = "13900001234"
    c.s.add(c.nainai)
    c.s.commit()

    def find(q, who="chief_g1m1"):
        return [h.name for h in behalf.find_residents(c.s, actor_id=c.user(who).id, query=q)]

    assert "张奶奶" in find("张奶")
    assert find("7栋3单元") == ["张奶奶"]
    hit = behalf.find_residents(c.s, actor_id=c.worker.id, query="1234")[0]
    assert (hit.name, hit.phone_tail) == ("张奶奶", "1234") and "7栋3单元502" in hit.houses
    assert find("扎西") == []  # lives outside chief_g1m1's grids
    assert "扎西" in find("扎西", "staff01")
    assert find("%") == [] and find("zhan__nainai") == [] and find("zhang%") == []  # no wildcards
    assert find("zhang_nainai") == ["张奶奶"]
    assert find("'; DROP TABLE account; --") == []
    with pytest.raises(UserError) as caught:
        behalf.find_residents(c.s, actor_id=c.worker.id, query="   ")
    assert caught.value.field == "query"
    with pytest.raises(UserError):
        behalf.find_residents(c.s, actor_id=c.nainai.id, query="张")


def test_running_consents_can_be_taken_up_again_until_they_end(c):
    """After a reload or on a second device the grid worker picks the running consent up again."""
    chief = c.user("gridchief_g1")  # G1 and every courtyard below it
    consent = _consent(c, actor="gridchief_g1", duration="3h")
    _consent(c, actor="gridchief_g1", resident="li_ayi")
    running = behalf.open_consents_by(c.s, chief.id, now=c.clock())
    assert {w.resident_name for w in running} == {"张奶奶", "李阿姨"}
    behalf.end_consent(c.s, consent_id=consent.id, user_id=chief.id, now=c.clock())
    c.clock.advance(hours=1)
    assert [w.resident_name for w in behalf.open_consents_by(c.s, chief.id, now=c.clock())] == [
        "李阿姨"
    ]
    c.clock.advance(hours=20)  # past midnight in Chengdu: the day's consent ran out
    assert behalf.open_consents_by(c.s, chief.id, now=c.clock()) == []
    assert behalf.open_consents_by(c.s, c.worker.id, now=c.clock()) == []


def test_two_browsers_recording_at_once_share_one_consent(c, monkeypatch):
    """The other browser's insert lands between our check and our insert: the unique open key
    refuses ours and we hand back theirs."""
    theirs = _consent(c)
    real = behalf._open_consent
    calls = []

    def not_yet_seen(session, actor_id, resident_id, now):
        calls.append(1)
        return None if len(calls) == 1 else real(session, actor_id, resident_id, now)

    monkeypatch.setattr(behalf, "_open_consent", not_yet_seen)
    ours = _consent(c, method="phone_family")
    assert ours.id == theirs.id and ours.method == "in_person"
    assert len(c.s.exec(select(BehalfConsent)).all()) == 1
