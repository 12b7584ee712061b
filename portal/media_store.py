"""Where uploaded media lives: one `MediaStore` interface, a local folder or an S3-compatible bucket.

Media is addressed by *keys*, never by paths: a key is a relative name with `/` between parts, such
as ``photos/ab/ab12….jpg``, and is what the database stores (report_media.path, wish.photo_path,
voice_note.path, …). `LocalMediaStore` keeps today's layout (the key is the path below
LINLI_MEDIA_DIR), so existing folders keep working; `S3MediaStore` keeps the same keys below a
prefix in a bucket (AWS S3, MinIO, Ceph RGW, …), which several processes on several machines share.

`store_for(settings)` gives the configured store (LINLI_MEDIA_STORE=local|s3), one per process.
Only the bytes go through the store; who may open a file is decided by portal.media_access.
"""

from __future__ import annotations

import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Protocol

if TYPE_CHECKING:
    from portal.config import Settings
    from portal.media import Audio, Photo

CHUNK = 64 * 1024


class Readable(Protocol):
    """What `MediaStore.open` hands back: read it (in chunks) and close it."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


def valid_key(key: object) -> bool:
    """A relative name below the store: no absolute path, no `..`, no backslash, no empty part."""
    if not isinstance(key, str) or not key or len(key.encode("utf-8", "surrogatepass")) > 1000:
        return False
    if "\\" in key or "\x00" in key or key.startswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in key.split("/"))


def _checked(key: str) -> str:
    if not valid_key(key):
        raise ValueError(f"not a media key: {key!r}")
    return key


class MediaStore(ABC):
    """Bytes by key. put/open/get/delete/exists are the interface; the rest builds on them."""

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key` (replacing what was there); readers never see half a file."""

    @abstractmethod
    def open(self, key: str) -> Readable | None:
        """A stream of the stored bytes (the caller closes it), or None when there is no such key."""

    @abstractmethod
    def delete(self, key: str) -> bool:
        """Remove the key; False when it did not exist."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    def get(self, key: str) -> bytes | None:
        """All the stored bytes, or None (no such key, or not a valid key)."""
        if not valid_key(key):
            return None
        stream = self.open(key)
        if stream is None:
            return None
        try:
            return stream.read()
        finally:
            stream.close()

    read = get  # the name every caller used before there were several stores

    def chunks(self, key: str, size: int = CHUNK) -> Iterator[bytes] | None:
        """The stored bytes in pieces of at most `size` (for streaming a response), or None."""
        stream = self.open(key) if valid_key(key) else None
        if stream is None:
            return None

        def pieces() -> Iterator[bytes]:
            try:
                while piece := stream.read(size):
                    yield piece
            finally:
                stream.close()

        return pieces()

    # --- content-addressed saving (the same content twice is stored once) ----------------------

    def put_new(self, key: str, data: bytes) -> str:
        """Store content named by its hash unless that key is already there; returns the key."""
        if not self.exists(key):
            self.put(key, data)
        return key

    def save_photo(self, photo: Photo) -> tuple[str, str]:
        h = photo.sha256
        return (
            self.put_new(f"photos/{h[:2]}/{h}.jpg", photo.data),
            self.put_new(f"photos/{h[:2]}/{h}.thumb.jpg", photo.thumb),
        )

    def save_audio(self, audio: Audio) -> str:
        from portal.media import AUDIO_SUFFIXES

        h = audio.sha256
        return self.put_new(f"audio/{h[:2]}/{h}{AUDIO_SUFFIXES[audio.content_type]}", audio.data)

    def save_document(self, data: bytes, sha256: str) -> str:
        """A checked PDF document (see portal.council.attachments), named by its content hash."""
        return self.put_new(f"documents/{sha256[:2]}/{sha256}.pdf", data)


class LocalMediaStore(MediaStore):
    """Files under one folder; the key is the path below it (the layout of LINLI_MEDIA_DIR)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path | None:
        if not valid_key(key):
            return None
        path = (self.root / key).resolve()
        return path if self.root.resolve() in path.parents else None

    def put(self, key: str, data: bytes) -> None:
        path = self._path(_checked(key))
        if path is None:
            raise ValueError(f"not a media key: {key!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        # a temporary name of its own: two sessions saving the same content at once must not move
        # each other's half-written file
        tmp = path.with_name(f"{path.name}.{secrets.token_hex(8)}.part")
        tmp.write_bytes(data)
        tmp.replace(path)

    def open(self, key: str) -> BinaryIO | None:
        path = self._path(key)
        if path is None:
            return None
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def delete(self, key: str) -> bool:
        path = self._path(key)
        if path is None or not path.is_file():
            return False
        path.unlink(missing_ok=True)
        return True

    def exists(self, key: str) -> bool:
        path = self._path(key)
        return path is not None and path.is_file()


class S3MediaStore(MediaStore):
    """Objects in an S3-compatible bucket (boto3), named `prefix + key`."""

    def __init__(
        self,
        bucket: str,
        *,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        client: Any = None,
    ) -> None:
        if not bucket:
            raise ValueError("S3 media store needs a bucket (LINLI_S3_BUCKET)")
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        if client is None:
            import boto3
            from botocore.config import Config

            client = boto3.session.Session().client(
                "s3",
                endpoint_url=endpoint_url or None,
                region_name=region or None,
                aws_access_key_id=access_key_id or None,
                aws_secret_access_key=secret_access_key or None,
                config=Config(
                    retries={"max_attempts": 3, "mode": "standard"},
                    connect_timeout=5,
                    read_timeout=30,
                    max_pool_connections=20,
                    s3={"addressing_style": "path"} if endpoint_url else {},
                ),
            )
        self.client = client

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    @staticmethod
    def _missing(error: Exception) -> bool:
        code = str(getattr(error, "response", {}).get("Error", {}).get("Code", ""))
        return code in ("404", "NoSuchKey", "NotFound")

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)

    def open(self, key: str) -> Readable | None:
        from botocore.exceptions import ClientError

        if not valid_key(key):
            return None
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if self._missing(error):
                return None
            raise
        return answer["Body"]

    def delete(self, key: str) -> bool:
        if not self.exists(key):
            return False
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        return True

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        if not valid_key(key):
            return False
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if self._missing(error):
                return False
            raise
        return True


_STORES: dict[tuple[Any, ...], MediaStore] = {}
_LOCK = threading.Lock()


def store_for(where: Settings | MediaStore | Path | None = None) -> MediaStore:
    """The media store: a store as given, a folder as a LocalMediaStore, else the configured one
    (from `where` as Settings, or the environment). One S3 client per process and configuration."""
    if isinstance(where, MediaStore):
        return where
    if isinstance(where, (Path, str)):
        return LocalMediaStore(where)
    if where is None:
        from portal.config import load_settings

        where = load_settings()
    if where.media_store != "s3":
        return LocalMediaStore(where.media_dir)
    config = (
        where.s3_bucket,
        where.s3_prefix,
        where.s3_endpoint_url,
        where.s3_region,
        where.s3_access_key_id,
        where.s3_secret_access_key,
    )
    with _LOCK:
        store = _STORES.get(config)
        if store is None:
            bucket, prefix, endpoint, region, key_id, secret = config
            store = S3MediaStore(
                bucket,
                prefix=prefix,
                endpoint_url=endpoint,
                region=region,
                access_key_id=key_id,
                secret_access_key=secret,
            )
            _STORES[config] = store
        return store


__all__ = [
    "LocalMediaStore",
    "MediaStore",
    "Readable",
    "S3MediaStore",
    "store_for",
    "valid_key",
]
