"""Wish wall (微心愿): residents post small wishes, neighbours vote, someone adopts and fulfils them,
the most supported public wishes go to the monthly council.

Lifecycle (every step is a WishEvent row and a conditional UPDATE ... WHERE state = <expected>):

    open ──adopt──▶ adopted ──report──▶ fulfilled ──confirm──▶ confirmed   (adopter earns points once)
     │  ◀─release──    ▲ ◀────dispute───────┘
     ├──support reaches the grid's threshold──▶ promoted ──decide (council)──▶ decided
     ├──no support for the grid's expiry time (expire_stale)──▶ expired
     └── any state ──hide (moderator, reason shown to the author)──▶ hidden ──restore──▶ previous state

Votes are rows (one per person per wish, a unique constraint); support is always counted from them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, case, delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import Grid, User
from db.models_wishes import (
    WISH_CATEGORIES,
    Wish,
    WishEvent,
    WishFlag,
    WishGridRule,
    WishPromotion,
    WishVote,
)
from db.types import row_id, utcnow
from portal import localtime, points, wish_notices
from portal.auth import active_user
from portal.errors import FieldErrors, Message, UserError
from portal.grids import parent_map, subtree
from portal.i18n import LANGUAGE_CODES, N_
from portal.permissions import VERIFIED, On, can, roles_for
from portal.text import clean_text

DEFAULT_THRESHOLD = 10
DEFAULT_EXPIRE_DAYS = 60
DAILY_LIMIT = 9
TITLE_MAX = 80
BODY_MAX = 1000
NOTE_MAX = 500
REASON_MAX = 300
PAGE_SIZE = 20
MAX_PROMISE_DAYS = 366

# Who may do what: portal/permissions.py (wish.post, wish.adopt, wish.moderate, wish.confirm…).
MODERATOR_ROLES = roles_for("wish.moderate")

ACTIVE_STATES = ("open", "adopted", "fulfilled", "promoted")
STATE_LABELS = {
    "open": N_("Open for support"),
    "adopted": N_("Adopted"),
    "fulfilled": N_("Fulfilled, waiting for the author"),
    "confirmed": N_("Done"),
    "promoted": N_("Sent to the council"),
    "decided": N_("Decided by the council"),
    "hidden": N_("Hidden by the moderators"),
    "expired": N_("Expired"),
}
CATEGORY_LABELS = {
    "facility": N_("Facilities and repairs"),
    "help": N_("Help for a neighbour"),
    "culture": N_("Culture and activities"),
    "environment": N_("Greenery and cleanliness"),
    "safety": N_("Safety"),
    "other": N_("Other"),
}
SORTS = {
    "support": N_("Most support"),
    "newest": N_("Newest"),
    "near": N_("Near me"),
}
EVENT_LABELS = {
    "posted": N_("Posted"),
    "adopted": N_("Adopted"),
    "released": N_("Adoption given back"),
    "fulfilled": N_("Reported as fulfilled"),
    "confirmed": N_("Confirmed by the author"),
    "disputed": N_("Disputed by the author"),
    "promoted": N_("Sent to the council"),
    "decided": N_("Decided by the council"),
    "hidden": N_("Hidden"),
    "restored": N_("Shown again"),
    "expired": N_("Expired"),
    "flagged": N_("Flagged"),
    "vote_withdrawn": N_("Support withdrawn"),
    "flags_dismissed": N_("Flags looked at, wish kept"),
}

CHANGED = N_("This wish has just changed. Please look at it again.")
NOT_FOUND = N_("This wish could not be found.")


# --- rules per grid ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    support_threshold: int
    expire_days: int
    grid_id: int | None  # the grid whose rule applies (None: the defaults)


def _latest_rules(session: Session) -> dict[int, WishGridRule]:
    newest = select(func.max(col(WishGridRule.id))).group_by(col(WishGridRule.grid_id))
    return {
        r.grid_id: r
        for r in session.exec(select(WishGridRule).where(col(WishGridRule.id).in_(newest)))
    }


def _resolve(
    grid_id: int | None, rules: dict[int, WishGridRule], parents: dict[int, int | None]
) -> Rule:
    seen: set[int] = set()
    while grid_id is not None and grid_id not in seen:
        seen.add(grid_id)
        if grid_id in rules:
            r = rules[grid_id]
            return Rule(r.support_threshold, r.expire_days, grid_id)
        grid_id = parents.get(grid_id)
    return Rule(DEFAULT_THRESHOLD, DEFAULT_EXPIRE_DAYS, None)


def rule_for(session: Session, grid_id: int | None) -> Rule:
    """The rule in force for a grid: its own, else the nearest grid above it with one, else defaults."""
    return _resolve(grid_id, _latest_rules(session), parent_map(session))


def set_grid_rule(
    session: Session,
    *,
    grid_id: int,
    support_threshold: int,
    expire_days: int,
    set_by: int,
    now: datetime | None = None,
) -> WishGridRule:
    """A moderator sets a grid's threshold and expiry (a new row; the old one stays as history)."""
    _require(session, set_by, "wish.moderate")
    errors: dict[str, Message] = {}
    if session.get(Grid, grid_id) is None:
        errors["grid"] = Message(N_("Please choose a grid."))
    if not isinstance(support_threshold, int) or not 1 <= support_threshold <= 10000:
        errors["support_threshold"] = Message(
            N_("Use a whole number from {low} to {high}."), {"low": 1, "high": 10000}
        )
    if not isinstance(expire_days, int) or not 1 <= expire_days <= 3650:
        errors["expire_days"] = Message(
            N_("Use a whole number from {low} to {high}."), {"low": 1, "high": 3650}
        )
    if errors:
        raise FieldErrors(errors)
    now = now or utcnow()
    rule = WishGridRule(
        grid_id=grid_id,
        support_threshold=support_threshold,
        expire_days=expire_days,
        set_by=set_by,
        set_at=now,
    )
    session.add(rule)
    session.flush()
    promote_reached(session, grid_id, now)  # a lowered threshold counts at once, not next run
    session.commit()
    return rule


