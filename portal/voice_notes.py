"""Voice notes instead of typing: on a wish, a council proposal or a points task's proof.

A page checks the recording (`check_voice`), then wraps the item's own service call in
`with_voice_note`: the note is reserved first (the database refuses the same recording twice from one
person for one kind of item, so a second click sends nothing twice), the item is saved by its own
service (text may then be empty: a short line "Recorded as a voice note (1:05)" in the item's
language stands in for it), and the note is attached to it. If the item is refused, the reservation
is dropped and the person can send again.

Who may play a note: the person who recorded it, and the people who handle the item (wish
moderators and the wish's adopter; the community office for proposals; whoever may check the task's
proof). Other residents never get the recording: a voice is personal.
"""

from __future__ import annotations

import hashlib
import struct
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy import delete, func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models import User
from db.models_points import PointsTask, TaskClaim
from db.models_voice_notes import SUBJECT_KINDS, VoiceNote
from db.models_wishes import Wish
from db.types import HasId, row_id, utcnow
from portal import media, recognition, wishes
from portal.errors import FieldErrors, Message, UserError
from portal.i18n import N_, translate
from portal.media import Audio, MediaStore
from portal.permissions import On, can
from portal.points.tasks import _may_verify

FIELD = "voice"
SILENCE_PEAK = 32  # of 32767: about −60 dBFS; a recording quieter than this has nothing in it

ALREADY_SENT = N_("This voice note was already sent. To send something new, please record again.")
HEARD_NOTHING = N_(
    "We could not hear anything in this voice note. Please record it again, closer to the microphone."
)
OTHER_FORMAT = N_(
    "This is a {kind} sound file, which cannot be used here yet. Please record the voice note with the microphone button, or send a WAV, MP3, M4A or Ogg file."
)
NOT_AUDIO = N_(
    "This file is not a voice recording. Please record the voice note with the microphone button."
)
WRITE_OR_RECORD = N_("Please write a few words or record a voice note.")
PHOTO_WRITE_OR_RECORD = N_("Please add a photo, write a short note or record a voice note.")
SPOKEN = N_("Recorded as a voice note ({length}).")
TITLES = {
    "wish": N_("A wish by voice note"),
    "proposal": N_("A proposal by voice note"),
}

# sound formats people send that cannot be measured or played everywhere (WAV, MP3, Ogg and M4A can)
_OTHER_AUDIO = (
    (b"fLaC", "FLAC"),
    (b"\x1aE\xdf\xa3", "WebM"),
    (b"#!AMR", "AMR"),
    (b"#!SILK", "SILK"),
    (b"\x02#!SILK", "SILK"),
)

Subject = TypeVar("Subject", bound=HasId)


# --- checking a recording ----------------------------------------------------------------------


def _other_format(data: bytes) -> str | None:
    """The name of a known sound format we cannot use that the bytes start with, else None."""
    for magic, kind in _OTHER_AUDIO:
        if data.startswith(magic):
            return kind
    return None


def _pcm16_samples(data: bytes) -> array | None:
    """The samples of a 16-bit PCM WAV (little-endian), else None (other encodings are not probed)."""
    pos, pcm16 = 12, False
    while pos + 8 <= len(data):
        chunk, length = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"fmt " and length >= 16:
            fmt, _ch, _rate, _bps, _align, bits = struct.unpack("<HHIIHH", data[pos + 8 : pos + 24])
            pcm16 = fmt == 1 and bits == 16
        elif chunk == b"data":
            if not pcm16:
                return None
            body = data[pos + 8 : pos + 8 + length]
            samples = array("h")
            samples.frombytes(body[: len(body) - len(body) % 2])
            return samples
        pos += 8 + length + (length & 1)
    return None


def is_silent(data: bytes) -> bool:
    """True when a 16-bit PCM recording never rises above the noise floor."""
    samples = _pcm16_samples(data)
    if not samples:
        return False
    return max(max(samples), -min(samples)) < SILENCE_PEAK


def check_voice(data: bytes | None) -> Audio:
    """A checked voice note, or UserError (field 'voice'): empty, too long, corrupt, silent, a sound
    format that cannot be used, not audio at all."""
    if data and not data.startswith(b"RIFF") and media.audio_length(data) is None:
        kind = _other_format(data)
        if kind is not None:
            raise UserError(OTHER_FORMAT, field=FIELD, kind=kind)
        raise UserError(NOT_AUDIO, field=FIELD)
    audio = media.check_audio(data)  # empty, too large, too long, unreadable header
    if is_silent(audio.data):
        raise UserError(HEARD_NOTHING, field=FIELD)
    return audio


def length_label(seconds: float) -> str:
    """65.2 → "1:05" (minutes:seconds, the same in every language)."""
    whole = max(int(round(seconds)), 1)
    return f"{whole // 60}:{whole % 60:02d}"


def text_or_spoken(text: str | None, audio: Audio | None, language: str) -> str:
    """What the person typed; with a voice note and nothing typed, a line saying it was spoken."""
    typed = (text or "").strip()
    if typed or audio is None:
        return typed
    return translate(language, SPOKEN, length=length_label(audio.seconds or 0))


def title_or_spoken(text: str | None, audio: Audio | None, language: str, kind: str) -> str:
    typed = (text or "").strip()
    if typed or audio is None:
        return typed
    return translate(language, TITLES[kind])


# --- reserving and attaching -------------------------------------------------------------------


