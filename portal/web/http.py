"""What the portal's HTTP routes share: a database session, the api key of a request, running
the (synchronous) services off the event loop, and counting answers for /metrics."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from sqlmodel import Session, col, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from db.engine import get_engine
from db.models import Grid
from portal import metrics
from portal.config import Settings, load_settings

T = TypeVar("T")


def settings() -> Settings:
    return load_settings()


def session() -> Session:
    return Session(get_engine(settings().database_url), expire_on_commit=False)


def community_code(db: Session) -> str:
    """The community's own grid code: Open311's jurisdiction_id and the MQTT topic's community."""
    return (
        db.exec(
            select(Grid.code).where(col(Grid.kind) == "community").order_by(col(Grid.id))
        ).first()
        or ""
    )


async def off_loop(work: Callable[..., T], *args: object) -> T:
    return await run_in_threadpool(work, *args)


def api_key_of(request: Request, fields: Mapping[str, str] | None = None) -> str:
    """The key from X-Api-Key, Authorization: Bearer, the body's api_key or the query's."""
    header = request.headers.get("x-api-key") or ""
    bearer = request.headers.get("authorization") or ""
    if not header and bearer.lower().startswith("bearer "):
        header = bearer[7:]
    return (
        header.strip()
        or (fields or {}).get("api_key", "")
        or request.query_params.get("api_key", "")
    )


def answer(route: str, body: bytes | str, media_type: str, status: int = 200) -> Response:
    metrics.count_http(route, status)
    return Response(body, status_code=status, media_type=media_type)
