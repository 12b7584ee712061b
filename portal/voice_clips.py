"""Recorded clips: people record the fixed phrases of the interface in Tibetan and Yi (no speech
engine speaks them), and read-aloud plays those clips.

The read-aloud chain lives here too: engine (portal.speech) → recorded clips → nothing (the page then
says so and offers the Chinese reading). A reading names the phrases (message ids) that make up its
text, so clips can stand in for the engine phrase by phrase.
"""

from __future__ import annotations

import functools
import hashlib
import io
import wave
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from db.models_voice import CLIP_LANGUAGES, CLIP_SOURCES, CLIP_TYPES, SpeechPreference, VoiceClip
from db.types import row_id, rowcount, utcnow
from portal import auth, speech
from portal.auth import active_user
from portal.errors import UserError
from portal.i18n import DEFAULT_LANGUAGE, N_, translate
from portal.media import AUDIO_SUFFIXES, MAX_AUDIO_BYTES, Audio, MediaStore, audio_length
from portal.permissions import On, can

# Who records and who may change a clip: permissions (voice_clip.record, voice_clip.change).
MAX_CLIP_SECONDS = 60  # one phrase; well under the media cap of a voice note
PAUSE_SECONDS = 0.3  # silence between joined phrases

# --- the phrases ------------------------------------------------------------------------------

BUTTON_PHRASES = (
    N_("Read aloud"),
    N_("Read it in Chinese"),
    N_("Log in"),
    N_("Log out"),
    N_("Claim this task"),
    N_("Send my rating"),
    N_("Back to the wish wall"),
)
RESULT_DONE = N_("Done.")
RESULT_REPORT_SENT = N_("Your report was sent.")
RESULT_PHRASES = (RESULT_REPORT_SENT, RESULT_DONE)
SOURCE_LABELS = {
    "recorded": N_("Recorded by a person"),
    "machine": N_("Machine-made (approximate rule-based voice)"),
}
GROUPS = {
    "pages": N_("Page titles and what each page is for"),
    "buttons": N_("Buttons"),
    "status": N_("Status words"),
    "results": N_("Results of actions"),
}


@dataclass(frozen=True)
class Phrase:
    msgid: str
    group: str


def _status_words() -> list[str]:
    from portal import council, points, reports, wishes

    words: list[str] = []
    for labels in (
        reports.STATE_LABELS,
        wishes.STATE_LABELS,
        council.PROPOSAL_LABELS,
        council.OUTCOME_LABELS,
        council.CHOICE_LABELS,
        points.CLAIM_STATUS_LABELS,
    ):
        words.extend(labels.values())
    return words


def phrases() -> list[Phrase]:
    """Every fixed phrase that can be recorded, grouped, each once, in a stable order."""
    found: dict[str, Phrase] = {}
    groups = (
        ("pages", [m for page in auth.PAGES for m in (page.title, page.hint) if m]),
        ("buttons", list(BUTTON_PHRASES)),
        ("status", _status_words()),
        ("results", list(RESULT_PHRASES)),
    )
    for group, msgids in groups:
        for msgid in msgids:
            found.setdefault(msgid, Phrase(msgid, group))
    return list(found.values())


def is_phrase(msgid: str) -> bool:
    return any(p.msgid == msgid for p in phrases())


FIRST_PAGES = ("home", "report_new")  # what most readers open first: recorded before the rest


def first_phrases() -> tuple[str, ...]:
    """The phrases of the resident home page (its purpose, each tile's title and hint, the read
    buttons) and of snap-a-report (its purpose and the result of sending), in reading order."""
    home = [p for p in auth.pages_for(auth.RESIDENT) if p.tile]
    found: list[str] = []
    for page in (auth.PAGE_BY_KEY["home"], *home, auth.PAGE_BY_KEY["report_new"]):
        found += [m for m in (page.title, page.hint) if m]
    found += [BUTTON_PHRASES[0], BUTTON_PHRASES[1], RESULT_REPORT_SENT]
    return tuple(dict.fromkeys(m for m in found if is_phrase(m)))


@functools.cache
def _pages_using() -> dict[str, int]:
    """msgid → how many page files use it (pages/… places found by the catalog extractor), plus
    one for a page's own title and hint (they show on that page and in every menu)."""
    from portal import catalogs

    counts = {
        msgid: len({p.split(":")[0] for p in places if p.startswith("pages/")})
        for msgid, places in catalogs.extract().items()
    }
    for page in auth.PAGES:
        for msgid in (page.title, page.hint):
            if msgid:
                counts[msgid] = counts.get(msgid, 0) + 1
    return counts


