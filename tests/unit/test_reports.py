import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import Session, SQLModel, select

from db.engine import get_engine
from db.models import Department, GridDuty, User
from db.models_reports import JointTask, Report, ReportCategory, ReportEvent
from portal import reports
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from portal.media import LocalMediaStore
from portal.reports import queries


def _clear_reports(session) -> None:
    """Deletes every report and every row of any table that depends on reports, leaves first."""
    doomed = {"report"}
    changed = True
    while changed:
        changed = False
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in doomed and any(
                fk.column.table.name in doomed for fk in table.foreign_keys
            ):
                doomed.add(table.name)
                changed = True
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name in doomed:
            session.exec(delete(table))
    session.commit()


@pytest.fixture
def ctx(demo_session, demo_url, tmp_path):
    """The demo community with no reports yet, a media store and handy people."""
    _clear_reports(demo_session)
    index = GridIndex.load(demo_session)

    class C:
        pass

    c = C()
    c.s, c.url, c.index, c.store = (
        demo_session,
        demo_url,
        index,
        LocalMediaStore(tmp_path / "media"),
    )
    c.user = lambda name: demo_session.exec(select(User).where(User.username == name)).one()
    c.cat = lambda code: demo_session.exec(
        select(ReportCategory).where(ReportCategory.code == code)
    ).one()
    c.micro = index.of_kind("micro")[0]  # G1-M1: zhang_nainai's courtyard, chief_g1m1
    p = index.shapes[c.micro.id].representative_point()
    c.lat, c.lon = p.y, p.x
    return c


def _submit(c, clock, who="zhang_nainai", code="lighting", text="楼道灯不亮", **kw):
    values = {
        "reporter_id": c.user(who).id,
        "category_id": c.cat(code).id,
        "description": text,
        "lat": c.lat,
        "lon": c.lon,
        "now": clock(),
    }
    values.update(kw)
    return reports.submit(c.s, c.index, c.store, **values)


def _actions(c, report):
    return [
        e.action
        for e in c.s.exec(
            select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
        )
    ]


def test_submit_dispatches_to_the_micro_grid_chief_with_a_due_time(ctx, clock):
    report = _submit(ctx, clock)
    assert report.grid_id == ctx.micro.id
    assert report.state == "assigned" and report.level == "grid"
    assert report.assignee_id == ctx.user("chief_g1m1").id
    assert report.due_at == clock() + timedelta(hours=ctx.cat("lighting").time_limit_hours)
    assert _actions(ctx, report) == ["submit", "assign"]


def test_exclusive_grid_goes_to_its_responsible_person(ctx, clock):
    market = ctx.index.of_kind("exclusive")[0]
    p = ctx.index.shapes[market.id].representative_point()
    report = _submit(ctx, clock, lat=p.y, lon=p.x)
    assert report.assignee_id == ctx.user(f"resp_{market.code.lower()}").id


def test_grid_without_anyone_goes_up_the_chain(ctx, clock):
    for duty in ctx.s.exec(select(GridDuty).where(GridDuty.grid_id == ctx.micro.id)):
        ctx.s.delete(duty)
    ctx.s.commit()
    report = _submit(ctx, clock)
    assert report.assignee_id == ctx.user("gridchief_g1").id


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lat": None, "lon": None}, "place"),
        ({"lat": 31.23, "lon": 121.47}, "place"),
        ({"lat": "north", "lon": "east"}, "place"),
        ({"category_id": None}, "category"),
        ({"category_id": 99999}, "category"),
        ({"text": "   "}, "description"),
        ({"text": "长" * 2001}, "description"),
    ],
)
def test_bad_reports_are_refused_at_the_field(ctx, clock, changes, field):
    with pytest.raises(FieldErrors) as caught:
        _submit(ctx, clock, **changes)
    assert field in caught.value.errors
    assert ctx.s.exec(select(Report)).all() == []


def test_the_whole_loop_leaves_a_trail(ctx, clock):
    report = _submit(ctx, clock)
    chief = ctx.user("chief_g1m1").id
    for action, note in [("accept", None), ("start", None), ("resolve", "换了灯泡")]:
        reports.act(
            ctx.s,
            ctx.index,
            report_id=report.id,
            actor_id=chief,
            action=action,
            note=note,
            now=clock.advance(hours=1),
        )
    reports.act(
        ctx.s,
        ctx.index,
        report_id=report.id,
        actor_id=ctx.user("gridworker_g1").id,
        action="verify",
        now=clock.advance(hours=2),
    )
    done = reports.rate(
        ctx.s,
        report_id=report.id,
        actor_id=ctx.user("zhang_nainai").id,
        stars=5,
        comment="谢谢",
        now=clock.advance(hours=3),
    )
    assert done.state == "closed" and done.rating == 5 and done.closed_at == clock()
    assert _actions(ctx, report) == [
        "submit",
        "assign",
        "accept",
        "start",
        "resolve",
        "verify",
        "rate",
        "close",
    ]
    events = ctx.s.exec(
        select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
    ).all()
    assert [(e.from_state, e.to_state) for e in events][2:6] == [
        ("assigned", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "resolved"),
        ("resolved", "verified"),
    ]
    steps = queries.timeline(ctx.s, report.id)
    assert steps[2].params["actor"] == ctx.user("chief_g1m1").display_name
    public = queries.timeline(ctx.s, report.id, public=True)
    assert public[0].params["actor"] == "" and all(step.note is None for step in public)


