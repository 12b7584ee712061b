"""Recorded clips for Tibetan and Yi, and the read-aloud chain engine → clips → nothing."""

import io
import shutil
import threading
import time
import wave

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from db.models import User
from db.models_voice import VoiceClip
from portal import auth, speech
from portal import voice_clips as vc
from portal.errors import UserError
from portal.i18n import translate
from portal.media import LocalMediaStore
from tests.audio_samples import silent_mp3
from tests.audio_samples import tone_wav as tone
from tests.conftest import IN_CI

TITLE, HINT = auth.PAGE_BY_KEY["my_grid"].title, auth.PAGE_BY_KEY["my_grid"].hint


def people(session):
    made = {}
    for username, role in (
        ("staff", "staff"),
        ("worker", "grid_worker"),
        ("worker2", "grid_worker"),
        ("resident", "resident"),
    ):
        user = User(username=username, display_name=username, password_hash="x", role=role)
        session.add(user)
        session.commit()
        made[role if username != "worker2" else "worker2"] = user.id
    return made


@pytest.fixture
def store(tmp_path):
    return LocalMediaStore(tmp_path / "media")


def test_the_phrases_are_page_purposes_buttons_and_status_words():
    found = vc.phrases()
    ids = [p.msgid for p in found]
    assert len(ids) == len(set(ids))
    assert TITLE in ids and HINT in ids and "Read aloud" in ids
    assert "Sent to the person responsible" in ids  # a report state
    assert "Open for support" in ids  # a wish state
    assert {p.group for p in found} == set(vc.GROUPS)


@pytest.mark.parametrize(
    "data, problem",
    [
        (None, "The recording is empty."),
        (b"", "The recording is empty."),
        (
            b"RIFF\x00\x00\x00\x00WAVEjunk" + b"\0" * 40,
            "This file cannot be played. Please send a WAV, MP3 or OGG recording.",
        ),
        (
            b"<script>alert(1)</script>",
            "This file cannot be played. Please send a WAV, MP3 or OGG recording.",
        ),
        (
            b"OggS" + b"\0" * 200,
            "This file cannot be played. Please send a WAV, MP3 or OGG recording.",
        ),
        (b"\0" * (13 * 1024 * 1024), "The recording is too long (at most {seconds} seconds)."),
    ],
)
def test_bad_recordings_are_refused_with_a_clear_message(data, problem):
    with pytest.raises(UserError) as caught:
        vc.check_clip(data)
    assert caught.value.message.msgid == problem and caught.value.field == "clip"


def test_lengths_of_recordings():
    with pytest.raises(UserError) as caught:
        vc.check_clip(tone(vc.MAX_CLIP_SECONDS + 1, rate=8000))
    assert "too long" in caught.value.message.msgid
    with pytest.raises(UserError):
        vc.check_clip(tone(0.1))
    ok = vc.check_clip(tone(1.5))
    assert ok.content_type == "audio/wav" and ok.seconds == 1.5
    mp3 = vc.check_clip(silent_mp3(100))  # 100 × 1152 / 44100 ≈ 2.6 s
    assert mp3.content_type == "audio/mpeg" and 2 < mp3.seconds < 3


