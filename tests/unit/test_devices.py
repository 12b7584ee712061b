"""Smart-device intake and alarm rules, with a controllable clock, on the demo community."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import GridDuty, User
from db.models_cockpit import Device, DeviceAlarm, DeviceEvent
from db.models_reports import Report, ReportCategory
from portal import devices, reports
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex


def _user(session, username) -> User:
    return session.exec(select(User).where(User.username == username)).one()


@pytest.fixture
def home(demo_session):
    """zhang_nainai's courtyard, its chief, a staff member, and three fresh devices there."""
    index = GridIndex.load(demo_session)
    elder = _user(demo_session, "zhang_nainai")
    staff = _user(demo_session, "staff01")
    chief_id = demo_session.exec(
        select(GridDuty.user_id).where(
            GridDuty.grid_id == elder.home_grid_id, GridDuty.duty == "micro_chief"
        )
    ).first()
    made = {}
    for kind in ("smoke", "fall", "meter"):
        made[kind] = devices.register_device(
            demo_session,
            index,
            actor_id=staff.id,
            code=f"T-{kind}",
            kind=kind,
            grid_id=elder.home_grid_id,
            house="3栋1单元101",
            resident_id=elder.id,
        )
    return {"index": index, "elder": elder, "staff": staff, "chief": chief_id, **made}


def _alarms(session, device) -> list[DeviceAlarm]:
    return list(
        session.exec(
            select(DeviceAlarm).where(DeviceAlarm.device_id == device.id).order_by(DeviceAlarm.id)
        )
    )


def test_register_refuses_bad_fields(demo_session, home):
    with pytest.raises(FieldErrors) as caught:
        devices.register_device(
            demo_session,
            home["index"],
            actor_id=home["staff"].id,
            code="T-smoke",
            kind="toaster",
            grid_id=None,
            house="",
        )
    assert set(caught.value.errors) == {"code", "kind", "grid", "house"}
    with pytest.raises(UserError):
        devices.register_device(
            demo_session,
            home["index"],
            actor_id=home["elder"].id,
            code="X1",
            kind="smoke",
            grid_id=home["elder"].home_grid_id,
            house="1",
        )


def test_bad_rows_reported_by_line_good_rows_taken_once(demo_session, home, clock):
    text = (
        "device,kind,at,value\n"
        "T-meter,meter,2026-11-01T08:00:00+08:00,100.5\n"  # 2 good
        "NOPE,meter,2026-11-01T08:00:00+08:00,1\n"  # 3 unknown device
        "T-meter,meter,yesterday,1\n"  # 4 bad time
        "T-meter,smoke,2026-11-01T09:00:00+08:00,1\n"  # 5 kind mismatch
        "T-meter,meter,2026-11-01T09:00:00,abc\n"  # 6 bad value
        "T-meter,meter,2026-11-01T10:00:00\n"  # 7 wrong width
        "T-meter,meter,2026-11-01T10:00:00,101.0\n"
    )  # 8 good (Beijing time)
    result = devices.intake(demo_session, home["index"], text, now=clock())
    assert result.taken == 2 and result.duplicates == 0
    assert [line for line, _ in result.errors] == [3, 4, 5, 6, 7]
    assert result.errors[0][1].msgid == "Unknown device {device}." and result.errors[0][
        1
    ].params == {"device": "NOPE"}
    again = devices.intake(demo_session, home["index"], text, now=clock())
    assert again.taken == 0 and again.duplicates == 2 and len(again.errors) == 5
    events = demo_session.exec(
        select(DeviceEvent).where(DeviceEvent.device_id == home["meter"].id)
    ).all()
    assert len(events) == 2
    assert sorted(e.at.hour for e in events) == [0, 2]  # 08:00 and 10:00 Beijing = 00:00, 02:00 UTC


