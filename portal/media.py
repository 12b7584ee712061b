"""Photos and voice notes: checked by content, size-capped, bombs refused, EXIF stripped, thumbnails once.

The stored public copy of a photo never carries EXIF (GPS, camera, owner). The GPS position is read
before stripping, so a report can take its place from the photo.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from portal.errors import UserError
from portal.i18n import N_

# the stores live in portal.media_store; callers have always imported MediaStore from here
from portal.media_store import LocalMediaStore, MediaStore, S3MediaStore, store_for  # noqa: F401

MAX_PHOTO_BYTES = 15 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000  # about 7,700 × 5,200; phones make ≤ 50 MP, bombs far more
# A JPEG is decoded at a reduced scale (draft: at least the stored size), so 40 MP costs ~50 MB;
# PNG and WebP are decoded whole (a 39 MP PNG took 500 MB and 3.6 s): at most 16 MP for them.
MAX_FULL_DECODE_PIXELS = 16_000_000
MAX_AUDIO_BYTES = 12 * 1024 * 1024
MAX_AUDIO_SECONDS = 5 * 60
STORED_LONG_SIDE = 1600
THUMB_LONG_SIDE = 320
PHOTO_FORMATS = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "MPO": "image/jpeg",
}
GPS_IFD = 0x8825


@dataclass(frozen=True)
class Photo:
    """A checked photo, ready to store: clean JPEG bytes, a thumbnail, and where it was taken."""

    data: bytes
    thumb: bytes
    width: int
    height: int
    sha256: str
    gps: tuple[float, float] | None  # (lat, lon) from EXIF, WGS-84


@dataclass(frozen=True)
class Audio:
    data: bytes
    content_type: str
    seconds: float | None
    sha256: str


def _ratio(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        num, den = value
        return num / den


def _dms(values, ref: str) -> float:
    deg, minutes, seconds = (_ratio(v) for v in values)
    result = deg + minutes / 60 + seconds / 3600
    return -result if ref in ("S", "W") else result


def exif_gps(image: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) from the photo's EXIF GPS block, or None."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None
        lat = _dms(gps[2], str(gps.get(1, "N")))
        lon = _dms(gps[4], str(gps.get(3, "E")))
    except (KeyError, TypeError, ValueError, ZeroDivisionError, struct.error):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (lat == 0 and lon == 0):
        return None
    return lat, lon


def _encode(image: Image.Image, long_side: int, quality: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((long_side, long_side))
    if copy.mode not in ("RGB", "L"):
        background = Image.new("RGB", copy.size, "white")
        background.paste(copy, mask=copy.convert("RGBA").split()[-1])
        copy = background
    out = io.BytesIO()
    copy.save(
        out, "JPEG", quality=quality, optimize=True
    )  # no exif= argument: nothing carried over
    return out.getvalue(), copy.width, copy.height


def check_photo(data: bytes | None) -> Photo:
    """Raises UserError (field 'photo') for anything that is not a sane photo."""
    if not data:
        raise UserError(N_("The photo is empty."), field="photo")
    if len(data) > MAX_PHOTO_BYTES:
        raise UserError(
            N_("The photo is too large (at most {mb} MB)."),
            field="photo",
            mb=MAX_PHOTO_BYTES // (1024 * 1024),
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                pixels = probe.width * probe.height
                probe.verify()
            if kind not in PHOTO_FORMATS:
                raise UserError(N_("Please send a photo (JPEG, PNG or WebP)."), field="photo")
            if pixels > MAX_PHOTO_PIXELS:
                raise UserError(N_("The photo has too many pixels."), field="photo")
            if kind not in ("JPEG", "MPO") and pixels > MAX_FULL_DECODE_PIXELS:
                raise UserError(
                    N_(
                        "This PNG or WebP picture is too large to open safely (at most {mp} "
                        "million pixels). Please send it as a JPEG photo or make it smaller."
                    ),
                    field="photo",
                    mp=MAX_FULL_DECODE_PIXELS // 1_000_000,
                )
            with Image.open(io.BytesIO(data)) as image:
                image.draft(
                    "RGB", (STORED_LONG_SIDE, STORED_LONG_SIDE)
                )  # JPEG only: smaller decode
                image.load()
                gps = exif_gps(image)
                upright = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(N_("The photo has too many pixels."), field="photo") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UserError(N_("Please send a photo (JPEG, PNG or WebP)."), field="photo") from None
    stored, width, height = _encode(upright, STORED_LONG_SIDE, 85)
    thumb, _w, _h = _encode(upright, THUMB_LONG_SIDE, 75)
    return Photo(stored, thumb, width, height, hashlib.sha256(stored).hexdigest(), gps)


def _wav_seconds(data: bytes) -> float | None:
    """Duration of a RIFF/WAVE file from its header; None when the header is unusable."""
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, byte_rate, size = 12, None, None
    while pos + 8 <= len(data):
        chunk, length = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"fmt " and length >= 16:
            byte_rate = struct.unpack("<I", data[pos + 16 : pos + 20])[0]
        elif chunk == b"data":
            size = min(length, len(data) - pos - 8)
            break
        pos += 8 + length + (length & 1)
    if not byte_rate or size is None:
        return None
    return size / byte_rate


AUDIO_SUFFIXES = {
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/mp4": ".m4a",
}


def _compressed_length(data: bytes) -> tuple[str, float] | None:
    """(content type, seconds) of an MP3, Ogg (Vorbis/Opus) or M4A file that mutagen can read."""
    from mutagen import MutagenError
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    if data[:4] == b"OggS":
        kinds, mime = (OggVorbis, OggOpus), "audio/ogg"
    elif data[4:8] == b"ftyp":
        kinds, mime = (MP4,), "audio/mp4"
    elif data[:3] == b"ID3" or (data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        kinds, mime = (MP3,), "audio/mpeg"
    else:
        return None
    for kind in kinds:
        try:
            length = kind(io.BytesIO(data)).info.length
        except (MutagenError, ValueError, struct.error, IndexError, EOFError, KeyError):
            continue
        if length and length > 0:
            return mime, float(length)
    return None


def audio_length(data: bytes) -> tuple[str, float] | None:
    """(content type, seconds) of a WAV, MP3, Ogg or M4A recording; None when it is none of these
    or its header is unusable."""
    if len(data) < 8:
        return None
    if data[:4] == b"RIFF":
        seconds = _wav_seconds(data)
        return None if seconds is None else ("audio/wav", seconds)
    return _compressed_length(data)


def check_audio(data: bytes | None, max_seconds: int = MAX_AUDIO_SECONDS) -> Audio:
    """A voice note: the browser's WAV recording, or an MP3/Ogg/M4A file from a phone.
    Raises UserError (field 'voice')."""
    if not data:
        raise UserError(N_("The voice note is empty."), field="voice")
    if len(data) > MAX_AUDIO_BYTES:
        raise UserError(
            N_("The voice note is too long (at most {minutes} minutes)."),
            field="voice",
            minutes=max(max_seconds // 60, 1),
        )
    found = audio_length(data)
    if found is None:
        raise UserError(
            N_("This voice note cannot be played. Please record it again."), field="voice"
        )
    mime, seconds = found
    if seconds > max_seconds:
        raise UserError(
            N_("The voice note is too long (at most {minutes} minutes)."),
            field="voice",
            minutes=max(max_seconds // 60, 1),
        )
    if seconds < 0.3:
        raise UserError(N_("The voice note is empty."), field="voice")
    return Audio(data, mime, round(seconds, 1), hashlib.sha256(data).hexdigest())
