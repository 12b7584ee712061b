import shutil
import time

import pytest

from portal import speech
from tests.conftest import IN_CI


def _engine(name, run, languages=None):
    return speech.Engine(name, languages or {"zh_Hans": "zh", "ug": "ug"}, "audio/wav", ".wav", run)


def test_chain_falls_through_failing_engines(tmp_path):
    calls = []

    def broken(_text, _voice, _timeout):
        calls.append("broken")
        raise ConnectionError("no internet")

    def empty(_text, _voice, _timeout):
        calls.append("empty")
        return b""

    def works(_text, voice, _timeout):
        calls.append("works")
        return b"RIFF-audio-" + voice.encode()

    cache = speech.SpeechCache(tmp_path)
    chain = [_engine("a", broken), _engine("b", empty), _engine("c", works)]
    said = speech.speak("你好，邻居", "zh_Hans", cache, chain)
    assert said.engine == "c" and said.audio == b"RIFF-audio-zh" and not said.cached
    assert calls == ["broken", "empty", "works"]
    again = speech.speak("你好，邻居", "zh_Hans", cache, chain)
    assert again.cached and again.engine == "c"
    assert calls == ["broken", "empty", "works", "broken", "empty"]  # cache hit needs no engine


def test_unsupported_language_and_empty_text_give_none():
    chain = [_engine("a", lambda *a: b"x")]
    assert speech.speak("བཀྲ་ཤིས་བདེ་ལེགས།", "bo", None, chain) is None
    assert speech.speak("   ", "zh_Hans", None, chain) is None
    assert not speech.speakable("ii", speech.engine_chain({}))
    assert speech.speakable("ug", speech.engine_chain({}))


def test_a_hanging_engine_is_cut_off():
    def hangs(_text, _voice, _timeout):
        time.sleep(30)  # ignores its timeout, like a stuck network call
        return b"too late"

    started = time.perf_counter()
    chain = [_engine("slow", hangs), _engine("next", lambda *a: b"RIFF-next")]
    said = speech.speak("你好", "zh_Hans", None, chain, timeout=0.2)
    assert said is not None and said.engine == "next"
    assert time.perf_counter() - started < 2


def test_gtts_fails_for_real_here_and_espeak_speaks(tmp_path):
    """No internet here: gTTS really fails and espeak-ng (offline) answers with a WAV."""
    if shutil.which("espeak-ng") is None:
        if IN_CI:
            pytest.fail("espeak-ng is required in CI")
        pytest.skip("espeak-ng not installed")
    said = speech.speak(
        "社区通知：明天上午九点在院坝开会。",
        "zh_Hans",
        speech.SpeechCache(tmp_path),
        speech.engine_chain({"LINLI_TTS_ENGINES": "gtts,espeak"}),
        timeout=3,
    )
    assert said is not None and said.engine == "espeak"
    assert said.audio[:4] == b"RIFF" and len(said.audio) > 10_000
    uyghur = speech.speak("ئەسسالامۇ ئەلەيكۇم", "ug", None, speech.engine_chain({}), timeout=3)
    assert uyghur is not None and uyghur.audio[:4] == b"RIFF"


def test_engine_choice_from_environment():
    assert [e.name for e in speech.engine_chain({"LINLI_TTS_ENGINES": "espeak"})] == ["espeak"]
    assert [e.name for e in speech.engine_chain({"LINLI_TTS_ENGINES": "nonsense"})] == []


def test_cache_in_memory_then_on_disk(tmp_path):
    calls = []

    def works(text, _voice, _timeout):
        calls.append(text)
        return b"RIFF-" + text.encode()

    chain = [_engine("w", works)]
    first = speech.SpeechCache(tmp_path)
    assert not speech.speak("院坝开会", "zh_Hans", first, chain).cached
    on_disk = next(tmp_path.rglob("*.wav"))
    assert on_disk.read_bytes() == "RIFF-院坝开会".encode()
    on_disk.unlink()  # the memory of this process still has it
    assert speech.speak("院坝开会", "zh_Hans", first, chain).cached and calls == ["院坝开会"]
    fresh = speech.SpeechCache(tmp_path)  # another process: nothing in memory, nothing on disk
    assert not speech.speak("院坝开会", "zh_Hans", fresh, chain).cached and len(calls) == 2
    third = speech.SpeechCache(tmp_path, memory_items=1)  # disk again, memory bounded
    assert speech.speak("院坝开会", "zh_Hans", third, chain).cached and len(calls) == 2
    speech.speak("另一句", "zh_Hans", third, chain)
    assert len(third._memory) == 1
    assert speech.shared_cache(tmp_path) is speech.shared_cache(tmp_path)


def test_each_engine_failing_in_turn():
    """gTTS first, espeak-ng second: whichever fails, the next answers; both failing is None."""

    def ok(_text, voice, _timeout):
        return b"RIFF" + voice.encode()

    a_fails = [_engine("gtts", _fail), _engine("espeak", ok)]
    b_fails = [_engine("gtts", ok), _engine("espeak", _fail)]
    both = [_engine("gtts", _fail), _engine("espeak", _fail)]
    assert speech.speak("你好", "zh_Hans", None, a_fails).engine == "espeak"
    assert speech.speak("你好", "zh_Hans", None, b_fails).engine == "gtts"
    assert speech.speak("你好", "zh_Hans", None, both) is None


def _fail(_text, _voice, _timeout):
    raise RuntimeError("engine broke")
