"""Photos and PDF documents on agenda items and on residents' proposals.

Files are checked by content, never by name: a photo goes through portal.media.check_photo (EXIF
stripped, size and pixel caps), a document must be a whole PDF (starts with %PDF-, ends with
%%EOF) under the size cap. The name offered on download is rebuilt from safe characters. Staff
attach to agenda items until voting closes; a resident attaches to their own proposal while it
waits for screening and proposals are open; an accepted proposal's files show on its item.
Removing keeps the row (who and when).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from db.models_council import CouncilItem, CouncilProposal
from db.models_council_extras import CouncilAttachment
from db.types import row_id, rowcount, utcnow
from portal.auth import active_user
from portal.council.common import NOT_FOUND, _commit, _event, _manager, _meeting, council_grid
from portal.council.proposing import _proposals_open
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_
from portal.media import MediaStore, Photo, check_photo
from portal.permissions import On, can
from portal.text import clean_text

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_PER_PLACE = 8  # files on one item or one proposal
CAPTION_MAX = 200
NAME_STEM_MAX = 80
ITEM_OPEN_STATES = ("draft", "published", "voting_open")


@dataclass(frozen=True)
class Document:
    data: bytes
    file_name: str
    sha256: str


def safe_file_name(name: str | None, suffix: str = ".pdf") -> str:
    """A download name without paths, control or markup characters: letters (any script), digits,
    spaces, dots, dashes, underscores and brackets; always ending in the suffix."""
    base = unicodedata.normalize("NFC", clean_text(name)).replace("\\", "/").split("/")[-1]
    stem = base[: -len(suffix)] if base.lower().endswith(suffix) else base
    stem = re.sub(r"[^\w .()\-（）]", "_", stem, flags=re.UNICODE)
    stem = re.sub(r"\s+", " ", stem).strip(" ._")[:NAME_STEM_MAX].strip(" ._")
    return (stem or "document") + suffix


def check_document(data: bytes | None, name: str | None = None) -> Document:
    """A PDF checked by its content. Raises UserError (field 'attachment')."""
    if not data:
        raise UserError(N_("The file is empty."), field="attachment")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UserError(
            N_("The document is too large (at most {mb} MB)."),
            field="attachment",
            mb=MAX_DOCUMENT_BYTES // (1024 * 1024),
        )
    if not data.startswith(b"%PDF-"):
        if (name or "").lower().endswith(".pdf"):
            raise UserError(
                N_("This file is not a PDF document, although its name ends in .pdf."),
                field="attachment",
            )
        raise UserError(
            N_("Please send a PDF document or a photo (JPEG, PNG or WebP)."), field="attachment"
        )
    if b"%%EOF" not in data[-2048:]:
        raise UserError(
            N_("This PDF document is cut off or damaged. Please save it again and send it."),
            field="attachment",
        )
    return Document(data, safe_file_name(name), hashlib.sha256(data).hexdigest())


def check_upload(data: bytes | None, name: str | None = None) -> Photo | Document:
    """A PDF (by its first bytes) or else a photo; every refusal on the field 'attachment'."""
    if data and data.startswith(b"%PDF-") or (name or "").lower().endswith(".pdf"):
        return check_document(data, name)
    try:
        return check_photo(data)
    except UserError as exc:
        raise UserError(exc.message.msgid, field="attachment", **exc.message.params) from None


def _caption(upload: Photo | Document, caption: str) -> str:
    caption = clean_text(caption)
    if isinstance(upload, Photo) and not caption:
        raise FieldErrors(
            {
                "caption": Message(
                    N_(
                        "Please describe the photo in a few words (read out to people who cannot see it)."
                    )
                )
            }
        )
    if len(caption) > CAPTION_MAX:
        raise FieldErrors(
            {
                "caption": Message(
                    N_("Use at most {n} characters (now {count})."),
                    {"n": CAPTION_MAX, "count": len(caption)},
                )
            }
        )
    if isinstance(upload, Photo):
        return caption  # never empty (asked for above)
    return caption or upload.file_name[: -len(".pdf")]


def _may_attach(
    session: Session, actor_id: int, item_id: int | None, proposal_id: int | None, now: datetime
) -> None:
    """Staff to an item until voting closes; the author to a proposal waiting for screening."""
    actor = active_user(session, actor_id)
    if item_id is not None:
        _manager(session, actor_id, council_grid(session, item_id=item_id))
        item = session.get(CouncilItem, item_id)
        if item is None:
            raise UserError(NOT_FOUND)
        if _meeting(session, item.meeting_id, lock=True).status not in ITEM_OPEN_STATES:
            session.rollback()
            raise UserError(N_("Voting on this item is closed: its files cannot change any more."))
        return
    proposal = session.get(CouncilProposal, proposal_id) if proposal_id else None
    if proposal is None:
        raise UserError(NOT_FOUND)
    if not can(actor, "council.attach", On(own=proposal.author_id == actor.id)):
        raise UserError(
            N_("Only the proposer or the community office can add files to a proposal.")
        )
    if proposal.status != "submitted":
        raise UserError(N_("This proposal has been screened: its files cannot change any more."))
    if not can(actor, "council.manage"):
        _proposals_open(_meeting(session, proposal.meeting_id), now)


def attach(
    session: Session,
    store: MediaStore,
    *,
    actor_id: int,
    upload: Photo | Document,
    caption: str = "",
    item_id: int | None = None,
    proposal_id: int | None = None,
    now: datetime | None = None,
) -> CouncilAttachment:
    """Stores a checked photo or document on an agenda item or a proposal (exactly one of them)."""
    now = now or utcnow()
    if (item_id is None) == (proposal_id is None):
        raise UserError(NOT_FOUND)
    caption = _caption(upload, caption)
    _may_attach(session, actor_id, item_id, proposal_id, now)
    where = (
        (CouncilAttachment.item_id == item_id)
        if item_id is not None
        else (CouncilAttachment.proposal_id == proposal_id)
    )
    held = session.exec(
        select(func.count())
        .select_from(CouncilAttachment)
        .where(where, col(CouncilAttachment.removed_at).is_(None))
    ).one()
    if held >= MAX_PER_PLACE:
        session.rollback()
        raise UserError(
            N_("There are already {n} files here. Remove one first."),
            field="attachment",
            n=MAX_PER_PLACE,
        )
    row = _stored(store, upload, caption, actor_id)
    row.item_id, row.proposal_id, row.created_at = item_id, proposal_id, now
    session.add(row)
    session.flush()
    council_id, meeting_id = _place(session, item_id, proposal_id)
    _event(
        session,
        council_id,
        "file_attached",
        actor_id,
        now,
        meeting_id=meeting_id,
        item_id=item_id,
        proposal_id=proposal_id,
        to_state=row.kind,
        note=row.file_name,
    )
    _commit(session)
    return session.get_one(CouncilAttachment, row.id)


def _stored(
    store: MediaStore, upload: Photo | Document, caption: str, actor_id: int
) -> CouncilAttachment:
    if isinstance(upload, Photo):
        path, thumb = store.save_photo(upload)
        return CouncilAttachment(
            kind="photo",
            path=path,
            thumb_path=thumb,
            caption=caption,
            file_name=f"photo-{upload.sha256[:12]}.jpg",
            content_type="image/jpeg",
            size_bytes=len(upload.data),
            sha256=upload.sha256,
            uploaded_by=actor_id,
        )
    path = store.save_document(upload.data, upload.sha256)
    return CouncilAttachment(
        kind="document",
        path=path,
        caption=caption,
        file_name=upload.file_name,
        content_type="application/pdf",
        size_bytes=len(upload.data),
        sha256=upload.sha256,
        uploaded_by=actor_id,
    )


def _place(session: Session, item_id: int | None, proposal_id: int | None) -> tuple[int, int]:
    meeting_id = (
        session.get_one(CouncilItem, item_id).meeting_id
        if item_id is not None
        else session.get_one(CouncilProposal, proposal_id).meeting_id
    )
    return _meeting(session, meeting_id).council_id, meeting_id


def remove(
    session: Session, *, attachment_id: int, actor_id: int, now: datetime | None = None
) -> None:
    """Takes a file off (staff; or the proposer while the proposal waits for screening)."""
    now = now or utcnow()
    row = session.get(CouncilAttachment, attachment_id) if attachment_id else None
    if row is None:
        raise UserError(NOT_FOUND)
    _may_attach(
        session, actor_id, row.item_id, row.proposal_id if row.item_id is None else None, now
    )
    result = session.execute(
        update(CouncilAttachment)
        .where(
            col(CouncilAttachment.id) == attachment_id, col(CouncilAttachment.removed_at).is_(None)
        )
        .values(removed_at=now, removed_by=actor_id)
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) != 1:
        session.rollback()
        raise UserError(N_("This file has already been removed."))
    council_id, meeting_id = _place(session, row.item_id, row.proposal_id)
    _event(
        session,
        council_id,
        "file_removed",
        actor_id,
        now,
        meeting_id=meeting_id,
        item_id=row.item_id,
        proposal_id=row.proposal_id,
        from_state=row.kind,
        note=row.file_name,
    )
    _commit(session)


def for_items(session: Session, items: list[CouncilItem]) -> dict[int, list[CouncilAttachment]]:
    """Each item's files: its own and those of the proposal it came from, oldest first."""
    from_proposal = {i.source_id: i.id for i in items if i.source == "proposal" and i.source_id}
    rows = session.exec(
        select(CouncilAttachment)
        .where(
            col(CouncilAttachment.removed_at).is_(None),
            or_(
                col(CouncilAttachment.item_id).in_([i.id for i in items] or [-1]),
                col(CouncilAttachment.proposal_id).in_(list(from_proposal) or [-1]),
            ),
        )
        .order_by(col(CouncilAttachment.created_at), col(CouncilAttachment.id))
    ).all()
    found: dict[int, list[CouncilAttachment]] = {row_id(i): [] for i in items}
    for row in rows:
        item_id = row.item_id
        if item_id is None and row.proposal_id is not None:
            item_id = from_proposal.get(row.proposal_id)
        if item_id in found:
            found[item_id].append(row)
    return found


def for_proposals(session: Session, proposal_ids: list[int]) -> dict[int, list[CouncilAttachment]]:
    rows = session.exec(
        select(CouncilAttachment)
        .where(
            col(CouncilAttachment.removed_at).is_(None),
            col(CouncilAttachment.item_id).is_(None),
            col(CouncilAttachment.proposal_id).in_(list(proposal_ids) or [-1]),
        )
        .order_by(col(CouncilAttachment.created_at), col(CouncilAttachment.id))
    ).all()
    found: dict[int, list[CouncilAttachment]] = {pid: [] for pid in proposal_ids}
    for row in rows:
        if row.proposal_id is not None:  # the query asks for proposal files only
            found.setdefault(row.proposal_id, []).append(row)
    return found
