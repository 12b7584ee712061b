"""Accounts, passwords, login throttling, remembered logins, and the one table of who may see what."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, delete, null, or_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import AuthEvent, Grid, LoginThrottle, LoginToken, User
from db.types import utcnow
from portal.config import load_settings
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
        "venues",
        "pages/venues.py",
        N_("Shared venues"),
        ":material/stadium:",
        EVERYONE_LOGGED_IN,
        tile=True,
        hint=N_("Book a school sports ground, a car park or a meeting room when it stands idle"),
    ),
    PageSpec(
        "venues_manage",
        "pages/venues_manage.py",
        N_("Venues and bookings"),
        ":material/event_note:",
        WORK_ROLES,
    ),
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
        "microprojects",
        "pages/microprojects.py",
        N_("Micro-projects"),
        ":material/savings:",
        EVERYONE_LOGGED_IN,
        tile=True,
        hint=N_("A lift, parking, charging posts: pledge with neighbours, see how money is spent"),
    ),
    PageSpec(
        "microprojects_manage",
        "pages/microprojects_manage.py",
        N_("Micro-projects office"),
        ":material/account_balance:",
        (STAFF, ADMIN),
    ),
    PageSpec(
        "deputies",
        "pages/deputies.py",
        N_("Deputies' desk"),
        ":material/account_balance:",
        EVERYONE_LOGGED_IN,
        tile=True,
        hint=N_("Your people's congress deputies and CPPCC members: reception days and requests"),
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
        "translation_review",
        "pages/translation_review.py",
        N_("Translation review"),
        ":material/translate:",
        (STAFF, ADMIN),  # and anyone staff appoint as a reviewer (checked by the page guard)
        hint=N_("Correct the portal's wording in your language; readers see it at once"),
    ),
    PageSpec(
        "verify_residents",
        "pages/verify_residents.py",
        N_("Confirm new residents"),
        ":material/how_to_reg:",
        (GRID_WORKER, STAFF, ADMIN),
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
        "survey",
        "pages/survey.py",
        N_("Community survey"),
        ":material/fact_check:",
        PUBLIC_ROLES,
        tile=True,
        hint=N_("Tell us how well grid governance works here: 13 questions, 1 to 5"),
    ),
    PageSpec(
        "assessment_manage",
        "pages/assessment_manage.py",
        N_("Efficacy survey"),
        ":material/analytics:",
        (STAFF, ADMIN),
        hint=N_("AHP weights, survey rounds and their results beside the Dazu figures"),
    ),
    PageSpec(
        "order_scores",
        "pages/order_scores.py",
        N_("Two-way assessment"),
        ":material/thumbs_up_down:",
        (STAFF, HANDLER, ADMIN),
        hint=N_("The street scores departments on joint orders; departments score the dispatch"),
    ),
    PageSpec(
        "circles",
        "pages/circles.py",
        N_("Topic circles"),
        ":material/forum:",
        (RESIDENT, MERCHANT, GRID_WORKER, STAFF, ADMIN),
        tile=True,
        hint=N_("Chat with neighbours in your interest and courtyard groups"),
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


# --- display names ---------------------------------------------------------------------------

MAX_DISPLAY_NAME = 40
# Words that make a name look like the office speaking. Compared after NFKC folding, lower case,
# with spaces and punctuation removed, so "居 委 会" and "ＡＤＭＩＮ" are caught too.
OFFICE_WORDS = (
    "居委会",
    "居委",
    "社区书记",
    "书记",
    "网格长",
    "网格员",
    "管理员",
    "工作人员",
    "社区办",
    "街道办",
    "客服",
    "官方",
    "admin",
    "staff",
    "official",
)
BAD_NAME_CHARS = N_("Names cannot contain control or direction-changing characters.")
OFFICE_NAME = N_("This name looks like the community office. Please use your own name.")


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if unicodedata.category(ch)[0] in "LN")


def _hidden_character(name: str) -> bool:
    """Control, format (bidi overrides U+202A–202E, isolates U+2066–2069, zero-width joiners),
    private-use, surrogate and line/paragraph separator characters."""
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp") for ch in name)


def _poses_as_office(session: Session, name: str) -> bool:
    folded = _fold(name)
    if any(_fold(word) in folded for word in OFFICE_WORDS):
        return True
    work_accounts = session.exec(
        select(User.username, User.display_name).where(User.role.in_(WORK_ROLES))
    ).all()
    return any(folded in (_fold(username), _fold(shown)) for username, shown in work_accounts)


def display_name_problem(
    session: Session, name: str, *, set_by_staff: bool = False
) -> Message | None:
    """Why a display name cannot be used (a Message), or None. The one check for every place a
    name is set; staff may give office names (the community office's own accounts)."""
    if _hidden_character(name):  # before stripping: Python counts U+0085 as a space
        return Message(BAD_NAME_CHARS)
    name = name.strip()
    if not name:
        return Message(N_("Please enter your name."))
    if len(name) > MAX_DISPLAY_NAME:
        return Message(N_("Use at most {n} characters."), {"n": MAX_DISPLAY_NAME})
    if not set_by_staff and _poses_as_office(session, name):
        return Message(OFFICE_NAME)
    return None


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
    elif session.exec(select(col(User.id)).where(col(User.username) == key)).first() is not None:
        errors["username"] = Message(N_("This username is taken. Please choose another."))
    name = (display_name or "").strip()
    name_problem = display_name_problem(session, display_name or "")
    if name_problem:
        errors["display_name"] = name_problem
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
        verification="unverified",  # until a grid worker confirms them (portal/verification.py)
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
# Soft lockout (OWASP ASVS 2.2): a guess is counted *before* its password is checked, by one atomic
# conditional UPDATE per throttle key, so parallel guesses cannot race past the limit. The keys:
#   pair:  one account typed from one client   (a targeted guesser is slowed down)
#   client: every account typed from one client (a sprayer is slowed down)
#   user:  one account from every client        (a botnet is slowed down; binds only clients that
#          already failed on this account, so the owner on a clean device is never locked out)

FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 20
BASE_LOCK_SECONDS = 30
MAX_LOCK_SECONDS = 15 * 60
FAILURE_MEMORY = timedelta(hours=1)  # failures older than this are forgotten
LOGIN_FAILED = N_("Username or password is not right.")
LOGIN_THROTTLED = N_("Too many wrong attempts. Please wait {seconds} seconds.")
DEMO_REFUSED = N_("Demo accounts are switched off on this portal.")


def lock_seconds(failures: int, free: int = FREE_FAILURES) -> int:
    """How long a key rests after this many failures in a row: 30 s, 60 s, 120 s… ≤ 15 min."""
    if failures < free:
        return 0
    return min(MAX_LOCK_SECONDS, BASE_LOCK_SECONDS * 2 ** (failures - free))


def _new_count(now: datetime):
    stale = col(LoginThrottle.last_failure_at) < now - FAILURE_MEMORY
    return case((stale, 1), else_=LoginThrottle.failures + 1)


def _locked_until(count, now: datetime, free: int):
    steps = range(free, free + 6)  # 30 s · 2^5 > 15 min: the cap is reached within six steps
    whens = [(count == n, now + timedelta(seconds=lock_seconds(n, free))) for n in steps]
    return case(
        *whens, (count >= free + 6, now + timedelta(seconds=MAX_LOCK_SECONDS)), else_=null()
    )


def _count_failure(
    session: Session, key: str, now: datetime, free: int, *, unless_locked: bool = True
) -> int | None:
    """Counts one failure on key atomically; None (and nothing counted) if the key is locked."""
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
    session.execute(
        insert(LoginThrottle)
        .values(username_key=key, failures=0, last_failure_at=now)
        .on_conflict_do_nothing(index_elements=["username_key"])
    )
    count = _new_count(now)
    statement = update(LoginThrottle).where(col(LoginThrottle.username_key) == key)
    if unless_locked:
        open_ = or_(
            col(LoginThrottle.locked_until).is_(None), col(LoginThrottle.locked_until) <= now
        )
        statement = statement.where(open_)
    statement = statement.values(
        failures=count, last_failure_at=now, locked_until=_locked_until(count, now, free)
    ).returning(LoginThrottle.failures)
    return session.execute(statement).scalar_one_or_none()


def _wait_seconds(session: Session, key: str, now: datetime) -> int:
    until = session.exec(
        select(LoginThrottle.locked_until).where(col(LoginThrottle.username_key) == key)
    ).first()
    return max(1, int((until - now).total_seconds()) + 1) if until else 1


def _reserve_attempt(session: Session, name: str, client: str, now: datetime) -> None:
    """Counts this attempt as a failure on every key (committed), or raises UserError if locked."""
    pair, by_client, by_user = f"pair:{name}@{client}", f"client:{client}", f"user:{name}"
    counted_pair = _count_failure(session, pair, now, FREE_FAILURES)
    counted_client = _count_failure(session, by_client, now, CLIENT_FREE_FAILURES)
    suspect = (counted_pair or 0) > 1  # this client already failed on this account recently
    counted_user = _count_failure(session, by_user, now, FREE_FAILURES, unless_locked=suspect)
    for key, counted in (
        (pair, counted_pair),
        (by_client, counted_client),
        (by_user, counted_user),
    ):
        if counted is None:
            session.rollback()
            session.add(AuthEvent(username_tried=name, kind="login_throttled"))
            session.commit()
            raise UserError(LOGIN_THROTTLED, seconds=_wait_seconds(session, key, now))
    session.commit()


def _forgive_attempt(session: Session, name: str, client: str) -> None:
    """A right password: this client's guesses at this account are forgiven."""
    session.execute(
        delete(LoginThrottle).where(col(LoginThrottle.username_key) == f"pair:{name}@{client}")
    )
    session.execute(
        update(LoginThrottle)
        .where(col(LoginThrottle.username_key).in_([f"client:{client}", f"user:{name}"]))
        .where(col(LoginThrottle.failures) > 0)
        .values(failures=LoginThrottle.failures - 1)
    )


def demo_mode(env: dict[str, str] | None = None) -> bool:
    """True when the portal runs its public demo (LINLI_DEMO=1): demo accounts may log in."""
    return load_settings(env).demo_mode


def authenticate(
    session: Session,
    username: str,
    password: str,
    now: datetime | None = None,
    *,
    client: str = "unknown",
    allow_demo: bool | None = None,
) -> User:
    """The user, or UserError with one message that does not say which part was wrong.

    client is the caller's address (throttled on its own); allow_demo defaults to LINLI_DEMO."""
    now = now or utcnow()
    key = normalise_username(username)[:64]
    client = (client or "unknown")[:64]
    if not key or not password:
        raise UserError(N_("Please enter your username and password."))
    _reserve_attempt(session, key, client, now)
    user = session.exec(select(User).where(col(User.username) == key)).first()
    ok = verify_password(user.password_hash if user else _DUMMY_HASH, password[:MAX_PASSWORD])
    if not ok or user is None or not user.is_active:
        session.add(
            AuthEvent(user_id=user.id if user else None, username_tried=key, kind="login_failed")
        )
        session.commit()
        raise UserError(LOGIN_FAILED)
    _forgive_attempt(session, key, client)
    if user.is_demo and not (demo_mode() if allow_demo is None else allow_demo):
        session.add(AuthEvent(user_id=user.id, kind="demo_login_refused"))
        session.commit()
        raise UserError(DEMO_REFUSED)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(AuthEvent(user_id=user.id, kind="login"))
    session.commit()
    return user


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
        select(LoginToken).where(col(LoginToken.token_hash) == _token_hash(raw))
    ).first()
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = session.get(User, token.user_id)
    return user if user and user.is_active else None