def test_states_cannot_be_skipped_and_outsiders_cannot_act(ctx, clock):
    report = _submit(ctx, clock)
    chief = ctx.user("chief_g1m1").id
    with pytest.raises(UserError):  # resolve before accepting
        reports.act(
            ctx.s, ctx.index, report_id=report.id, actor_id=chief, action="resolve", note="x"
        )
    for outsider in ("tashi", "chief_g2m1", "handler_police"):
        with pytest.raises(UserError) as caught:
            reports.act(
                ctx.s,
                ctx.index,
                report_id=report.id,
                actor_id=ctx.user(outsider).id,
                action="accept",
            )
        assert caught.value.message.msgid == reports.NOT_YOURS
    with pytest.raises(UserError):
        reports.act(ctx.s, ctx.index, report_id=report.id, actor_id=chief, action="explode")
    with pytest.raises(FieldErrors):  # resolving needs a word or a photo
        reports.act(ctx.s, ctx.index, report_id=report.id, actor_id=chief, action="accept")
        reports.act(
            ctx.s, ctx.index, report_id=report.id, actor_id=chief, action="resolve", note=" "
        )
    assert ctx.s.get(Report, report.id).state == "accepted"


def test_return_needs_a_reason_and_staff_reassign(ctx, clock):
    report = _submit(ctx, clock)
    chief = ctx.user("chief_g1m1").id
    with pytest.raises(FieldErrors):
        reports.act(ctx.s, ctx.index, report_id=report.id, actor_id=chief, action="return", note="")
    reports.act(
        ctx.s,
        ctx.index,
        report_id=report.id,
        actor_id=chief,
        action="return",
        note="这是燃气公司的管道",
        now=clock.advance(hours=1),
    )
    assert ctx.s.get(Report, report.id).state == "returned"
    with pytest.raises(UserError):
        reports.reassign(ctx.s, report_id=report.id, actor_id=chief, department_id=1)
    police = ctx.s.exec(select(Department).where(Department.code == "police")).one()
    moved = reports.reassign(
        ctx.s,
        report_id=report.id,
        actor_id=ctx.user("staff01").id,
        department_id=police.id,
        now=clock.advance(hours=1),
    )
    assert (moved.state, moved.department_id, moved.level) == ("assigned", police.id, "street")
    assert reports.may_handle(ctx.s, ctx.index, ctx.user("handler_police"), moved)


def test_escalation_follows_the_chain_to_the_district(ctx, clock):
    report = _submit(ctx, clock)
    actor = ctx.user("chief_g1m1").id
    levels = []
    for who in ("chief_g1m1", "staff01", "handler_street"):
        with pytest.raises(FieldErrors):
            reports.act(
                ctx.s,
                ctx.index,
                report_id=report.id,
                actor_id=ctx.user(who).id,
                action="escalate",
                note="",
            )
        report = reports.act(
            ctx.s,
            ctx.index,
            report_id=report.id,
            actor_id=ctx.user(who).id,
            action="escalate",
            note="需要上级协调",
            now=clock.advance(hours=1),
        )
        levels.append(report.level)
    assert levels == ["community", "street", "district"]
    assert (
        report.department_id
        == ctx.s.exec(select(Department.id).where(Department.code == "district")).one()
    )
    with pytest.raises(UserError):
        reports.act(
            ctx.s,
            ctx.index,
            report_id=report.id,
            actor_id=ctx.user("handler_district").id,
            action="escalate",
            note="再往上",
        )
    del actor


