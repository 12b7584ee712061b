"""One suite for every media store: the local folder and an S3-compatible bucket on moto's
standalone server (its own process on 127.0.0.1, real HTTP; tests/s3_stand_in.py)."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
from PIL import Image

from portal import media
from portal.config import load_settings
from portal.media_store import LocalMediaStore, MediaStore, S3MediaStore, store_for, valid_key
from tests.media_fixtures import MEDIA_KINDS


@pytest.fixture(params=MEDIA_KINDS)
def store(request, tmp_path) -> MediaStore:
    if request.param == "local":
        return LocalMediaStore(tmp_path / "media")
    return request.getfixturevalue("s3_stand_in").store()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def test_put_get_exists_and_overwrite(store):
    assert not store.exists("photos/ab/one.jpg")
    store.put("photos/ab/one.jpg", b"first")
    assert store.exists("photos/ab/one.jpg")
    assert store.get("photos/ab/one.jpg") == b"first"
    assert store.read("photos/ab/one.jpg") == b"first"  # the name older callers use
    store.put("photos/ab/one.jpg", b"second")
    assert store.get("photos/ab/one.jpg") == b"second"
    store.put("photos/ab/empty.bin", b"")
    assert store.exists("photos/ab/empty.bin") and store.get("photos/ab/empty.bin") == b""


def test_delete_and_missing_keys(store):
    store.put("audio/cd/note.wav", b"RIFF....")
    assert store.delete("audio/cd/note.wav") is True
    assert store.delete("audio/cd/note.wav") is False
    for missing in ("audio/cd/note.wav", "never/was/here.jpg", "audio/cd"):
        assert store.get(missing) is None
        assert store.open(missing) is None
        assert store.chunks(missing) is None
        assert store.exists(missing) is False


def test_keys_that_leave_the_store_are_refused(store, tmp_path):
    (tmp_path / "secret.txt").write_text("not media")
    for bad in ("../secret.txt", "/etc/passwd", "a/../../secret.txt", "a\\b", "", "a//b", "./a"):
        assert not valid_key(bad)
        assert store.get(bad) is None and store.exists(bad) is False
        assert store.delete(bad) is False
        with pytest.raises(ValueError):
            store.put(bad, b"x")
    assert (tmp_path / "secret.txt").read_text() == "not media"


def test_large_object_round_trips_and_streams_in_chunks(store):
    data = os.urandom(20 * 1024 * 1024 + 17)  # more than any upload the portal accepts (15 MB)
    store.put("documents/ef/big.pdf", data)
    assert hashlib.sha256(store.get("documents/ef/big.pdf")).digest() == (
        hashlib.sha256(data).digest()
    )
    pieces = list(store.chunks("documents/ef/big.pdf", size=1024 * 1024))
    assert len(pieces) >= 20 and all(len(p) <= 1024 * 1024 for p in pieces)
    assert b"".join(pieces) == data


@pytest.mark.parametrize(
    "key",
    [
        "clips/照片/路灯坏了.wav",
        "photos/ཀ/བོད་ཡིག.jpg",
        "audio/ئۇ/يغۇر ئاۋاز.mp3",
        "x/ꆈꌠ+%20&?.png",
    ],
)
def test_keys_with_unicode_spaces_and_url_characters(store, key):
    store.put(key, key.encode("utf-8"))
    assert store.exists(key) and store.get(key) == key.encode("utf-8")
    assert store.delete(key) and not store.exists(key)


def test_content_addressed_saving_is_the_same_on_every_store(store):
    photo = media.check_photo(_jpeg())
    first = store.save_photo(photo)
    assert store.save_photo(photo) == first
    h = photo.sha256
    assert first == (f"photos/{h[:2]}/{h}.jpg", f"photos/{h[:2]}/{h}.thumb.jpg")
    assert store.get(first[0]) == photo.data and store.get(first[1]) == photo.thumb
    audio = media.Audio(b"RIFF-audio", "audio/wav", 1.0, hashlib.sha256(b"RIFF-audio").hexdigest())
    key = store.save_audio(audio)
    assert key == f"audio/{audio.sha256[:2]}/{audio.sha256}.wav"
    assert store.get(key) == b"RIFF-audio"
    doc = store.save_document(b"%PDF-1.4", "ab" * 32)
    assert doc == f"documents/ab/{'ab' * 32}.pdf" and store.get(doc) == b"%PDF-1.4"


def test_local_store_keeps_todays_folder_layout(tmp_path):
    """Media saved before the store existed (a file below LINLI_MEDIA_DIR) is read by its key, and
    what the store saves lands at the same path, with no half-written files left over."""
    root = tmp_path / "media"
    (root / "photos" / "12").mkdir(parents=True)
    (root / "photos" / "12" / "old.jpg").write_bytes(b"old photo")
    local = LocalMediaStore(root)
    assert local.get("photos/12/old.jpg") == b"old photo"
    local.put("voice/aa/new.wav", b"new")
    assert (root / "voice" / "aa" / "new.wav").read_bytes() == b"new"
    assert not list(root.rglob("*.part"))


def test_s3_store_keeps_keys_below_its_prefix(s3_stand_in):
    bucket = s3_stand_in.new_bucket()
    store = s3_stand_in.store(bucket, prefix="/district-7/")
    store.put("photos/ab/x.jpg", b"x")
    listed = s3_stand_in.client().list_objects_v2(Bucket=bucket)["Contents"]
    assert [item["Key"] for item in listed] == ["district-7/photos/ab/x.jpg"]
    other = s3_stand_in.store(bucket, prefix="")
    assert other.get("photos/ab/x.jpg") is None
    assert other.get("district-7/photos/ab/x.jpg") == b"x"


def test_s3_store_answers_other_errors_instead_of_missing(s3_stand_in):
    """A missing bucket is a configuration fault: it raises, it is not a missing photo."""
    from botocore.exceptions import ClientError

    store = s3_stand_in.store("no-such-bucket-here")
    with pytest.raises(ClientError):
        store.put("a/b.jpg", b"x")
    with pytest.raises(ClientError):
        store.get("a/b.jpg")


def test_the_store_is_chosen_by_settings(tmp_path, s3_stand_in):
    local = store_for(load_settings({"LINLI_MEDIA_DIR": str(tmp_path)}))
    assert isinstance(local, LocalMediaStore) and local.root == tmp_path
    assert isinstance(store_for(tmp_path), LocalMediaStore)
    env = s3_stand_in.env(s3_stand_in.new_bucket(), prefix="p/")
    s3 = store_for(load_settings(env))
    assert isinstance(s3, S3MediaStore) and s3.prefix == "p/"
    assert store_for(load_settings(env)) is s3  # one client per process and configuration
    assert store_for(s3) is s3
    assert isinstance(store_for(load_settings({"LINLI_MEDIA_STORE": "ftp"})), LocalMediaStore)
    with pytest.raises(ValueError):
        store_for(load_settings({"LINLI_MEDIA_STORE": "s3"}))  # s3 without a bucket