def test_record_replace_remove_and_who_may(session, store):
    ids = people(session)
    first = vc.record(
        session, store, language="bo", msgid=TITLE, data=tone(1), recorded_by=ids["staff"]
    )
    assert store.read(first.audio_path) == tone(1)
    # a second click with the same recording changes nothing
    assert (
        vc.record(
            session, store, language="bo", msgid=TITLE, data=tone(1), recorded_by=ids["staff"]
        ).id
        == first.id
    )
    with pytest.raises(UserError) as caught:
        vc.record(
            session, store, language="bo", msgid=TITLE, data=tone(1.2), recorded_by=ids["staff"]
        )
    assert "already recorded" in caught.value.message.msgid
    for bad in ({"language": "ug"}, {"language": "zh_Hans"}, {"msgid": "<b>not a phrase</b>"}):
        args = {
            "language": "bo",
            "msgid": TITLE,
            "data": tone(1),
            "recorded_by": ids["staff"],
        } | bad
        with pytest.raises(UserError):
            vc.record(session, store, **args)
    with pytest.raises(UserError) as caught:
        vc.record(
            session, store, language="ii", msgid=TITLE, data=tone(1), recorded_by=ids["resident"]
        )
    assert "Only community staff and grid workers" in caught.value.message.msgid
    # a grid worker may not replace or remove what staff recorded; staff may replace anyone's
    with pytest.raises(UserError):
        vc.record(
            session,
            store,
            language="bo",
            msgid=TITLE,
            data=tone(2),
            recorded_by=ids["grid_worker"],
            replace=True,
        )
    with pytest.raises(UserError):
        vc.remove(session, clip_id=first.id, actor_id=ids["grid_worker"])
    second = vc.record(
        session,
        store,
        language="bo",
        msgid=TITLE,
        data=tone(2),
        recorded_by=ids["staff"],
        replace=True,
    )
    session.refresh(first)
    assert first.removed_at is not None and first.removed_by == ids["staff"]
    assert vc.current_clip(session, "bo", TITLE).id == second.id
    worker_clip = vc.record(
        session, store, language="ii", msgid=HINT, data=tone(1), recorded_by=ids["grid_worker"]
    )
    with pytest.raises(UserError):
        vc.remove(session, clip_id=worker_clip.id, actor_id=ids["worker2"])
    vc.remove(session, clip_id=worker_clip.id, actor_id=ids["grid_worker"])
    with pytest.raises(UserError):  # removed twice (two browsers)
        vc.remove(session, clip_id=worker_clip.id, actor_id=ids["staff"])
    assert vc.current_clip(session, "ii", HINT) is None
    assert session.exec(select(VoiceClip)).all().__len__() == 3  # nothing deleted, only stamped
    cov = {c.language: c for c in vc.coverage(session)}
    assert (
        cov["bo"].recorded == 1 and cov["ii"].recorded == 0 and cov["bo"].total == len(vc.phrases())
    )


