import io
import struct
import time

import pytest
from PIL import Image

from portal import media
from portal.errors import UserError
from tests.audio_samples import silent_wav


def _jpeg_with_gps(lat=30.6412, lon=104.0398, size=(2400, 1800)) -> bytes:
    image = Image.new("RGB", size, (120, 160, 200))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = exif.get_ifd(media.GPS_IFD)

    def dms(value):
        from PIL.TiffImagePlugin import IFDRational

        d = int(value)
        m = int((value - d) * 60)
        s = round(((value - d) * 60 - m) * 60 * 100)
        return (IFDRational(d, 1), IFDRational(m, 1), IFDRational(s, 100))

    gps.update({1: "N", 2: dms(lat), 3: "E", 4: dms(lon)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_photo_gps_is_read_then_stripped():
    photo = media.check_photo(_jpeg_with_gps())
    assert photo.gps == pytest.approx((30.6412, 104.0398), abs=1e-4)
    stored = Image.open(io.BytesIO(photo.data))
    assert dict(stored.getexif()) == {}
    assert b"PhoneMaker" not in photo.data and b"PhoneMaker" not in photo.thumb
    assert max(stored.size) == media.STORED_LONG_SIDE
    assert max(Image.open(io.BytesIO(photo.thumb)).size) == media.THUMB_LONG_SIDE


def test_png_with_transparency_becomes_jpeg():
    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 0, 0)).save(out, "PNG")
    photo = media.check_photo(out.getvalue())
    assert photo.data[:2] == b"\xff\xd8" and photo.gps is None


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.4 not a photo", b"GIF89a" + b"\x00" * 100, b"\xff\xd8\xff\xe0" + b"broken" * 50],
)
def test_non_photos_are_refused(data):
    with pytest.raises(UserError) as caught:
        media.check_photo(data)
    assert caught.value.field == "photo"


def test_gif_is_refused_by_content_not_name():
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(UserError):
        media.check_photo(out.getvalue())


def test_huge_file_is_refused_before_decoding():
    with pytest.raises(UserError) as caught:
        media.check_photo(b"\xff\xd8" + b"0" * (50 * 1024 * 1024))
    assert "large" in caught.value.message.msgid


def test_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")  # small file, 400 megapixels
    assert len(out.getvalue()) < media.MAX_PHOTO_BYTES
    with pytest.raises(UserError) as caught:
        media.check_photo(out.getvalue())
    assert "pixels" in caught.value.message.msgid


def test_voice_note_duration_is_read():
    assert media.check_audio(silent_wav(3.0)).seconds == pytest.approx(3.0, abs=0.05)


def test_twenty_minute_voice_note_is_refused():
    with pytest.raises(UserError) as caught:
        media.check_audio(silent_wav(20 * 60, rate=4000))
    assert caught.value.field == "voice"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"RIFF" + b"\x00" * 10,
        b"OggS" + b"\x00" * 100,
        b"RIFF" + struct.pack("<I", 36) + b"WAVEjunk" + b"\x00" * 40,
    ],
)
def test_corrupt_audio_is_refused(data):
    with pytest.raises(UserError):
        media.check_audio(data)


def test_store_is_content_addressed_and_stays_inside_its_folder(tmp_path):
    store = media.LocalMediaStore(tmp_path)
    photo = media.check_photo(_jpeg_with_gps(size=(300, 200)))
    first = store.save_photo(photo)
    assert store.save_photo(photo) == first
    assert store.read(first[0]) == photo.data
    assert store.read("../../etc/passwd") is None


def test_large_png_gets_its_own_message_before_decoding():
    """A PNG is decoded whole: 20 MP would cost ~240 MB; refused with the safe-size message."""
    out = io.BytesIO()
    Image.new("RGB", (5000, 4000), "white").save(out, "PNG")
    with pytest.raises(UserError) as caught:
        media.check_photo(out.getvalue())
    assert caught.value.message.msgid.startswith("This PNG or WebP picture is too large")
    assert caught.value.message.params == {"mp": 16}


def test_large_jpeg_is_decoded_at_a_reduced_scale():
    out = io.BytesIO()
    Image.new("RGB", (7000, 5000), (120, 130, 140)).save(out, "JPEG", quality=60)
    started = time.perf_counter()
    photo = media.check_photo(out.getvalue())
    assert max(photo.width, photo.height) == media.STORED_LONG_SIDE
    assert time.perf_counter() - started < 3  # a whole 35 MP decode + resize took longer