def revoke_login_token(session: Session, raw: str | None) -> None:
    if not raw:
        return
    token = session.exec(
        select(LoginToken).where(col(LoginToken.token_hash) == _token_hash(raw))
    ).first()
    if token and token.revoked_at is None:
        token.revoked_at = utcnow()
        session.add(AuthEvent(user_id=token.user_id, kind="logout"))
        session.commit()


def session_user(
    session: Session,
    user_id: int,
    raw_token: str | None,
    epoch: int | None,
    now: datetime | None = None,
) -> User | None:
    """The account of a live browser session, or None if its login ended elsewhere.

    Checked on every rerun with one query: the account is active, its session epoch is the one the
    session logged in under (a password change or "log out everywhere" bumps it), and the session's
    login token (shared by every tab restored from the same cookie) is neither revoked nor expired."""
    now = now or utcnow()
    if raw_token:
        row = session.exec(
            select(User, LoginToken)
            .join(LoginToken, col(LoginToken.user_id) == User.id)
            .where(col(User.id) == user_id, col(LoginToken.token_hash) == _token_hash(raw_token))
        ).first()
        user, token = row if row else (None, None)
        if token is None or token.revoked_at is not None or token.expires_at <= now:
            return None
    else:  # a session state set by the test harness; browsers always log in with a token
        user = session.get(User, user_id)
    if user is None or not user.is_active:
        return None
    if epoch is not None and epoch != user.session_epoch:
        return None
    return user


