"""Health checks, heartbeats, metrics text, api keys and migration 0016, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlmodel import Session, select

from db.engine import get_engine
from db.migrate import alembic_config, upgrade
from db.models import User
from db.models_reach import ApiKey, ApiKeyWindow
from portal import api_keys, health, housekeeping, metrics
from portal.errors import FieldErrors, UserError
from portal.grids import GridIndex

TABLES = {"api_key", "api_key_window", "partner_request", "dead_letter", "heartbeat"}


def test_migration_0016_down_and_up(db_url):
    config = alembic_config(db_url)
    command.downgrade(config, "0015")
    assert not TABLES & set(inspect(get_engine(db_url)).get_table_names())
    get_engine(db_url).dispose()
    upgrade(db_url)
    assert TABLES <= set(inspect(get_engine(db_url)).get_table_names())


def test_health_says_what_is_wrong(db_url, clock):
    engine = get_engine(db_url)
    state = health.check(engine, db_url, heartbeat_max_seconds=600, now=clock())
    assert not state.ok and state.checks["workers"]["ok"] is False
    with Session(engine) as s:
        health.beat(s, health.HOUSEKEEPING, clock())
    assert health.check(
        engine, db_url, heartbeat_max_seconds=600, now=clock.advance(seconds=599)
    ).ok
    late = health.check(engine, db_url, heartbeat_max_seconds=600, now=clock.advance(seconds=2))
    assert not late.ok and late.checks["workers"]["age_seconds"]["housekeeping"] == 601
    assert health.check(engine, db_url, heartbeat_max_seconds=0, now=clock()).ok
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    assert head is not None and head >= "0016"
    command.downgrade(alembic_config(db_url), "0015")
    behind = health.check(engine, db_url, heartbeat_max_seconds=0, now=clock())
    assert not behind.ok and behind.checks["migrations"] == {
        "ok": False,
        "database": ["0015"],
        "code": [head],
    }
    upgrade(db_url)


def test_health_of_an_unreachable_database():
    url = "postgresql+psycopg://postgres@127.0.0.1:1/none"
    state = health.check(get_engine(url), url, heartbeat_max_seconds=0)
    assert not state.ok and state.checks["database"]["ok"] is False
    assert "migrations" not in state.checks


def test_housekeeping_beats_and_prunes_rate_windows(demo_session, clock):
    staff = demo_session.exec(select(User).where(User.username == "staff01")).one()
    issued = api_keys.issue(demo_session, actor_id=staff.id, partner="p", scope="open311")
    api_keys.authenticate(demo_session, issued.secret, "open311", now=clock() - timedelta(days=2))
    api_keys.authenticate(demo_session, issued.secret, "open311", now=clock())
    housekeeping.run(demo_session, GridIndex.load(demo_session), clock())
    assert health.heartbeats(demo_session)[health.HOUSEKEEPING] == clock()
    windows = demo_session.exec(select(ApiKeyWindow.minute)).all()
    assert windows == [clock().replace(second=0)]


def test_keys_are_hashed_scoped_revocable_and_staff_only(demo_session):
    staff = demo_session.exec(select(User).where(User.username == "staff01")).one()
    resident = demo_session.exec(select(User).where(User.username == "zhang_nainai")).one()
    with pytest.raises(UserError):
        api_keys.issue(demo_session, actor_id=resident.id, partner="x", scope="open311")
    with pytest.raises(FieldErrors) as caught:
        api_keys.issue(demo_session, actor_id=staff.id, partner=" ", scope="x", per_minute=0)
    assert set(caught.value.errors) == {"partner", "scope", "per_minute"}
    issued = api_keys.issue(demo_session, actor_id=staff.id, partner="热线", scope="devices")
    stored = demo_session.get(ApiKey, issued.key.id)
    assert issued.secret not in (stored.key_hash, stored.prefix)
    assert stored.key_hash == api_keys.hash_key(issued.secret)
    assert api_keys.authenticate(demo_session, issued.secret, "devices").id == stored.id
    with pytest.raises(api_keys.ApiRefusal) as wrong:
        api_keys.authenticate(demo_session, issued.secret, "open311")
    assert wrong.value.status == 403
    with pytest.raises(UserError):
        api_keys.revoke(demo_session, actor_id=resident.id, key_id=stored.id)
    api_keys.revoke(demo_session, actor_id=staff.id, key_id=stored.id)
    with pytest.raises(api_keys.ApiRefusal) as revoked:
        api_keys.authenticate(demo_session, issued.secret, "devices")
    assert revoked.value.message.msgid == "This api_key was revoked."


def test_metric_labels_are_escaped(demo_session):
    staff = demo_session.exec(select(User).where(User.username == "staff01")).one()
    api_keys.issue(demo_session, actor_id=staff.id, partner='a "b"\\c', scope="open311")
    text = metrics.render(demo_session)
    assert 'partner="a \\"b\\"\\\\c"' in text
    assert all(
        line.startswith("#") or line.split(" ")[-1].replace(".", "").isdigit()
        for line in text.splitlines()
    )