def test_the_database_keeps_one_current_clip_per_phrase(session):
    ids = people(session)
    for n in range(2):
        session.add(
            VoiceClip(
                language="bo",
                msgid=TITLE,
                audio_path=f"x{n}",
                content_type="audio/wav",
                seconds=1,
                sha256=str(n),
                recorded_by=ids["staff"],
            )
        )
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()
    session.add(
        VoiceClip(
            language="ug",
            msgid=TITLE,
            audio_path="x",
            content_type="audio/wav",
            seconds=1,
            sha256="u",
            recorded_by=ids["staff"],
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()


def test_join_wavs_keeps_order_and_adds_pauses():
    joined = vc.join_wavs([tone(1), tone(0.5, hz=660)], pause=0.25)
    with wave.open(io.BytesIO(joined)) as w:
        assert w.getframerate() == 16000 and abs(w.getnframes() / 16000 - 1.75) < 0.01
    assert vc.join_wavs([tone(1), tone(1, rate=8000)]) is None  # different formats: play in turn
    assert vc.join_wavs([b"not a wav"]) is None


def _engine(name, run, languages=None):
    return speech.Engine(name, languages or {"zh_Hans": "zh"}, "audio/wav", ".wav", run)


def _broken(*_a):
    raise ConnectionError("no internet")


def test_the_chain_engine_then_clips_then_nothing(session, store):
    ids = people(session)
    finder = vc.clip_finder(session, store)
    engine = [_engine("e", lambda text, voice, timeout: b"RIFF" + text.encode())]
    zh = vc.phrase_reading("zh_Hans", TITLE, HINT)
    spoken = vc.voice_for(zh, clips=finder, engines=engine)
    assert spoken.source == "e" and spoken.parts[0][0] == b"RIFF" + zh.text.encode()
    bo = vc.phrase_reading("bo", TITLE, HINT)
    assert bo.chinese == vc.phrase_text("zh_Hans", (TITLE, HINT))
    assert translate("zh_Hans", TITLE) in bo.chinese
    nothing = vc.voice_for(bo, clips=finder, engines=engine)  # no clip yet
    assert nothing.silent and nothing.missing == (TITLE, HINT)
    vc.record(session, store, language="bo", msgid=TITLE, data=tone(1), recorded_by=ids["staff"])
    half = vc.voice_for(bo, clips=finder, engines=engine)
    assert half.source == "clips" and half.missing == (HINT,)
    vc.record(session, store, language="bo", msgid=HINT, data=tone(2), recorded_by=ids["staff"])
    whole = vc.voice_for(bo, clips=finder, engines=engine)
    assert whole.source == "clips" and not whole.missing and len(whole.parts) == 1
    with wave.open(io.BytesIO(whole.parts[0][0])) as w:
        assert abs(w.getnframes() / w.getframerate() - (3 + vc.PAUSE_SECONDS)) < 0.01
    # an MP3 clip cannot be joined to a WAV one: the clips are played one after another
    vc.record(
        session,
        store,
        language="bo",
        msgid=HINT,
        data=silent_mp3(60),
        recorded_by=ids["staff"],
        replace=True,
    )
    turns = vc.voice_for(bo, clips=finder, engines=engine)
    assert [mime for _a, mime in turns.parts] == ["audio/wav", "audio/mpeg"]
    # free text in Tibetan (not made of phrases) has neither an engine nor clips
    typed = vc.voice_for(vc.Reading("བཀྲ་ཤིས་བདེ་ལེགས།", "bo"), clips=finder, engines=engine)
    assert typed.silent and typed.source == ""


def test_failing_and_hanging_engines_fall_back_to_clips(session, store):
    ids = people(session)
    vc.record(session, store, language="ii", msgid=TITLE, data=tone(1), recorded_by=ids["staff"])

    released = threading.Event()

    def hangs(*_a):  # hangs until the test is over (at most 5 s), far past the 0.2 s timeout
        released.wait(timeout=5)
        return b"late"

    every = {"ii": "x", "zh_Hans": "x"}  # pretend engines that claim Yi, then fail
    chain = [
        _engine("broken", _broken, every),
        _engine("empty", lambda *a: b"", every),
        _engine("hangs", hangs, every),
    ]
    started = time.perf_counter()
    found = vc.voice_for(
        vc.phrase_reading("ii", TITLE),
        clips=vc.clip_finder(session, store),
        engines=chain,
        timeout=0.2,
    )
    elapsed = time.perf_counter() - started
    released.set()
    assert found.source == "clips" and found.parts[0][0][:4] == b"RIFF"
    assert elapsed < 3


def test_the_chinese_reading_is_real_audio_from_espeak(tmp_path):
    if shutil.which("espeak-ng") is None:
        if IN_CI:
            pytest.fail("espeak-ng is required in CI")
        pytest.skip("espeak-ng not installed")
    bo = vc.phrase_reading("bo", TITLE, HINT)
    found = vc.voice_for(
        vc.Reading(bo.chinese, "zh_Hans"),
        cache=speech.SpeechCache(tmp_path),
        engines=speech.engine_chain({"LINLI_TTS_ENGINES": "gtts,espeak"}),
        timeout=3,
    )
    audio = found.parts[0][0]
    assert found.source == "espeak" and audio[:4] == b"RIFF" and audio[8:12] == b"WAVE"
    with wave.open(io.BytesIO(audio)) as w:
        assert w.getnframes() > w.getframerate() // 2  # more than half a second of speech


def test_auto_read_setting_is_kept_per_account(session):
    ids = people(session)
    assert vc.auto_read(session, ids["resident"]) is False
    vc.save_auto_read(session, ids["resident"], True)
    assert vc.auto_read(session, ids["resident"]) is True
    vc.save_auto_read(session, ids["resident"], False)
    assert vc.auto_read(session, ids["resident"]) is False
    assert vc.auto_read(session, ids["staff"]) is False


def test_an_m4a_file_is_refused_as_a_clip_before_it_reaches_the_database(monkeypatch):
    # nothing here can make a real M4A: let the length reader say it read one of 2 s
    monkeypatch.setattr(vc, "audio_length", lambda data: ("audio/mp4", 2.0))
    with pytest.raises(UserError) as refused:  # the clip table takes WAV, MP3 and Ogg only
        vc.check_clip(b"\0\0\0\x20ftypM4A " + b"\0" * 200)
    assert refused.value.field == "clip" and "WAV, MP3 or OGG" in refused.value.message.msgid
