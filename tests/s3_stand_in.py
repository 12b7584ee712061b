"""A local S3-compatible stand-in for tests and benches: moto's standalone server (`moto.server`,
the `moto_server` command) started as a process of its own on 127.0.0.1 and a free port, spoken to
over real HTTP by boto3. It is *not* Amazon S3 or MinIO: it keeps objects in its own memory, so its
timings say nothing about a real bucket, only that the store speaks the S3 protocol correctly."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from portal.media_store import S3MediaStore

ACCESS_KEY, SECRET_KEY, REGION = "linli-test", "linli-test-secret", "us-east-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class StandIn:
    endpoint_url: str
    process: subprocess.Popen

    def client(self):
        import boto3

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> str:
        name = f"linli-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def store(self, bucket: str | None = None, prefix: str = "linli/") -> S3MediaStore:
        return S3MediaStore(
            bucket or self.new_bucket(),
            prefix=prefix,
            endpoint_url=self.endpoint_url,
            region=REGION,
            access_key_id=ACCESS_KEY,
            secret_access_key=SECRET_KEY,
        )

    def env(self, bucket: str, prefix: str = "linli/") -> dict[str, str]:
        """The LINLI_* settings that make the portal keep its media in this bucket."""
        return {
            "LINLI_MEDIA_STORE": "s3",
            "LINLI_S3_BUCKET": bucket,
            "LINLI_S3_PREFIX": prefix,
            "LINLI_S3_ENDPOINT_URL": self.endpoint_url,
            "LINLI_S3_REGION": REGION,
            "LINLI_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "LINLI_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }


@contextmanager
def moto_s3(timeout: float = 30.0) -> Iterator[StandIn]:
    """moto's server in its own process on 127.0.0.1; stopped (that process only) on exit."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {process.returncode}")
            try:
                with urllib.request.urlopen(f"{url}/moto-api/", timeout=1):  # noqa: S310
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"moto_server did not answer on {url}") from None
                time.sleep(0.1)
        yield StandIn(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
