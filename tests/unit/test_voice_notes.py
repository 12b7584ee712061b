"""Voice notes instead of typing (wish, proposal, task proof): checked recordings, stored and attached
once, a refused item loses nothing, a second click sends nothing twice, only the author and the
item's handlers can play it; speech recognition says "unavailable" unless an engine is installed.
Runs on SQLite and PostgreSQL (demo community)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from db.engine import get_engine
from db.models import User
from db.models_council import CouncilMeeting, CouncilProposal
from db.models_voice_notes import VoiceNote
from db.models_wishes import Wish
from db.types import utcnow
from portal import council, media, points, recognition, voice_notes, wishes
from portal.errors import FieldErrors, UserError
from portal.media import LocalMediaStore, MediaStore
from tests.audio_samples import long_wav, silent_mp3, tone_wav


def _uid(session: Session, username: str) -> int:
    return session.exec(select(User.id).where(User.username == username)).one()


@pytest.fixture
def store(tmp_path) -> MediaStore:
    return LocalMediaStore(tmp_path / "media")


def _post_wish(session, store, *, author, audio, body="", title="", category="help", language="en"):
    return voice_notes.with_voice_note(
        session,
        store,
        kind="wish",
        audio=audio,
        created_by=author,
        language=language,
        typed=body,
        create=lambda: wishes.post_wish(
            session,
            author_id=author,
            category=category,
            language=language,
            title=voice_notes.title_or_spoken(title, audio, language, "wish"),
            body=voice_notes.text_or_spoken(body, audio, language),
        ),
    )


def _count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


# --- checking recordings (no database) ---------------------------------------------------------


def test_a_real_recording_is_accepted_with_its_length():
    audio = voice_notes.check_voice(tone_wav(2.5))
    assert audio.seconds == 2.5 and audio.content_type == "audio/wav"
    assert voice_notes.length_label(2.4) == "0:02" and voice_notes.length_label(0.2) == "0:01"
    assert voice_notes.length_label(65.2) == "1:05"


def test_a_20_minute_voice_note_is_refused_by_length_and_by_size():
    with pytest.raises(UserError) as by_length:
        voice_notes.check_voice(long_wav(20 * 60))
    assert by_length.value.field == "voice"
    assert (
        by_length.value.message.msgid == "The voice note is too long (at most {minutes} minutes)."
    )
    big = b"RIFF" + b"\0" * (media.MAX_AUDIO_BYTES + 1)
    with pytest.raises(UserError) as by_size:
        voice_notes.check_voice(big)
    assert by_size.value.message.msgid == by_length.value.message.msgid


@pytest.mark.parametrize(
    "data, msgid",
    [
        (b"", "The voice note is empty."),
        (None, "The voice note is empty."),
        (
            b"RIFF\x10\x00\x00\x00WAVEjunk" + b"\x00" * 40,
            "This voice note cannot be played. Please record it again.",
        ),
        (tone_wav(2.0)[:30], "This voice note cannot be played. Please record it again."),
        (tone_wav(0.1), "The voice note is empty."),
        (tone_wav(3.0, amplitude=0), voice_notes.HEARD_NOTHING),
        (b"hello, this is a text file", voice_notes.NOT_AUDIO),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, voice_notes.NOT_AUDIO),
    ],
)
def test_empty_corrupt_silent_and_non_audio_are_refused_clearly(data, msgid):
    with pytest.raises(UserError) as refused:
        voice_notes.check_voice(data)
    assert refused.value.field == "voice"
    assert refused.value.message.msgid == msgid


@pytest.mark.parametrize(
    "data, kind",
    [
        (b"fLaC" + b"\0" * 200, "FLAC"),
        (b"#!AMR\n" + b"\0" * 200, "AMR"),
        (b"\x1aE\xdf\xa3" + b"\0" * 200, "WebM"),
    ],
)
def test_other_sound_formats_are_named_in_the_refusal(data, kind):
    with pytest.raises(UserError) as refused:
        voice_notes.check_voice(data)
    assert refused.value.message.msgid == voice_notes.OTHER_FORMAT
    assert refused.value.message.params == {"kind": kind}


@pytest.mark.parametrize(
    "data",
    [
        b"ID3\x04\x00" + b"\0" * 200,
        b"OggS" + b"\0" * 200,
        b"\0\0\0\x20ftypM4A " + b"\0" * 200,
    ],
)
def test_damaged_mp3_ogg_and_m4a_files_are_refused(data):
    with pytest.raises(UserError) as refused:
        voice_notes.check_voice(data)
    assert refused.value.message.msgid == voice_notes.NOT_AUDIO


def test_an_mp3_from_a_phone_is_kept_as_mp3(tmp_path):
    audio = voice_notes.check_voice(silent_mp3(100))  # 100 × 1152 / 44100 ≈ 2.6 s
    assert audio.content_type == "audio/mpeg" and 2 < audio.seconds < 3
    path = media.LocalMediaStore(tmp_path).save_audio(audio)
    assert path.endswith(".mp3") and (tmp_path / path).read_bytes() == audio.data


def test_spoken_text_stands_in_for_typed_text_in_the_items_language():
    audio = voice_notes.check_voice(tone_wav(2.0))
    assert voice_notes.text_or_spoken("  typed  ", audio, "en") == "typed"
    assert voice_notes.text_or_spoken("", None, "en") == ""
    assert voice_notes.text_or_spoken("", audio, "en") == "Recorded as a voice note (0:02)."
    chinese = voice_notes.text_or_spoken("", audio, "zh_Hans")
    assert "0:02" in chinese and chinese != "Recorded as a voice note (0:02)."
    assert voice_notes.title_or_spoken("", audio, "en", "proposal") == "A proposal by voice note"


# --- storing and attaching ---------------------------------------------------------------------


def test_a_wish_by_voice_alone_is_posted_and_its_note_attached(demo_session, store):
    author = _uid(demo_session, "zhang_nainai")
    audio = voice_notes.check_voice(tone_wav(2.0))
    wish = _post_wish(demo_session, store, author=author, audio=audio)
    assert wish.title == "A wish by voice note" and wish.body == "Recorded as a voice note (0:02)."
    note = demo_session.exec(select(VoiceNote).where(VoiceNote.subject_id == wish.id)).one()
    assert (note.subject_kind, note.created_by, note.language) == ("wish", author, "en")
    assert note.seconds == 2.0 and note.size == len(audio.data) and note.mime == "audio/wav"
    assert voice_notes.read(store, note) == audio.data
    assert note.transcript is None  # no recogniser here


def test_a_second_click_sends_neither_the_note_nor_the_item_twice(demo_session, store):
    author = _uid(demo_session, "zhang_nainai")
    audio = voice_notes.check_voice(tone_wav(2.0))
    _post_wish(
        demo_session, store, author=author, audio=audio, title="Handrail", body="Stairwell 3"
    )
    before = _count(demo_session, Wish, Wish.author_id == author)
    with pytest.raises(UserError) as again:
        _post_wish(
            demo_session, store, author=author, audio=audio, title="Handrail", body="Stairwell 3"
        )
    assert again.value.message.msgid == voice_notes.ALREADY_SENT and again.value.field == "voice"
    assert _count(demo_session, Wish, Wish.author_id == author) == before
    assert _count(demo_session, VoiceNote, VoiceNote.created_by == author) == 1


def test_a_refused_item_drops_the_reservation_so_the_person_can_send_again(demo_session, store):
    author = _uid(demo_session, "zhang_nainai")
    audio = voice_notes.check_voice(tone_wav(2.0))
    with pytest.raises(FieldErrors) as refused:
        _post_wish(demo_session, store, author=author, audio=audio, category=None)
    assert "category" in refused.value.errors
    assert _count(demo_session, VoiceNote, VoiceNote.created_by == author) == 0
    wish = _post_wish(demo_session, store, author=author, audio=audio)
    assert _count(demo_session, VoiceNote, VoiceNote.subject_id == wish.id) == 1


def test_neither_text_nor_voice_asks_for_one_of_the_two(demo_session, store):
    author = _uid(demo_session, "zhang_nainai")
    with pytest.raises(FieldErrors) as refused:
        _post_wish(demo_session, store, author=author, audio=None, title="Bench")
    assert refused.value.errors["body"].msgid == voice_notes.WRITE_OR_RECORD
    with pytest.raises(FieldErrors) as too_long:
        _post_wish(
            demo_session,
            store,
            author=author,
            audio=None,
            title="Bench",
            body="x" * (wishes.BODY_MAX + 1),
        )
    assert too_long.value.errors["body"].msgid != voice_notes.WRITE_OR_RECORD


def test_two_browsers_sending_the_same_recording_store_one_note(demo_url, tmp_path):
    engine = get_engine(demo_url)
    with Session(engine) as s:
        author = _uid(s, "zhang_nainai")
    audio = voice_notes.check_voice(tone_wav(2.0))
    shop = LocalMediaStore(tmp_path / "media")
    outcomes, barrier = [], threading.Barrier(2)

    def send():
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                voice_notes.reserve(
                    s, shop, kind="wish", audio=audio, created_by=author, language="zh_Hans"
                )
                outcomes.append("stored")
            except UserError as exc:
                outcomes.append(exc.message.msgid)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == sorted(["stored", voice_notes.ALREADY_SENT])
    with Session(engine) as s:
        assert _count(s, VoiceNote, VoiceNote.created_by == author) == 1


def test_a_tampered_file_is_not_played(demo_session, store):
    author = _uid(demo_session, "zhang_nainai")
    wish = _post_wish(
        demo_session, store, author=author, audio=voice_notes.check_voice(tone_wav(2.0))
    )
    note = demo_session.exec(select(VoiceNote).where(VoiceNote.subject_id == wish.id)).one()
    (store.root / note.path).write_bytes(b"RIFF changed")
    assert voice_notes.read(store, note) is None


# --- who may play ------------------------------------------------------------------------------


def _players(session, kind, subject_id, username) -> list[str]:
    found = voice_notes.notes_for(
        session, kind=kind, subject_ids=[subject_id], viewer_id=_uid(session, username)
    )
    return [v.author_name for v in found.get(subject_id, [])]


def test_a_wish_note_plays_for_author_moderators_and_adopter_only(demo_session, store):
    author = _uid(demo_session, "zhang_nainai")
    wish = _post_wish(
        demo_session, store, author=author, audio=voice_notes.check_voice(tone_wav(2.0))
    )
    assert _players(demo_session, "wish", wish.id, "zhang_nainai") == ["张奶奶"]
    assert _players(demo_session, "wish", wish.id, "chief_g1m1") == ["张奶奶"]
    assert _players(demo_session, "wish", wish.id, "staff01") == ["张奶奶"]
    assert _players(demo_session, "wish", wish.id, "li_ayi") == []
    assert _players(demo_session, "wish", wish.id, "handler_street") == []
    assert (
        voice_notes.notes_for(demo_session, kind="wish", subject_ids=[wish.id], viewer_id=None)
        == {}
    )
    wishes.adopt(
        demo_session,
        wish_id=wish.id,
        user_id=_uid(demo_session, "li_ayi"),
        promised_date=utcnow().date() + timedelta(days=3),
    )
    assert _players(demo_session, "wish", wish.id, "li_ayi") == ["张奶奶"]
    heard = voice_notes.recent_voice_wishes(demo_session, viewer_id=_uid(demo_session, "staff01"))
    assert [w.id for w, _notes in heard][:1] == [wish.id]
    assert (
        voice_notes.recent_voice_wishes(demo_session, viewer_id=_uid(demo_session, "tashi")) == []
    )


def test_a_proposal_by_voice_reaches_the_community_office_only(demo_session, store):
    author = _uid(demo_session, "zhang_nainai")
    meeting = demo_session.exec(
        select(CouncilMeeting).where(CouncilMeeting.status == "published")
    ).first()
    audio = voice_notes.check_voice(tone_wav(3.0))
    proposal = voice_notes.with_voice_note(
        demo_session,
        store,
        kind="proposal",
        audio=audio,
        created_by=author,
        language="zh_Hans",
        create=lambda: council.submit_proposal(
            demo_session,
            meeting_id=meeting.id,
            author_id=author,
            title=voice_notes.title_or_spoken("", audio, "zh_Hans", "proposal"),
            body=voice_notes.text_or_spoken("", audio, "zh_Hans"),
            language="zh_Hans",
        ),
    )
    assert isinstance(proposal, CouncilProposal) and "0:03" in proposal.body
    assert _players(demo_session, "proposal", proposal.id, "staff01") == ["张奶奶"]
    assert _players(demo_session, "proposal", proposal.id, "admin") == ["张奶奶"]
    assert _players(demo_session, "proposal", proposal.id, "zhang_nainai") == ["张奶奶"]
    assert _players(demo_session, "proposal", proposal.id, "tashi") == []
    assert _players(demo_session, "proposal", proposal.id, "chief_g1m1") == []


def _claimed_task(session, resident: str, proof: str = "note"):
    staff = _uid(session, "staff01")
    person = session.get(User, _uid(session, resident))
    task = points.publish_task(
        session,
        actor_id=staff,
        title="Sweep the courtyard",
        description="",
        points=5,
        places=3,
        grid_ids=[person.home_grid_id],
        starts_at=utcnow() - timedelta(hours=1),
        ends_at=utcnow() + timedelta(days=2),
        proof=proof,
    )[0]
    return points.claim_task(session, user_id=person.id, task_id=task.id)


def test_task_proof_by_voice_is_heard_by_whoever_checks_it(demo_session, store):
    claim = _claimed_task(demo_session, "zhang_nainai")
    uid = claim.user_id
    audio = voice_notes.check_voice(tone_wav(2.0))
    sent = voice_notes.with_voice_note(
        demo_session,
        store,
        kind="task_proof",
        audio=audio,
        created_by=uid,
        language="zh_Hans",
        text_field="note",
        create=lambda: points.submit_proof(
            demo_session,
            user_id=uid,
            claim_id=claim.id,
            note=voice_notes.text_or_spoken("", audio, "zh_Hans"),
        ),
    )
    assert sent.status == "submitted" and "0:02" in sent.proof_note
    assert _players(demo_session, "task_proof", claim.id, "staff01") == ["张奶奶"]
    assert _players(demo_session, "task_proof", claim.id, "zhang_nainai") == ["张奶奶"]
    assert _players(demo_session, "task_proof", claim.id, "li_ayi") == []
    waiting = points.claims_to_verify(demo_session, actor_id=_uid(demo_session, "staff01"))
    assert claim.id in [w.claim.id for w in waiting]


def test_task_proof_without_note_or_voice_asks_for_one(demo_session, store):
    claim = _claimed_task(demo_session, "zhang_nainai")
    with pytest.raises(FieldErrors) as refused:
        voice_notes.with_voice_note(
            demo_session,
            store,
            kind="task_proof",
            audio=None,
            created_by=claim.user_id,
            language="zh_Hans",
            text_field="note",
            create=lambda: points.submit_proof(
                demo_session, user_id=claim.user_id, claim_id=claim.id, note=""
            ),
        )
    assert refused.value.errors["note"].msgid == voice_notes.WRITE_OR_RECORD


# --- speech recognition ------------------------------------------------------------------------


def test_recognition_is_unavailable_by_default_with_a_reason():
    engine = recognition.recognizer({})
    assert engine.name == "none"
    heard = recognition.transcribe(tone_wav(1.0), "zh_Hans", engine)
    assert (heard.available, heard.text, heard.reason) == (False, None, recognition.NOT_INSTALLED)


def test_an_unknown_engine_name_is_reported_not_raised():
    engine = recognition.recognizer({recognition.ENV_VAR: "whisper-magic"})
    heard = recognition.transcribe(tone_wav(1.0), "en", engine)
    assert not heard.available and heard.reason == recognition.UNKNOWN_ENGINE


def test_the_vosk_adapter_reports_unavailable_without_its_package_or_model():
    engine = recognition.recognizer({recognition.ENV_VAR: "vosk"})
    assert isinstance(engine, recognition.VoskRecognizer)
    try:
        import vosk  # noqa: F401
    except ImportError:
        assert recognition.availability("zh_Hans", engine).reason == recognition.ENGINE_MISSING
    else:  # an operator installed it: still no model for this language
        assert recognition.availability("zh_Hans", engine).reason == recognition.NO_MODEL
    assert recognition.model_folders("zh_Hans=/a, en = /b ,bad,=x") == {"zh_Hans": "/a", "en": "/b"}


class _Engine:
    name = "fake"

    def __init__(self, result):
        self.result = result

    def unavailable_reason(self, language):
        return None if language == "en" else recognition.NO_MODEL

    def transcribe(self, wav, language):
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def test_an_installed_engine_is_used_and_its_failures_never_break_a_submit(
    monkeypatch, demo_session, store
):
    assert (
        recognition.transcribe(b"", "en", _Engine(RuntimeError("boom"))).reason
        == recognition.ENGINE_FAILED
    )
    assert recognition.transcribe(b"", "en", _Engine("")).reason == recognition.HEARD_NOTHING
    assert recognition.transcribe(b"", "bo", _Engine("text")).reason == recognition.NO_MODEL
    monkeypatch.setitem(recognition.RECOGNIZERS, "fake", lambda: _Engine("fix the lamp"))
    monkeypatch.setenv(recognition.ENV_VAR, "fake")
    author = _uid(demo_session, "zhang_nainai")
    wish = _post_wish(
        demo_session, store, author=author, audio=voice_notes.check_voice(tone_wav(2.0))
    )
    note = demo_session.exec(select(VoiceNote).where(VoiceNote.subject_id == wish.id)).one()
    assert (note.transcript, note.transcript_engine) == ("fix the lamp", "fake")
    monkeypatch.setitem(recognition.RECOGNIZERS, "fake", lambda: _Engine(RuntimeError("hang up")))
    other = _post_wish(
        demo_session, store, author=author, audio=voice_notes.check_voice(tone_wav(2.5))
    )
    assert other.id != wish.id
