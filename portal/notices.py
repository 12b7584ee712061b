"""Notices (公示, activities, policies) and the resident ↔ micro-grid chief message thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import GridDuty, User
from db.models_cockpit import (
    NOTICE_KINDS,
    MessageThread,
    Notice,
    NoticeGrid,
    NoticeTranslation,
    ThreadMessage,
)
from db.types import row_id, rowcount, utcnow
from portal.areas import EVERYWHERE, Area, area_of
from portal.errors import FieldErrors, Message, UserError
from portal.grids import GridIndex
from portal.i18n import DEFAULT_LANGUAGE, LANGUAGE_CODES, N_
from portal.media import MediaStore, Photo
from portal.notifications import notify
from portal.permissions import OUTSIDE_AREA, On, can, roles_for

KIND_LABELS = {
    "public": N_("Public notice (公示)"),
    "activity": N_("Activity"),
    "policy": N_("Policy"),
}
MAX_TITLE, MAX_BODY, MAX_MESSAGE = 120, 4000, 1000
PUBLISHERS = roles_for("notices.publish")  # the old name; the rule: permissions
CHIEF_DUTIES = ("micro_chief",)


# --- notices ---------------------------------------------------------------------------------


def _refusal(allowed) -> str:
    if allowed.reason == OUTSIDE_AREA:  # staff of another community, street or district
        return OUTSIDE_AREA
    return N_("Only community staff can publish notices.")


def publish(
    session: Session,
    index: GridIndex,
    *,
    actor_id: int,
    kind: str,
    title: str,
    body: str,
    language: str = DEFAULT_LANGUAGE,
    grid_ids: list[int] | tuple[int, ...] = (),
    expires_at: datetime | None = None,
    photo: Photo | None = None,
    image_alt: str = "",
    store: MediaStore | None = None,
    translations: dict[str, tuple[str, str]] | None = None,
    now: datetime | None = None,
) -> Notice:
    """Publishes a notice to everyone under the publisher's office grid (no grids: a community's
    staff for their community, a street's for the whole street, no office grid: the deployment)
    or to chosen grids of their area and those below them."""
    now = now or utcnow()
    actor = session.get(User, actor_id)
    area = area_of(session, actor, index) if actor is not None else EVERYWHERE
    outside = any(g in index.grids and not area.covers(g) for g in grid_ids)
    allowed = can(actor, "notices.publish", On(outside=outside))
    if not allowed:
        raise UserError(_refusal(allowed))
    title, body = (title or "").strip(), (body or "").strip()
    errors: dict[str, Message] = {}
    if kind not in NOTICE_KINDS:
        errors["kind"] = Message(N_("Please choose the kind of notice."))
    if not title or len(title) > MAX_TITLE:
        errors["title"] = Message(
            N_("Please give a title (at most {n} characters)."), {"n": MAX_TITLE}
        )
    if not body or len(body) > MAX_BODY:
        errors["body"] = Message(
            N_("Please write the notice (at most {n} characters)."), {"n": MAX_BODY}
        )
    if language not in LANGUAGE_CODES:
        errors["language"] = Message(N_("Please choose a language."))
    unknown = [g for g in grid_ids if g not in index.grids]
    if unknown:
        errors["grids"] = Message(N_("Please choose grids from the list."))
    if expires_at is not None and expires_at <= now:
        errors["expires"] = Message(N_("The expiry must be in the future."))
    if photo is not None and not (image_alt or "").strip():
        errors["image_alt"] = Message(N_("Please describe the picture in a few words."))
    clean: dict[str, tuple[str, str]] = {}
    for code, (t_title, t_body) in (translations or {}).items():
        t_title, t_body = (t_title or "").strip(), (t_body or "").strip()
        if not t_title and not t_body or code == language:
            continue
        if (
            code not in LANGUAGE_CODES
            or not t_title
            or not t_body
            or len(t_title) > MAX_TITLE
            or len(t_body) > MAX_BODY
        ):
            errors[f"tr_{code}"] = Message(
                N_("Give both a title and a text for this language, or neither.")
            )
            continue
        clean[code] = (t_title, t_body)
    if errors:
        raise FieldErrors(errors)
    image_path = None
    if photo is not None and store is not None:
        image_path, _thumb = store.save_photo(photo)
    notice = Notice(
        kind=kind,
        title=title,
        body=body,
        language=language,
        everyone=not grid_ids,
        grid_id=actor.home_grid_id if actor is not None else None,
        image_path=image_path,
        image_alt=(image_alt or "").strip()[:200] or None,
        published_by=actor_id,
        published_at=now,
        expires_at=expires_at,
    )
    session.add(notice)
    session.flush()
    for grid_id in dict.fromkeys(grid_ids):
        session.add(NoticeGrid(notice_id=row_id(notice), grid_id=grid_id))
    for code, (t_title, t_body) in clean.items():
        session.add(
            NoticeTranslation(notice_id=row_id(notice), language=code, title=t_title, body=t_body)
        )
    session.commit()
    return notice


def withdraw(
    session: Session, *, notice_id: int, actor_id: int, now: datetime | None = None
) -> None:
    now = now or utcnow()
    actor = session.get(User, actor_id)
    notice = session.get(Notice, notice_id)
    outside = (
        notice is not None
        and actor is not None
        and not area_of(session, actor).covers(notice.grid_id)
    )
    allowed = can(actor, "notices.publish", On(outside=outside))
    if not allowed:
        raise UserError(_refusal(allowed))
    result = session.exec(
        update(Notice)
        .where(col(Notice.id) == notice_id, col(Notice.withdrawn_at).is_(None))
        .values(withdrawn_at=now, withdrawn_by=actor_id)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(N_("This notice has already been withdrawn."))
    session.commit()


@dataclass(frozen=True)
class NoticeView:
    id: int
    kind: str
    title: str
    body: str
    language: str  # the language of the text shown (for lang="…")
    published_at: datetime
    expires_at: datetime | None
    image_path: str | None
    image_alt: str | None
    everyone: bool


def current(
    session: Session,
    index: GridIndex,
    *,
    grid_id: int | None,
    language: str,
    now: datetime | None = None,
    limit: int = 20,
    area: Area = EVERYWHERE,
) -> list[NoticeView]:
    """Notices in force for a person living in grid_id (None: community-wide only) whose office
    grid reaches their area (their community's, their street's and district's, the deployment's),
    in their language where a translation exists, newest first."""
    now = now or utcnow()
    reach = [] if area.whole else [_reaches(area)]
    chain = [g.id for g in index.ancestors(index.grids[grid_id])] if grid_id in index.grids else []
    targeted = select(col(NoticeGrid.notice_id)).where(col(NoticeGrid.grid_id).in_(chain or [-1]))
    notices = session.exec(
        select(Notice)
        .where(
            col(Notice.withdrawn_at).is_(None),
            col(Notice.published_at) <= now,
            or_(col(Notice.expires_at).is_(None), col(Notice.expires_at) > now),
            or_(col(Notice.everyone), col(Notice.id).in_(targeted)),
            *reach,
        )
        .order_by(col(Notice.published_at).desc(), col(Notice.id).desc())
        .limit(limit)
    ).all()
    ids = [n.id for n in notices]
    translated = {
        t.notice_id: t
        for t in session.exec(
            select(NoticeTranslation).where(
                col(NoticeTranslation.notice_id).in_(ids or [-1]),
                col(NoticeTranslation.language) == language,
            )
        )
    }
    out = []
    for n in notices:
        tr = translated.get(row_id(n)) if n.language != language else None
        out.append(
            NoticeView(
                row_id(n),
                n.kind,
                tr.title if tr else n.title,
                tr.body if tr else n.body,
                language if tr else n.language,
                n.published_at,
                n.expires_at,
                n.image_path,
                n.image_alt,
                n.everyone,
            )
        )
    return out


def _reaches(area: Area):
    return or_(col(Notice.grid_id).is_(None), col(Notice.grid_id).in_(area.reach_list() or [-1]))


def all_notices(
    session: Session, limit: int = 200, area: Area = EVERYWHERE
) -> list[tuple[Notice, list[str], list[int]]]:
    """For staff: every notice of their area with its translation languages and target grids."""
    query = select(Notice)
    if not area.whole:
        query = query.where(col(Notice.grid_id).in_(area.grid_list() or [-1]))
    notices = session.exec(
        query.order_by(col(Notice.published_at).desc(), col(Notice.id).desc()).limit(limit)
    ).all()
    ids = [n.id for n in notices] or [-1]
    langs: dict[int, list[str]] = {}
    for nid, code in session.exec(
        select(col(NoticeTranslation.notice_id), col(NoticeTranslation.language)).where(
            col(NoticeTranslation.notice_id).in_(ids)
        )
    ):
        langs.setdefault(nid, []).append(code)
    grids: dict[int, list[int]] = {}
    for nid, gid in session.exec(
        select(col(NoticeGrid.notice_id), col(NoticeGrid.grid_id)).where(
            col(NoticeGrid.notice_id).in_(ids)
        )
    ):
        grids.setdefault(nid, []).append(gid)
    return [(n, sorted(langs.get(row_id(n), [])), grids.get(row_id(n), [])) for n in notices]


# --- messages with the micro-grid chief ------------------------------------------------------


def chief_of(session: Session, grid_id: int | None) -> User | None:
    if grid_id is None:
        return None
    return session.exec(
        select(User)
        .join(GridDuty, col(GridDuty.user_id) == col(User.id))
        .where(
            col(GridDuty.grid_id) == grid_id,
            col(GridDuty.duty).in_(CHIEF_DUTIES),
            col(User.is_active),
        )
        .order_by(col(GridDuty.id))
    ).first()


def _body(text: str) -> str:
    body = (text or "").strip()
    if not body:
        raise FieldErrors({"body": Message(N_("Please write your message."))})
    if len(body) > MAX_MESSAGE:
        raise FieldErrors({"body": Message(N_("Use at most {n} characters."), {"n": MAX_MESSAGE})})
    return body


def thread_for(session: Session, resident: User) -> MessageThread | None:
    return session.exec(
        select(MessageThread).where(
            col(MessageThread.resident_id) == resident.id,
            col(MessageThread.grid_id) == resident.home_grid_id,
        )
    ).first()


def send_to_chief(
    session: Session, *, resident_id: int, body: str, now: datetime | None = None
) -> ThreadMessage:
    """A resident writes to the chief of their home micro-grid (the thread is made on first use)."""
    now = now or utcnow()
    resident = session.get(User, resident_id)
    if resident is None or not can(resident, "notices.receive") or resident.home_grid_id is None:
        raise UserError(N_("Only residents with a home courtyard can write to a micro-grid chief."))
    text = _body(body)
    if chief_of(session, resident.home_grid_id) is None:
        raise UserError(
            N_("Your courtyard has no micro-grid chief yet. Please call the community office.")
        )
    thread = thread_for(session, resident)
    if thread is None:
        thread = MessageThread(
            resident_id=row_id(resident), grid_id=resident.home_grid_id, created_at=now
        )
        try:
            with session.begin_nested():  # the same person writing from two browsers at once
                session.add(thread)
        except IntegrityError:
            thread = thread_for(session, resident)  # the other browser's thread
            if thread is None:  # the conflict was not that thread: a real error, not a race
                raise
    message = ThreadMessage(thread_id=row_id(thread), author_id=row_id(resident), body=text, at=now)
    session.add(message)
    session.commit()
    return message


def may_answer(session: Session, user: User, thread: MessageThread) -> bool:
    if can(user, "notices.see_all"):  # the office: of its own area (portal.areas)
        from portal.areas import area_of

        outside = not area_of(session, user).covers(thread.grid_id)
        return bool(can(user, "notices.see_all", On(outside=outside)))
    return (
        session.exec(
            select(col(GridDuty.id)).where(
                col(GridDuty.user_id) == user.id,
                col(GridDuty.grid_id) == thread.grid_id,
                col(GridDuty.duty).in_(CHIEF_DUTIES),
            )
        ).first()
        is not None
    )


def answer(
    session: Session, *, thread_id: int, author_id: int, body: str, now: datetime | None = None
) -> ThreadMessage:
    now = now or utcnow()
    thread = session.get(MessageThread, thread_id)
    author = session.get(User, author_id)
    if thread is None or author is None or not may_answer(session, author, thread):
        raise UserError(N_("You cannot answer in this conversation."))
    message = ThreadMessage(
        thread_id=row_id(thread), author_id=row_id(author), body=_body(body), at=now
    )
    session.add(message)
    if author.id != thread.resident_id:  # outbox: told in the same commit
        notify(
            session,
            [thread.resident_id],
            "chief_message",
            {"title": message.body[:80]},
            "messages",
            now=now,
        )
    session.commit()
    return message


@dataclass(frozen=True)
class ThreadSummary:
    thread: MessageThread
    resident_name: str
    last_at: datetime | None
    waiting: bool  # the last word is the resident's


def threads_for_chief(session: Session, user: User) -> list[ThreadSummary]:
    query = select(MessageThread, col(User.display_name)).join(
        User, col(User.id) == col(MessageThread.resident_id)
    )
    if not can(user, "notices.see_all"):
        mine = select(GridDuty.grid_id).where(
            GridDuty.user_id == user.id, GridDuty.duty.in_(CHIEF_DUTIES)
        )
        query = query.where(col(MessageThread.grid_id).in_(mine))
    else:  # the office of a community or street: the threads of its own area
        from portal.areas import area_of

        area = area_of(session, user)
        if not area.whole:
            query = query.where(col(MessageThread.grid_id).in_(area.grid_list()))
    out = []
    for thread, name in session.exec(query.order_by(col(MessageThread.id))).all():
        last = session.exec(
            select(ThreadMessage)
            .where(col(ThreadMessage.thread_id) == thread.id)
            .order_by(col(ThreadMessage.at).desc(), col(ThreadMessage.id).desc())
        ).first()
        out.append(
            ThreadSummary(
                thread,
                name,
                last.at if last else None,
                last is not None and last.author_id == thread.resident_id,
            )
        )
    return sorted(out, key=lambda s: (not s.waiting, -(s.last_at.timestamp() if s.last_at else 0)))


def messages(session: Session, thread_id: int) -> list[tuple[ThreadMessage, str]]:
    return list(
        session.exec(
            select(ThreadMessage, col(User.display_name))
            .join(User, col(User.id) == col(ThreadMessage.author_id))
            .where(col(ThreadMessage.thread_id) == thread_id)
            .order_by(col(ThreadMessage.at), col(ThreadMessage.id))
        ).all()
    )
