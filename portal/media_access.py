"""Who may open which stored media file (a report's photo or voice note, a voice note of a wish,
proposal or task proof): the rule behind the portal's own media route, without Streamlit.

A report's media: its uploader, and whoever may read the report (portal.reports.visibility).
A voice note: whoever voice_notes.notes_for lets play it (its author and those who handle the item).
Anything else, and everything for a visitor without a valid login: nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from db.models import User
from db.models_reports import ReportMedia
from db.models_voice_notes import VoiceNote
from portal import voice_notes
from portal.grids import GridIndex
from portal.reports.visibility import may_read

KINDS = ("report", "voice")  # report = report_media (photos and voice notes), voice = voice_note


@dataclass(frozen=True)
class MediaFile:
    path: str
    content_type: str
    sha256: str | None  # checked when read (voice notes)


def allowed_file(
    session: Session, index: GridIndex, user: User | None, kind: str, media_id: int
) -> MediaFile | None:
    """The file this user may open, or None (no such file, or not theirs to see: one answer)."""
    if user is None or not user.is_active:
        return None
    if kind == "report":
        row = session.get(ReportMedia, media_id)
        if row is None or row.report_id is None:
            return None
        if row.uploader_id != user.id and not may_read(session, index, user, row.report_id):
            return None
        return MediaFile(row.path, row.content_type, None)
    if kind == "voice":
        note = session.get(VoiceNote, media_id)
        if note is None or note.subject_id is None:
            return None
        playable = voice_notes.notes_for(
            session, kind=note.subject_kind, subject_ids=[note.subject_id], viewer_id=user.id
        ).get(note.subject_id, [])
        if note.id not in {view.note.id for view in playable}:
            return None
        return MediaFile(note.path, note.mime, note.sha256)
    return None


def media_path(kind: str, media_id: int, thumb: bool = False) -> str:
    """The URL path of the portal's media route for one file (see portal.web.media_routes)."""
    return f"/files/{kind}/{media_id}" + ("?thumb=1" if thumb else "")