def test_overdue_reports_escalate_themselves_and_are_flagged(ctx, clock):
    report = _submit(ctx, clock, code="safety")  # 24 h
    assert reports.sweep(ctx.s, ctx.index, clock.advance(hours=23)) == {
        "escalated": 0,
        "flagged": 0,
        "closed": 0,
        "warned": 2,  # due within 4 hours: the micro-grid chief and the community secretary
    }
    assert reports.sweep(ctx.s, ctx.index, clock.advance(hours=2))["escalated"] == 1
    report = ctx.s.get(Report, report.id)
    ctx.s.refresh(report)
    assert (report.level, report.overdue, report.state) == ("community", True, "assigned")
    for _ in range(2):
        reports.sweep(ctx.s, ctx.index, clock.advance(hours=25))
    ctx.s.refresh(report)
    assert report.level == "district"
    assert reports.sweep(ctx.s, ctx.index, clock.advance(hours=25))["flagged"] == 1
    assert reports.sweep(ctx.s, ctx.index, clock.advance(hours=25))["flagged"] == 0  # once
    assert _actions(ctx, report).count("auto_escalate") == 3


def test_unrated_resolved_reports_close_after_seven_days(ctx, clock):
    report = _submit(ctx, clock)
    chief = ctx.user("chief_g1m1").id
    reports.act(ctx.s, ctx.index, report_id=report.id, actor_id=chief, action="accept", now=clock())
    reports.act(
        ctx.s,
        ctx.index,
        report_id=report.id,
        actor_id=chief,
        action="resolve",
        note="修好了",
        now=clock.advance(hours=2),
    )
    assert reports.sweep(ctx.s, ctx.index, clock.advance(days=6))["closed"] == 0
    assert reports.sweep(ctx.s, ctx.index, clock.advance(days=2))["closed"] == 1
    assert _actions(ctx, report)[-1] == "auto_close"
    with pytest.raises(UserError):
        reports.rate(ctx.s, report_id=report.id, actor_id=ctx.user("zhang_nainai").id, stars=4)


def test_low_rating_reopens_to_the_handler(ctx, clock):
    report = _submit(ctx, clock)
    chief = ctx.user("chief_g1m1").id
    for action in ("accept", "resolve"):
        reports.act(
            ctx.s, ctx.index, report_id=report.id, actor_id=chief, action=action, note="好了"
        )
    with pytest.raises(UserError):
        reports.rate(ctx.s, report_id=report.id, actor_id=ctx.user("tashi").id, stars=1)
    with pytest.raises(FieldErrors):
        reports.rate(ctx.s, report_id=report.id, actor_id=ctx.user("zhang_nainai").id, stars=9)
    back = reports.rate(
        ctx.s,
        report_id=report.id,
        actor_id=ctx.user("zhang_nainai").id,
        stars=1,
        comment="灯还是不亮",
    )
    assert (back.state, back.assignee_id) == ("reopened", chief)
    reports.act(ctx.s, ctx.index, report_id=report.id, actor_id=chief, action="accept")


def test_me_too_instead_of_a_duplicate(ctx, clock):
    report = _submit(ctx, clock)
    near = reports.nearby_open(
        ctx.s, category_id=ctx.cat("lighting").id, lat=ctx.lat + 0.0001, lon=ctx.lon, now=clock()
    )
    assert [n.report.id for n in near] == [report.id] and near[0].metres < 20
    assert (
        reports.nearby_open(ctx.s, category_id=ctx.cat("road").id, lat=ctx.lat, lon=ctx.lon) == []
    )
    assert (
        reports.nearby_open(
            ctx.s, category_id=ctx.cat("lighting").id, lat=ctx.lat + 0.01, lon=ctx.lon
        )
        == []
    )
    reports.me_too(ctx.s, ctx.store, report_id=report.id, user_id=ctx.user("li_ayi").id)
    with pytest.raises(UserError):
        reports.me_too(ctx.s, ctx.store, report_id=report.id, user_id=ctx.user("li_ayi").id)
    with pytest.raises(UserError):
        reports.me_too(ctx.s, ctx.store, report_id=report.id, user_id=ctx.user("zhang_nainai").id)
    assert (
        reports.nearby_open(
            ctx.s, category_id=ctx.cat("lighting").id, lat=ctx.lat, lon=ctx.lon, now=clock()
        )[0].supporters
        == 1
    )
    assert (
        reports.nearby_open(
            ctx.s,
            category_id=ctx.cat("lighting").id,
            lat=ctx.lat,
            lon=ctx.lon,
            now=clock.advance(days=30),
        )
        == []
    )  # too old to match


