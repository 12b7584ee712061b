"""Real sound files for tests and benches: what st.audio_input sends (16-bit mono WAV), silence,
long cheap recordings, and MP3 frames, made here so no test needs a recording on disk."""

from __future__ import annotations

import io
import math
import struct
import wave


def _wav(frames: bytes, rate: int, sample_width: int = 2, channels: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(sample_width)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


def tone_wav(
    seconds: float = 2.0,
    rate: int = 16000,
    hz: float = 440.0,
    amplitude: int = 8000,
    channels: int = 1,
) -> bytes:
    """A 16-bit PCM WAV of a sine tone (a recording with sound in it)."""
    samples = (
        struct.pack("<h", int(amplitude * math.sin(2 * math.pi * hz * n / rate))) * channels
        for n in range(int(seconds * rate))
    )
    return _wav(b"".join(samples), rate, channels=channels)


def silent_wav(seconds: float, rate: int = 8000) -> bytes:
    """A 16-bit PCM WAV of silence."""
    return _wav(b"\x00\x00" * int(rate * seconds), rate)


def long_wav(seconds: int, rate: int = 8000) -> bytes:
    """An 8-bit WAV of `seconds` (8 kB per second: 20 minutes stay under the byte cap)."""
    return _wav(bytes([128, 200]) * (seconds * rate // 2), rate, sample_width=1)


def silent_mp3(frames: int) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz frames of silence (417 bytes each, 1152 samples)."""
    return (b"\xff\xfb\x90\x64" + b"\0" * 413) * frames
