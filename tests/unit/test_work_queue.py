"""The work queue's read model: search, filters, their counts, ordering, the page's permissions
(from permissions.can through facts looked up once per page), joint parts. Both backends."""

from sqlalchemy import event
from sqlmodel import select

from db.models import Department
from db.models_reports import Report
from portal import reports
from portal.reports import work_queue as wq
from portal.reports.clock import is_overdue
from tests.unit.test_reports import _submit, ctx  # noqa: F401  (the demo-community fixture)


def _ids(page: wq.QueuePage) -> list[int]:
    return [card.report.id for card in page.cards]


def _page(c, who="staff01", clock=None, **choices) -> wq.QueuePage:
    return wq.queue_page(c.s, c.index, c.user(who), wq.QueueFilter(**choices), now=clock())


def _three(c, clock):
    """A lighting report (G1-M1), a safety report with words to find, one in another grid."""
    lamp = _submit(c, clock, code="lighting", text="三单元楼道灯不亮")
    crack = _submit(c, clock, code="safety", text="墙上有裂缝 crack", who="li_ayi")
    other = c.index.of_kind("micro")[-1]
    p = c.index.shapes[other.id].representative_point()
    far = _submit(c, clock, code="lighting", text="路灯", lat=p.y, lon=p.x)
    return lamp, crack, far


def test_search_by_number_words_place_and_reporter(ctx, clock):  # noqa: F811
    lamp, crack, far = _three(ctx, clock)
    assert _ids(_page(ctx, clock=clock, search=f"#{lamp.id}")) == [lamp.id]
    assert _ids(_page(ctx, clock=clock, search="裂缝")) == [crack.id]
    assert _ids(_page(ctx, clock=clock, search="CRACK")) == [crack.id]  # any case
    place = ctx.index.grids[far.grid_id].name
    assert far.id in _ids(_page(ctx, clock=clock, search=place))
    assert lamp.id not in _ids(_page(ctx, clock=clock, search=place))
    li = ctx.user("li_ayi").display_name
    assert _ids(_page(ctx, clock=clock, search=li)) == [crack.id]
    assert _ids(_page(ctx, clock=clock, search="100%_")) == []  # LIKE wildcards are plain text


def test_every_filter_and_its_counts(ctx, clock):  # noqa: F811
    lamp, crack, far = _three(ctx, clock)
    reports.act(
        ctx.s, ctx.index, report_id=lamp.id, actor_id=ctx.user("chief_g1m1").id, action="accept"
    )
    everything = _page(ctx, clock=clock)
    assert everything.counts.total == 3
    assert everything.counts.states == {"accepted": 1, "assigned": 2}
    assert _ids(_page(ctx, clock=clock, state="accepted")) == [lamp.id]
    lighting = ctx.cat("lighting").id
    assert everything.counts.categories == {lighting: 2, ctx.cat("safety").id: 1}
    assert set(_ids(_page(ctx, clock=clock, category_id=lighting))) == {lamp.id, far.id}
    general = ctx.index.grids[lamp.grid_id].parent_id  # G1: its micro-grids' reports too
    assert everything.counts.grids[lamp.grid_id] == 2 and everything.counts.grids[general] >= 2
    assert set(_ids(_page(ctx, clock=clock, grid_id=general))) >= {lamp.id, crack.id}
    # a facet's counts keep the other choices: with "lighting" chosen, states count lighting only
    assert _page(ctx, clock=clock, category_id=lighting).counts.states == {
        "accepted": 1,
        "assigned": 1,
    }
    # department: the one holding it and every department of a joint order
    police = ctx.s.exec(select(Department).where(Department.code == "police")).one()
    prop = ctx.s.exec(select(Department).where(Department.code == "property")).one()
    reports.whistle(
        ctx.s,
        ctx.index,
        report_id=crack.id,
        actor_id=ctx.user("staff01").id,
        lead_department_id=police.id,
        assist_department_ids=[prop.id],
        now=clock(),
    )
    now = _page(ctx, clock=clock)
    assert now.counts.departments[police.id] == 1 and now.counts.departments[prop.id] == 1
    assert _ids(_page(ctx, clock=clock, department_id=prop.id)) == [crack.id]
    # flags: urgent, overdue, due today (the one clock)
    assert now.counts.flags["urgent"] == 1
    assert _ids(_page(ctx, clock=clock, urgent=True)) == [crack.id]
    clock.advance(hours=30)  # safety is due in 24 h: overdue now; lighting (48 h) not yet
    later = _page(ctx, clock=clock)
    overdue = [c.report.id for c in later.cards if is_overdue(c.report, clock())]
    assert later.counts.flags["overdue"] == len(overdue) == later.overdue == 1
    assert _ids(_page(ctx, clock=clock, overdue=True)) == overdue == [crack.id]
    due_today = _page(ctx, clock=clock, due_today=True)
    assert later.counts.flags["due_today"] == due_today.counts.total
    assert all(not c.overdue for c in due_today.cards)
    # flags combine, and each flag's count keeps the others chosen
    both = _page(ctx, clock=clock, urgent=True, overdue=True)
    assert _ids(both) == [crack.id] and both.counts.flags["due_today"] == 0


