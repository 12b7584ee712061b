"""Community review of the interface's translations (i18n/REVIEW.md: Tibetan, Uyghur and Yi were
not written by native speakers).

Staff appoint reviewers per language; reviewers (and staff) correct a message's text. Corrections
are append-only rows (who, when); the newest of a message in a language is in use at once:
`refresh` loads them into portal.i18n's in-process table, reloading only when the table's version
(its newest row) changed, so translate never queries the database. `python -m portal.catalogs
import-reviews` writes them back into the .po catalogs.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_reviews import REVIEW_LANGUAGES, TranslationCorrection, TranslationReviewer
from db.types import row_id, rowcount, utcnow
from portal import auth, catalogs, i18n
from portal.auth import active_user
from portal.errors import UserError
from portal.i18n import DEFAULT_LANGUAGE, N_, catalog

APPOINTER_ROLES = (auth.STAFF, auth.ADMIN)  # appoint reviewers, and may review every language
REVIEWED_LANGUAGES = tuple(c for c in REVIEW_LANGUAGES if c != "en")  # English ids are the source
MAX_TEXT = 2000


# --- appointments -----------------------------------------------------------------------------


def _appointer(session: Session, user_id: int) -> User:
    user = active_user(session, user_id)
    if user.role not in APPOINTER_ROLES:
        raise UserError(N_("Only community staff can appoint translation reviewers."))
    return user


def appoint(session: Session, *, user_id: int, language: str, by: int) -> TranslationReviewer:
    """Makes a person reviewer of a language (once: a current appointment is kept)."""
    staff = _appointer(session, by)
    person = active_user(session, user_id)
    if language not in REVIEWED_LANGUAGES:
        raise UserError(N_("Please choose a language to review."), field="language")
    if language in appointed_languages(session, person.id):
        raise UserError(N_("This person already reviews this language."), field="person")
    row = TranslationReviewer(user_id=row_id(person), language=language, appointed_by=row_id(staff))
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # appointed at the same moment in another browser
        session.rollback()
        raise UserError(N_("This person already reviews this language."), field="person") from None
    return row


def find_person(session: Session, username: str) -> User:
    """The active account with this username (as typed, any case), or UserError (field person)."""
    user = session.exec(
        select(User).where(User.username == auth.normalise_username(username))
    ).first()
    if user is None or not user.is_active:
        raise UserError(
            N_("No account has the username {username}."), field="person", username=username
        )
    return user


def end_appointment(session: Session, *, appointment_id: int, by: int) -> None:
    staff = _appointer(session, by)
    done = session.exec(
        update(TranslationReviewer)
        .where(
            col(TranslationReviewer.id) == appointment_id,
            col(TranslationReviewer.ended_at).is_(None),
        )
        .values(ended_at=utcnow(), ended_by=staff.id)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise UserError(N_("This appointment has already ended."))
    session.commit()


def appointed_languages(session: Session, user_id: int | None) -> tuple[str, ...]:
    if not user_id:
        return ()
    rows = session.exec(
        select(TranslationReviewer.language).where(
            TranslationReviewer.user_id == user_id, TranslationReviewer.ended_at.is_(None)
        )
    ).all()
    return tuple(c for c in REVIEWED_LANGUAGES if c in rows)


@dataclass(frozen=True)
class Appointment:
    id: int
    user_id: int
    name: str
    language: str
    appointed_at: datetime


def appointments(session: Session) -> list[Appointment]:
    rows = session.exec(
        select(TranslationReviewer, User.display_name)
        .join(User, col(User.id) == TranslationReviewer.user_id)
        .where(col(TranslationReviewer.ended_at).is_(None))
        .order_by(col(TranslationReviewer.language), col(User.display_name))
    ).all()
    return [Appointment(row_id(r), r.user_id, name, r.language, r.appointed_at) for r, name in rows]


def languages_for(session: Session, user_id: int | None, role: str) -> tuple[str, ...]:
    """The languages this person may review: all for staff, their appointments otherwise."""
    if role in APPOINTER_ROLES:
        return REVIEWED_LANGUAGES
    return appointed_languages(session, user_id)


def may_open(session: Session, user_id: int | None, role: str) -> bool:
    return bool(languages_for(session, user_id, role))


# --- messages and corrections -----------------------------------------------------------------


@functools.cache
def known_messages() -> dict[str, tuple[str, ...]]:
    """msgid → the places in the code where it is used (extracted once per process)."""
    return {m: tuple(places) for m, places in catalogs.extract().items()}


@dataclass(frozen=True)
class Message:
    msgid: str  # the English source
    chinese: str
    current: str  # what readers see now (a correction, else the catalog)
    places: tuple[str, ...]
    reviewed: bool  # the current text is a reviewer's correction


def messages(language: str) -> list[Message]:
    """Every message of the interface with its sources, current text and places, in id order."""
    zh = catalog(DEFAULT_LANGUAGE)
    return [
        Message(
            msgid,
            zh.get(msgid, ""),
            i18n.own_text(language, msgid),
            places,
            i18n.is_reviewed(language, msgid),
        )
        for msgid, places in sorted(known_messages().items())
    ]


def check_text(language: str, msgid: str, text: str) -> str:
    """The cleaned text, or UserError (field 'text'): empty, placeholders changed, wrong script."""
    text = (text or "").strip()
    if not text:
        raise UserError(N_("Please write the corrected text."), field="text")
    if len(text) > MAX_TEXT:
        raise UserError(
            N_("The text is too long (at most {n} characters)."), field="text", n=MAX_TEXT
        )
    if not catalogs.placeholders_kept(msgid, text):
        wanted = " ".join(f"{{{p}}}" for p in sorted(set(catalogs.PLACEHOLDER.findall(msgid))))
        raise UserError(
            N_("Keep the placeholders exactly as in the source: {placeholders}"),
            field="text",
            placeholders=wanted or "—",
        )
    if catalogs.needs_script(msgid) and not catalogs.in_script(language, text):
        raise UserError(
            N_("The text must be written in {language}."),
            field="text",
            language=i18n.language(language).native_name,
        )
    return text


def correct(
    session: Session, *, language: str, msgid: str, text: str, reviewer_id: int
) -> TranslationCorrection:
    """Stores a reviewer's correction (who, when) and puts it in use at once in this process."""
    user = active_user(session, reviewer_id)
    if language not in languages_for(session, user.id, user.role):
        raise UserError(N_("You are not a reviewer of this language."))
    if msgid not in known_messages():
        raise UserError(N_("Please choose a message from the list."), field="message")
    text = check_text(language, msgid, text)
    row = TranslationCorrection(language=language, msgid=msgid, text=text, reviewer_id=row_id(user))
    session.add(row)
    session.commit()
    refresh(session, force=True)
    return row


