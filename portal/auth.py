"""Accounts, passwords, login throttling, remembered logins, and the one table of who may see what."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from db.models import AuthEvent, Grid, LoginThrottle, LoginToken, User
from db.types import utcnow
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import LANGUAGE_CODES, N_

ANONYMOUS = "anonymous"
RESIDENT, MERCHANT, GRID_WORKER = "resident", "merchant", "grid_worker"
STAFF, HANDLER, ADMIN = "staff", "handler", "admin"
ROLES = (RESIDENT, MERCHANT, GRID_WORKER, STAFF, HANDLER, ADMIN)
ROLE_LABELS = {
    ANONYMOUS: N_("Visitor"),
    RESIDENT: N_("Resident"),
    MERCHANT: N_("Merchant"),
    GRID_WORKER: N_("Grid worker"),
    STAFF: N_("Community staff"),
    HANDLER: N_("Department handler"),
    ADMIN: N_("Administrator"),
}
PUBLIC_ROLES = (RESIDENT, MERCHANT)
WORK_ROLES = (GRID_WORKER, STAFF, HANDLER, ADMIN)
EVERYONE_LOGGED_IN = ROLES


@dataclass(frozen=True)
class PageSpec:
    key: str
    path: str  # file under pages/
    title: str  # message id
    icon: str
    roles: tuple[str, ...]
    tile: bool = False  # shown as a large tile on the resident home
    hint: str = ""  # message id: one line under the tile's title
    menu: bool = True  # listed in the menu (the start router is not)


# The one permission table: navigation, page guards and home tiles all read it.
PAGES: tuple[PageSpec, ...] = (
    PageSpec(
        "start", "pages/start.py", N_("Start"), ":material/home:", (ANONYMOUS, *ROLES), menu=False
    ),
    PageSpec("login", "pages/login.py", N_("Log in"), ":material/login:", (ANONYMOUS,)),
    PageSpec(
        "register", "pages/register.py", N_("Register"), ":material/person_add:", (ANONYMOUS,)
    ),
    PageSpec("home", "pages/home.py", N_("Home"), ":material/home:", PUBLIC_ROLES),
    PageSpec(
        "my_grid",
        "pages/my_grid.py",
        N_("My grid"),
        ":material/location_home:",
        PUBLIC_ROLES,
        tile=True,
        hint=N_("Your courtyard and who looks after it"),
    ),
    PageSpec(
        "staff_home",
        "pages/staff_home.py",
        N_("Community overview"),
        ":material/dashboard:",
        WORK_ROLES,
    ),
    PageSpec("grid_map", "pages/grid_map.py", N_("Grid map"), ":material/map:", WORK_ROLES),
    PageSpec(
        "report_new",
        "pages/report_new.py",
        N_("Snap a report"),
        ":material/photo_camera:",
        (RESIDENT, MERCHANT, GRID_WORKER),
        tile=True,
        hint=N_("A photo, a voice note or a few words: we send it to the right person"),
    ),
    PageSpec(
        "my_reports",
        "pages/my_reports.py",
        N_("My reports"),
        ":material/assignment:",
        (RESIDENT, MERCHANT, GRID_WORKER),
        tile=True,
        hint=N_("See what happened to your reports and rate the result"),
    ),
    PageSpec(
        "public_reports",
        "pages/public_reports.py",
        N_("Problems in our community"),
        ":material/travel_explore:",
        EVERYONE_LOGGED_IN,
        tile=True,
        hint=N_("Open problems on the map and how they were solved"),
    ),
    PageSpec("work_queue", "pages/work_queue.py", N_("Work queue"), ":material/inbox:", WORK_ROLES),
    PageSpec(
        "report_map", "pages/report_map.py", N_("Reports map"), ":material/pin_drop:", WORK_ROLES
    ),
    PageSpec(
        "report_categories",
        "pages/report_categories.py",
        N_("Report categories"),
        ":material/category:",
        (STAFF, ADMIN),
    ),
    PageSpec(
        "points",
        "pages/points.py",
        N_("My points"),
        ":material/stars:",
        PUBLIC_ROLES,
        tile=True,
        hint=N_("Earn points for community work and exchange them for rewards"),
    ),
    PageSpec(
        "tasks_manage",
        "pages/tasks_manage.py",
        N_("Points tasks"),
        ":material/task_alt:",
        (GRID_WORKER, STAFF, ADMIN),
    ),
    PageSpec(
        "rewards_manage",
        "pages/rewards_manage.py",
        N_("Rewards and codes"),
        ":material/redeem:",
        (MERCHANT, STAFF, ADMIN),
        tile=True,
        hint=N_("Hand out rewards to people who show a code"),
    ),
    PageSpec(
        "wish_wall",
        "pages/wish_wall.py",
        N_("Wish wall"),
        ":material/volunteer_activism:",
        EVERYONE_LOGGED_IN,
        tile=True,
        hint=N_("Neighbours' small wishes: support one, or adopt it and make it happen"),
    ),
    PageSpec(
        "wish_post",
        "pages/wish_post.py",
        N_("Post a wish"),
        ":material/edit_note:",
        (RESIDENT, MERCHANT, GRID_WORKER, STAFF, ADMIN),
        tile=True,
        hint=N_("A handrail, a bench, a helping hand: tell your neighbours"),
    ),
    PageSpec(
        "wish_detail",
        "pages/wish_detail.py",
        N_("Wish"),
        ":material/favorite:",
        EVERYONE_LOGGED_IN,
        menu=False,
    ),  # opened from a wish on the wall
    PageSpec(
        "wish_moderation",
        "pages/wish_moderation.py",
        N_("Wish wall moderation"),
        ":material/shield:",
        (GRID_WORKER, STAFF, ADMIN),
    ),
    PageSpec(
        "cockpit",
        "pages/cockpit.py",
        N_("Cockpit"),
        ":material/monitoring:",
        (GRID_WORKER, STAFF, ADMIN),
    ),
    PageSpec(
        "devices",
        "pages/devices.py",
        N_("Smart devices and alarms"),
        ":material/sensors:",
        (STAFF, ADMIN),
    ),
    PageSpec(
        "notices_manage",
        "pages/notices_manage.py",
        N_("Notices"),
        ":material/campaign:",
        (STAFF, ADMIN),
    ),
    PageSpec(
        "messages",
        "pages/messages.py",
        N_("Messages with the micro-grid chief"),
        ":material/forum:",
        (RESIDENT, MERCHANT, GRID_WORKER, STAFF, ADMIN),
        tile=True,
        hint=N_("Write to the person who looks after your courtyard"),
    ),
    PageSpec(
        "council",
        "pages/council.py",
        N_("Community council"),
        ":material/groups:",
        EVERYONE_LOGGED_IN,
        tile=True,
        hint=N_("The monthly council: agenda, your proposals, decisions and their progress"),
    ),
    PageSpec(
        "council_vote",
        "pages/council_vote.py",
        N_("My council ballot"),
        ":material/how_to_vote:",
        (RESIDENT, MERCHANT, GRID_WORKER, STAFF),
        tile=True,
        hint=N_("For council members: vote on each agenda item"),
    ),
    PageSpec(
        "council_manage",
        "pages/council_manage.py",
        N_("Council management"),
        ":material/gavel:",
        (STAFF, ADMIN),
    ),
    PageSpec(
        "voice_clips",
        "pages/voice_clips.py",
        N_("Recorded phrases"),
        ":material/record_voice_over:",
        (GRID_WORKER, STAFF, ADMIN),
        hint=N_("Record the portal's phrases in Tibetan and Yi so they can be read aloud"),
    ),
    PageSpec(
        "act_for",
        "pages/act_for.py",
        N_("Acting on behalf"),
        ":material/handshake:",
        (RESIDENT, GRID_WORKER, STAFF, ADMIN),
        hint=N_(
            "A grid worker files reports, supports wishes and claims tasks for a resident who agreed"
        ),
    ),
    PageSpec(
        "inbox",
        "pages/inbox.py",
        N_("Notifications"),
        ":material/notifications:",
        EVERYONE_LOGGED_IN,
        tile=True,
        hint=N_("What happened to your reports, wishes, votes and rewards"),
    ),
    PageSpec(
        "account",
        "pages/account.py",
        N_("My account"),
        ":material/manage_accounts:",
        EVERYONE_LOGGED_IN,
        tile=True,
        hint=N_("Password, language and large text"),
    ),
)
PAGE_BY_KEY = {page.key: page for page in PAGES}


def can_view(role: str | None, page_key: str) -> bool:
    page = PAGE_BY_KEY.get(page_key)
    return page is not None and (role or ANONYMOUS) in page.roles


def pages_for(role: str | None) -> list[PageSpec]:
    """The menu of a role: the pages it may see, in table order."""
    return [page for page in PAGES if (role or ANONYMOUS) in page.roles and page.menu]


def home_page_for(role: str | None) -> PageSpec:
    role = role or ANONYMOUS
    if role == ANONYMOUS:
        return PAGE_BY_KEY["login"]
    return PAGE_BY_KEY["home"] if role in PUBLIC_ROLES else PAGE_BY_KEY["staff_home"]


# --- passwords -------------------------------------------------------------------------------

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("linli-dummy-password")
MIN_PASSWORD = 8
MAX_PASSWORD = 128
COMMON_PASSWORDS = frozenset(
    {
        "12345678",
        "123456789",
        "1234567890",
        "88888888",
        "66666666",
        "11111111",
        "00000000",
        "password",
        "password1",
        "qwerty123",
        "abc12345",
        "iloveyou",
        "a1234567",
        "woaini1314",
        "11223344",
        "87654321",
        "123123123",
        "qwertyui",
        "asdfghjk",
        "1qaz2wsx",
        "aa123456",
    }
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is too weak (a message id), or None."""
    if len(password) < MIN_PASSWORD:
        return N_("Use at least {n} characters.")
    if len(password) > MAX_PASSWORD:
        return N_("Use at most {n} characters.")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        return N_("This password is too easy to guess. Mix letters and digits.")
    if username and username.lower() in password.lower():
        return N_("The password must not contain your username.")
    return None


