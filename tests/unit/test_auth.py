import pytest
from sqlmodel import select

from db.models import AuthEvent, Grid, LoginToken, User
from portal import auth
from portal.errors import FieldErrors, UserError


def _home(session) -> Grid:
    return session.exec(select(Grid).where(Grid.kind == "micro")).first()


def _register(session, **kw):
    values = {
        "username": "new_resident",
        "password": "garden-bench-7",
        "display_name": "新居民",
        "home_grid_id": _home(session).id,
    }
    values.update(kw)
    return auth.register_resident(session, **values)


def test_register_then_login(demo_session):
    user = _register(demo_session, language="ug")
    assert user.role == "resident" and user.language == "ug"
    assert user.password_hash.startswith("$argon2")
    assert auth.authenticate(demo_session, "New_Resident ", "garden-bench-7").id == user.id
    kinds = [
        e.kind for e in demo_session.exec(select(AuthEvent).where(AuthEvent.user_id == user.id))
    ]
    assert kinds == ["registered", "login"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": ""}, "username"),
        ({"username": "a b"}, "username"),
        ({"username": "zhang_nainai"}, "username"),
        ({"display_name": "   "}, "display_name"),
        ({"display_name": "名" * 41}, "display_name"),
        ({"password": "short"}, "password"),
        ({"password": "12345678"}, "password"),
        ({"password": "aaaaaaaaaa"}, "password"),
        ({"password": "new_resident99"}, "password"),
        ({"password_repeat": "something-else"}, "repeat_password"),
        ({"home_grid_id": None}, "home_grid"),
        ({"home_grid_id": 999999}, "home_grid"),
        ({"role": "admin"}, "role"),
    ],
)
def test_register_refuses_bad_input_at_the_field(demo_session, changes, field):
    before = len(demo_session.exec(select(User.id)).all())
    with pytest.raises(FieldErrors) as caught:
        _register(demo_session, **changes)
    assert field in caught.value.errors
    assert len(demo_session.exec(select(User.id)).all()) == before


def test_register_refuses_a_general_grid_as_home(demo_session):
    general = demo_session.exec(select(Grid).where(Grid.kind == "general")).first()
    with pytest.raises(FieldErrors) as caught:
        _register(demo_session, home_grid_id=general.id)
    assert set(caught.value.errors) == {"home_grid"}


def test_wrong_password_and_unknown_user_get_the_same_message(demo_session):
    with pytest.raises(UserError) as wrong_password:
        auth.authenticate(demo_session, "zhang_nainai", "not-her-password")
    with pytest.raises(UserError) as unknown_user:
        auth.authenticate(demo_session, "nobody_here", "not-her-password")
    assert wrong_password.value.message == unknown_user.value.message
    assert wrong_password.value.message.msgid == auth.LOGIN_FAILED


def test_repeated_failures_slow_the_account_down(demo_session, clock):
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(UserError):
            auth.authenticate(demo_session, "zhang_nainai", "wrong-guess", now=clock())
    with pytest.raises(UserError) as locked:
        auth.authenticate(demo_session, "zhang_nainai", "Linli-2026", now=clock.advance(seconds=5))
    assert "wait" in locked.value.message.msgid
    assert 0 < locked.value.message.params["seconds"] <= auth.BASE_LOCK_SECONDS
    user = auth.authenticate(
        demo_session,
        "zhang_nainai",
        "Linli-2026",
        now=clock.advance(seconds=auth.BASE_LOCK_SECONDS),
    )
    assert user.username == "zhang_nainai"
    # success clears the counter: one more failure does not lock again
    with pytest.raises(UserError) as again:
        auth.authenticate(demo_session, "zhang_nainai", "wrong-guess", now=clock())
    assert again.value.message.msgid == auth.LOGIN_FAILED


def test_unknown_usernames_are_throttled_too(demo_session, clock):
    for _ in range(auth.FREE_FAILURES):
        with pytest.raises(UserError):
            auth.authenticate(demo_session, "ghost", "whatever1", now=clock())
    with pytest.raises(UserError) as locked:
        auth.authenticate(demo_session, "ghost", "whatever1", now=clock())
    assert "wait" in locked.value.message.msgid


def test_lock_grows_and_is_capped():
    assert [auth.lock_seconds(n) for n in range(4, 8)] == [0, 30, 60, 120]
    assert auth.lock_seconds(40) == auth.MAX_LOCK_SECONDS


def test_empty_login_fields(demo_session):
    with pytest.raises(UserError) as caught:
        auth.authenticate(demo_session, "", "")
    assert caught.value.message.msgid == "Please enter your username and password."


def test_login_token_survives_until_revoked_or_expired(demo_session, clock):
    user = demo_session.exec(select(User).where(User.username == "tashi")).one()
    raw = auth.issue_login_token(demo_session, user.id, days=14, now=clock())
    assert auth.user_for_token(demo_session, raw, now=clock()).id == user.id
    assert auth.user_for_token(demo_session, raw + "x", now=clock()) is None
    assert auth.user_for_token(demo_session, raw, now=clock.advance(days=15)) is None
    raw2 = auth.issue_login_token(demo_session, user.id, days=14)
    auth.revoke_login_token(demo_session, raw2)
    assert auth.user_for_token(demo_session, raw2) is None
    stored = demo_session.exec(select(LoginToken.token_hash)).all()
    assert raw not in stored and raw2 not in stored


def test_change_password_checks_and_ends_other_logins(demo_session):
    user = demo_session.exec(select(User).where(User.username == "aygul")).one()
    here = auth.issue_login_token(demo_session, user.id, days=14)
    elsewhere = auth.issue_login_token(demo_session, user.id, days=14)
    with pytest.raises(FieldErrors) as caught:
        auth.change_password(demo_session, user.id, "wrong", "tea-house-42", "tea-house-42")
    assert set(caught.value.errors) == {"old_password"}
    with pytest.raises(FieldErrors) as caught:
        auth.change_password(demo_session, user.id, "Linli-2026", "tea-house-42", "tea-house-43")
    assert set(caught.value.errors) == {"repeat_password"}
    auth.change_password(
        demo_session, user.id, "Linli-2026", "tea-house-42", "tea-house-42", keep_token=here
    )
    assert auth.authenticate(demo_session, "aygul", "tea-house-42").id == user.id
    assert auth.user_for_token(demo_session, here) is not None
    assert auth.user_for_token(demo_session, elsewhere) is None


def test_preferences_are_saved(demo_session):
    user = demo_session.exec(select(User).where(User.username == "axi")).one()
    auth.save_preferences(demo_session, user.id, language="ii", elder_mode=True)
    auth.save_preferences(demo_session, user.id, language="klingon")
    demo_session.refresh(user)
    assert (user.language, user.elder_mode) == ("ii", True)


def test_permission_table_drives_pages():
    assert auth.can_view(None, "login") and not auth.can_view(None, "home")
    assert auth.can_view("resident", "my_grid") and not auth.can_view("resident", "grid_map")
    assert auth.can_view("staff", "grid_map") and not auth.can_view("staff", "my_grid")
    assert not auth.can_view("admin", "no_such_page")
    for role in auth.ROLES:
        home = auth.home_page_for(role)
        assert auth.can_view(role, home.key)
        assert all(role in page.roles for page in auth.pages_for(role))
    assert auth.home_page_for(None).key == "login"
