"""Media store figures: put and get p50/p95 and throughput for 1 KB, 200 KB and 5 MB objects,
on the local folder and on an S3-compatible bucket.

    .venv/bin/python bench/media_store.py [--rounds N]

The S3 figures are against moto's standalone server (`moto.server`, started here on 127.0.0.1 as a
process of its own, spoken to over HTTP by boto3): a STAND-IN, NOT A REAL S3. moto keeps objects
in Python memory and parses every request in Python, so its figures measure the client's HTTP and
signing cost plus moto's, and say nothing about Amazon S3, MinIO or Ceph (their network and disks).
Use them to see the per-request overhead of the S3 path, not to size a deployment.
Prints figures, asserts nothing. Local figures include the page cache (files just written).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portal.media_store import LocalMediaStore, MediaStore  # noqa: E402
from tests.s3_stand_in import moto_s3  # noqa: E402

SIZES = (("1 KB", 1024), ("200 KB", 200 * 1024), ("5 MB", 5 * 1024 * 1024))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(store: MediaStore, size: int, rounds: int) -> dict[str, float]:
    data = os.urandom(size)
    keys = [f"bench/{size}/{i:05d}-照片.bin" for i in range(rounds)]
    puts, gets = [], []
    for key in keys:
        start = time.perf_counter()
        store.put(key, data)
        puts.append(time.perf_counter() - start)
    for key in keys:
        start = time.perf_counter()
        got = store.get(key)
        gets.append(time.perf_counter() - start)
        assert got is not None and len(got) == size
    for key in keys:
        store.delete(key)
    mb = size * rounds / 1e6
    return {
        "put_p50": _pct(puts, 0.5) * 1000,
        "put_p95": _pct(puts, 0.95) * 1000,
        "put_mb_s": mb / sum(puts),
        "put_ops": rounds / sum(puts),
        "get_p50": _pct(gets, 0.5) * 1000,
        "get_p95": _pct(gets, 0.95) * 1000,
        "get_mb_s": mb / sum(gets),
        "get_ops": rounds / sum(gets),
    }


def rounds_for(size: int, rounds: int) -> int:
    return max(10, rounds // 10) if size >= 1024 * 1024 else rounds


def report(name: str, store: MediaStore, rounds: int) -> None:
    store.put("bench/warm-up", b"x")  # first connection, client set-up
    store.get("bench/warm-up")
    for label, size in SIZES:
        n = rounds_for(size, rounds)
        f = measure(store, size, n)
        print(
            f"{name:<22} {label:>6} ×{n:<4} "
            f"put p50 {f['put_p50']:6.2f} p95 {f['put_p95']:6.2f} ms "
            f"{f['put_ops']:6.0f}/s {f['put_mb_s']:6.1f} MB/s | "
            f"get p50 {f['get_p50']:6.2f} p95 {f['get_p95']:6.2f} ms "
            f"{f['get_ops']:6.0f}/s {f['get_mb_s']:6.1f} MB/s"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="objects per size (5 MB: /10)")
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; one client, one request at a time"
    )
    with tempfile.TemporaryDirectory(prefix="linli-media-bench-") as folder:
        report("local folder", LocalMediaStore(Path(folder) / "media"), args.rounds)
    with moto_s3() as stand_in:
        report("S3 (moto stand-in)", stand_in.store(), args.rounds)
    print(
        "S3 figures: moto's standalone server on 127.0.0.1, a stand-in, NOT a real S3 "
        "(objects in Python memory; no network, no disks)."
    )


if __name__ == "__main__":
    main()