def by_use(listed: list[Phrase]) -> list[Phrase]:
    """Most used first: the phrases of home and snap-a-report in reading order, then by the
    number of pages using the phrase (more first), then in the list's own order."""
    first = {m: n for n, m in enumerate(first_phrases())}
    uses = _pages_using()
    order = {p.msgid: n for n, p in enumerate(listed)}
    return sorted(
        listed,
        key=lambda p: (
            first.get(p.msgid, len(first)),
            -uses.get(p.msgid, 0),
            order[p.msgid],
        ),
    )


def next_missing(language_clips: dict, listed: list[Phrase], after: str) -> str | None:
    """The next phrase without a clip in most-used order (after `after`, wrapping round)."""
    ranked = [p.msgid for p in by_use(listed)]
    start = ranked.index(after) + 1 if after in ranked else 0
    for msgid in ranked[start:] + ranked[:start]:
        if msgid not in language_clips and msgid != after:
            return msgid
    return None


# --- checking and storing a recording ---------------------------------------------------------


def check_clip(data: bytes | None) -> Audio:
    """A recording of one phrase: WAV (the browser's recorder), MP3, Ogg or M4A. Raises UserError
    (field 'clip') when it is empty, too long, or not audio that can be played."""
    if not data:
        raise UserError(N_("The recording is empty."), field="clip")
    found = (
        audio_length(data) if len(data) <= MAX_AUDIO_BYTES else ("", float(MAX_CLIP_SECONDS + 1))
    )
    if found is None or (found[0] and found[0] not in CLIP_TYPES):  # M4A: not a clip format
        raise UserError(
            N_("This file cannot be played. Please send a WAV, MP3 or OGG recording."), field="clip"
        )
    mime, seconds = found
    if seconds > MAX_CLIP_SECONDS:
        raise UserError(
            N_("The recording is too long (at most {seconds} seconds)."),
            field="clip",
            seconds=MAX_CLIP_SECONDS,
        )
    if seconds < 0.3:
        raise UserError(N_("The recording is empty."), field="clip")
    return Audio(data, mime, round(seconds, 1), hashlib.sha256(data).hexdigest())


def save_clip(store: MediaStore, audio: Audio) -> str:
    """Clips beside the other media, named by content hash, with the suffix of their format."""
    h = audio.sha256
    return store.put_new(f"clips/{h[:2]}/{h}{AUDIO_SUFFIXES[audio.content_type]}", audio.data)


# --- recording, replacing, removing -----------------------------------------------------------


def current_clip(session: Session, language: str, msgid: str) -> VoiceClip | None:
    return session.exec(
        select(VoiceClip).where(
            col(VoiceClip.language) == language,
            col(VoiceClip.msgid) == msgid,
            col(VoiceClip.removed_at).is_(None),
        )
    ).first()


def current_clips(session: Session, language: str) -> dict[str, VoiceClip]:
    rows = session.exec(
        select(VoiceClip).where(
            col(VoiceClip.language) == language, col(VoiceClip.removed_at).is_(None)
        )
    )
    return {clip.msgid: clip for clip in rows}


def _recorder(session: Session, user_id: int):
    user = active_user(session, user_id)
    if not can(user, "voice_clip.record"):
        raise UserError(N_("Only community staff and grid workers can record phrases."))
    return user


def _may_change(user, clip: VoiceClip) -> None:
    if not can(user, "voice_clip.change", On(own=clip.recorded_by == user.id)):
        raise UserError(N_("Only community staff can replace or remove someone else's recording."))


def record(
    session: Session,
    store: MediaStore,
    *,
    language: str,
    msgid: str,
    data: bytes | None,
    recorded_by: int,
    replace: bool = False,
    source: str = "recorded",
) -> VoiceClip:
    """Stores a checked recording as the current clip of the phrase. With replace, the current
    clip (if any) is stamped removed in the same transaction; without, an existing clip is kept."""
    user = _recorder(session, recorded_by)
    if language not in CLIP_LANGUAGES:
        raise UserError(N_("Recordings are kept only for Tibetan and Yi."), field="language")
    if not is_phrase(msgid):
        raise UserError(N_("Please choose a phrase from the list."), field="phrase")
    if source not in CLIP_SOURCES:
        raise ValueError(f"unknown clip source {source!r}")
    audio = check_clip(data)
    old = current_clip(session, language, msgid)
    if old is not None:
        if old.sha256 == audio.sha256:
            return old  # the same recording sent twice (a second click)
        if not replace:
            raise UserError(
                N_("This phrase is already recorded. Listen to it, then choose to replace it."),
                field="clip",
            )
        _may_change(user, old)
        _stamp_removed(session, row_id(old), row_id(user))
    path = save_clip(store, audio)
    clip = VoiceClip(
        language=language,
        msgid=msgid,
        audio_path=path,
        content_type=audio.content_type,
        seconds=audio.seconds or 0.0,
        sha256=audio.sha256,
        recorded_by=user.id,
        source=source,
    )
    session.add(clip)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(
            N_("Someone has just recorded this phrase. Listen to it first."), field="clip"
        ) from None
    forget_joined()
    return clip