def test_whistle_makes_a_joint_order_with_a_short_limit(ctx, clock):
    report = _submit(ctx, clock, code="emergency", text="燃气味很重")
    depts = {d.code: d.id for d in ctx.s.exec(select(Department))}
    with pytest.raises(UserError):
        reports.whistle(
            ctx.s,
            ctx.index,
            report_id=report.id,
            actor_id=ctx.user("tashi").id,
            lead_department_id=depts["police"],
        )
    urgent = reports.whistle(
        ctx.s,
        ctx.index,
        report_id=report.id,
        actor_id=ctx.user("chief_g1m1").id,
        lead_department_id=depts["police"],
        assist_department_ids=[depts["property"], depts["police"]],
        parts={depts["property"]: "关闭燃气总阀"},
        now=clock(),
    )
    assert urgent.urgent and urgent.due_at == clock() + timedelta(hours=reports.WHISTLE_HOURS)
    tasks = ctx.s.exec(select(JointTask).where(JointTask.report_id == report.id)).all()
    assert sorted((t.role, t.department_id) for t in tasks) == [
        ("assist", depts["property"]),
        ("lead", depts["police"]),
    ]
    assert reports.may_handle(ctx.s, ctx.index, ctx.user("handler_police"), urgent)
    assert not reports.may_handle(ctx.s, ctx.index, ctx.user("handler_property"), urgent)
    reports.finish_joint_part(ctx.s, report_id=report.id, actor_id=ctx.user("handler_property").id)
    with pytest.raises(UserError):
        reports.finish_joint_part(
            ctx.s, report_id=report.id, actor_id=ctx.user("handler_property").id
        )
    queue = queries.work_queue(ctx.s, ctx.index, ctx.user("handler_property"), now=clock())
    assert [item.report.id for item in queue] == [report.id]


def test_two_handlers_at_once_one_wins(ctx, clock):
    report = _submit(ctx, clock)
    people = [ctx.user("chief_g1m1").id, ctx.user("staff01").id]
    barrier = threading.Barrier(2)
    outcomes = []

    def accept(actor_id):
        with Session(get_engine(ctx.url)) as s:
            index = GridIndex.load(s)
            barrier.wait()
            try:
                reports.act(s, index, report_id=report.id, actor_id=actor_id, action="accept")
                outcomes.append("ok")
            except UserError as exc:
                outcomes.append(exc.message.msgid)

    threads = [threading.Thread(target=accept, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 2 and outcomes.count("ok") == 1
    assert [o for o in outcomes if o != "ok"][0] in (reports.CONFLICT, reports.NOT_YOURS)
    assert _actions(ctx, report).count("accept") == 1


def test_work_queue_puts_overdue_first(ctx, clock):
    slow = _submit(ctx, clock, code="safety", text="墙裂了")  # due in 24 h
    fresh = _submit(ctx, clock, code="lighting", text="灯坏了")  # due in 48 h
    clock.advance(hours=30)
    queue = queries.work_queue(ctx.s, ctx.index, ctx.user("chief_g1m1"), now=clock())
    assert [item.report.id for item in queue] == [slow.id, fresh.id]
    assert queue[0].overdue and not queue[1].overdue
    assert queries.work_queue(ctx.s, ctx.index, ctx.user("chief_g2m1"), now=clock()) == []
    assert queries.work_queue(ctx.s, ctx.index, ctx.user("tashi"), now=clock()) == []


def test_open311_export_has_no_personal_data(ctx, clock):
    report = _submit(ctx, clock, text="路灯不亮，找3单元501王先生，电话13812345678")
    services = queries.open311_services(ctx.s)
    assert {"service_code", "service_name", "metadata", "type"} <= set(services[0])
    requests = queries.open311_requests(ctx.s, now=clock())
    assert requests[0]["service_request_id"] == str(report.id)
    assert requests[0]["status"] == "open"
    text = queries.open311_json(ctx.s, now=clock())
    for secret in (
        "zhang_nainai",
        "张奶奶",
        ctx.user("chief_g1m1").display_name,
        "13812345678",
        "王先生",
    ):
        assert secret not in text
    assert requests[0]["lat"] == round(report.lat, 4)


def test_map_points_filter(ctx, clock):
    a = _submit(ctx, clock, code="lighting")
    _submit(ctx, clock, code="road", text="坑")
    rows = queries.map_points(
        ctx.s, queries.MapFilter(category_ids=(ctx.cat("lighting").id,)), now=clock()
    )
    assert [r[0] for r in rows] == [a.id]
    assert queries.map_points(ctx.s, queries.MapFilter(states=("closed",)), now=clock()) == []


def test_a_second_click_files_one_report_not_two(ctx, clock):
    first = _submit(ctx, clock)
    clock.advance(seconds=3)
    again = _submit(ctx, clock)
    assert again.id == first.id
    other_words = _submit(ctx, clock, text="楼道灯一直闪")
    assert other_words.id != first.id
    clock.advance(minutes=5)  # the same problem sent again later is a new report on purpose
    later = _submit(ctx, clock)
    assert later.id not in (first.id, other_words.id)
    mine = ctx.s.exec(select(Report).where(Report.reporter_id == ctx.user("zhang_nainai").id)).all()
    assert len(mine) == 3
