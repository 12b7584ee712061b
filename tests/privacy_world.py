"""Every kind of report the seed and the devices create, plus the ones residents and grid workers
file, on top of the demo community: for tests that read what leaves the portal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from db.models import GridDuty, User
from db.models_cockpit import Device, DeviceAlarm
from db.models_reports import Report, ReportCategory
from db.types import utcnow
from portal import devices, reports
from portal.grids import GridIndex
from portal.media import LocalMediaStore

PRIVATE_WORDS = ("张奶奶", "栋", "单元", "王五", "李四")  # names and doors
SHOWN_WORDS = "小区东门的路灯不亮了"  # a reporter chose to show these


@dataclass
class PrivacyWorld:
    private_ids: set[int]  # alarms, welfare visits, filed on someone's behalf
    hidden_words_id: int  # a public report whose words stay hidden
    shown_words_id: int  # a public report whose words the reporter chose to show
    exact: dict[int, tuple[float, float]]  # report id → exact place


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def build(session: Session, media_dir) -> PrivacyWorld:
    index = GridIndex.load(session)
    now = utcnow()
    store = LocalMediaStore(media_dir)
    fall = session.exec(select(Device).where(Device.kind == "fall")).first()
    stamp = (now - timedelta(minutes=5)).isoformat()
    devices.intake(session, index, f"device,kind,at,value\n{fall.code},fall,{stamp},1\n", now=now)
    devices.check_meters(session, index, days=1, now=now + timedelta(days=30))  # a welfare visit
    elder = _user(session, "zhang_nainai")
    chief_id = session.exec(
        select(GridDuty.user_id).where(
            GridDuty.grid_id == elder.home_grid_id, GridDuty.duty == "micro_chief"
        )
    ).first()
    centre = index.shapes[elder.home_grid_id].representative_point()
    cats = {c.code: c.id for c in session.exec(select(ReportCategory))}
    other = next(code for code in cats if code not in ("emergency", "elder_visit"))

    def file(who: int, words: str, shift: float, **extra) -> Report:
        return reports.submit(
            session,
            index,
            store,
            reporter_id=who,
            category_id=cats[extra.pop("code", other)],
            description=words,
            lat=centre.y + shift,
            lon=centre.x + shift,
            **extra,
        )

    behalf = file(
        chief_id,
        "替张奶奶报：1栋1单元102 水管漏水",
        0.000012,
        on_behalf_of_id=elder.id,
        public_description=True,  # refused: the resident did not choose
    )
    welfare = file(elder.id, "隔壁李四（3栋2单元501）好几天没出门了", 0.000021, code="elder_visit")
    hidden = file(elder.id, "5栋3单元601 王五家门口堆满杂物", 0.000033)
    shown = file(elder.id, SHOWN_WORDS, 0.000047, public_description=True)
    alarm_ids = {a for a in session.exec(select(DeviceAlarm.report_id)).all() if a}
    assert len(alarm_ids) >= 3  # the seed's smoke alarm, the fall alarm, the no-use alarm
    private = alarm_ids | {behalf.id, welfare.id}
    private |= set(
        session.exec(select(Report.id).where(Report.category_id == cats["elder_visit"])).all()
    )
    exact = {r.id: (r.lat, r.lon) for r in session.exec(select(Report))}
    return PrivacyWorld(private, hidden.id, shown.id, exact)