@dataclass(frozen=True)
class Correction:
    text: str
    name: str
    created_at: datetime


def history(session: Session, language: str, msgid: str) -> list[Correction]:
    rows = session.exec(
        select(TranslationCorrection, User.display_name)
        .join(User, col(User.id) == TranslationCorrection.reviewer_id)
        .where(
            col(TranslationCorrection.language) == language,
            col(TranslationCorrection.msgid) == msgid,
        )
        .order_by(col(TranslationCorrection.id).desc())
    ).all()
    return [Correction(r.text, name, r.created_at) for r, name in rows]


def current_texts(session: Session) -> dict[str, dict[str, str]]:
    """language → msgid → the newest correction's text."""
    rows = session.exec(
        select(
            TranslationCorrection.language, TranslationCorrection.msgid, TranslationCorrection.text
        ).order_by(col(TranslationCorrection.id))
    ).all()
    found: dict[str, dict[str, str]] = {}
    for language, msgid, text in rows:
        found.setdefault(language, {})[msgid] = text
    return found


# --- keeping i18n's table in step -------------------------------------------------------------

_loaded: dict[str, object] = {"version": None}
_lock = threading.Lock()


def _version(session: Session) -> tuple:
    newest, count = session.exec(
        select(func.max(TranslationCorrection.id), func.count()).select_from(TranslationCorrection)
    ).one()
    return (str(session.get_bind().engine.url), newest, count)  # an Engine or a Connection


def refresh(session: Session, *, force: bool = False) -> None:
    """Loads the corrections into translate's table when they changed (one small query)."""
    version = _version(session)
    with _lock:
        if not force and version == _loaded["version"]:
            return
        i18n.set_reviewed(current_texts(session))
        _loaded["version"] = version
