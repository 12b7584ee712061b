"""Snap-a-report in a deployment of many communities (portal.areas): who lists, who acts, where an
escalation goes. The world: tests/communities_world.py (CA, CB under street JD) plus a second
street JE with community CC. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlmodel import select

from db.models_reports import Report, ReportCategory
from portal import behalf, devices, notices, open311, reports, verification
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex
from portal.media import LocalMediaStore
from portal.permissions import OUTSIDE_AREA
from portal.reports import queries, visibility
from portal.reports import work_queue as wq
from portal.reports.routing import category_department
from tests.communities_world import add_second_street, build


@pytest.fixture
def w(session, tmp_path):
    world = add_second_street(session, build(session))

    class W:
        pass

    c = W()
    c.s, c.world, c.index = session, world, GridIndex.load(session)
    c.store = LocalMediaStore(tmp_path / "media")
    c.u = lambda name: world.users[name]
    c.dep = lambda code: world.departments[code]
    c.cat = session.exec(select(ReportCategory).where(ReportCategory.code == "ads")).one()
    return c


def _file(w, community: str, who: str | None = None, text: str = "") -> Report:
    lat, lon = w.world.centre(f"{community}-G1-M1")
    return reports.submit(
        w.s,
        w.index,
        w.store,
        reporter_id=w.u(who or f"resident_{community.lower()}").id,
        category_id=w.cat.id,
        description=text or f"小广告 {community}",
        lat=lat,
        lon=lon,
    )


def _escalate(w, report: Report, who: str) -> Report:
    return reports.act(
        w.s, w.index, report_id=report.id, actor_id=w.u(who).id, action="escalate", note="up"
    )


def _refused(step) -> str:
    with pytest.raises(UserError) as exc:
        step()
    return exc.value.message.msgid


# --- routing ---------------------------------------------------------------------------------


def test_each_level_reaches_the_report_s_own_community_and_street(w):
    cb = _file(w, "CB")
    assert (cb.level, cb.assignee_id) == ("grid", w.u("micro_cb").id)
    _escalate(w, cb, "micro_cb")  # to the community: CB's secretary and office, not CA's
    assert (cb.level, cb.assignee_id, cb.department_id) == (
        "community",
        w.u("staff_cb").id,
        w.dep("office_cb").id,
    )
    _escalate(w, cb, "staff_cb")
    assert (cb.level, cb.department_id) == ("street", w.dep("street").id)  # JD's office

    cc = _file(w, "CC")
    _escalate(w, cc, "micro_cc")
    assert (cc.assignee_id, cc.department_id) == (w.u("staff_cc").id, w.dep("office_cc").id)
    _escalate(w, cc, "staff_cc")
    assert (cc.level, cc.department_id) == ("street", w.dep("street_je").id)  # JE's, not JD's
    _escalate(w, cc, "street_staff_je")
    assert (cc.level, cc.department_id) == ("district", w.dep("district").id)


def test_a_category_department_is_the_one_of_the_report_s_street(w):
    cgz = w.dep("cgz")  # the categories are seeded to JD's 城管
    assert w.cat.department_id == cgz.id
    assert category_department(w.s, w.index, _file(w, "CB"), cgz.id) == cgz.id
    assert category_department(w.s, w.index, _file(w, "CC"), cgz.id) == w.dep("cgz_je").id


def test_an_escalated_report_reaches_the_street_s_handler_queue(w):
    """A report of JE whistled to JE's 城管 is in handler_je's queue, never in handler_street's."""
    cc = _file(w, "CC")
    reports.whistle(
        w.s,
        w.index,
        report_id=cc.id,
        actor_id=w.u("staff_cc").id,
        lead_department_id=w.dep("cgz_je").id,
    )
    ids = lambda who: [c.report.id for c in wq.queue_page(w.s, w.index, w.u(who)).cards]  # noqa: E731
    assert ids("handler_je") == [cc.id]
    assert ids("handler_street") == []
    reports.act(w.s, w.index, report_id=cc.id, actor_id=w.u("handler_je").id, action="accept")


# --- listing ---------------------------------------------------------------------------------


