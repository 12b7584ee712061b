"""The approximate rule-based voice for Yi and Tibetan, and its place in the read-aloud chain."""

import io
import shutil
import unicodedata
import wave

import pytest

from portal import rule_voice, speech
from portal import voice_clips as vc
from tests.audio_samples import tone_wav as tone
from tests.conftest import IN_CI
from tests.unit.test_voice_clips import HINT, TITLE, people, store  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("NUO", "no33"),  # n + uo, no tone letter: mid level
        ("SU", "su33"),
        ("HXOP", "ho21"),  # hx is [h]; p: low falling
        ("IT", "i55"),  # t: high level
        ("IX", "i35"),  # x: mid rising
        ("NBIT", "mbi55"),  # prenasalised b
        ("JJY", "dZ;i[33"),  # voiced alveolo-palatal affricate + apical vowel
        ("SHUR", "s.u33"),
    ],
)
def test_yi_syllables_read_from_their_unicode_names(name, expected):
    char = unicodedata.lookup(f"YI SYLLABLE {name}")
    assert rule_voice.yi_syllable(char) == expected


def test_every_yi_syllable_is_understood_and_other_text_is_skipped():
    every = [chr(c) for c in range(0xA000, 0xA48D)]
    assert all(rule_voice.yi_syllable(c) for c in every)
    said = rule_voice.phonemes("ii", "ꆈꌠꉙ {name} ꀀ")
    assert said.text == "no33 su33 ho21 _ i55" and (said.done, said.total) == (4, 4)
    assert rule_voice.yi_syllable("a") is None and rule_voice.phonemes("ii", "abc").total == 0


def test_tibetan_words_through_bophono():
    said = rule_voice.phonemes("bo", "བཀྲ་ཤིས་བདེ་ལེགས།")
    # bophono, syllable by syllable: ʈa˥ ɕi˥˨ de˩˨ lɛ˩˧˨ʔk̚ (high, high falling, low, low
    # rising-falling read as rising; the glottal stop dropped, the unreleased k kept)
    assert said.text == "ts.A55 S;i51 de21 lE35k" and said.share == 1.0
    assert rule_voice.phonemes("bo", "ལྷ་ས").text == "hlA55 sA55"  # l̥ʰa˥ sa˥
    assert rule_voice.phonemes("bo", "ཟིན").text == "si21n"  # sĩ˩˨n̚: nasal vowel as plain i


def _needs_espeak():
    if shutil.which("espeak-ng") is None:
        if IN_CI:
            pytest.fail("espeak-ng is required in CI")
        pytest.skip("espeak-ng not installed")


@pytest.mark.parametrize("language, text", [("ii", "ꆈꌠꉙ"), ("bo", "བོད་ཡིག")])
def test_the_rule_voice_makes_a_real_wav(language, text):
    _needs_espeak()
    said = speech.speak(text, language, engines=[speech.RULE_VOICE], timeout=3)
    assert said is not None and said.engine == "rule"
    with wave.open(io.BytesIO(said.audio)) as w:
        assert w.getnframes() / w.getframerate() > 0.3


def test_the_rule_voice_refuses_text_it_cannot_read():
    with pytest.raises(ValueError):
        rule_voice.synthesize("hello", "ii", 1)


def test_the_chain_prefers_a_recorded_clip_then_the_rule_voice(session, store):  # noqa: F811
    _needs_espeak()
    ids = people(session)
    finder = vc.clip_finder(session, store)
    reading = vc.phrase_reading("ii", TITLE, HINT)
    off = vc.voice_for(reading, clips=finder, engines=[])
    assert off.silent  # the setting off: nothing, as before
    ruled = vc.voice_for(reading, clips=finder, engines=[], rule_voice=True)
    assert ruled.source == "rule" and ruled.approximate
    clip = tone(1)
    vc.record(session, store, language="ii", msgid=TITLE, data=clip, recorded_by=ids["staff"])
    vc.record(session, store, language="ii", msgid=HINT, data=tone(2), recorded_by=ids["staff"])
    recorded = vc.voice_for(reading, clips=finder, engines=[], rule_voice=True)
    assert recorded.source == "clips" and not recorded.approximate
    with wave.open(io.BytesIO(recorded.parts[0][0])) as w:  # the clips, not the machine
        assert abs(w.getnframes() / w.getframerate() - (3 + vc.PAUSE_SECONDS)) < 0.01
    # a phrase without a clip is read by the rules, the recorded one stays a recording
    mixed = vc.voice_for(
        vc.phrase_reading("ii", TITLE, "Read aloud"), clips=finder, engines=[], rule_voice=True
    )
    assert mixed.source == "clips" and mixed.approximate and not mixed.missing
    assert clip[44:2044] in b"".join(audio for audio, _mime in mixed.parts)
