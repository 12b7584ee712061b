"""Notifications: outbox in the same transaction, the recipient's language, inbox, channels over
a real SMTP server and a local HTTP gateway, retries, and two worker processes on PostgreSQL."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_notifications import Notification, NotificationDelivery, NotificationSetting
from db.models_reports import Report, ReportCategory, ReportEvent
from portal import delivery, notifications, reports
from portal.config import load_settings
from portal.i18n import translate
from tests.unit import test_reports
from tests.unit.test_reports import _clear_reports, _submit

ctx = test_reports.ctx  # the demo community without reports (a fixture)
ROOT = Path(__file__).resolve().parents[2]


def _user(session, name):
    return session.exec(select(User).where(User.username == name)).one()


def _notices(url, user_id, event=None):
    with Session(get_engine(url)) as s:  # a separate session: only what was committed
        query = select(Notification).where(Notification.recipient_id == user_id)
        if event:
            query = query.where(Notification.event == event)
        return list(s.exec(query))


def _opt_in_email(session, user, address):
    session.add(
        NotificationSetting(
            user_id=user.id,
            email=address,
            email_confirmed_at=datetime.now(UTC),
            use_email=True,
            quiet_hours=False,
        )
    )
    session.commit()


class Mailbox:
    def __init__(self, delay: float = 0.0):
        self.messages, self.delay = [], delay

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if self.delay:
            time.sleep(self.delay)
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp():
    box = Mailbox(delay=0.01)
    with socket.socket() as probe:  # a free port (aiosmtpd checks it can connect, so not 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.url = f"smtp://127.0.0.1:{port}"
    yield box
    controller.stop()


def _settings(**env):
    return load_settings({"DATABASE_URL": "sqlite://", "LINLI_NOTIFY_BACKOFF_SECONDS": "60", **env})


# --- outbox, language, inbox -----------------------------------------------------------------


def test_report_steps_tell_the_chief_and_the_reporter_in_their_language(ctx, clock):
    chief, resident = ctx.user("chief_g1m1"), ctx.user("zhang_nainai")
    chief.language = "ug"
    ctx.s.add(chief)
    ctx.s.commit()
    report = _submit(ctx, clock)
    assigned = _notices(ctx.url, chief.id, "report_assigned")
    assert [json.loads(n.params)["id"] for n in assigned] == [report.id]
    title, body = notifications.render(chief.language, assigned[0])
    assert title == translate("ug", "A report for you") != "A report for you"
    assert str(report.id) in body
    for action in ("accept", "resolve"):
        reports.act(
            ctx.s,
            ctx.index,
            report_id=report.id,
            actor_id=chief.id,
            action=action,
            note="修好了",
            now=clock.advance(hours=1),
        )
    assert len(_notices(ctx.url, resident.id, "report_accepted")) == 1
    (resolved,) = _notices(ctx.url, resident.id, "report_resolved")
    assert resolved.link == f"my_reports?report={report.id}"
    assert "请" in notifications.render("zh_Hans", resolved)[1]  # "please rate", in Chinese
    reports.rate(ctx.s, report_id=report.id, actor_id=resident.id, stars=1, now=clock())
    assert len(_notices(ctx.url, chief.id, "report_reopened")) == 1


def test_nothing_is_told_for_a_change_that_rolled_back(ctx, clock, monkeypatch):
    resident, chief = ctx.user("zhang_nainai"), ctx.user("chief_g1m1")
    before = len(_notices(ctx.url, resident.id))
    notifications.notify(ctx.s, [resident.id], "chief_message", {"title": "x"}, "inbox")
    ctx.s.rollback()
    assert len(_notices(ctx.url, resident.id)) == before
    report = _submit(ctx, clock)
    reports.act(
        ctx.s, ctx.index, report_id=report.id, actor_id=chief.id, action="accept", now=clock()
    )
    told = len(_notices(ctx.url, resident.id))

    def refused():
        raise RuntimeError("the database refused the commit")

    monkeypatch.setattr(ctx.s, "commit", refused)
    with pytest.raises(RuntimeError):
        reports.act(
            ctx.s,
            ctx.index,
            report_id=report.id,
            actor_id=chief.id,
            action="resolve",
            note="修好了",
            now=clock(),
        )
    ctx.s.rollback()
    monkeypatch.undo()
    assert len(_notices(ctx.url, resident.id)) == told  # no "please rate" for an unsaved change
    ctx.s.refresh(report)
    assert report.state == "accepted"


def test_due_soon_warns_the_handler_and_one_level_up_once(ctx, clock):
    report = _submit(ctx, clock, code="safety")  # due in 24 h
    clock.advance(hours=21)
    assert reports.sweep(ctx.s, ctx.index, clock())["warned"] == 2
    assert reports.sweep(ctx.s, ctx.index, clock.advance(minutes=30))["warned"] == 0
    chief = ctx.user("chief_g1m1")
    (warning,) = _notices(ctx.url, chief.id, "report_due_soon")
    assert json.loads(warning.params)["id"] == report.id
    assert (
        ctx.s.exec(
            select(func.count()).where(Notification.once_key.like(f"due_soon:{report.id}:%"))
        ).one()
        == 2
    )


def test_inbox_counts_and_marks_read(ctx):
    resident = ctx.user("zhang_nainai")
    notifications.mark_read(ctx.s, resident.id)
    for title in ("a", "b", "c"):
        notifications.notify(ctx.s, [resident.id], "chief_message", {"title": title}, "home")
    ctx.s.commit()
    assert notifications.unread_count(ctx.s, resident.id) == 3
    first = notifications.inbox(ctx.s, resident.id)[0]
    assert notifications.mark_read(ctx.s, resident.id, [first.id]) == 1
    other = ctx.user("tashi")
    assert notifications.mark_read(ctx.s, other.id, [first.id]) == 0  # not theirs
    assert notifications.unread_count(ctx.s, resident.id) == 2
    assert notifications.mark_read(ctx.s, resident.id) == 2
    assert notifications.unread_count(ctx.s, resident.id) == 0


def test_quiet_hours_hold_outside_messages_until_seven_except_urgent():
    late = datetime(2026, 11, 2, 15, 30, tzinfo=UTC)  # 23:30 Beijing
    assert notifications.send_time(late, urgent=False) == datetime(2026, 11, 2, 23, 0, tzinfo=UTC)
    early = datetime(2026, 11, 2, 21, 0, tzinfo=UTC)  # 05:00 Beijing next day
    assert notifications.send_time(early, urgent=False) == datetime(2026, 11, 2, 23, 0, tzinfo=UTC)
    assert notifications.send_time(late, urgent=True) == late
    day = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # 12:00 Beijing
    assert notifications.send_time(day, urgent=False) == day


def test_a_mail_url_without_a_host_says_so_and_is_retried_later():
    channel = delivery.EmailChannel("smtp://:2525", "linli@localhost")
    with pytest.raises(delivery.TemporaryFailure, match="names no host"):
        channel.send("li@example.org", "subject", "body")


def test_email_needs_a_confirmed_address_and_the_link_works_once(ctx):
    resident = ctx.user("zhang_nainai")
    with pytest.raises(Exception):  # noqa: B017
        notifications.save_setting(ctx.s, resident.id, email="not-an-email", use_email=True)
    _setting, token = notifications.save_setting(
        ctx.s, resident.id, email="zhang@example.com", use_email=True
    )
    assert token
    made = notifications.notify(ctx.s, [resident.id], "chief_message", {"title": "x"})
    ctx.s.commit()
    assert (
        ctx.s.exec(
            select(NotificationDelivery).where(NotificationDelivery.notification_id == made[0].id)
        ).all()
        == []
    )  # not confirmed: in-app only
    assert notifications.confirm_email(ctx.s, resident.id, token).email_confirmed_at
    with pytest.raises(Exception):  # noqa: B017
        notifications.confirm_email(ctx.s, resident.id, token)


# --- channels --------------------------------------------------------------------------------


def test_email_arrives_at_a_real_smtp_server_in_the_recipients_language(ctx, smtp):
    tashi = ctx.user("tashi")  # Tibetan
    _opt_in_email(ctx.s, tashi, "tashi@example.com")
    notifications.notify(
        ctx.s, [tashi.id], "wish_changed", {"title": "路灯", "state": "adopted"}, "wish_detail?id=1"
    )
    ctx.s.commit()
    done = delivery.deliver_due(ctx.s, _settings(LINLI_SMTP_URL=smtp.url))
    assert done.sent == 1
    (mail,) = smtp.messages
    assert mail.rcpt_tos == ["tashi@example.com"]
    parsed = message_from_bytes(mail.content, policy=policy.default)
    assert parsed["Subject"] == translate("bo", "News about a wish") != "News about a wish"
    assert translate("bo", "adopted") in parsed.get_content()
    assert "/wish_detail?id=1" in parsed.get_content()
    assert delivery.deliver_due(ctx.s, _settings(LINLI_SMTP_URL=smtp.url)).sent == 0  # once


class Gateway(BaseHTTPRequestHandler):
    answers: list[int] = []
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append(json.loads(body))
        code = type(self).answers.pop(0) if type(self).answers else 200
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.answers, Gateway.seen = [], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/send", Gateway
    server.shutdown()


def test_sms_gateway_is_retried_after_5xx_with_backoff_then_failed_and_listed(ctx, gateway):
    url, gw = gateway
    resident = ctx.user("aygul")
    ctx.s.add(
        NotificationSetting(
            user_id=resident.id, phone="13800000000", use_sms=True, quiet_hours=False
        )
    )
    ctx.s.commit()
    now = datetime.now(UTC)
    notifications.notify(
        ctx.s,
        [resident.id],
        "device_alarm",
        {"device": "SMK-1", "what": "smoke"},
        urgent=True,
        now=now,
    )
    ctx.s.commit()
    settings = _settings(LINLI_SMS_GATEWAY_URL=url, LINLI_NOTIFY_MAX_TRIES="3")
    gw.answers = [503, 200]
    first = delivery.deliver_due(ctx.s, settings, now=now)
    assert (first.sent, first.retried) == (0, 1)
    assert delivery.deliver_due(ctx.s, settings, now=now + timedelta(seconds=30)).sent == 0  # waits
    second = delivery.deliver_due(ctx.s, settings, now=now + timedelta(seconds=61))
    assert second.sent == 1
    assert [r["to"] for r in gw.seen] == ["13800000000", "13800000000"]
    assert gw.seen[0]["subject"] == translate("ug", "Device alarm")
    # a message the gateway keeps refusing is marked failed after N tries and shown to staff
    notifications.notify(
        ctx.s, [resident.id], "chief_message", {"title": "x"}, urgent=True, now=now
    )
    ctx.s.commit()
    gw.answers = [500, 502, 503]
    for minutes in (2, 4, 8):
        delivery.deliver_due(ctx.s, settings, now=now + timedelta(minutes=minutes))
    failed = notifications.failed_deliveries(ctx.s)
    assert [(d.attempts, u.id) for d, u in failed] == [(3, resident.id)]


# --- two workers at once (PostgreSQL) ----------------------------------------------------------


@pytest.fixture
def pg_demo_url(pg_ready):
    from tests.conftest import _pg_create

    return _pg_create(pg_ready["work"], template=pg_ready["demo"])


def _workers(url, env_extra, n=2):
    env = {**os.environ, "DATABASE_URL": url, "LINLI_WORKER_BATCH": "3", **env_extra}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "portal.worker", "--once"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(n)
    ]
    outs = [p.communicate(timeout=240)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * n, outs
    return outs


def test_two_worker_processes_send_each_mail_once(pg_demo_url, smtp):
    url = pg_demo_url
    with Session(get_engine(url), expire_on_commit=False) as s:
        people = s.exec(select(User).where(User.role == "resident").limit(12)).all()
        for person in people:
            _opt_in_email(s, person, f"u{person.id}@example.com")
        for n in range(5):
            notifications.notify(s, [p.id for p in people], "chief_message", {"title": f"m{n}"})
        s.commit()
    _workers(url, {"LINLI_SMTP_URL": smtp.url})
    assert len(smtp.messages) == 60
    keys = [(m.rcpt_tos[0], m.content) for m in smtp.messages]
    assert len(set(keys)) == 60
    with Session(get_engine(url)) as s:
        states = s.exec(select(NotificationDelivery.status, NotificationDelivery.claimed_by)).all()
    assert {st for st, _ in states} == {"sent"}


def test_two_worker_processes_escalate_each_overdue_report_once(pg_demo_url):
    url = pg_demo_url
    with Session(get_engine(url), expire_on_commit=False) as s:
        _clear_reports(s)
        overdue = s.exec(select(Report)).all()
        assert overdue == []
    from portal.grids import GridIndex
    from portal.media import LocalMediaStore

    with Session(get_engine(url), expire_on_commit=False) as s:
        index = GridIndex.load(s)

        class C:  # noqa: N801
            pass

        c = C()
        c.s, c.index, c.store = s, index, LocalMediaStore(Path("/tmp/linli-worker-test-media"))
        c.user = lambda name: _user(s, name)
        c.cat = lambda code: s.exec(select(ReportCategory).where(ReportCategory.code == code)).one()
        micro = index.of_kind("micro")[0]
        p = index.shapes[micro.id].representative_point()
        c.lat, c.lon = p.y, p.x
        past = datetime.now(UTC) - timedelta(days=3)
        made = [_submit(c, lambda: past, text=f"灯{n}") for n in range(6)]
    _workers(url, {"LINLI_WORKER_RULES_SECONDS": "0"})
    with Session(get_engine(url)) as s:
        for report in made:
            events = s.exec(
                select(ReportEvent.action).where(ReportEvent.report_id == report.id)
            ).all()
            assert events.count("auto_escalate") == 1, events
            told = s.exec(
                select(func.count()).where(
                    Notification.event == "report_escalated",
                    Notification.params.contains(f'"id": {report.id},'),
                )
            ).one()
            assert told >= 1
