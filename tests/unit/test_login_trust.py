"""Attacks on logins: racing the throttle, locking the owner out, sessions that outlive a logout."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, User
from portal import auth
from portal.errors import FieldErrors, UserError
from tests.conftest import ROOT

PASSWORD = "Linli-2026"  # the demo password (portal/demo/seed.py)


def _counting_checks(monkeypatch) -> list[int]:
    checks: list[int] = []
    real = auth.verify_password

    def counted(password_hash: str, password: str) -> bool:
        checks.append(1)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counted)
    return checks


def test_twenty_parallel_wrong_guesses_get_only_the_free_password_checks(demo_url, monkeypatch):
    checks = _counting_checks(monkeypatch)
    engine = get_engine(demo_url)
    outcomes: list[str] = []
    start = threading.Barrier(20)

    def guess() -> None:
        start.wait()
        with Session(engine) as session:
            try:
                auth.authenticate(session, "zhang_nainai", "wrong-guess", client="10.0.0.9")
            except UserError as exc:
                outcomes.append(exc.message.msgid)
            except Exception as exc:  # a crash (unique constraint, lock) fails the test below
                outcomes.append(repr(exc))

    threads = [threading.Thread(target=guess) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(outcomes)) == sorted({auth.LOGIN_FAILED, auth.LOGIN_THROTTLED})
    assert len(checks) == auth.FREE_FAILURES
    assert outcomes.count(auth.LOGIN_FAILED) == auth.FREE_FAILURES


def test_an_attacker_cannot_lock_the_owner_out(demo_session, clock):
    for _ in range(40):  # one wrong try after another, waiting out every lock
        clock.advance(minutes=5)
        try:
            auth.authenticate(demo_session, "admin", "guess-again", now=clock(), client="6.6.6.6")
        except UserError:
            pass
    with pytest.raises(UserError) as attacker:
        auth.authenticate(demo_session, "admin", PASSWORD, now=clock(), client="6.6.6.6")
    assert attacker.value.message.msgid == auth.LOGIN_THROTTLED
    owner = auth.authenticate(demo_session, "admin", PASSWORD, now=clock(), client="192.168.1.20")
    assert owner.username == "admin"


def test_many_clients_guessing_one_account_each_get_one_free_guess_then_wait(demo_session, clock):
    for n in range(12):
        with pytest.raises(UserError):
            auth.authenticate(demo_session, "admin", "botnet-1", now=clock(), client=f"7.0.0.{n}")
    with pytest.raises(UserError) as second:  # a client that already failed on admin
        auth.authenticate(demo_session, "admin", "botnet-2", now=clock(), client="7.0.0.3")
    assert second.value.message.msgid == auth.LOGIN_THROTTLED
    assert auth.authenticate(demo_session, "admin", PASSWORD, now=clock(), client="8.8.4.4")


def test_one_client_spraying_many_accounts_is_slowed_down(demo_session, clock):
    names = demo_session.exec(select(User.username)).all()
    refused = 0
    for n in range(auth.CLIENT_FREE_FAILURES + 5):
        try:
            auth.authenticate(
                demo_session, names[n % len(names)], "spray-1", now=clock(), client="9.9.9.9"
            )
        except UserError as exc:
            refused += exc.message.msgid == auth.LOGIN_THROTTLED
    assert refused >= 4
    assert auth.authenticate(demo_session, "admin", PASSWORD, now=clock(), client="1.1.1.1")


def _logged_in(session: Session, username: str) -> tuple[User, str]:
    user = session.exec(select(User).where(User.username == username)).one()
    return user, auth.issue_login_token(session, user.id, days=14)


def test_password_change_ends_every_other_live_session(demo_session):
    user, here = _logged_in(demo_session, "tashi")
    _, other_device = _logged_in(demo_session, "tashi")
    epoch = user.session_epoch
    assert auth.session_user(demo_session, user.id, other_device, epoch) is not None
    new_epoch = auth.change_password(
        demo_session, user.id, PASSWORD, "yak-butter-9", "yak-butter-9", keep_token=here
    )
    assert new_epoch == epoch + 1
    assert auth.session_user(demo_session, user.id, other_device, epoch) is None
    assert auth.session_user(demo_session, user.id, None, epoch) is None  # any old-epoch session
    assert auth.session_user(demo_session, user.id, here, new_epoch).id == user.id


def test_logout_ends_the_tabs_sharing_its_token_and_everywhere_ends_all(demo_session):
    user, shared = _logged_in(demo_session, "tashi")
    _, phone = _logged_in(demo_session, "tashi")
    auth.revoke_login_token(demo_session, shared)
    assert auth.session_user(demo_session, user.id, shared, user.session_epoch) is None
    assert auth.session_user(demo_session, user.id, phone, user.session_epoch) is not None
    auth.log_out_everywhere(demo_session, user.id)
    demo_session.refresh(user)
    assert auth.session_user(demo_session, user.id, phone, user.session_epoch) is None


@pytest.mark.parametrize(
    "name",
    [
        "张\u202eanon",  # right-to-left override
        "李\u2066阿姨\u2069",  # isolate
        "王\u200d芳",  # zero-width joiner
        "陈\x07",  # C0 control
        "刘\x85",  # C1 control
        "居委会",
        "社区书记老王",
        "网格长",
        "网格员小李",
        "系统管理员",
        "居 委 会",
        "ＡＤＭＩＮ",
        "staff01",
        "李书记",
    ],
)
def test_display_names_that_spoof_or_pose_as_the_office_are_refused(demo_session, name):
    problem = auth.display_name_problem(demo_session, name)
    assert problem is not None and problem.msgid in (auth.BAD_NAME_CHARS, auth.OFFICE_NAME)
    with pytest.raises(FieldErrors) as caught:
        auth.register_resident(
            demo_session,
            username="spoofer",
            password="garden-bench-7",
            display_name=name,
            home_grid_id=demo_session.exec(select(Grid.id).where(Grid.kind == "micro")).first(),
        )
    assert "display_name" in caught.value.errors


def test_ordinary_names_pass_and_staff_may_set_office_names(demo_session):
    for name in ("张奶奶", "Aygül", "བཀྲ་ཤིས།", "ئايگۈل", "ꀉꂿ", "Li Ayi"):
        assert auth.display_name_problem(demo_session, name) is None, name
    assert auth.display_name_problem(demo_session, "居委会", set_by_staff=True) is None
    assert auth.display_name_problem(demo_session, "居\u202e委", set_by_staff=True) is not None


def test_demo_accounts_are_refused_unless_demo_mode_is_on(demo_session):
    admin = demo_session.exec(select(User).where(User.username == "admin")).one()
    assert admin.is_demo
    with pytest.raises(UserError) as refused:
        auth.authenticate(demo_session, "admin", PASSWORD, allow_demo=False)
    assert refused.value.message.msgid == auth.DEMO_REFUSED
    assert auth.authenticate(demo_session, "admin", PASSWORD, allow_demo=True).id == admin.id


def test_the_demo_seed_marks_every_account_it_creates(demo_session):
    assert demo_session.exec(select(User).where(User.is_demo.is_(False))).first() is None


def test_first_real_start_creates_one_admin_once(session):
    created = auth.ensure_first_admin(session)
    assert created is not None
    username, password = created
    assert auth.authenticate(session, username, password, allow_demo=False).role == auth.ADMIN
    assert auth.ensure_first_admin(session) is None  # a second start neither resets nor re-prints
    assert auth.authenticate(session, username, password, allow_demo=False)


def test_first_admin_beside_the_demo_admin_gets_its_own_name(demo_session):
    username, password = auth.ensure_first_admin(demo_session, "river-lantern-31")
    assert username == "linli_admin" and password == "river-lantern-31"
    assert auth.authenticate(demo_session, username, password, allow_demo=False)


def test_first_admin_command_prints_the_password_only_once(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'real.db'}"}
    env.pop("LINLI_ADMIN_PASSWORD", None)
    run = [sys.executable, "-m", "portal.first_admin"]
    first = subprocess.run(run, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    second = subprocess.run(run, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "password:" in first.stdout
    assert "password" in second.stdout and "password:" not in second.stdout
    with Session(get_engine(env["DATABASE_URL"])) as real:
        users = real.exec(select(User)).all()
    assert [(u.username, u.is_demo) for u in users] == [("admin", False)]
