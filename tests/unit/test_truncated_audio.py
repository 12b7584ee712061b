"""A WAV cut anywhere (header or samples) gets a clear message or is taken as the shorter sound:
never another exception, in every place that reads recordings."""

from __future__ import annotations

import pytest

from portal import media, voice_clips, voice_notes
from portal.errors import UserError
from tests.audio_samples import tone_wav

WAV = tone_wav(2.0)
CUTS = [1, 4, 12, 20, 30, 36, 40, 44, 45, 46, 1001, len(WAV) // 2 + 1, len(WAV) - 3]


@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize(
    "check", [voice_notes.check_voice, media.check_audio, voice_clips.check_clip]
)
def test_truncated_wav_gets_a_message_or_its_real_length(check, cut):
    try:
        audio = check(WAV[:cut])
    except UserError as exc:
        assert exc.message.msgid  # a message id the page translates
    else:
        assert 0 < (audio.seconds or 0) <= 2.0


@pytest.mark.parametrize("cut", CUTS)
def test_joining_a_truncated_clip_does_not_crash(cut):
    joined = voice_clips.join_wavs([WAV, WAV[:cut]])
    assert joined is None or joined.startswith(b"RIFF")