def _password_message(problem: str) -> Message:
    n = MAX_PASSWORD if "most" in problem else MIN_PASSWORD
    return Message(problem, {"n": n})


# --- registration ----------------------------------------------------------------------------

USERNAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.-]{2,31}$")


def normalise_username(username: str) -> str:
    return (username or "").strip().lower()


def register_resident(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str,
    home_grid_id: int | None,
    password_repeat: str | None = None,
    language: str = "zh_Hans",
    elder_mode: bool = False,
    role: str = RESIDENT,
) -> User:
    """Self-registration of a resident (or merchant) of a micro-grid. Raises FieldErrors."""
    key = normalise_username(username)
    errors: dict[str, Message] = {}
    if not key:
        errors["username"] = Message(N_("Please enter a username."))
    elif not USERNAME_RE.match(key):
        errors["username"] = Message(
            N_("3–32 characters: letters, digits, dot, dash or underscore.")
        )
    elif session.exec(select(User.id).where(User.username == key)).first() is not None:
        errors["username"] = Message(N_("This username is taken. Please choose another."))
    name = (display_name or "").strip()
    if not name:
        errors["display_name"] = Message(N_("Please enter your name."))
    elif len(name) > 40:
        errors["display_name"] = Message(N_("Use at most {n} characters."), {"n": 40})
    problem = password_problem(password or "", key)
    if problem:
        errors["password"] = _password_message(problem)
    elif password_repeat is not None and password_repeat != password:
        errors["repeat_password"] = Message(N_("The two passwords are not the same."))
    grid = session.get(Grid, home_grid_id) if home_grid_id else None
    if grid is None or grid.kind not in ("micro", "exclusive"):
        errors["home_grid"] = Message(N_("Please choose your courtyard or building."))
    if role not in PUBLIC_ROLES:
        errors["role"] = Message(N_("Only residents and merchants can register themselves."))
    if errors:
        raise FieldErrors(errors)
    user = User(
        username=key,
        display_name=name,
        password_hash=hash_password(password),
        role=role,
        home_grid_id=grid.id,
        language=language if language in LANGUAGE_CODES else "zh_Hans",
        elder_mode=elder_mode,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:  # two browsers registering the same name at once
        session.rollback()
        raise FieldErrors(
            {"username": Message(N_("This username is taken. Please choose another."))}
        ) from None
    session.add(AuthEvent(user_id=user.id, kind="registered"))
    session.commit()
    return user


# --- login and throttling --------------------------------------------------------------------

FREE_FAILURES = 5
BASE_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60
LOGIN_FAILED = N_("Username or password is not right.")


def lock_seconds(failures: int) -> int:
    """How long an account rests after this many failures in a row: 30 s, 60 s, 120 s… ≤ 15 min."""
    if failures < FREE_FAILURES:
        return 0
    return min(MAX_LOCK_SECONDS, BASE_LOCK_SECONDS * 2 ** (failures - FREE_FAILURES))


def authenticate(
    session: Session, username: str, password: str, now: datetime | None = None
) -> User:
    """The user, or UserError with one message that does not say which part was wrong."""
    now = now or utcnow()
    key = normalise_username(username)[:64]
    if not key or not password:
        raise UserError(N_("Please enter your username and password."))
    throttle = session.get(LoginThrottle, key)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        wait = int((throttle.locked_until - now).total_seconds()) + 1
        raise UserError(N_("Too many wrong attempts. Please wait {seconds} seconds."), seconds=wait)
    user = session.exec(select(User).where(User.username == key)).first()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password[:MAX_PASSWORD])
    if not ok or user is None or not user.is_active:
        _record_failure(session, key, user, now)
        raise UserError(LOGIN_FAILED)
    if throttle:
        session.delete(throttle)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(AuthEvent(user_id=user.id, kind="login"))
    session.commit()
    return user