def _stamp_removed(session: Session, clip_id: int, actor_id: int) -> None:
    done = session.exec(
        update(VoiceClip)
        .where(col(VoiceClip.id) == clip_id, col(VoiceClip.removed_at).is_(None))
        .values(removed_at=utcnow(), removed_by=actor_id)
    )
    if rowcount(done) != 1:
        session.rollback()
        raise UserError(
            N_("This recording has just been changed by someone else. Please look again.")
        )


def remove(session: Session, *, clip_id: int, actor_id: int) -> None:
    """Takes a bad recording out of use (the row stays, stamped with who removed it and when)."""
    user = _recorder(session, actor_id)
    clip = session.get(VoiceClip, clip_id)
    if clip is None or clip.removed_at is not None:
        raise UserError(
            N_("This recording has just been changed by someone else. Please look again.")
        )
    _may_change(user, clip)
    _stamp_removed(session, clip_id, user.id)
    session.commit()
    forget_joined()


@dataclass(frozen=True)
class Coverage:
    language: str
    recorded: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.recorded / self.total) if self.total else 0


def coverage(session: Session) -> list[Coverage]:
    known = {p.msgid for p in phrases()}
    result = []
    for language in CLIP_LANGUAGES:
        rows = session.exec(
            select(col(VoiceClip.msgid)).where(
                col(VoiceClip.language) == language, col(VoiceClip.removed_at).is_(None)
            )
        )
        result.append(Coverage(language, len(known & set(rows)), len(known)))
    return result


def clip_count(session: Session) -> int:
    return session.exec(
        select(func.count()).select_from(VoiceClip).where(col(VoiceClip.removed_at).is_(None))
    ).one()


# --- joining clips ----------------------------------------------------------------------------

_JOINED: OrderedDict[tuple[str, ...], bytes | None] = OrderedDict()
_JOINED_MAX = 100


def forget_joined() -> None:
    _JOINED.clear()


def join_wavs(parts: list[bytes], pause: float = PAUSE_SECONDS) -> bytes | None:
    """One WAV of the parts in order with a short pause between; None unless every part is a WAV
    of the same format (then the clips are played one after another instead)."""
    frames, params = [], None
    try:
        for part in parts:
            with wave.open(io.BytesIO(part)) as reader:
                mine = reader.getparams()
                if params is not None and mine[:3] != params[:3]:
                    return None
                params = params or mine
                frames.append(reader.readframes(reader.getnframes()))
    except (wave.Error, EOFError):
        return None
    if params is None:
        return None
    silence = b"\0" * (int(params.framerate * pause) * params.sampwidth * params.nchannels)
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(params.nchannels)
        writer.setsampwidth(params.sampwidth)
        writer.setframerate(params.framerate)
        writer.writeframes(silence.join(frames))
    return out.getvalue()