def test_urgent_overdue_and_just_escalated_come_first(ctx, clock):  # noqa: F811
    plain = [_submit(ctx, clock, text=f"灯 {i}") for i in range(3)]
    slow = _submit(ctx, clock, code="safety", text="墙裂了")
    clock.advance(hours=30)  # safety (24 h) is overdue now; the lamps (48 h) are not
    escalated = _submit(ctx, clock, text="升级了")
    reports.act(
        ctx.s,
        ctx.index,
        report_id=escalated.id,
        actor_id=ctx.user("chief_g1m1").id,
        action="escalate",
        note="需要社区",
        now=clock(),
    )
    urgent = _submit(ctx, clock, text="紧急")
    reports.whistle(
        ctx.s,
        ctx.index,
        report_id=urgent.id,
        actor_id=ctx.user("staff01").id,
        lead_department_id=ctx.s.exec(select(Department.id)).first(),
        now=clock(),
    )
    page = wq.queue_page(ctx.s, ctx.index, ctx.user("staff01"), now=clock(), page_size=3)
    assert _ids(page)[:3] == [urgent.id, slow.id, escalated.id]
    assert page.cards[2].just_escalated and not page.cards[1].just_escalated
    assert page.pages == 2
    second = wq.queue_page(
        ctx.s, ctx.index, ctx.user("staff01"), wq.QueueFilter(page=2), now=clock(), page_size=3
    )
    assert set(_ids(second)) == {p.id for p in plain}
    newest = _page(ctx, clock=clock, sort="newest")
    assert _ids(newest)[0] == urgent.id and _ids(newest)[-1] == plain[0].id
    clock.advance(hours=25)  # a day later it is no longer "just" escalated
    assert not next(
        c for c in _page(ctx, clock=clock).cards if c.report.id == escalated.id
    ).just_escalated


def test_the_page_permissions_are_the_services_facts(ctx, clock):  # noqa: F811
    """The facts looked up once per page give the same On as reports.facts per report."""
    _three(ctx, clock)
    for who in ("staff01", "chief_g1m1", "chief_g2m1", "handler_police", "handler_property"):
        user = ctx.user(who)
        rows = list(ctx.s.exec(select(Report)))
        batch = wq.page_facts(ctx.s, ctx.index, user, rows, wq._duty_grids(ctx.s, user))
        for r in rows:
            assert batch[r.id][0] == reports.facts(ctx.s, ctx.index, user, r), (who, r.id)
            handle = {"accept"} & wq._actions(user, r, *batch[r.id])
            assert bool(handle) == (
                r.state in ("assigned", "reopened")
                and reports.may_handle(ctx.s, ctx.index, user, r)
            ), (who, r.id)


def test_an_assisting_department_gets_only_its_part(ctx, clock):  # noqa: F811
    report = _submit(ctx, clock, code="safety", text="燃气味")
    police = ctx.s.exec(select(Department).where(Department.code == "police")).one()
    prop = ctx.s.exec(select(Department).where(Department.code == "property")).one()
    reports.whistle(
        ctx.s,
        ctx.index,
        report_id=report.id,
        actor_id=ctx.user("staff01").id,
        lead_department_id=police.id,
        assist_department_ids=[prop.id],
        parts={police.id: "封锁现场", prop.id: "关闭燃气阀"},
        now=clock(),
    )
    helper = _page(ctx, who="handler_property", clock=clock)
    card = helper.cards[0]
    assert card.actions == {"joint_done"}  # no accept, escalate or whistle for an assistant
    assert [(p.department, p.role, p.part, p.status, p.mine) for p in card.joint] == [
        (police.name, "lead", "封锁现场", "open", False),
        (prop.name, "assist", "关闭燃气阀", "open", True),
    ]
    lead = _page(ctx, who="handler_police", clock=clock).cards[0]
    assert {"accept", "joint_done"} <= lead.actions
    reports.finish_joint_part(ctx.s, report_id=report.id, actor_id=ctx.user("handler_property").id)
    after = _page(ctx, who="handler_property", clock=clock).cards[0]
    assert after.actions == frozenset() and after.joint[1].status == "done"


def test_a_page_costs_the_same_statements_for_more_cards(ctx, clock):  # noqa: F811
    def statements(n_reports: int) -> int:
        while len(ctx.s.exec(select(Report.id)).all()) < n_reports:
            _submit(ctx, clock, text=f"灯 {clock().isoformat()}")
            clock.advance(minutes=3)
        seen = []
        engine = ctx.s.get_bind()
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = _page(ctx, clock=clock)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        assert len(page.cards) == min(n_reports, wq.PAGE_SIZE)
        return len(seen)

    assert statements(2) == statements(12)


def test_nobody_elses_queue(ctx, clock):  # noqa: F811
    _three(ctx, clock)
    assert _page(ctx, who="tashi", clock=clock).cards == []
    assert _ids(_page(ctx, who="chief_g2m1", clock=clock)) == []
    assert wq.one_card(ctx.s, ctx.index, ctx.user("chief_g2m1"), 1, now=clock()) is None
    mine = _page(ctx, who="chief_g1m1", clock=clock)
    assert mine.counts.total == len(mine.cards) == 2