def test_staff_list_and_map_only_their_own_community(w):
    ca, cb, cc = _file(w, "CA"), _file(w, "CB"), _file(w, "CC")

    def queue(who: str) -> list[int]:
        return sorted(c.report.id for c in wq.queue_page(w.s, w.index, w.u(who)).cards)

    def pins(who: str) -> list[int]:
        me = visibility.reader(w.s, w.index, w.u(who))
        return sorted(r[0] for r in queries.map_points(w.s, visible=visibility.visible_reports(me)))

    assert queue("staff_ca") == pins("staff_ca") == [ca.id]
    assert queue("staff_cb") == pins("staff_cb") == [cb.id]
    assert queue("chief_ca") == [ca.id]
    assert queue("street_staff") == pins("street_staff") == [ca.id, cb.id]
    assert queue("district_staff") == pins("district_staff") == [ca.id, cb.id, cc.id]
    assert queue("admin") == [ca.id, cb.id, cc.id]
    assert queue("handler_je") == queue("resident_ca") == []
    assert wq.one_card(w.s, w.index, w.u("staff_ca"), cb.id) is None
    assert not visibility.may_read(w.s, w.index, w.u("staff_ca"), cb.id)
    assert visibility.may_read(w.s, w.index, w.u("street_staff"), cb.id)
    assert (
        sorted(
            wq.queue_page(w.s, w.index, w.u("staff_ca"), wq.QueueFilter(search=str(cb.id))).cards
        )
        == []
    )


def test_street_staff_tell_their_communities_apart(w):
    ca, cb = _file(w, "CA"), _file(w, "CB")
    page = wq.queue_page(w.s, w.index, w.u("street_staff"))
    assert {c.report.id: c.community for c in page.cards} == {ca.id: "CA", cb.id: "CB"}
    assert sorted(page.communities.values()) == ["CA", "CB"]
    by_community = wq.queue_page(
        w.s, w.index, w.u("street_staff"), wq.QueueFilter(grid_id=w.world.grids["CB"].id)
    )
    assert [c.report.id for c in by_community.cards] == [cb.id]
    assert {c.community for c in wq.queue_page(w.s, w.index, w.u("staff_ca")).cards} == {""}


def test_departments_to_send_to_are_of_the_area_and_above(w):
    ca = wq.queue_page(w.s, w.index, w.u("staff_ca")).choices
    names = {w.dep(code).id for code in ("office_ca", "street", "cgz", "district")}
    assert set(ca) == names  # not CB's office, not JE's departments
    assert w.dep("cgz_je").id in wq.queue_page(w.s, w.index, w.u("admin")).choices


# --- acting ----------------------------------------------------------------------------------


def test_every_report_action_on_another_community_is_refused(w):
    cb = _file(w, "CB")
    # held by JE's 城管 (the admin may): handler_je's department holds it, yet it lies in JD
    reports.whistle(
        w.s,
        w.index,
        report_id=cb.id,
        actor_id=w.u("admin").id,
        lead_department_id=w.dep("cgz_je").id,
        assist_department_ids=[w.dep("cgz").id],
    )
    for who in ("staff_ca", "chief_ca", "handler_je", "street_staff_je"):
        uid = w.u(who).id
        # (a handler never checks on site: that refusal is its role's, before any area)
        steps = ("accept", "start", "resolve", "return", "escalate")
        for action in steps + (() if who == "handler_je" else ("verify",)):
            assert (
                _refused(
                    lambda a=action, uid=uid: reports.act(
                        w.s, w.index, report_id=cb.id, actor_id=uid, action=a, note="x"
                    )
                )
                == OUTSIDE_AREA
            ), (who, action)
        if who == "handler_je":
            continue  # a handler never blows the whistle (its role's refusal)
        assert (
            _refused(
                lambda uid=uid: reports.whistle(
                    w.s,
                    w.index,
                    report_id=cb.id,
                    actor_id=uid,
                    lead_department_id=w.dep("cgz").id,
                )
            )
            == OUTSIDE_AREA
        ), who
    for who in ("staff_ca", "street_staff_je"):
        assert (
            _refused(
                lambda who=who: reports.reassign(
                    w.s, report_id=cb.id, actor_id=w.u(who).id, department_id=w.dep("cgz").id
                )
            )
            == OUTSIDE_AREA
        )
    assert (
        _refused(
            lambda: reports.finish_joint_part(w.s, report_id=cb.id, actor_id=w.u("handler_je").id)
        )
        == OUTSIDE_AREA
    )
    assert (
        _refused(
            lambda: reports.me_too(w.s, w.store, report_id=cb.id, user_id=w.u("resident_ca").id)
        )
        == OUTSIDE_AREA
    )
    assert (
        _refused(
            lambda: reports.rate(w.s, report_id=cb.id, actor_id=w.u("resident_ca").id, stars=5)
        )
        == OUTSIDE_AREA
    )
    w.s.refresh(cb)
    assert (cb.state, cb.department_id) == ("assigned", w.dep("cgz_je").id)  # nothing moved
    # the street of the report acts on it
    reports.finish_joint_part(w.s, report_id=cb.id, actor_id=w.u("handler_street").id)
    reports.reassign(
        w.s, report_id=cb.id, actor_id=w.u("street_staff").id, department_id=w.dep("cgz").id
    )
    reports.act(w.s, w.index, report_id=cb.id, actor_id=w.u("handler_street").id, action="accept")
    reports.me_too(w.s, w.store, report_id=cb.id, user_id=w.u("merchant_cb").id)