def test_wrong_columns_and_json_lines(demo_session, home, clock):
    bad = devices.intake(
        demo_session, home["index"], "id,kind,time\nT-smoke,smoke,1\n", now=clock()
    )
    assert (
        bad.taken == 0
        and bad.errors[0][0] == 1
        and bad.errors[0][1].params["columns"] == "device, at, value"
    )
    jsonl = (
        '{"device": "T-fall", "kind": "fall", "at": "2026-11-01T07:00:00Z", "value": 0, "event_id": "e1"}\n'
        "not json\n"
        '{"device": "T-fall", "kind": "fall", "at": "2099-01-01T00:00:00Z", "value": 0}\n'
    )
    result = devices.intake(demo_session, home["index"], jsonl, now=clock())
    assert result.taken == 1 and [line for line, _ in result.errors] == [2, 3]
    array = '[{"device": "T-fall", "kind": "fall", "at": "2026-11-01T07:00:00Z", "value": 0, "event_id": "e1"}]'
    assert devices.intake(demo_session, home["index"], array, now=clock()).duplicates == 1


def test_smoke_opens_one_urgent_report_to_the_chief_per_condition(demo_session, home, clock):
    at = clock().isoformat()
    first = devices.intake(
        demo_session, home["index"], f"device,kind,at,value\nT-smoke,smoke,{at},1\n", now=clock()
    )
    assert len(first.alarms_opened) == 1
    alarm = _alarms(demo_session, home["smoke"])[0]
    report = demo_session.get(Report, alarm.report_id)
    assert report.urgent and report.assignee_id == home["chief"] and report.state == "assigned"
    assert report.due_at == clock() + timedelta(hours=reports.WHISTLE_HOURS)
    assert demo_session.get(ReportCategory, report.category_id).code == "emergency"
    clock.advance(minutes=5)
    second = devices.intake(
        demo_session,
        home["index"],
        f"device,kind,at,value\nT-smoke,smoke,{clock().isoformat()},1\n",
        now=clock(),
    )
    assert second.taken == 1 and second.alarms_opened == []
    assert len(_alarms(demo_session, home["smoke"])) == 1
    assert [
        r.events
        for r in devices.alarms(demo_session, open_only=True)
        if r.device.id == home["smoke"].id
    ] == [2]
    # The chief resolves it; a new smoke signal afterwards is a new condition.
    index = home["index"]
    reports.act(
        demo_session,
        index,
        report_id=report.id,
        actor_id=home["chief"],
        action="accept",
        now=clock(),
    )
    reports.act(
        demo_session,
        index,
        report_id=report.id,
        actor_id=home["chief"],
        action="resolve",
        note="误报，已复位",
        now=clock(),
    )
    clock.advance(hours=2)
    third = devices.intake(
        demo_session,
        home["index"],
        f"device,kind,at,value\nT-smoke,smoke,{clock().isoformat()},1\n",
        now=clock(),
    )
    assert len(third.alarms_opened) == 1 and len(third.alarms_closed) == 1
    first_alarm, second_alarm = _alarms(demo_session, home["smoke"])
    assert first_alarm.closed_reason == "report_done" and first_alarm.open_key is None
    assert second_alarm.report_id != report.id
    # A "clear" signal (0) opens nothing.
    clock.advance(minutes=1)
    assert (
        devices.intake(
            demo_session,
            home["index"],
            f"device,kind,at,value\nT-fall,fall,{clock().isoformat()},0\n",
            now=clock(),
        ).alarms_opened
        == []
    )


def test_meter_of_elder_alone_without_use_opens_one_visit_report(demo_session, home, clock):
    start = clock()
    rows = "".join(
        f"T-meter,meter,{(start + timedelta(hours=12 * n)).isoformat()},250.0\n" for n in range(4)
    )
    result = devices.intake(
        demo_session,
        home["index"],
        "device,kind,at,value\n" + rows,
        now=start + timedelta(hours=36),
        no_use=2,
    )
    assert result.alarms_opened == []  # only 1.5 days of readings
    clock.advance(days=2, hours=1)
    result = devices.check_meters(demo_session, home["index"], days=2, now=clock())
    assert len(result.alarms_opened) == 1
    alarm = _alarms(demo_session, home["meter"])[0]
    report = demo_session.get(Report, alarm.report_id)
    assert (
        not report.urgent
        and demo_session.get(ReportCategory, report.category_id).code == "elder_visit"
    )
    assert report.assignee_id == home["chief"]
    clock.advance(hours=6)
    assert (
        devices.check_meters(demo_session, home["index"], days=2, now=clock()).alarms_opened == []
    )
    assert len(_alarms(demo_session, home["meter"])) == 1
    clock.advance(hours=1)
    used = devices.intake(
        demo_session,
        home["index"],
        f"device,kind,at,value\nT-meter,meter,{clock().isoformat()},251.2\n",
        now=clock(),
        no_use=2,
    )
    assert used.alarms_closed == [alarm.id]
    demo_session.refresh(alarm)
    assert alarm.closed_reason == "use_resumed"


