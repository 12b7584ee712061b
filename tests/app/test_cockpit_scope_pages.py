"""The cockpit shows a grid worker only their own grids (and the grids below), staff and admins the
whole community: checked on the rows, figures and alarms the page shows, against the seeded demo
data counted straight from the tables."""

from __future__ import annotations

from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import Grid, GridDuty, User
from db.models_cockpit import Device, DeviceAlarm
from db.models_reports import Report
from portal import cockpit
from portal.grids import parent_map, subtree
from portal.i18n import translate
from tests.app.conftest import texts


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


GRID_COL, RECEIVED_COL = zh("Grid"), zh(cockpit.MEASURES["received"][0])


def _table(at) -> dict[str, int]:
    """The measures table: row label → reports received."""
    frame = at.dataframe[0].value
    return dict(zip(frame[GRID_COL], frame[RECEIVED_COL], strict=True))


def _duty_area(url: str, username: str) -> tuple[set[int], list[Grid]]:
    with Session(get_engine(url)) as s:
        uid = s.exec(select(User.id).where(User.username == username)).one()
        roots = s.exec(select(GridDuty.grid_id).where(GridDuty.user_id == uid)).all()
        area = subtree(parent_map(s), *roots)
        return area, [s.get(Grid, r) for r in roots]


def _received(url: str, grids: set[int]) -> int:
    since, until = cockpit.period_of_months(6)  # the page's default period
    with Session(get_engine(url)) as s:
        return s.exec(
            select(func.count())
            .select_from(Report)
            .where(Report.grid_id.in_(grids), Report.created_at >= since, Report.created_at < until)
        ).one()


def _open_alarm_houses(url: str, grids: set[int] | None) -> set[str]:
    with Session(get_engine(url)) as s:
        query = (
            select(Device.house, Device.grid_id)
            .join(DeviceAlarm, DeviceAlarm.device_id == Device.id)
            .where(DeviceAlarm.open_key.is_not(None))
        )
        return {house for house, grid in s.exec(query).all() if grids is None or grid in grids}


def _alarm_houses(at) -> set[str]:
    frames = [df.value for df in at.dataframe if zh("House") in df.value.columns]
    return set(frames[0][zh("House")]) if frames else set()


def test_staff_and_admin_see_every_general_grid_and_the_community_row(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        generals = set(s.exec(select(Grid.name).where(Grid.kind == "general")).all())
        community = s.exec(select(Grid.name).where(Grid.kind == "community")).one()
    for username in ("staff01", "admin"):
        at = open_app(username, page="pages/cockpit.py")
        assert not at.exception, at.exception
        rows = _table(at)
        # the demo council decided items last month: they show in the community's own row
        assert set(rows) == generals | {zh("{name} (the community as a whole)", name=community)}
        assert sum(rows.values()) == _received(app_db, set(parent_map_ids(app_db)))
        assert _alarm_houses(at) == _open_alarm_houses(app_db, None) != set()


def parent_map_ids(url: str) -> set[int]:
    with Session(get_engine(url)) as s:
        return set(parent_map(s))


def test_general_grid_chief_sees_only_their_general_grid(open_app, app_db):
    area, roots = _duty_area(app_db, "gridchief_g1")
    assert [g.kind for g in roots] == ["general"]
    at = open_app("gridchief_g1", page="pages/cockpit.py")
    assert not at.exception, at.exception
    assert _table(at) == {roots[0].name: _received(app_db, area)}
    assert roots[0].name in texts(at)  # "Your grids: …"
    staff = open_app("staff01", page="pages/cockpit.py")
    assert _table(staff)[roots[0].name] == _table(at)[roots[0].name]
    assert _alarm_houses(at) == _open_alarm_houses(app_db, area)


def _chief_of_the_alarm(url: str) -> str:
    """The micro-grid chief of the courtyard with the demo's open smoke alarm."""
    with Session(get_engine(url)) as s:
        grid_id = s.exec(
            select(Device.grid_id)
            .join(DeviceAlarm, DeviceAlarm.device_id == Device.id)
            .where(DeviceAlarm.open_key.is_not(None))
        ).first()
        return s.exec(
            select(User.username)
            .join(GridDuty, GridDuty.user_id == User.id)
            .where(GridDuty.grid_id == grid_id, GridDuty.duty == "micro_chief")
        ).first()


def test_micro_grid_chief_sees_a_row_of_their_micro_grid_only(open_app, app_db):
    chief = _chief_of_the_alarm(app_db)
    area, roots = _duty_area(app_db, chief)
    assert [g.kind for g in roots] == ["micro"]
    at = open_app(chief, page="pages/cockpit.py")
    assert not at.exception, at.exception
    received = _received(app_db, area)
    assert received > 0  # the smoke alarm opened an urgent report there
    assert _table(at) == {roots[0].name: received}
    assert _alarm_houses(at) == _open_alarm_houses(app_db, area) != set()
    shown = texts(at)
    with Session(get_engine(app_db)) as s:
        others = set(
            s.exec(select(Grid.name).where(Grid.id.not_in(area), Grid.kind != "community")).all()
        )
    staff = texts(open_app("staff01", page="pages/cockpit.py"))
    assert any(name in staff for name in others)  # staff's red/black list names general grids
    assert not [
        name for name in others if name in shown
    ]  # the chief's names none outside their area
    at.radio(key="ck_by").set_value("month").run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value[RECEIVED_COL].sum() == received


def test_another_micro_grid_chief_does_not_see_that_alarm(open_app, app_db):
    area, roots = _duty_area(app_db, "chief_g1m1")
    assert roots[0].name not in {g.name for g in _duty_area(app_db, _chief_of_the_alarm(app_db))[1]}
    at = open_app("chief_g1m1", page="pages/cockpit.py")
    assert not at.exception, at.exception
    assert _table(at) == {roots[0].name: _received(app_db, area)}
    assert _alarm_houses(at) == set() and zh("No open alarms.") in texts(at)


def test_grid_worker_without_a_grid_sees_a_clear_message(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        s.add(
            User(
                username="new_worker",
                display_name="新网格员",
                password_hash="x",
                role="grid_worker",
            )
        )
        s.commit()
    at = open_app("new_worker", page="pages/cockpit.py")
    assert not at.exception, at.exception
    assert zh(
        "No grid is assigned to you yet, so the cockpit has nothing to show. The community "
        "office can assign you your grid."
    ) in texts(at)
    assert not at.dataframe