def test_reassign_offers_only_people_and_departments_of_the_area_and_above(w):
    ca = _file(w, "CA")
    staff = w.u("staff_ca").id
    for kw in (
        {"department_id": w.dep("office_cb").id},
        {"department_id": w.dep("cgz_je").id},
        {"assignee_id": w.u("staff_cb").id},
        {"assignee_id": w.u("handler_je").id},
    ):
        with pytest.raises(FieldErrors):
            reports.reassign(w.s, report_id=ca.id, actor_id=staff, **kw)
    reports.reassign(w.s, report_id=ca.id, actor_id=staff, assignee_id=w.u("chief_ca").id)
    reports.reassign(w.s, report_id=ca.id, actor_id=staff, department_id=w.dep("cgz").id)
    w.s.refresh(ca)
    assert ca.department_id == w.dep("cgz").id
    with pytest.raises(FieldErrors):
        reports.whistle(
            w.s,
            w.index,
            report_id=ca.id,
            actor_id=staff,
            lead_department_id=w.dep("cgz_je").id,
        )


def test_a_resident_rates_their_own_report_filed_in_the_next_community(w):
    """A resident of CA may report a problem in CB; it goes to CB, and stays theirs to rate."""
    cb = _file(w, "CB", who="resident_ca")
    assert cb.assignee_id == w.u("micro_cb").id
    micro = w.u("micro_cb").id
    for action in ("accept", "resolve"):
        reports.act(w.s, w.index, report_id=cb.id, actor_id=micro, action=action, note="done")
    reports.rate(w.s, report_id=cb.id, actor_id=w.u("resident_ca").id, stars=5)
    assert cb.state == "closed"


# --- around reports --------------------------------------------------------------------------


def test_acting_for_and_confirming_only_residents_of_the_area(w):
    staff_ca = w.u("staff_ca").id
    with pytest.raises(FieldErrors) as refused:
        behalf.record_consent(
            w.s,
            actor_id=staff_ca,
            resident_id=w.u("resident_cb").id,
            agreed=True,
            method="in_person",
        )
    assert refused.value.errors["resident"].msgid == OUTSIDE_AREA
    behalf.record_consent(
        w.s, actor_id=staff_ca, resident_id=w.u("resident_ca").id, agreed=True, method="in_person"
    )
    hits = behalf.find_residents(w.s, actor_id=w.u("street_staff").id, query="resident_c")
    assert sorted(h.username for h in hits) == ["resident_ca", "resident_cb"]
    assert [
        h.username for h in behalf.find_residents(w.s, actor_id=staff_ca, query="resident")
    ] == ["resident_ca"]

    for name in ("resident_ca", "resident_cb"):
        w.u(name).verification = "unverified"
        w.s.add(w.u(name))
    w.s.commit()
    assert [x.username for x in verification.waiting(w.s, actor_id=staff_ca)] == ["resident_ca"]
    assert (
        _refused(
            lambda: verification.confirm(
                w.s,
                actor_id=staff_ca,
                resident_id=w.u("resident_cb").id,
                method="in_person",
                house="1-1-101",
            )
        )
        == OUTSIDE_AREA
    )
    verification.confirm(
        w.s, actor_id=staff_ca, resident_id=w.u("resident_ca").id, method="in_person", house="1"
    )


