"""Demo devices, events, one alarm, a notice in several languages and a message thread.

Idempotent: does nothing when the demo devices exist already."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from db.models import User
from db.models_cockpit import Device
from db.types import row_id, utcnow
from portal import devices, notices
from portal.grids import GridIndex

NOTICE = (
    "public",
    "关于玉林北路院落改造的公示",
    "社区拟对玉林北路12号院、14号院进行适老化改造（加装扶手、平整院坝）。公示期7天，"
    "如有意见请联系网格长或到社区办公室反映。",
)
TRANSLATIONS = {
    "en": (
        "Notice: courtyard renovation on Yulin North Road",
        "The community plans elder-friendly works in courtyards No. 12 and 14 (handrails, level "
        "paving). The notice runs for 7 days; tell your micro-grid chief or the office if you "
        "have comments.",
    ),
    "bo": (
        "གསལ་བསྒྲགས། ཡུ་ལིན་བྱང་ལམ་གྱི་ར་བ་ཉམས་གསོ།",
        "སྡོད་ཁུལ་གྱིས་ར་བ་ཨང་12 དང་14 ནང་རྒན་པ་ཚོར་བདེ་བའི་ཉམས་གསོ་བྱེད་རྩིས་ཡོད། ཉིན་7 རིང་གསལ་བསྒྲགས་བྱེད། "
        "བསམ་འཆར་ཡོད་ན་དྲ་རྒྱའི་འགན་འཛིན་ལ་བཤད་རོགས།",
    ),
    "ug": (
        "ئۇقتۇرۇش: يۈلىن شىمالىي يولىدىكى ھويلىلارنى ئوڭشاش",
        "مەھەللە 12- ۋە 14-نومۇرلۇق ھويلىلاردا ياشانغانلارغا قولايلىق ئوڭشاش ئېلىپ بارماقچى. "
        "ئۇقتۇرۇش 7 كۈن داۋاملىشىدۇ؛ پىكرىڭىز بولسا تور باشلىقىغا ئېيتىڭ.",
    ),
    "ii": ("ꇬꀋ: ꑳꆹꀒꇤꃅꄜꀋ", "ꌺꆈꃅ 12 ꉬ 14 ꑳ ꃅꄜꀋ. ꑍ 7 ꀋ; ꑠ ꇬꀋ ꄜ ꉬ."),
}


def seed_cockpit(session: Session) -> int:
    """Returns the number of devices added (0 when already there)."""
    if session.exec(select(Device.id).where(Device.code == "SEED-SMOKE-001")).first() is not None:
        return 0
    users = {
        u.username: u
        for u in session.exec(
            select(User).where(User.username.in_(("staff01", "zhang_nainai", "li_ayi")))
        )
    }
    staff, elder = users.get("staff01"), users.get("zhang_nainai")
    if staff is None or elder is None or elder.home_grid_id is None:
        return 0
    index = GridIndex.load(session)
    now = utcnow()
    micro = index.of_kind("micro")
    far = micro[-1]  # the demo alarm goes to the last courtyard, away from the other demos
    plan = [
        ("SEED-SMOKE-001", "smoke", elder.home_grid_id, "1栋1单元102（张奶奶家）", elder.id),
        ("SEED-FALL-001", "fall", elder.home_grid_id, "1栋1单元102（张奶奶家）", elder.id),
        ("SEED-METER-001", "meter", elder.home_grid_id, "1栋1单元102（张奶奶家）", elder.id),
    ]
    plan += [
        (f"SEED-SMOKE-{n + 2:03d}", "smoke", row_id(g), "2栋2单元201", None)
        for n, g in enumerate(micro[1:6])
    ]
    plan.append(("SEED-SMOKE-099", "smoke", row_id(far), "5栋1单元501", None))
    for code, kind, grid_id, house, resident in plan:
        devices.register_device(
            session,
            index,
            actor_id=row_id(staff),
            code=code,
            kind=kind,
            grid_id=grid_id,
            house=house,
            resident_id=resident,
            now=now,
        )
    lines = ["device,kind,at,value"]
    for day in range(5, -1, -1):  # zhang_nainai's meter: about 3 kWh a day
        moment = now - timedelta(days=day, hours=1)
        lines.append(f"SEED-METER-001,meter,{moment.isoformat()},{1200 + 3.1 * (5 - day):.1f}")
    lines.append(f"SEED-SMOKE-002,smoke,{(now - timedelta(hours=3)).isoformat()},0")
    lines.append(f"SEED-FALL-001,fall,{(now - timedelta(hours=2)).isoformat()},0")
    lines.append(f"SEED-SMOKE-099,smoke,{(now - timedelta(minutes=20)).isoformat()},1")
    devices.intake(session, index, "\n".join(lines) + "\n", received_by=staff.id, now=now)
    kind, title, body = NOTICE
    notices.publish(
        session,
        index,
        actor_id=row_id(staff),
        kind=kind,
        title=title,
        body=body,
        expires_at=now + timedelta(days=7),
        translations=TRANSLATIONS,
        now=now - timedelta(hours=1),
    )
    chief = notices.chief_of(session, elder.home_grid_id)
    if chief is not None:
        first = notices.send_to_chief(
            session,
            resident_id=row_id(elder),
            body="孙师傅，我家门口的扶手松了，麻烦来看看。",
            now=now - timedelta(hours=5),
        )
        notices.answer(
            session,
            thread_id=first.thread_id,
            author_id=row_id(chief),
            body="张奶奶，我下午三点过来。",
            now=now - timedelta(hours=4),
        )
    return len(plan)