def reserve(
    session: Session,
    store: MediaStore,
    *,
    kind: str,
    audio: Audio,
    created_by: int,
    language: str,
    now: datetime | None = None,
) -> VoiceNote:
    """Stores the recording and reserves its row (not yet tied to an item). Raises UserError when
    this person already sent this very recording for this kind of item."""
    if kind not in SUBJECT_KINDS:
        raise ValueError(f"unknown voice note subject {kind!r}")
    heard = recognition.transcribe(audio.data, language)
    note = VoiceNote(
        subject_kind=kind,
        path=store.save_audio(audio),
        mime=audio.content_type,
        size=len(audio.data),
        seconds=audio.seconds or 0.1,
        sha256=audio.sha256,
        language=language,
        created_by=created_by,
        created_at=now or utcnow(),
        transcript=heard.text,
        transcript_engine=heard.engine if heard.text else None,
    )
    session.add(note)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(ALREADY_SENT, field=FIELD) from None
    session.refresh(note)
    return note


def attach(session: Session, note_id: int, subject_id: int) -> None:
    session.execute(
        update(VoiceNote)
        .where(col(VoiceNote.id) == note_id, col(VoiceNote.subject_id).is_(None))
        .values(subject_id=subject_id)
    )
    session.commit()


def release(session: Session, note_id: int) -> None:
    """Drops a reservation whose item was refused (the file stays: it is named by its content)."""
    session.rollback()
    session.execute(
        delete(VoiceNote).where(col(VoiceNote.id) == note_id, col(VoiceNote.subject_id).is_(None))
    )
    session.commit()


def with_voice_note(
    session: Session,
    store: MediaStore,
    *,
    kind: str,
    audio: Audio | None,
    created_by: int,
    language: str,
    create: Callable[[], Subject],
    typed: str = "",
    text_field: str = "body",
    empty_message: str = WRITE_OR_RECORD,
) -> Subject:
    """Runs `create` (the item's own service call, which commits and returns the item with an id)
    with the voice note reserved before and attached after. Without a voice note and without text,
    the item's "please write" message becomes "please write or record"."""
    if audio is None:
        try:
            return create()
        except FieldErrors as exc:
            if text_field in exc.errors and not (typed or "").strip():
                exc.errors[text_field] = Message(empty_message)
            raise
    note = reserve(session, store, kind=kind, audio=audio, created_by=created_by, language=language)
    try:
        subject = create()
    except BaseException:
        release(session, row_id(note))
        raise
    attach(session, row_id(note), row_id(subject))
    return subject


# --- who may play, and what they get -----------------------------------------------------------


@dataclass(frozen=True)
class NoteView:
    note: VoiceNote
    author_name: str


def _handles(session: Session, viewer: User, kind: str, subject_id: int) -> bool:
    """Does this person handle the item (so may play its voice notes)?"""
    if kind == "wish":
        wish = session.get(Wish, subject_id)
        return wish is not None and bool(
            can(viewer, "voice_note.hear_wish", On(named=wish.adopter_id == viewer.id))
        )
    if kind == "proposal":
        return bool(can(viewer, "voice_note.hear_council"))
    claim = session.get(TaskClaim, subject_id)
    task = session.get(PointsTask, claim.task_id) if claim else None
    # points decides who may check a task's proof; the same people may hear it
    return task is not None and _may_verify(session, viewer, task, session.get(User, claim.user_id))


def notes_for(
    session: Session, *, kind: str, subject_ids: list[int], viewer_id: int | None
) -> dict[int, list[NoteView]]:
    """Voice notes of these items that this person may play, oldest first, by item id."""
    viewer = session.get(User, viewer_id) if viewer_id else None
    if viewer is None or not viewer.is_active or not subject_ids:
        return {}
    rows = session.exec(
        select(VoiceNote, User)
        .join(User, col(User.id) == col(VoiceNote.created_by))
        .where(col(VoiceNote.subject_kind) == kind, col(VoiceNote.subject_id).in_(subject_ids))
        .order_by(col(VoiceNote.created_at), col(VoiceNote.id))
    ).all()
    found: dict[int, list[NoteView]] = {}
    allowed: dict[int, bool] = {}
    for note, author in rows:
        sid = note.subject_id
        if sid is None:  # reserved, not yet attached to its item (the query asks for ids anyway)
            continue
        if note.created_by != viewer.id:
            if sid not in allowed:
                allowed[sid] = _handles(session, viewer, kind, sid)
            if not allowed[sid]:
                continue
        found.setdefault(sid, []).append(NoteView(note, author.display_name))
    return found


def read(store: MediaStore, note: VoiceNote) -> bytes | None:
    """The recording's bytes (None when the file is gone), checked against its hash."""
    data = store.read(note.path)
    if data is None or hashlib.sha256(data).hexdigest() != note.sha256:
        return None
    return data


def recent_voice_wishes(
    session: Session, *, viewer_id: int | None, limit: int = 20
) -> list[tuple[Wish, list[NoteView]]]:
    """Wishes still on the wall that came with a voice note, newest first, with the notes this
    person may play (moderators: all of them). For the moderation page, so none goes unheard."""
    wish_ids = session.exec(
        select(col(VoiceNote.subject_id))
        .join(Wish, col(Wish.id) == col(VoiceNote.subject_id))
        .where(col(VoiceNote.subject_kind) == "wish", col(Wish.state).in_(wishes.ACTIVE_STATES))
        .group_by(col(VoiceNote.subject_id))
        .order_by(func.max(col(VoiceNote.created_at)).desc())
        .limit(limit)
    ).all()
    subject_ids = [wish_id for wish_id in wish_ids if wish_id is not None]
    playable = notes_for(session, kind="wish", subject_ids=subject_ids, viewer_id=viewer_id)
    found = {
        w.id: w for w in session.exec(select(Wish).where(col(Wish.id).in_(list(playable) or [-1])))
    }
    return [(found[wid], playable[wid]) for wid in wish_ids if wid in playable]