def _end_logins(session: Session, user_id: int, keep_token: str | None = None) -> int:
    """Revokes every remembered login but keep_token and bumps the session epoch (not committed).

    Returns the new epoch."""
    now = utcnow()
    session.execute(
        update(LoginToken)
        .where(col(LoginToken.user_id) == user_id, col(LoginToken.revoked_at).is_(None))
        .where(col(LoginToken.token_hash) != _token_hash(keep_token or ""))
        .values(revoked_at=now)
    )
    session.execute(
        update(User).where(col(User.id) == user_id).values(session_epoch=User.session_epoch + 1)
    )
    return session.exec(select(User.session_epoch).where(User.id == user_id)).one()


def log_out_everywhere(session: Session, user_id: int) -> None:
    """Ends every live session and remembered login of the account, on every device."""
    _end_logins(session, user_id)
    session.add(AuthEvent(user_id=user_id, kind="logout_everywhere"))
    session.commit()


def change_password(
    session: Session, user_id: int, old: str, new: str, repeat: str, keep_token: str | None = None
) -> int:
    """Changes the password and ends every other live session and remembered login.

    Returns the account's new session epoch (the session that changed it keeps going under it).
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
    session.add(AuthEvent(user_id=user_id, kind="password_changed"))
    epoch = _end_logins(session, user_id, keep_token)
    session.commit()
    return epoch


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


def user_id_for_username(session: Session, username: str) -> int | None:
    """The id of the account with this username, if there is one."""
    return session.exec(select(User.id).where(col(User.username) == username)).first()


def display_names(session: Session, user_ids: set[int]) -> dict[int, str]:
    """{user id: display name} for these accounts."""
    if not user_ids:
        return {}
    rows = session.exec(select(User.id, User.display_name).where(col(User.id).in_(user_ids))).all()
    return {user_id: name for user_id, name in rows if user_id is not None}


# --- the first administrator of a real deployment --------------------------------------------

FIRST_ADMIN_NAMES = ("admin", "linli_admin")


def ensure_first_admin(session: Session, password: str = "") -> tuple[str, str] | None:
    """Creates the first real (non-demo) administrator if there is none yet.

    Returns (username, password) when it created one (the password is random unless given),
    None when a real administrator already exists: a second start neither resets nor reveals it."""
    real_admin = select(User.id).where(User.role == ADMIN, User.is_demo.is_(False))
    if session.exec(real_admin).first() is not None:
        return None
    taken = set(session.exec(select(User.username).where(User.username.in_(FIRST_ADMIN_NAMES))))
    username = next(name for name in FIRST_ADMIN_NAMES if name not in taken)
    password = password or secrets.token_urlsafe(12)
    problem = password_problem(password, username)
    if problem:
        raise UserError(problem, n=MAX_PASSWORD if "most" in problem else MIN_PASSWORD)
    user = User(
        username=username,
        display_name="管理员",
        password_hash=hash_password(password),
        role=ADMIN,
    )
    session.add(user)
    session.flush()
    session.add(AuthEvent(user_id=user.id, kind="first_admin_created"))
    session.commit()
    return username, password
