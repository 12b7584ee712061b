"""Cold start: seconds from launching `streamlit run app.py` until /_stcore/health answers, and until
the first page (the login screen) has been rendered for a first session.

    .venv/bin/python bench/cold_start.py [--runs 3] [--scale 1]

Each run gets a fresh seeded SQLite file and a fresh process (tests/e2e/server.py), bound to
127.0.0.1 with usage statistics and the file watcher off. The first render is timed with a
websocket client speaking Streamlit's protocol (no browser). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import seed_database, start_server  # noqa: E402


def first_render(port: int, timeout: float = 60.0) -> float:
    """Seconds for a new session's first script run (rerun request → script_finished)."""
    import websocket
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws = websocket.create_connection(
        f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], timeout=timeout
    )
    try:
        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_name = ""
        started = time.perf_counter()
        ws.send_binary(back.SerializeToString())
        while True:
            payload = ws.recv()
            if isinstance(payload, str):
                continue
            message = ForwardMsg()
            message.ParseFromString(payload)
            if message.WhichOneof("type") == "script_finished":
                return time.perf_counter() - started
    finally:
        ws.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", type=int, default=1, help="demo size for portal.demo.seed")
    args = parser.parse_args(argv)

    health, renders, second = [], [], []
    with tempfile.TemporaryDirectory(prefix="linli-cold-") as tmp:
        for n in range(1, args.runs + 1):
            folder = Path(tmp) / f"run{n}"
            folder.mkdir()
            t0 = time.perf_counter()
            seed_database(f"sqlite:///{folder / 'linli.db'}", scale=args.scale)
            seeded = time.perf_counter() - t0
            with start_server(folder, env={"LINLI_TILES": "none"}, seed=False) as server:
                health.append(server.ready_after)
                renders.append(first_render(server.port))
                second.append(first_render(server.port))
            print(
                f"run {n}: seed {seeded:5.2f} s | process start → /_stcore/health {health[-1]:5.2f} s"
                f" | first session's first run {renders[-1]:5.2f} s | next session {second[-1]:5.2f} s",
                flush=True,
            )
    print(
        f"median over {args.runs} runs: health {statistics.median(health):.2f} s, "
        f"first render {statistics.median(renders):.2f} s, next session {statistics.median(second):.2f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