# --- the read-aloud chain ---------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What to read: the text in a language, the phrases (message ids) it is made of where it is
    made of fixed phrases, and its Chinese text for the "read it in Chinese" offer."""

    text: str
    language: str
    phrases: tuple[str, ...] = ()
    chinese: str | None = None


@dataclass(frozen=True)
class Voice:
    """What read-aloud can play: audio parts in order (mime types beside), where they came from
    ("gtts", "espeak", "clips", "rule", or "" for nothing) and the phrases that have no clip."""

    parts: tuple[tuple[bytes, str], ...]
    source: str
    missing: tuple[str, ...] = ()
    approximate: bool = False  # (part of) it is the rule-based machine voice, not a speaker

    @property
    def silent(self) -> bool:
        return not self.parts


def joiner(language: str) -> str:
    return "。" if language == DEFAULT_LANGUAGE else ". "


def phrase_text(language: str, msgids: tuple[str, ...], params: dict | None = None) -> str:
    said = [translate(language, m, **(params or {})) for m in msgids if m]
    return joiner(language).join(s.rstrip("。.!！ ") for s in said if s.strip())


def phrase_reading(language: str, *msgids: str, **params: object) -> Reading:
    """A reading made of fixed phrases: clips can stand in for an engine, and Chinese is known."""
    msgids = tuple(m for m in msgids if m)
    return Reading(
        phrase_text(language, msgids, params),
        language,
        msgids,
        phrase_text(DEFAULT_LANGUAGE, msgids, params),
    )


ClipFinder = Callable[[str, tuple[str, ...]], tuple[list[tuple[bytes, str, str]], tuple[str, ...]]]


def clip_finder(session: Session, store: MediaStore) -> ClipFinder:
    """(language, phrases) → ([(audio, mime, sha256) in order], phrases without a clip)."""

    def find(language: str, msgids: tuple[str, ...]):
        if language not in CLIP_LANGUAGES or not msgids:
            return [], msgids
        clips = session.exec(
            select(VoiceClip).where(
                col(VoiceClip.language) == language,
                col(VoiceClip.msgid).in_(msgids),
                col(VoiceClip.removed_at).is_(None),
            )
        ).all()
        by_id = {clip.msgid: clip for clip in clips}
        found, missing = [], []
        for msgid in msgids:
            clip = by_id.get(msgid)
            data = store.read(clip.audio_path) if clip else None
            if data:
                found.append((data, clip.content_type, clip.sha256))
            else:
                missing.append(msgid)
        return found, tuple(missing)

    return find


def _clip_voice(found: list[tuple[bytes, str, str]], missing: tuple[str, ...]) -> Voice:
    key = tuple(sha for _data, _mime, sha in found)
    if key not in _JOINED:
        wavs = [data for data, mime, _sha in found if mime == "audio/wav"]
        _JOINED[key] = join_wavs(wavs) if len(wavs) == len(found) else None
        while len(_JOINED) > _JOINED_MAX:
            _JOINED.popitem(last=False)
    joined = _JOINED[key]
    parts = ((joined, "audio/wav"),) if joined else tuple((d, m) for d, m, _s in found)
    return Voice(parts, "clips", missing)


def _ruled(text: str, language: str, cache, timeout: float) -> bytes | None:
    said = speech.speak(text, language, cache, [speech.RULE_VOICE], timeout)
    return said.audio if said is not None else None


def _rule_voice(
    reading: Reading, found: list[tuple[bytes, str, str]], missing: tuple[str, ...], cache, timeout
) -> Voice | None:
    """The approximate rule-based voice: for the whole text when no phrase has a clip, else for
    each phrase without one, between the recorded clips (one WAV when their formats agree)."""
    if not found:
        audio = _ruled(reading.text, reading.language, cache, timeout)
        return Voice(((audio, "audio/wav"),), "rule", approximate=True) if audio else None
    clips, parts, still_missing = iter(found), [], []
    for msgid in reading.phrases:
        if msgid not in missing:
            data, mime, _sha = next(clips)
            parts.append((data, mime))
        elif audio := _ruled(
            phrase_text(reading.language, (msgid,)), reading.language, cache, timeout
        ):
            parts.append((audio, "audio/wav"))
        else:
            still_missing.append(msgid)
    joined = join_wavs([d for d, _m in parts]) if all(m == "audio/wav" for _d, m in parts) else None
    parts = [(joined, "audio/wav")] if joined else parts
    return Voice(tuple(parts), "clips", tuple(still_missing), approximate=True)


def voice_for(
    reading: Reading,
    *,
    cache: speech.SpeechCache | None = None,
    clips: ClipFinder | None = None,
    engines: list[speech.Engine] | None = None,
    timeout: float = speech.ENGINE_TIMEOUT,
    rule_voice: bool = False,
) -> Voice:
    """Engine → recorded clips → (with rule_voice) the approximate rule-based voice for Tibetan
    and Yi, for what has no clip → nothing. Never raises for a failing engine or a missing clip."""
    said = speech.speak(reading.text, reading.language, cache, engines, timeout)
    if said is not None:
        return Voice(((said.audio, said.mime),), said.engine)
    found, missing = [], reading.phrases
    if clips is not None and reading.phrases:
        found, missing = clips(reading.language, reading.phrases)
    if found and not missing:
        return _clip_voice(found, missing)
    if rule_voice and reading.language in speech.RULE_VOICE.languages:
        ruled = _rule_voice(reading, found, missing, cache, timeout)
        if ruled is not None:
            return ruled
    if found:
        return _clip_voice(found, missing)
    return Voice((), "", missing)


# --- the automatic read-aloud setting ---------------------------------------------------------


def auto_read(session: Session, user_id: int) -> bool:
    pref = session.get(SpeechPreference, user_id)
    return bool(pref and pref.auto_read)


def save_auto_read(session: Session, user_id: int, on: bool) -> None:
    """Remembers the setting for the account (one row per account, updated in place)."""
    active_user(session, user_id)
    pref = session.get(SpeechPreference, user_id)
    if pref is None:
        session.add(SpeechPreference(user_id=user_id, auto_read=on))
    else:
        pref.auto_read, pref.updated_at = on, utcnow()
    try:
        session.commit()
    except IntegrityError:  # the same account switched it in another browser at that moment
        session.rollback()
        pref = session.get(SpeechPreference, user_id)
        pref.auto_read, pref.updated_at = on, utcnow()
        session.commit()