def _record_failure(session: Session, key: str, user: User | None, now: datetime) -> None:
    throttle = session.get(LoginThrottle, key) or LoginThrottle(username_key=key)
    throttle.failures += 1
    throttle.last_failure_at = now
    seconds = lock_seconds(throttle.failures)
    throttle.locked_until = now + timedelta(seconds=seconds) if seconds else None
    session.add(throttle)
    session.add(
        AuthEvent(user_id=user.id if user else None, username_tried=key, kind="login_failed")
    )
    session.commit()


# --- remembered logins -----------------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_login_token(
    session: Session, user_id: int, days: int, now: datetime | None = None
) -> str:
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    session.add(
        LoginToken(
            token_hash=_token_hash(raw),
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    session.commit()
    return raw


def user_for_token(session: Session, raw: str | None, now: datetime | None = None) -> User | None:
    if not raw or len(raw) > 100:
        return None
    now = now or utcnow()
    token = session.exec(
        select(LoginToken).where(LoginToken.token_hash == _token_hash(raw))
    ).first()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = session.get(User, token.user_id)
    return user if user and user.is_active else None


def revoke_login_token(session: Session, raw: str | None) -> None:
    if not raw:
        return
    token = session.exec(
        select(LoginToken).where(LoginToken.token_hash == _token_hash(raw))
    ).first()
    if token and token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(AuthEvent(user_id=token.user_id, kind="logout"))
        session.commit()


def change_password(
    session: Session, user_id: int, old: str, new: str, repeat: str, keep_token: str | None = None
) -> None:
    """Changes the password and ends every other remembered login of the account.

    Raises FieldErrors."""
    user = session.get(User, user_id)
    errors: dict[str, Message] = {}
    if user is None or not verify_password(user.password_hash, old or ""):
        errors["old_password"] = Message(N_("Your current password is not right."))
    problem = password_problem(new or "", user.username if user else "")
    if problem:
        errors["new_password"] = _password_message(problem)
    elif new != repeat:
        errors["repeat_password"] = Message(N_("The two new passwords are not the same."))
    if errors:
        raise FieldErrors(errors)
    user.password_hash = hash_password(new)
    now = utcnow()
    for token in session.exec(
        select(LoginToken).where(LoginToken.user_id == user_id, LoginToken.revoked_at.is_(None))
    ):
        if keep_token is None or token.token_hash != _token_hash(keep_token):
            token.revoked_at = now
    session.add(AuthEvent(user_id=user_id, kind="password_changed"))
    session.commit()


ACCOUNT_GONE = N_("Your account could not be found. Please log in again.")


def active_user(session: Session, user_id: int | None) -> User:
    """The active account with this id, or UserError (a stale session, a removed account)."""
    user = session.get(User, user_id) if user_id else None
    if user is None or not user.is_active:
        raise UserError(ACCOUNT_GONE)
    return user


def save_preferences(
    session: Session, user_id: int, *, language: str | None = None, elder_mode: bool | None = None
) -> User:
    user = active_user(session, user_id)
    if language is not None and language in LANGUAGE_CODES:
        user.language = language
    if elder_mode is not None:
        user.elder_mode = elder_mode
    session.commit()
    return user
