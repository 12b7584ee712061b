"""Translations of what people wrote: a wish, a report's description, a council proposal.

The original keeps its own language tag and is always shown; the author of the item or community
staff may add a translation into another of the portal's languages. Rows are never overwritten: a
newer translation into the same language supersedes the older one for readers.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from db.models import User
from db.models_council import CouncilProposal
from db.models_reports import Report
from db.models_translations import TRANSLATED_KINDS, ContentTranslation
from db.models_wishes import Wish
from db.types import utcnow
from portal.areas import area_of
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import LANGUAGE_CODES, N_
from portal.permissions import OUTSIDE_AREA, On, can

TITLE_MAX = 80
BODY_MAX = 2000

NOT_FOUND = N_("This item could not be found. It may have been removed.")
NOT_ALLOWED = N_("Only the author or community staff can add a translation.")
NO_LANGUAGE = N_("Choose the language of the translation.")
SAME_LANGUAGE = N_("The original is already in this language. Choose another language.")
NO_TITLE = N_("Please translate the title too.")
TITLE_LONG = N_("The title is too long: at most {n} characters (now {count}).")
NO_BODY = N_("Please write the translation.")
BODY_LONG = N_("The translation is too long: at most {n} characters (now {count}).")


@dataclass(frozen=True)
class Original:
    kind: str
    item_id: int
    language: str
    author_ids: tuple[int, ...]
    has_title: bool


@dataclass(frozen=True)
class TranslationView:
    language: str
    title: str | None
    body: str
    translator_name: str
    translator_is_author: bool
    at: datetime


def original(session: Session, kind: str, item_id: int) -> Original:
    """The item's own language and authors, or UserError if there is no such item."""
    row = _item(session, kind, item_id)
    if row is None:
        raise UserError(NOT_FOUND)
    if isinstance(row, Report):
        authors = tuple(a for a in (row.reporter_id, row.on_behalf_of_id) if a)
        return Original(kind, item_id, row.language, authors, has_title=False)
    return Original(kind, item_id, row.language, (row.author_id,), has_title=True)


def _item(session: Session, kind: str, item_id: int):
    table = {"wish": Wish, "report": Report, "proposal": CouncilProposal}.get(kind)
    if table is None or not isinstance(item_id, int):
        return None
    return session.get(table, item_id)


def _grid_of(session: Session, kind: str, item_id: int) -> int | None:
    """The grid the item belongs to: a wish's or report's own, a proposal's council's."""
    if kind == "proposal":
        from portal.council.common import council_grid

        return council_grid(session, proposal_id=item_id)
    row = _item(session, kind, item_id)
    return row.grid_id if row is not None else None


def _decision(session: Session, user_id: int | None, kind: str, item_id: int):
    user = session.get(User, user_id) if user_id else None
    if user is None or not user.is_active:
        return None
    try:
        source = original(session, kind, item_id)
    except UserError:
        return None
    outside = not area_of(session, user).covers(_grid_of(session, kind, item_id))
    return can(user, "content.translate", On(own=user.id in source.author_ids, outside=outside))


def may_translate(session: Session, user_id: int | None, kind: str, item_id: int) -> bool:
    """The author or staff, of the item's own community (portal.areas)."""
    return bool(_decision(session, user_id, kind, item_id))


def _clean(text: object) -> str:
    """Trimmed text without control characters (line breaks and tabs kept)."""
    raw = str(text or "").replace("\r\n", "\n")
    return "".join(
        ch
        for ch in raw
        if ch in "\n\t" or unicodedata.category(ch)[0] != "C" or ch in "\u200c\u200d\u200e\u200f"
    ).strip()


def _check(source: Original, language: str, title: str, body: str) -> None:
    errors: dict[str, Message] = {}
    if language not in LANGUAGE_CODES:
        errors["language"] = Message(NO_LANGUAGE)
    elif language == source.language:
        errors["language"] = Message(SAME_LANGUAGE)
    if source.has_title and not title:
        errors["title"] = Message(NO_TITLE)
    elif len(title) > TITLE_MAX:
        errors["title"] = Message(TITLE_LONG, {"n": TITLE_MAX, "count": len(title)})
    if not body:
        errors["body"] = Message(NO_BODY)
    elif len(body) > BODY_MAX:
        errors["body"] = Message(BODY_LONG, {"n": BODY_MAX, "count": len(body)})
    if errors:
        raise FieldErrors(errors)


def add(
    session: Session,
    *,
    kind: str,
    item_id: int,
    language: str,
    body: str,
    translator_id: int,
    title: str = "",
    now: datetime | None = None,
) -> ContentTranslation:
    """Saves a translation by the author or staff; the same text sent twice is saved once."""
    source = original(session, kind, item_id)
    decision = _decision(session, translator_id, kind, item_id)
    if not decision:
        refused = decision.reason if decision is not None else ""
        raise UserError(OUTSIDE_AREA if refused == OUTSIDE_AREA else NOT_ALLOWED)
    title, body = _clean(title), _clean(body)
    _check(source, language, title, body)
    current = _latest_row(session, kind, item_id, language)
    if current is not None and current.body == body and (current.title or "") == title:
        return current
    row = ContentTranslation(
        kind=kind,
        item_id=item_id,
        language=language,
        title=title if source.has_title else None,
        body=body,
        translator_id=translator_id,
        created_at=now or utcnow(),
    )
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def _latest_row(
    session: Session, kind: str, item_id: int, language: str
) -> ContentTranslation | None:
    return session.exec(
        select(ContentTranslation)
        .where(
            col(ContentTranslation.kind) == kind,
            col(ContentTranslation.item_id) == item_id,
            col(ContentTranslation.language) == language,
        )
        .order_by(col(ContentTranslation.created_at).desc(), col(ContentTranslation.id).desc())
    ).first()


def latest(session: Session, kind: str, item_id: int, language: str) -> TranslationView | None:
    """The newest translation of the item into this language, with who wrote it; None if none."""
    if kind not in TRANSLATED_KINDS:
        return None
    row = _latest_row(session, kind, item_id, language)
    if row is None:
        return None
    translator = session.get(User, row.translator_id)
    source = original(session, kind, item_id)
    return TranslationView(
        language=row.language,
        title=row.title,
        body=row.body,
        translator_name=translator.display_name if translator else "",
        translator_is_author=row.translator_id in source.author_ids,
        at=row.created_at,
    )


def languages(session: Session, kind: str, item_id: int) -> list[str]:
    """The languages this item has a translation in, in the portal's order."""
    found = set(
        session.exec(
            select(col(ContentTranslation.language)).where(
                col(ContentTranslation.kind) == kind, col(ContentTranslation.item_id) == item_id
            )
        ).all()
    )
    return [code for code in LANGUAGE_CODES if code in found]