def test_meter_of_someone_not_living_alone_raises_nothing(demo_session, home, clock):
    elder = home["elder"]
    elder.lives_alone = False
    demo_session.add(elder)
    demo_session.commit()
    start = clock()
    devices.intake(
        demo_session,
        home["index"],
        f"device,kind,at,value\nT-meter,meter,{start.isoformat()},9\n",
        now=start,
    )
    clock.advance(days=5)
    assert (
        devices.check_meters(demo_session, home["index"], days=2, now=clock()).alarms_opened == []
    )


@pytest.mark.usefixtures("home", "clock")  # the devices the file names; a fixed clock
def test_command_reads_a_file(demo_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", demo_url)
    path = tmp_path / "events.csv"
    path.write_text(
        "device,kind,at,value\nT-meter,meter,2026-11-01T08:00:00+08:00,3\nX,meter,bad,1\n",
        encoding="utf-8",
    )
    assert devices.main(["--file", str(path)]) == 1
    out = capsys.readouterr()
    assert "taken 1" in out.out and "line 3: Unknown device X." in out.err
    assert devices.main(["--file", str(path)]) == 1
    assert "taken 0, already taken 1" in capsys.readouterr().out


@pytest.mark.usefixtures("home")  # the T-smoke device
def test_two_uploads_at_once_take_each_event_once_and_open_one_alarm(demo_url, clock):
    at = clock()
    text = "device,kind,at,value\n" + "".join(
        f"T-smoke,smoke,{(at + timedelta(seconds=n)).isoformat()},1\n" for n in range(20)
    )
    barrier = threading.Barrier(2)
    results, failures = [], []

    def upload():
        try:
            with Session(get_engine(demo_url), expire_on_commit=False) as s:
                index = GridIndex.load(s)
                barrier.wait()
                results.append(devices.intake(s, index, text, now=at + timedelta(minutes=1)))
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=upload) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with Session(get_engine(demo_url)) as s:
        device = s.exec(select(Device).where(Device.code == "T-smoke")).one()
        events = s.exec(select(DeviceEvent).where(DeviceEvent.device_id == device.id)).all()
        alarms = s.exec(select(DeviceAlarm).where(DeviceAlarm.device_id == device.id)).all()
    taken = sum(r.taken for r in results)
    # A loser may also give up on a locked database; what matters: nothing twice, one alarm.
    assert len(events) == 20 and taken == 20 and len(alarms) == 1, (failures, results)


def test_submit_alarm_dispatches_in_the_callers_transaction(demo_session, home, clock):
    elder = home["elder"]
    point = home["index"].shapes[elder.home_grid_id].representative_point()
    report = reports.submit_alarm(
        demo_session,
        home["index"],
        reporter_id=home["staff"].id,
        category_code="elder_visit",
        description="探访",
        lat=point.y,
        lon=point.x,
        now=clock(),
    )
    demo_session.rollback()  # not committed by submit_alarm: the caller decides
    assert demo_session.get(Report, report.id) is None
    report = reports.submit_alarm(
        demo_session,
        home["index"],
        reporter_id=home["staff"].id,
        category_code="elder_visit",
        description="探访",
        lat=point.y,
        lon=point.x,
        now=clock(),
    )
    demo_session.commit()
    category = demo_session.get(ReportCategory, report.category_id)
    assert not report.urgent and report.due_at == clock() + timedelta(
        hours=category.time_limit_hours
    )
    assert report.place_source == "device" and report.assignee_id == home["chief"]
    with pytest.raises(UserError):
        reports.submit_alarm(
            demo_session,
            home["index"],
            reporter_id=home["staff"].id,
            category_code="nope",
            description="x",
            lat=point.y,
            lon=point.x,
        )