def test_devices_and_threads_of_the_area_only(w):
    micro_cb = w.world.grids["CB-G1-M1"].id
    with pytest.raises(UserError) as exc:
        devices.register_device(
            w.s,
            w.index,
            actor_id=w.u("staff_ca").id,
            code="smoke-cb-1",
            kind="smoke",
            grid_id=micro_cb,
            house="1-1-101",
        )
    assert exc.value.message.msgid == OUTSIDE_AREA
    devices.register_device(
        w.s,
        w.index,
        actor_id=w.u("staff_cb").id,
        code="smoke-cb-1",
        kind="smoke",
        grid_id=micro_cb,
        house="1-1-101",
    )
    mine = devices.area_grids(w.s, w.index, w.u("staff_ca").id)
    assert devices.devices(w.s, mine) == []
    assert [
        d.code
        for d in devices.devices(w.s, devices.area_grids(w.s, w.index, w.u("street_staff").id))
    ] == ["smoke-cb-1"]
    assert micro_cb not in {g.id for g in devices.micro_grids(w.index, mine)}

    notices.send_to_chief(w.s, resident_id=w.u("resident_cb").id, body="灯坏了")
    assert notices.threads_for_chief(w.s, w.u("staff_ca")) == []
    [thread] = notices.threads_for_chief(w.s, w.u("street_staff"))
    with pytest.raises(UserError):
        notices.answer(w.s, thread_id=thread.thread.id, author_id=w.u("staff_ca").id, body="?")
    notices.answer(w.s, thread_id=thread.thread.id, author_id=w.u("staff_cb").id, body="好的")


def test_public_reports_per_community(w):
    ca, cb, cc = _file(w, "CA"), _file(w, "CB"), _file(w, "CC")
    ids = lambda area: sorted(r.id for r in queries.public_list(w.s, grids=area.grids))  # noqa: E731
    assert ids(queries.public_area(w.s, w.index, w.u("resident_ca").id)) == [ca.id]
    assert ids(queries.public_area(w.s, w.index, w.u("resident_cb").id)) == [cb.id]
    visitor = queries.public_area(w.s, w.index, None)
    assert ids(visitor) == [ca.id, cb.id, cc.id]
    assert sorted(visitor.communities.values()) == ["CA", "CB", "CC"]
    chosen = queries.public_area(w.s, w.index, None, w.world.grids["CC"].id)
    assert ids(chosen) == [cc.id]


def test_open311_per_jurisdiction_and_for_the_whole_deployment(w):
    ca, cb, cc = _file(w, "CA"), _file(w, "CB"), _file(w, "CC")

    def ids(**params) -> list[int]:
        return sorted(
            int(r["service_request_id"]) for r in open311.service_requests(w.s, params, "CA")
        )

    assert ids() == [ca.id, cb.id, cc.id]
    assert ids(jurisdiction_id="CB") == [cb.id]
    assert ids(jurisdiction_id="JD") == [ca.id, cb.id]
    assert ids(jurisdiction_id="CC", service_request_id=str(cb.id)) == []
    assert open311.service_request(w.s, str(cb.id), {"jurisdiction_id": "CB"}, "CA")
    with pytest.raises(open311.Open311Error):
        open311.service_request(w.s, str(cb.id), {"jurisdiction_id": "CA"}, "CA")
    with pytest.raises(open311.Open311Error):
        ids(jurisdiction_id="CB-G1")  # a grid, not a community, street or district
    cc_area = queries.public_area(w.s, w.index, w.u("resident_cc").id).grids
    download = queries.open311_requests(w.s, grids=cc_area)  # the public page's download
    assert [int(r["service_request_id"]) for r in download] == [cc.id]


def test_open_data_rows_name_their_community_and_follow_the_cockpit_scope(w):
    from portal import cockpit
    from portal.cockpit_scope import scope_of_roots

    ca, cb, cc = _file(w, "CA"), _file(w, "CB"), _file(w, "CC")
    whole = {r["id"]: r["community"] for r in cockpit.open_reports(w.s, w.index)}
    assert (whole[ca.id], whole[cb.id], whole[cc.id]) == ("CA", "CB", "CC")
    street = scope_of_roots(w.index, (w.world.grids["JD"].id,), True)
    rows = cockpit.open_reports(w.s, w.index, scope=street)
    assert sorted((r["id"], r["community"]) for r in rows) == [(ca.id, "CA"), (cb.id, "CB")]
    assert cockpit.community_code(w.index, w.world.grids["JD"].id) == ""  # above communities