def promote_reached(session: Session, grid_id: int, now: datetime) -> int:
    """Promotes the open public wishes in this grid and below that the rules now in force say
    have enough support (after a threshold was lowered). Returns how many were promoted."""
    rules, parents = _latest_rules(session), parent_map(session)
    counts = _support_subquery()
    rows = session.exec(
        select(Wish, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.wish_id == col(Wish.id))
        .where(
            col(Wish.state) == "open",
            col(Wish.personal).is_(False),
            col(Wish.grid_id).in_(subtree(parents, grid_id)),
        )
    ).all()
    promoted = 0
    for wish, count in rows:
        rule = _resolve(wish.grid_id, rules, parents)
        if count >= rule.support_threshold and _maybe_promote(session, wish, count, now, rule):
            promoted += 1
    return promoted


# --- helpers -----------------------------------------------------------------------------------


def _require(session: Session, user_id: int, action: str) -> User:
    """The active user, if permissions.can() lets them do `action`; else UserError with why."""
    user = active_user(session, user_id)
    allowed = can(user, action)
    if not allowed:
        raise UserError(allowed.reason)
    return user


def _locked_wish(session: Session, wish_id: int) -> Wish:
    """The wish, row-locked on PostgreSQL until the end of the transaction (SQLite: plain read)."""
    wish = session.exec(
        select(Wish)
        .where(col(Wish.id) == wish_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if wish is None:
        raise UserError(NOT_FOUND)
    return wish


def _move(
    session: Session,
    wish: Wish,
    *,
    to_state: str,
    actor_id: int | None,
    kind: str,
    now: datetime,
    note: str | None = None,
    photo_path: str | None = None,
    where: Iterable = (),
    **values,
) -> None:
    """Conditional transition from the state we read: refused if anyone changed it meanwhile."""
    from_state = wish.state
    result = session.execute(
        update(Wish)
        .where(col(Wish.id) == wish.id, col(Wish.state) == from_state, *where)
        .values(state=to_state, state_changed_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise UserError(CHANGED)
    session.add(
        WishEvent(
            wish_id=row_id(wish),
            actor_id=actor_id,
            kind=kind,
            from_state=from_state,
            to_state=to_state,
            note=note or None,
            photo_path=photo_path,
            at=now,
        )
    )
    if kind != "disputed":
        wish_notices.state_changed(session, wish, to_state, now)  # outbox: same commit


def _commit(session: Session) -> None:
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(CHANGED) from None
    session.expire_all()  # conditional UPDATEs bypass the identity map


def _commit_wish(session: Session, wish_id: int) -> Wish:
    """Commits, then the wish as the database now has it."""
    _commit(session)
    wish = session.get(Wish, wish_id)
    if wish is None:  # removed by someone else meanwhile
        raise UserError(CHANGED)
    return wish


def _counted(query):
    """Only verified people's votes count toward support (permissions: wish.support_counts)."""
    return query.join(User, User.id == WishVote.user_id).where(User.verification == VERIFIED)


def support(session: Session, wish_id: int) -> int:
    """Votes for a wish that count, from the rows."""
    return session.exec(
        _counted(select(func.count()).select_from(WishVote)).where(WishVote.wish_id == wish_id)
    ).one()


def _save_photo(photo: bytes | None, media_root: Path | None, field_name: str) -> str | None:
    if not photo:
        return None
    from portal import media

    try:
        checked = media.check_photo(photo)
    except UserError as exc:
        raise FieldErrors({field_name: exc.message}) from None
    stored, _thumb = media.store_for(media_root).save_photo(checked)  # None: the configured store
    return stored


# --- posting -----------------------------------------------------------------------------------


def post_wish(
    session: Session,
    *,
    author_id: int,
    title: str,
    body: str,
    category: str,
    grid_id: int | None = None,
    language: str | None = None,
    personal: bool = False,
    photo: bytes | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> Wish:
    """Puts a wish on the wall. Raises FieldErrors (title, body, category, grid, language, photo)."""
    now = now or utcnow()
    author = _require(session, author_id, "wish.post")
    title, body = clean_text(title), clean_text(body)
    errors: dict[str, Message] = {}
    if not title:
        errors["title"] = Message(N_("Please write a short title."))
    elif len(title) > TITLE_MAX:
        errors["title"] = Message(
            N_("Use at most {n} characters (now {count})."), {"n": TITLE_MAX, "count": len(title)}
        )
    if not body:
        errors["body"] = Message(N_("Please say in a few sentences what you wish for."))
    elif len(body) > BODY_MAX:
        errors["body"] = Message(
            N_("Use at most {n} characters (now {count})."), {"n": BODY_MAX, "count": len(body)}
        )
    if category not in WISH_CATEGORIES:
        errors["category"] = Message(N_("Please choose a category."))
    grid_id = grid_id or author.home_grid_id
    if grid_id is None or session.get(Grid, grid_id) is None:
        errors["grid"] = Message(N_("Please choose the grid the wish concerns."))
    language = language or author.language
    if language not in LANGUAGE_CODES:
        errors["language"] = Message(N_("Please choose the language the wish is written in."))
    if errors:
        raise FieldErrors(errors)
    photo_path = _save_photo(photo, media_root, "photo")

    # Lock the author's row (PostgreSQL) so two browsers cannot both post the 10th wish; on SQLite
    # the INSERT below takes the write lock before we count.
    session.exec(select(col(User.id)).where(col(User.id) == author_id).with_for_update()).first()
    wish = Wish(
        author_id=author_id,
        grid_id=grid_id,
        title=title,
        body=body,
        category=category,
        language=language,
        personal=bool(personal),
        proposal=bool(can(author, "wish.post_as_proposal")),
        photo_path=photo_path,
        created_at=now,
        state_changed_at=now,
    )
    session.add(wish)
    session.flush()
    today = session.exec(
        select(func.count())
        .select_from(Wish)
        .where(
            col(Wish.author_id) == author_id,
            col(Wish.created_at) >= localtime.day_start(localtime.today(now)),
        )
    ).one()
    if today > DAILY_LIMIT:
        session.rollback()
        raise UserError(
            N_("You have posted {n} wishes today. Please post more tomorrow."), n=DAILY_LIMIT
        )
    session.add(
        WishEvent(wish_id=row_id(wish), actor_id=author_id, kind="posted", to_state="open", at=now)
    )
    return _commit_wish(session, row_id(wish))


# --- support -----------------------------------------------------------------------------------


def vote(session: Session, *, wish_id: int, user_id: int, now: datetime | None = None) -> int:
    """Supports a wish (once per person); returns the support now. May promote the wish."""
    now = now or utcnow()
    active_user(session, user_id)
    wish = _locked_wish(session, wish_id)
    if wish.author_id == user_id:
        session.rollback()
        raise UserError(N_("You cannot support your own wish."))
    if wish.state != "open":
        session.rollback()
        raise UserError(N_("This wish is no longer open for support."))
    session.add(WishVote(wish_id=wish_id, user_id=user_id, created_at=now))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise UserError(N_("You already support this wish.")) from None
    # Holding the write lock now (SQLite) or the row lock (PostgreSQL): state and count are current.
    state = session.exec(select(col(Wish.state)).where(col(Wish.id) == wish_id)).one()
    if state != "open":
        session.rollback()
        raise UserError(N_("This wish is no longer open for support."))
    count = support(session, wish_id)
    wish_notices.support_counted(session, wish, count, now)
    _maybe_promote(session, wish, count, now)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(N_("You already support this wish.")) from None
    session.expire_all()
    return count


def withdraw_vote(
    session: Session, *, wish_id: int, user_id: int, now: datetime | None = None
) -> int:
    """Takes back one's support while the wish is open; returns the support now."""
    now = now or utcnow()
    wish = _locked_wish(session, wish_id)
    if wish.state != "open":
        session.rollback()
        raise UserError(N_("Support can only be withdrawn while the wish is open."))
    result = session.execute(
        delete(WishVote)
        .where(col(WishVote.wish_id) == wish_id, col(WishVote.user_id) == user_id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise UserError(N_("You do not support this wish."))
    state = session.exec(select(col(Wish.state)).where(col(Wish.id) == wish_id)).one()
    if state != "open":
        session.rollback()
        raise UserError(N_("Support can only be withdrawn while the wish is open."))
    session.add(WishEvent(wish_id=wish_id, actor_id=user_id, kind="vote_withdrawn", at=now))
    count = support(session, wish_id)
    _commit(session)
    return count


def _maybe_promote(
    session: Session, wish: Wish, count: int, now: datetime, rule: Rule | None = None
) -> bool:
    """Public wishes that reach their grid's threshold become council candidates (personal needs
    are for neighbours to adopt, not for the council)."""
    if wish.personal:
        return False
    rule = rule or rule_for(session, wish.grid_id)
    if count < rule.support_threshold:
        return False
    result = session.execute(
        update(Wish)
        .where(col(Wish.id) == wish.id, col(Wish.state) == "open")
        .values(state="promoted", state_changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.add(
        WishPromotion(
            wish_id=row_id(wish),
            promoted_at=now,
            threshold=rule.support_threshold,
            support=count,
            status="candidate",
        )
    )
    session.add(
        WishEvent(
            wish_id=row_id(wish),
            kind="promoted",
            from_state="open",
            to_state="promoted",
            note=None,
            at=now,
        )
    )
    wish_notices.state_changed(session, wish, "promoted", now)
    return True


# --- adoption ----------------------------------------------------------------------------------


def adopt(
    session: Session,
    *,
    wish_id: int,
    user_id: int,
    promised_date: date | None,
    note: str = "",
    now: datetime | None = None,
) -> Wish:
    """A resident, merchant or staff member takes on an open wish and promises a date."""
    now = now or utcnow()
    _require(session, user_id, "wish.adopt")
    note = clean_text(note)
    errors: dict[str, Message] = {}
    today = localtime.today(now)
    if promised_date is None:
        errors["promised_date"] = Message(N_("Please choose the date you promise."))
    elif promised_date < today:
        errors["promised_date"] = Message(N_("The promised date cannot be in the past."))
    elif promised_date > today + timedelta(days=MAX_PROMISE_DAYS):
        errors["promised_date"] = Message(N_("Please promise a date within a year."))
    if len(note) > NOTE_MAX:
        errors["note"] = Message(
            N_("Use at most {n} characters (now {count})."), {"n": NOTE_MAX, "count": len(note)}
        )
    if errors:
        raise FieldErrors(errors)
    wish = _locked_wish(session, wish_id)
    if wish.author_id == user_id:
        session.rollback()
        raise UserError(N_("You cannot adopt your own wish."))
    if wish.state != "open":
        session.rollback()
        if wish.state == "adopted":
            raise UserError(N_("Someone has already adopted this wish."))
        raise UserError(N_("Only an open wish can be adopted."))
    _move(
        session,
        wish,
        to_state="adopted",
        actor_id=user_id,
        kind="adopted",
        now=now,
        note=note,
        adopter_id=user_id,
        promised_date=promised_date,
    )
    return _commit_wish(session, wish_id)


def release(
    session: Session, *, wish_id: int, user_id: int, note: str = "", now: datetime | None = None
) -> Wish:
    """The adopter gives the wish back to the wall."""
    now = now or utcnow()
    wish = _locked_wish(session, wish_id)
    if wish.state != "adopted" or wish.adopter_id != user_id:
        session.rollback()
        raise UserError(N_("Only the adopter can give back an adopted wish."))
    _move(
        session,
        wish,
        to_state="open",
        actor_id=user_id,
        kind="released",
        now=now,
        note=clean_text(note)[:NOTE_MAX],
        where=(col(Wish.adopter_id) == user_id,),
        adopter_id=None,
        promised_date=None,
    )
    return _commit_wish(session, wish_id)


def report_fulfilled(
    session: Session,
    *,
    wish_id: int,
    user_id: int,
    note: str,
    photo: bytes | None = None,
    media_root: Path | None = None,
    now: datetime | None = None,
) -> Wish:
    """The adopter says the wish is done, with a note and optionally a photo."""
    now = now or utcnow()
    note = clean_text(note)
    errors: dict[str, Message] = {}
    if not note:
        errors["note"] = Message(N_("Please say in a few words what was done."))
    elif len(note) > NOTE_MAX:
        errors["note"] = Message(
            N_("Use at most {n} characters (now {count})."), {"n": NOTE_MAX, "count": len(note)}
        )
    if errors:
        raise FieldErrors(errors)
    wish = _locked_wish(session, wish_id)
    if wish.state != "adopted" or wish.adopter_id != user_id:
        session.rollback()
        raise UserError(N_("Only the adopter can report an adopted wish as fulfilled."))
    photo_path = _save_photo(photo, media_root, "photo")
    _move(
        session,
        wish,
        to_state="fulfilled",
        actor_id=user_id,
        kind="fulfilled",
        now=now,
        note=note,
        photo_path=photo_path,
        where=(col(Wish.adopter_id) == user_id,),
    )
    return _commit_wish(session, wish_id)


def confirm(
    session: Session, *, wish_id: int, user_id: int, note: str = "", now: datetime | None = None
) -> Wish:
    """The author confirms the fulfilment; the adopter earns points (once, in this transaction)."""
    now = now or utcnow()
    wish = _locked_wish(session, wish_id)
    on = On(own=wish.author_id == user_id, named=wish.adopter_id == user_id)
    allowed = can(active_user(session, user_id), "wish.confirm", on)
    if not allowed:
        session.rollback()
        raise UserError(allowed.reason)
    if wish.state != "fulfilled":
        session.rollback()
        raise UserError(N_("Only a fulfilled wish can be confirmed."))
    adopter_id = wish.adopter_id
    _move(
        session,
        wish,
        to_state="confirmed",
        actor_id=user_id,
        kind="confirmed",
        now=now,
        note=clean_text(note)[:NOTE_MAX],
    )
    points.award(
        session,
        user_id=adopter_id,
        source="wish",
        source_id=wish_id,
        reason=N_("Fulfilled a neighbour's wish"),
        actor_id=user_id,
        now=now,
    )
    return _commit_wish(session, wish_id)


def dispute(
    session: Session, *, wish_id: int, user_id: int, note: str, now: datetime | None = None
) -> Wish:
    """The author says it is not done yet: back to adopted, with the reason for the adopter."""
    now = now or utcnow()
    note = clean_text(note)
    if not note:
        raise FieldErrors({"note": Message(N_("Please say what is still missing."))})
    if len(note) > NOTE_MAX:
        raise FieldErrors(
            {
                "note": Message(
                    N_("Use at most {n} characters (now {count})."),
                    {"n": NOTE_MAX, "count": len(note)},
                )
            }
        )
    wish = _locked_wish(session, wish_id)
    if wish.author_id != user_id:
        session.rollback()
        raise UserError(N_("Only the author can dispute the fulfilment."))
    if wish.state != "fulfilled":
        session.rollback()
        raise UserError(N_("Only a fulfilled wish can be disputed."))
    _move(session, wish, to_state="adopted", actor_id=user_id, kind="disputed", now=now, note=note)
    return _commit_wish(session, wish_id)


# --- moderation --------------------------------------------------------------------------------


def flag(
    session: Session, *, wish_id: int, user_id: int, reason: str = "", now: datetime | None = None
) -> None:
    """A resident asks the moderators to look at a wish (once per person per wish)."""
    now = now or utcnow()
    active_user(session, user_id)
    reason = clean_text(reason)
    if len(reason) > REASON_MAX:
        raise FieldErrors(
            {
                "reason": Message(
                    N_("Use at most {n} characters (now {count})."),
                    {"n": REASON_MAX, "count": len(reason)},
                )
            }
        )
    if session.get(Wish, wish_id) is None:
        raise UserError(NOT_FOUND)
    session.add(WishFlag(wish_id=wish_id, user_id=user_id, reason=reason, created_at=now))
    session.add(
        WishEvent(wish_id=wish_id, actor_id=user_id, kind="flagged", note=reason or None, at=now)
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(
            N_("You have already flagged this wish. The moderators will look at it.")
        ) from None


def hide(
    session: Session, *, wish_id: int, moderator_id: int, reason: str, now: datetime | None = None
) -> Wish:
    """A moderator takes a wish off the wall; the reason is shown to the author."""
    now = now or utcnow()
    _require(session, moderator_id, "wish.moderate")
    reason = clean_text(reason)
    if not reason:
        raise FieldErrors({"reason": Message(N_("Please give the reason the author will see."))})
    if len(reason) > REASON_MAX:
        raise FieldErrors(
            {
                "reason": Message(
                    N_("Use at most {n} characters (now {count})."),
                    {"n": REASON_MAX, "count": len(reason)},
                )
            }
        )
    wish = _locked_wish(session, wish_id)
    if wish.state == "hidden":
        session.rollback()
        raise UserError(N_("This wish is already hidden."))
    _move(
        session,
        wish,
        to_state="hidden",
        actor_id=moderator_id,
        kind="hidden",
        now=now,
        note=reason,
        hidden_reason=reason,
    )
    session.execute(
        update(WishFlag)
        .where(col(WishFlag.wish_id) == wish_id, col(WishFlag.resolved_at).is_(None))
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    return _commit_wish(session, wish_id)


def restore(
    session: Session,
    *,
    wish_id: int,
    moderator_id: int,
    note: str = "",
    now: datetime | None = None,
) -> Wish:
    """Shows a hidden wish again, in the state it had before it was hidden."""
    now = now or utcnow()
    _require(session, moderator_id, "wish.moderate")
    wish = _locked_wish(session, wish_id)
    if wish.state != "hidden":
        session.rollback()
        raise UserError(N_("This wish is not hidden."))
    previous = (
        session.exec(
            select(col(WishEvent.from_state))
            .where(col(WishEvent.wish_id) == wish_id, col(WishEvent.kind) == "hidden")
            .order_by(col(WishEvent.id).desc())
        ).first()
        or "open"
    )
    _move(
        session,
        wish,
        to_state=previous,
        actor_id=moderator_id,
        kind="restored",
        now=now,
        note=clean_text(note)[:NOTE_MAX],
        hidden_reason=None,
    )
    return _commit_wish(session, wish_id)


def dismiss_flags(
    session: Session, *, wish_id: int, moderator_id: int, now: datetime | None = None
) -> int:
    """A moderator looked at the flags and keeps the wish on the wall."""
    now = now or utcnow()
    _require(session, moderator_id, "wish.moderate")
    result = session.execute(
        update(WishFlag)
        .where(col(WishFlag.wish_id) == wish_id, col(WishFlag.resolved_at).is_(None))
        .values(resolved_at=now)
        .execution_options(synchronize_session=False)
    )
    session.add(WishEvent(wish_id=wish_id, actor_id=moderator_id, kind="flags_dismissed", at=now))
    session.commit()
    return result.rowcount


# --- council -----------------------------------------------------------------------------------


def candidates(session: Session) -> list[tuple[WishPromotion, Wish]]:
    """Promoted wishes waiting for the council (oldest first): what the council module reads."""
    return list(
        session.exec(
            select(WishPromotion, Wish)
            .join(Wish, col(Wish.id) == col(WishPromotion.wish_id))
            .where(col(WishPromotion.status) == "candidate", col(Wish.state) == "promoted")
            .order_by(col(WishPromotion.promoted_at), col(WishPromotion.id))
        ).all()
    )


def decide(
    session: Session, *, wish_id: int, decision: str, decided_by: int, now: datetime | None = None
) -> WishPromotion:
    """The council's decision on a promoted wish: promotion candidate → decided, wish → decided."""
    now = now or utcnow()
    active_user(session, decided_by)
    decision = clean_text(decision)
    if not decision:
        raise FieldErrors({"decision": Message(N_("Please write what the council decided."))})
    if len(decision) > BODY_MAX:
        raise FieldErrors(
            {
                "decision": Message(
                    N_("Use at most {n} characters (now {count})."),
                    {"n": BODY_MAX, "count": len(decision)},
                )
            }
        )
    wish = _locked_wish(session, wish_id)
    if wish.state != "promoted":
        session.rollback()
        raise UserError(N_("Only a wish sent to the council can be decided."))
    result = session.execute(
        update(WishPromotion)
        .where(col(WishPromotion.wish_id) == wish_id, col(WishPromotion.status) == "candidate")
        .values(status="decided", decided_at=now, decided_by=decided_by, decision=decision)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.rollback()
        raise UserError(CHANGED)
    _move(
        session,
        wish,
        to_state="decided",
        actor_id=decided_by,
        kind="decided",
        now=now,
        note=decision,
    )
    _commit(session)
    return session.exec(select(WishPromotion).where(col(WishPromotion.wish_id) == wish_id)).one()


# --- the scheduler -----------------------------------------------------------------------------


def expire_stale(session: Session, now: datetime | None = None) -> int:
    """Open wishes with no new support for their grid's expiry time become expired; also promotes
    any open wish that reached its threshold but was missed. Returns how many expired."""
    now = now or utcnow()
    rules, parents = _latest_rules(session), parent_map(session)
    last_vote = (
        select(col(WishVote.wish_id), func.max(col(WishVote.created_at)).label("last"))
        .group_by(col(WishVote.wish_id))
        .subquery()
    )
    counts = (
        select(col(WishVote.wish_id), func.count().label("n"))
        .group_by(col(WishVote.wish_id))
        .subquery()
    )
    counts = _support_subquery()
    rows = session.exec(
        select(Wish, last_vote.c.last, func.coalesce(counts.c.n, 0))
        .outerjoin(last_vote, last_vote.c.wish_id == col(Wish.id))
        .outerjoin(counts, counts.c.wish_id == col(Wish.id))
        .where(col(Wish.state) == "open")
    ).all()
    expired = 0
    for wish, last, count in rows:
        rule = _resolve(wish.grid_id, rules, parents)
        if not wish.personal and count >= rule.support_threshold:
            _maybe_promote(session, wish, count, now, rule)
            continue
        last = _aware(last) if last is not None else None
        since = max(wish.state_changed_at, last) if last else wish.state_changed_at
        if now - since < timedelta(days=rule.expire_days):
            continue
        result = session.execute(
            update(Wish)
            .where(col(Wish.id) == wish.id, col(Wish.state) == "open")
            .values(state="expired", state_changed_at=now)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            session.add(
                WishEvent(
                    wish_id=row_id(wish),
                    kind="expired",
                    from_state="open",
                    to_state="expired",
                    note=None,
                    at=now,
                )
            )
            expired += 1
    _commit(session)
    return expired


def _aware(value) -> datetime:
    """Aggregates skip the column type on some backends: make sure we compare aware datetimes."""

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- reading the wall --------------------------------------------------------------------------


@dataclass(frozen=True)
class Promotion:
    promoted_at: datetime
    threshold: int
    support: int
    status: str
    decided_at: datetime | None
    decision: str | None


@dataclass(frozen=True)
class WishCard:
    id: int
    title: str
    body: str
    language: str
    category: str
    state: str
    personal: bool
    proposal: bool
    grid_id: int
    created_at: datetime
    support: int
    threshold: int
    mine: bool  # the viewer wrote it
    my_vote: bool
    author_name: str | None  # None for a personal need the viewer may not see the name of
    adopter_id: int | None
    adopter_name: str | None
    promised_date: date | None
    hidden_reason: str | None  # only for the author and moderators
    photo_path: str | None
    open_flags: int = 0  # moderators only
    promotion: Promotion | None = None


@dataclass(frozen=True)
class WallPage:
    cards: list[WishCard]
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.cards) < self.total


def _support_subquery():
    query = select(WishVote.wish_id, func.count().label("n"))
    return _counted(query).group_by(WishVote.wish_id).subquery()


def wall(
    session: Session,
    *,
    viewer_id: int | None,
    sort: str = "support",
    categories: Iterable[str] = (),
    states: Iterable[str] = ACTIVE_STATES,
    grid_id: int | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
    mine_only: bool = False,
) -> WallPage:
    """One page of wish cards for a viewer, sorted by support, newest, or near the viewer's home."""
    viewer = session.get(User, viewer_id) if viewer_id else None
    moderator = bool(can(viewer, "wish.moderate"))
    states = [s for s in states if s in STATE_LABELS] or list(ACTIVE_STATES)
    counts = _support_subquery()
    n = func.coalesce(counts.c.n, 0)
    conditions: list[ColumnElement[bool]] = [col(Wish.state).in_(states)]
    if not moderator:  # a hidden wish is seen by its author (with the reason) and moderators only
        conditions.append(
            (col(Wish.state) != "hidden") | (col(Wish.author_id) == (viewer_id or -1))
        )
    categories = [c for c in categories if c in WISH_CATEGORIES]
    if categories:
        conditions.append(col(Wish.category).in_(categories))
    parents = parent_map(session)
    if grid_id is not None:
        conditions.append(col(Wish.grid_id).in_(sorted(subtree(parents, grid_id))))
    if mine_only and viewer_id:
        conditions.append(col(Wish.author_id) == viewer_id)
    order = []
    if sort == "near" and viewer is not None and viewer.home_grid_id:
        home = viewer.home_grid_id
        general = parents.get(home)
        nearby = subtree(parents, general) if general else {home}
        order.append(
            case(
                (col(Wish.grid_id) == home, 0), (col(Wish.grid_id).in_(sorted(nearby)), 1), else_=2
            )
        )
    if sort == "newest":
        order += [col(Wish.created_at).desc(), col(Wish.id).desc()]
    else:
        order += [n.desc(), col(Wish.created_at).desc(), col(Wish.id).desc()]
    total = session.exec(select(func.count()).select_from(Wish).where(*conditions)).one()
    rows = session.exec(
        select(Wish, n)
        .outerjoin(counts, counts.c.wish_id == col(Wish.id))
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    ).all()
    cards = _cards(session, viewer, moderator, rows, parents)
    return WallPage(cards, total, offset, limit)


def _cards(session: Session, viewer: User | None, moderator: bool, rows, parents) -> list[WishCard]:
    if not rows:
        return []
    ids = [wish.id for wish, _n in rows]
    viewer_id = viewer.id if viewer else None
    my_votes = set(
        session.exec(
            select(col(WishVote.wish_id)).where(
                col(WishVote.wish_id).in_(ids), col(WishVote.user_id) == (viewer_id or -1)
            )
        ).all()
    )
    people = {w.author_id for w, _ in rows} | {w.adopter_id for w, _ in rows if w.adopter_id}
    names = dict(
        session.exec(
            select(col(User.id), col(User.display_name)).where(col(User.id).in_(people))
        ).all()
    )
    promotions = {
        p.wish_id: p
        for p in session.exec(select(WishPromotion).where(col(WishPromotion.wish_id).in_(ids)))
    }
    flags: dict[int, int] = {}
    if moderator:
        flags = dict(
            session.exec(
                select(col(WishFlag.wish_id), func.count())
                .where(col(WishFlag.wish_id).in_(ids), col(WishFlag.resolved_at).is_(None))
                .group_by(col(WishFlag.wish_id))
            ).all()
        )
    rules = _latest_rules(session)
    cards = []
    for wish, count in rows:
        mine = viewer_id is not None and wish.author_id == viewer_id
        see_name = not wish.personal or mine or moderator or wish.adopter_id == viewer_id
        p = promotions.get(wish.id)
        cards.append(
            WishCard(
                id=wish.id,
                title=wish.title,
                body=wish.body,
                language=wish.language,
                category=wish.category,
                state=wish.state,
                personal=wish.personal,
                proposal=wish.proposal,
                grid_id=wish.grid_id,
                created_at=wish.created_at,
                support=int(count),
                threshold=_resolve(wish.grid_id, rules, parents).support_threshold,
                mine=mine,
                my_vote=wish.id in my_votes,
                author_name=names.get(wish.author_id) if see_name else None,
                adopter_id=wish.adopter_id,
                adopter_name=names.get(wish.adopter_id),
                promised_date=wish.promised_date,
                hidden_reason=wish.hidden_reason if (mine or moderator) else None,
                photo_path=wish.photo_path,
                open_flags=flags.get(wish.id, 0),
                promotion=Promotion(
                    p.promoted_at, p.threshold, p.support, p.status, p.decided_at, p.decision
                )
                if p
                else None,
            )
        )
    return cards


@dataclass(frozen=True)
class TrailItem:
    kind: str
    at: datetime
    actor_name: str | None
    from_state: str | None
    to_state: str | None
    note: str | None
    photo_path: str | None


@dataclass(frozen=True)
class WishView:
    card: WishCard
    trail: list[TrailItem]
    can_vote: bool
    can_withdraw: bool
    can_adopt: bool
    can_release: bool
    can_report: bool
    can_confirm: bool
    can_flag: bool
    can_moderate: bool
    flags: list[tuple[str, str, datetime]] = field(
        default_factory=list
    )  # moderators: who, why, when


def detail(session: Session, *, wish_id: int, viewer_id: int | None) -> WishView:
    """Everything about one wish the viewer may see, and what they may do with it."""
    viewer = session.get(User, viewer_id) if viewer_id else None
    moderator = bool(can(viewer, "wish.moderate"))
    counts = _support_subquery()
    row = session.exec(
        select(Wish, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.wish_id == col(Wish.id))
        .where(col(Wish.id) == wish_id)
    ).first()
    if row is None or (
        row[0].state == "hidden" and not moderator and row[0].author_id != viewer_id
    ):
        raise UserError(NOT_FOUND)
    card = _cards(session, viewer, moderator, [row], parent_map(session))[0]
    events = session.exec(
        select(WishEvent)
        .where(col(WishEvent.wish_id) == wish_id)
        .order_by(col(WishEvent.at), col(WishEvent.id))
    ).all()
    actor_ids = {e.actor_id for e in events if e.actor_id}
    names = dict(
        session.exec(
            select(col(User.id), col(User.display_name)).where(col(User.id).in_(actor_ids))
        ).all()
    )
    trail = []
    for e in events:
        if e.kind in ("vote_withdrawn", "flagged", "flags_dismissed") and not moderator:
            continue
        anonymous = card.personal and e.actor_id == row[0].author_id and card.author_name is None
        trail.append(
            TrailItem(
                e.kind,
                e.at,
                None if anonymous else names.get(e.actor_id),
                e.from_state,
                e.to_state,
                e.note,
                e.photo_path,
            )
        )
    flags = []
    if moderator:
        flags = [
            (name, reason, at)
            for name, reason, at in session.exec(
                select(col(User.display_name), col(WishFlag.reason), col(WishFlag.created_at))
                .join(User, col(User.id) == col(WishFlag.user_id))
                .where(col(WishFlag.wish_id) == wish_id, col(WishFlag.resolved_at).is_(None))
            ).all()
        ]
    logged_in = viewer is not None
    return WishView(
        card=card,
        trail=trail,
        can_vote=logged_in and card.state == "open" and not card.mine and not card.my_vote,
        can_withdraw=logged_in and card.state == "open" and card.my_vote,
        can_adopt=logged_in
        and card.state == "open"
        and not card.mine
        and bool(can(viewer, "wish.adopt")),
        can_release=logged_in and card.state == "adopted" and card.adopter_id == viewer_id,
        can_report=logged_in and card.state == "adopted" and card.adopter_id == viewer_id,
        can_confirm=logged_in and card.state == "fulfilled" and card.mine,
        can_flag=logged_in and not card.mine and card.state != "hidden",
        can_moderate=moderator,
        flags=flags,
    )


def flagged(session: Session) -> list[tuple[Wish, int]]:
    """Wishes with flags nobody has looked at yet, most flagged first (the moderation queue)."""
    return list(
        session.exec(
            select(Wish, func.count(col(WishFlag.id)))
            .join(WishFlag, col(WishFlag.wish_id) == col(Wish.id))
            .where(col(WishFlag.resolved_at).is_(None), col(Wish.state) != "hidden")
            .group_by(col(Wish.id))
            .order_by(func.count(col(WishFlag.id)).desc(), col(Wish.id))
        ).all()
    )


def rules_table(session: Session) -> list[tuple[Grid, WishGridRule]]:
    """Grids with a rule of their own (the newest one each)."""
    rules = _latest_rules(session)
    grids = {g.id: g for g in session.exec(select(Grid).where(col(Grid.id).in_(list(rules))))}
    return sorted(
        ((grids[gid], rule) for gid, rule in rules.items() if gid in grids),
        key=lambda pair: pair[0].code,
    )
