"""Smart-device early warning (智能预警): devices in houses, event intake, alarm rules.

Rules
- A smoke or fall signal (value > 0) opens an urgent report to the micro-grid chief at once.
- An electricity meter (value = cumulative kWh, 表底数) of an elderly person living alone that has
  risen by less than MIN_USE_KWH over the last N days (LINLI_NO_USE_DAYS, default 2) opens a "visit"
  report (category elder_visit). A meter that stopped reporting counts as no use.
- The same ongoing condition opens one report: while an alarm of a device and rule is open (one
  row with a unique `open_key`), further signals are attached to it. A smoke/fall alarm ends when
  its report is resolved; a no-use alarm ends when the meter shows use again.

Intake: CSV (header: device, kind, at, value[, event_id]) or JSON (an array or one object per
line). Bad rows are reported by line with the reason, good rows are taken, and every event has an
idempotency key (its event_id, else a hash of device, kind, time and value), so uploading the same
file again takes nothing twice.

Command: `python -m portal.devices < events.jsonl`, `--file events.csv`, `--check` (meters only),
`--mqtt` (the subscriber: portal.device_mqtt). Gateways post the same JSON to /api/devices/events;
MQTT messages and HTTP posts go through intake_messages (each message whole or refused).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_cockpit import DEVICE_KINDS, Device, DeviceAlarm, DeviceEvent
from db.models_reports import Report
from db.types import row_id, utcnow
from portal import reports
from portal.areas import area_of
from portal.config import load_settings
from portal.errors import FieldErrors, Message, UserError
from portal.grids import GridIndex
from portal.i18n import N_
from portal.localtime import ZONE as BEIJING
from portal.notifications import notify
from portal.permissions import On, can

REQUIRED_COLUMNS = ("device", "kind", "at", "value")
ELDER_AGE = 60  # 老年人: 60 and over
MIN_USE_KWH = 0.1
MAX_EVENTS = 50_000  # per upload
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")

KIND_LABELS = {
    "smoke": N_("Smoke detector"),
    "fall": N_("Fall detector"),
    "meter": N_("Electricity meter"),
}
RULE_LABELS = {
    "smoke": N_("Smoke alarm"),
    "fall": N_("Fall alarm"),
    "no_use": N_("No electricity used"),
}
CLOSED_REASONS = {"report_done": N_("Report resolved"), "use_resumed": N_("Electricity used again")}
RULE_CATEGORY = {"smoke": "emergency", "fall": "emergency", "no_use": "elder_visit"}
RULE_TEXT = {
    "smoke": "烟感报警：{house}（设备 {code}）。请立即上门查看。",
    "fall": "跌倒报警：{house}（设备 {code}）。请立即上门查看。",
    "no_use": "独居老人电表{days}天未见用电：{house}（设备 {code}）。请上门探访。",
}


def no_use_days() -> int:
    return load_settings().no_use_days


# --- devices ---------------------------------------------------------------------------------


def register_device(
    session: Session,
    index: GridIndex,
    *,
    actor_id: int,
    code: str,
    kind: str,
    grid_id: int | None,
    house: str,
    resident_id: int | None = None,
    lat: float | None = None,
    lon: float | None = None,
    now: datetime | None = None,
) -> Device:
    """Registers a device to a house in a micro-grid. Raises FieldErrors."""
    now = now or utcnow()
    actor = session.get(User, actor_id)
    if not can(actor, "devices.manage"):
        raise UserError(N_("Only community staff can register devices."))
    if actor is not None and grid_id and not area_of(session, actor, index).covers(grid_id):
        refusal = can(actor, "devices.manage", On(outside=True))  # another community's house
        raise UserError(refusal.reason)
    code = (code or "").strip()
    house = (house or "").strip()
    errors: dict[str, Message] = {}
    if not CODE_RE.match(code):
        errors["code"] = Message(N_("Use letters, digits and - _ . : (at most 64)."))
    elif session.exec(select(col(Device.id)).where(col(Device.code) == code)).first() is not None:
        errors["code"] = Message(N_("A device with this id is already registered."))
    if kind not in DEVICE_KINDS:
        errors["kind"] = Message(N_("Please choose the kind of device."))
    grid = index.grids.get(grid_id) if grid_id else None
    if grid is None or grid.kind != "micro":
        errors["grid"] = Message(N_("Please choose the micro-grid of the house."))
    if not house or len(house) > 120:
        errors["house"] = Message(
            N_("Please give the building, unit and room (at most 120 characters).")
        )
    if resident_id is not None:
        resident = session.get(User, resident_id)
        if resident is None or (grid is not None and resident.home_grid_id != grid.id):
            errors["resident"] = Message(N_("This person does not live in that micro-grid."))
    if errors or grid is None:  # no grid has its error above
        raise FieldErrors(errors)
    micro_id = row_id(grid)
    if lat is None or lon is None:
        point = index.shapes[micro_id].representative_point()
        lat, lon = point.y, point.x
    elif micro_id not in [g.id for g in index.containing(float(lat), float(lon))]:
        raise FieldErrors({"place": Message(N_("The house is not inside that micro-grid."))})
    device = Device(
        code=code,
        kind=kind,
        grid_id=micro_id,
        house=house,
        lat=float(lat),
        lon=float(lon),
        resident_id=resident_id,
        registered_by=actor_id,
        registered_at=now,
    )
    session.add(device)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise FieldErrors(
            {"code": Message(N_("A device with this id is already registered."))}
        ) from None
    return device


def area_grids(session: Session, index: GridIndex, user_id: int | None) -> list[int] | None:
    """The grids whose devices and alarms this person sees (portal.areas); None: every grid."""
    user = session.get(User, user_id) if user_id is not None else None
    area = area_of(session, user, index)
    return None if area.whole else area.grid_list()


def devices(session: Session, grids: list[int] | None = None) -> list[Device]:
    """The registered devices (of `grids` only, when given: a community's)."""
    query = select(Device)
    if grids is not None:
        query = query.where(col(Device.grid_id).in_(grids))
    return list(session.exec(query.order_by(col(Device.grid_id), col(Device.code))))


# --- parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedEvent:
    line: int
    device_code: str
    kind: str
    at: datetime
    value: float
    key: str


@dataclass
class IntakeResult:
    taken: int = 0
    duplicates: int = 0
    errors: list[tuple[int, Message]] = field(default_factory=list)
    alarms_opened: list[int] = field(default_factory=list)
    alarms_closed: list[int] = field(default_factory=list)


def parse_time(raw: object, now: datetime) -> datetime | None:
    """ISO 8601 (without a zone: Beijing time) or Unix seconds; None when unreadable or absurd."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        try:
            moment = datetime.fromtimestamp(float(raw), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    else:
        text = str(raw or "").strip()
        if re.fullmatch(r"\d{9,11}(\.\d+)?", text):
            return parse_time(float(text), now)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=BEIJING)
        moment = moment.astimezone(UTC)
    if moment.year < 2000 or moment > now + timedelta(minutes=10):
        return None
    return moment


def _key(code: str, kind: str, at: datetime, value: float, event_id: str) -> str:
    basis = f"id|{code}|{event_id}" if event_id else f"{code}|{kind}|{at.isoformat()}|{value!r}"
    return hashlib.sha256(basis.encode()).hexdigest()


def _records(text: str) -> tuple[list[tuple[int, dict]], list[tuple[int, Message]]]:
    """(line, record) pairs and structural errors, from CSV or JSON text."""
    stripped = text.lstrip("\ufeff").strip()
    if not stripped:
        return [], [(1, Message(N_("The file is empty.")))]
    if stripped[0] == "[":
        try:
            items = json.loads(stripped)
        except json.JSONDecodeError as exc:
            return [], [(exc.lineno, Message(N_("This is not valid JSON.")))]
        return [(n, item) for n, item in enumerate(items, start=1)], []
    if stripped[0] == "{":
        records, errors = [], []
        for n, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                records.append((n, json.loads(line)))
            except json.JSONDecodeError:
                errors.append((n, Message(N_("This line is not valid JSON."))))
        return records, errors
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (StopIteration, csv.Error):
        return [], [(1, Message(N_("The file is empty.")))]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [
            (
                1,
                Message(
                    N_("Missing columns: {columns}. Expected: device, kind, at, value."),
                    {"columns": ", ".join(missing)},
                ),
            )
        ]
    records = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                records.append((reader.line_num, {"__width__": len(row)}))
                continue
            records.append((reader.line_num, dict(zip(header, row, strict=True))))
    except csv.Error:
        return records, [(reader.line_num, Message(N_("The file could not be read as CSV.")))]
    return records, []


def parse_events(
    session: Session, text: str, *, now: datetime | None = None
) -> tuple[list[ParsedEvent], list[tuple[int, Message]], dict[str, Device]]:
    now = now or utcnow()
    records, errors = _records(text)
    if len(records) > MAX_EVENTS:
        return [], [(1, Message(N_("At most {n} events per file."), {"n": MAX_EVENTS}))], {}
    codes = {str(r.get("device", "")).strip() for _, r in records if isinstance(r, dict)}
    known = (
        {d.code: d for d in session.exec(select(Device).where(col(Device.code).in_(codes)))}
        if codes
        else {}
    )
    parsed = []
    for line, record in records:
        if not isinstance(record, dict) or "__width__" in record:
            errors.append((line, Message(N_("This line does not have the columns of the header."))))
            continue
        missing = [c for c in REQUIRED_COLUMNS if str(record.get(c, "")).strip() == ""]
        if missing:
            errors.append(
                (line, Message(N_("Missing values: {columns}."), {"columns": ", ".join(missing)}))
            )
            continue
        code = str(record["device"]).strip()
        kind = str(record["kind"]).strip().lower()
        device = known.get(code)
        if device is None or not device.active:
            errors.append((line, Message(N_("Unknown device {device}."), {"device": code[:64]})))
            continue
        if kind != device.kind:
            errors.append(
                (
                    line,
                    Message(
                        N_("Kind {kind} does not match the device ({expected})."),
                        {"kind": kind[:16], "expected": device.kind},
                    ),
                )
            )
            continue
        at = parse_time(record["at"], now)
        if at is None:
            errors.append(
                (
                    line,
                    Message(
                        N_("Bad time {value}: use ISO 8601, e.g. 2026-11-02T08:30:00+08:00."),
                        {"value": str(record["at"])[:40]},
                    ),
                )
            )
            continue
        try:
            value = float(record["value"])
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value) or value < 0 or value > 10_000_000:
            errors.append(
                (
                    line,
                    Message(
                        N_("Bad value {value}: a number of zero or more."),
                        {"value": str(record["value"])[:40]},
                    ),
                )
            )
            continue
        event_id = str(record.get("event_id") or "").strip()[:80]
        parsed.append(
            ParsedEvent(line, code, kind, at, value, _key(code, kind, at, value, event_id))
        )
    errors.sort(key=lambda e: e[0])
    return parsed, errors, known


# --- intake and rules ------------------------------------------------------------------------


def intake(
    session: Session,
    index: GridIndex,
    text: str,
    *,
    received_by: int | None = None,
    no_use: int | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Takes the good events of a file, applies the alarm rules, commits once."""
    now = now or utcnow()
    parsed, errors, known = parse_events(session, text, now=now)
    result = IntakeResult(errors=errors)
    keys = [p.key for p in parsed]
    existing: set[str] = set()
    for start in range(0, len(keys), 500):
        existing |= set(
            session.exec(
                select(col(DeviceEvent.idem_key)).where(
                    col(DeviceEvent.idem_key).in_(keys[start : start + 500])
                )
            ).all()
        )
    candidates: list[tuple[ParsedEvent, DeviceEvent]] = []
    for p in parsed:
        if p.key in existing:
            result.duplicates += 1
            continue
        existing.add(p.key)
        candidates.append(
            (
                p,
                DeviceEvent(
                    idem_key=p.key,
                    device_id=row_id(known[p.device_code]),
                    kind=p.kind,
                    at=p.at,
                    value=p.value,
                    received_at=now,
                    received_by=received_by,
                ),
            )
        )
    try:
        with session.begin_nested():  # all at once; one by one only if another upload raced us
            session.add_all([event for _p, event in candidates])
        fresh = candidates
    except IntegrityError:
        fresh = []
        for p, event in candidates:
            event = DeviceEvent(
                **{
                    k: getattr(event, k)
                    for k in (
                        "idem_key",
                        "device_id",
                        "kind",
                        "at",
                        "value",
                        "received_at",
                        "received_by",
                    )
                }
            )
            try:
                with session.begin_nested():
                    session.add(event)
            except IntegrityError:
                result.duplicates += 1
                continue
            fresh.append((p, event))
    result.taken = len(fresh)
    for p, event in sorted(fresh, key=lambda pe: pe[0].at):
        if p.kind in ("smoke", "fall") and p.value > 0:
            _signal(session, index, known[p.device_code], p.kind, event, now, result)
    _check_meters(session, index, days=no_use or no_use_days(), now=now, result=result)
    session.commit()
    return result


def _open_alarm(session: Session, device: Device, rule: str) -> DeviceAlarm | None:
    return session.exec(
        select(DeviceAlarm).where(col(DeviceAlarm.open_key) == f"{device.id}:{rule}")
    ).first()


def _close(
    session: Session, alarm: DeviceAlarm, reason: str, now: datetime, result: IntakeResult
) -> None:
    alarm.open_key, alarm.closed_at, alarm.closed_reason = None, now, reason
    session.add(alarm)
    session.flush()
    result.alarms_closed.append(row_id(alarm))


def _raise(
    session: Session,
    index: GridIndex,
    device: Device,
    rule: str,
    now: datetime,
    seen_at: datetime,
    result: IntakeResult,
    days: int = 0,
) -> DeviceAlarm | None:
    """Opens the alarm and its report; None if another upload opened it a moment ago."""
    alarm = DeviceAlarm(
        device_id=row_id(device),
        rule=rule,
        open_key=f"{device.id}:{rule}",
        opened_at=now,
        last_seen_at=seen_at,
    )
    text = RULE_TEXT[rule].format(house=device.house, code=device.code, days=days)
    try:
        with session.begin_nested():  # the alarm and its report stand or fall together
            session.add(alarm)
            session.flush()
            report = reports.submit_alarm(
                session,
                index,
                reporter_id=device.registered_by,
                category_code=RULE_CATEGORY[rule],
                description=text,
                lat=device.lat,
                lon=device.lon,
                urgent=rule != "no_use",
                now=now,
            )
            alarm.report_id = report.id
            session.add(alarm)
            notify(
                session,
                [report.assignee_id],
                "device_alarm",  # outbox: same transaction
                {"device": device.code, "what": text},
                f"work_queue?report={report.id}",
                urgent=rule != "no_use",
                now=now,
            )
            session.flush()
    except IntegrityError:
        return None  # another upload opened it a moment ago
    except (FieldErrors, UserError):  # grids redrawn, or the category was removed
        result.errors.append(
            (
                0,
                Message(
                    N_(
                        "No report could be opened for device {device}: its "
                        "place is outside the grids or the category is missing."
                    ),
                    {"device": device.code},
                ),
            )
        )
        return None
    result.alarms_opened.append(row_id(alarm))
    return alarm


def _signal(
    session: Session,
    index: GridIndex,
    device: Device,
    rule: str,
    event: DeviceEvent,
    now: datetime,
    result: IntakeResult,
) -> None:
    alarm = _open_alarm(session, device, rule)
    if alarm is not None and alarm.report_id is not None:
        report = session.get(Report, alarm.report_id)
        if (
            report is not None
            and report.state in reports.DONE_STATES
            and event.at > (report.resolved_at or report.updated_at)
        ):
            _close(session, alarm, "report_done", now, result)
            alarm = None
    if alarm is None:
        alarm = _raise(session, index, device, rule, now, event.at, result) or _open_alarm(
            session, device, rule
        )
    if alarm is not None:
        alarm.last_seen_at = max(alarm.last_seen_at, event.at)
        event.alarm_id = alarm.id
        session.add_all([alarm, event])
        session.flush()


def is_elder_alone(user: User | None, now: datetime) -> bool:
    return bool(
        user
        and user.lives_alone
        and user.birth_year
        and now.astimezone(BEIJING).year - user.birth_year >= ELDER_AGE
    )


def meter_use(session: Session, device_id: int, *, days: int, now: datetime) -> float | None:
    """kWh used over the last `days` days; None when the meter has no reading that old."""
    cutoff = now - timedelta(days=days)
    base = session.exec(
        select(col(DeviceEvent.value))
        .where(col(DeviceEvent.device_id) == device_id, col(DeviceEvent.at) <= cutoff)
        .order_by(col(DeviceEvent.at).desc())
        .limit(1)
    ).first()
    if base is None:
        return None
    latest = session.exec(
        select(func.max(col(DeviceEvent.value))).where(
            col(DeviceEvent.device_id) == device_id, col(DeviceEvent.at) <= now
        )
    ).one()
    return max(0.0, (latest or 0.0) - base)


def _check_meters(
    session: Session, index: GridIndex, *, days: int, now: datetime, result: IntakeResult
) -> None:
    meters = session.exec(
        select(Device, User)
        .join(User, col(User.id) == col(Device.resident_id))
        .where(col(Device.kind) == "meter", col(Device.active))
    ).all()
    for device, person in meters:
        alarm = _open_alarm(session, device, "no_use")
        used = meter_use(session, row_id(device), days=days, now=now)
        quiet = used is not None and used < MIN_USE_KWH and is_elder_alone(person, now)
        if quiet and alarm is None:
            _raise(session, index, device, "no_use", now, now, result, days=days)
        elif alarm is not None and not quiet:
            _close(session, alarm, "use_resumed", now, result)
        elif alarm is not None:
            alarm.last_seen_at = now
            session.add(alarm)


def check_meters(
    session: Session, index: GridIndex, *, days: int | None = None, now: datetime | None = None
) -> IntakeResult:
    """The clock rule on its own (the command runs it on a schedule): opens or ends no-use alarms."""
    now = now or utcnow()
    result = IntakeResult()
    _check_meters(session, index, days=days or no_use_days(), now=now, result=result)
    session.commit()
    return result


# --- messages from gateways and MQTT ----------------------------------------------------------

TOPIC_RE = re.compile(r"^linli/([^/]+)/devices/([^/]+)/events$")


@dataclass(frozen=True)
class DeviceMessage:
    """One message from MQTT or an HTTP gateway: where it came from and its raw bytes."""

    topic: str
    payload: bytes
    source: str = "mqtt"
    api_key_id: int | None = None


@dataclass
class MessagesResult:
    taken: int = 0
    duplicates: int = 0
    refused: list[tuple[DeviceMessage, Message]] = field(default_factory=list)
    alarms_opened: list[int] = field(default_factory=list)
    alarms_closed: list[int] = field(default_factory=list)


def _message_records(message: DeviceMessage, community: str) -> list[dict]:
    """The message's events as records (the device filled in from the topic). Raises UserError."""
    device_of_topic = None
    if message.source == "mqtt":
        match = TOPIC_RE.match(message.topic)
        if match is None or match.group(1) != community:
            raise UserError(
                N_("Unknown topic {topic}: use linli/{community}/devices/<device>/events."),
                topic=message.topic[:120],
                community=community,
            )
        device_of_topic = match.group(2)
    try:
        data = json.loads(message.payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UserError(N_("This is not valid JSON.")) from None
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(item, dict) for item in items) or len(items) > MAX_EVENTS:
        raise UserError(N_("Send one JSON object per event, or an array of them."))
    for item in items:
        named = str(item.get("device", "")).strip()
        if device_of_topic is not None and named and named != device_of_topic:
            raise UserError(
                N_("The event names device {device}, the topic another."), device=named[:64]
            )
        item.setdefault("device", device_of_topic or "")
    return items


def intake_messages(
    session: Session,
    index: GridIndex,
    messages: list[DeviceMessage],
    *,
    community: str,
    now: datetime | None = None,
) -> MessagesResult:
    """Takes a batch of messages whole or not at all, each on its own: a message that is not JSON,
    comes on an unknown topic, names an unknown device or carries a bad field is refused (a dead
    letter, with the reason) and nothing of it is taken. The good ones go through intake() (the
    same rules, alarms and idempotency keys as a file), all in one transaction."""
    from portal import dead_letters

    now = now or utcnow()
    result = MessagesResult()
    lines: list[str] = []
    owner: list[int] = []  # message index of each line
    records_of: dict[int, list[dict]] = {}
    for number, message in enumerate(messages):
        try:
            records_of[number] = _message_records(message, community)
        except UserError as exc:
            result.refused.append((message, exc.message))
    for number, records in records_of.items():
        for record in records:
            lines.append(json.dumps(record, ensure_ascii=False, default=str))
            owner.append(number)
    _parsed, errors, _known = (
        parse_events(session, "\n".join(lines), now=now) if lines else ([], [], {})
    )
    bad: dict[int, Message] = {}
    for line, problem in errors:
        bad.setdefault(owner[line - 1], problem)
    for number, problem in bad.items():
        result.refused.append((messages[number], problem))
    good = [line for line, number in zip(lines, owner, strict=True) if number not in bad]
    for message, reason in result.refused:
        dead_letters.record(
            session,
            source=message.source,
            topic=message.topic,
            payload=message.payload,
            reason=reason,
            api_key_id=message.api_key_id,
            now=now,
            commit=False,
        )
    taken = intake(session, index, "\n".join(good), now=now) if good else None
    if taken is None:
        session.commit()
    else:
        result.taken, result.duplicates = taken.taken, taken.duplicates
        result.alarms_opened, result.alarms_closed = taken.alarms_opened, taken.alarms_closed
    return result


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlarmRow:
    alarm: DeviceAlarm
    device: Device
    report_state: str | None
    events: int


def alarms(
    session: Session, *, open_only: bool = False, limit: int = 500, grids: list[int] | None = None
) -> list[AlarmRow]:
    """Alarms, newest first; `grids` keeps only devices in those grids (None: every grid)."""
    query = (
        select(DeviceAlarm, Device, col(Report.state))
        .join(Device, col(Device.id) == col(DeviceAlarm.device_id))
        .outerjoin(Report, col(Report.id) == col(DeviceAlarm.report_id))
    )
    if open_only:
        query = query.where(col(DeviceAlarm.open_key).is_not(None))
    if grids is not None:
        query = query.where(col(Device.grid_id).in_(grids))
    rows = session.exec(query.order_by(col(DeviceAlarm.opened_at).desc()).limit(limit)).all()
    ids = [a.id for a, _d, _s in rows]
    counts = (
        dict(
            session.exec(
                select(col(DeviceEvent.alarm_id), func.count())
                .where(col(DeviceEvent.alarm_id).in_(ids))
                .group_by(col(DeviceEvent.alarm_id))
            ).all()
        )
        if ids
        else {}
    )
    return [AlarmRow(a, d, s, counts.get(a.id, 0)) for a, d, s in rows]


def recent_events(
    session: Session, limit: int = 200, grids: list[int] | None = None
) -> list[tuple[DeviceEvent, str]]:
    query = select(DeviceEvent, col(Device.code)).join(
        Device, col(Device.id) == col(DeviceEvent.device_id)
    )
    if grids is not None:
        query = query.where(col(Device.grid_id).in_(grids))
    return list(session.exec(query.order_by(col(DeviceEvent.id).desc()).limit(limit)).all())


def micro_grids(index: GridIndex, grids: list[int] | None = None) -> list[Grid]:
    """The micro-grids a house can be registered in (of `grids` only, when given)."""
    micro = index.of_kind("micro")
    return micro if grids is None else [g for g in micro if g.id in set(grids)]


# --- command ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    from db.engine import get_engine
    from portal.i18n import translate

    parser = argparse.ArgumentParser(
        description="Take device events (CSV or JSON) and apply the alarm rules."
    )
    parser.add_argument("--file", help="events file (default: standard input)")
    parser.add_argument("--check", action="store_true", help="only run the meter rule")
    parser.add_argument("--days", type=int, default=None, help="no-use days for meters")
    parser.add_argument(
        "--mqtt", action="store_true", help="subscribe to MQTT (LINLI_MQTT_URL) and take events"
    )
    args = parser.parse_args(argv)
    if args.mqtt:
        from portal import device_mqtt

        return device_mqtt.main()
    with Session(get_engine(load_settings().database_url), expire_on_commit=False) as session:
        index = GridIndex.load(session)
        if args.check:
            result = check_meters(session, index, days=args.days)
        else:
            if args.file:
                with open(args.file, encoding="utf-8-sig") as handle:
                    text = handle.read()
            else:
                text = sys.stdin.read()
            result = intake(session, index, text, no_use=args.days)
    for line, message in result.errors:
        print(f"line {line}: {translate('en', message.msgid, **message.params)}", file=sys.stderr)
    print(
        f"taken {result.taken}, already taken {result.duplicates}, bad {len(result.errors)}, "
        f"alarms opened {len(result.alarms_opened)}, alarms ended {len(result.alarms_closed)}"
    )
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
