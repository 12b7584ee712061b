"""GET /health (JSON, 200 or 503) and GET /metrics (Prometheus text). Streamlit keeps its own
bare /healthz and /_stcore/health."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from db.engine import get_engine
from portal import health, metrics
from portal.web.http import answer, off_loop, session, settings

PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def _health() -> Response:
    config = settings()
    state = health.check(
        get_engine(config.database_url),
        config.database_url,
        heartbeat_max_seconds=config.health_heartbeat_seconds,
    )
    return answer(
        "health", json.dumps(state.as_json()), "application/json", 200 if state.ok else 503
    )


def _metrics() -> Response:
    with session() as db:
        text = metrics.render(db)
    return answer("metrics", text, PROMETHEUS_TEXT)


async def health_check(_request: Request) -> Response:
    return await off_loop(_health)


async def metrics_text(_request: Request) -> Response:
    return await off_loop(_metrics)


ROUTES = [
    Route("/health", health_check, methods=["GET"]),
    Route("/api/health", health_check, methods=["GET"]),
    Route("/metrics", metrics_text, methods=["GET"]),
]
