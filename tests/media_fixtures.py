"""Fixtures that run a test against each media store: the local folder and an S3-compatible bucket
on moto's standalone server (tests/s3_stand_in.py), over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from portal.config import load_settings
from portal.media_store import LocalMediaStore, MediaStore, store_for
from tests.s3_stand_in import StandIn, moto_s3

MEDIA_KINDS = ("local", "s3")


@pytest.fixture(scope="session")
def s3_stand_in() -> Iterator[StandIn]:
    with moto_s3() as stand_in:
        yield stand_in


@pytest.fixture(params=MEDIA_KINDS)
def media_kind(request) -> str:
    return request.param


@pytest.fixture
def media_env(media_kind, request, tmp_path, monkeypatch) -> MediaStore:
    """The store the portal is configured with in this test (LINLI_* set in the environment):
    a folder under tmp_path, or a fresh bucket of its own on the stand-in."""
    monkeypatch.setenv("LINLI_MEDIA_DIR", str(tmp_path / "media"))
    if media_kind == "local":
        monkeypatch.setenv("LINLI_MEDIA_STORE", "local")
        return LocalMediaStore(tmp_path / "media")
    stand_in: StandIn = request.getfixturevalue("s3_stand_in")
    for name, value in stand_in.env(stand_in.new_bucket()).items():
        monkeypatch.setenv(name, value)
    return store_for(load_settings())
