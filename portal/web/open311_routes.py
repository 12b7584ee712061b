"""Open311 GeoReport v2 under /open311/v2/ (the protocol lives in portal.open311)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import open311
from portal.api_keys import ApiRefusal, authenticate
from portal.grids import GridIndex
from portal.media import MediaStore
from portal.web.http import answer, api_key_of, community_code, off_loop, session, settings

ROUTE = "open311"


def _reply(fmt: str, root: str, item: str, produce: Callable) -> Response:
    """Runs `produce(db, community)` and renders its list, or the error list, in `fmt`."""
    try:
        open311.check_format(fmt)
        with session() as db:
            data = produce(db, community_code(db))
    except open311.Open311Error as exc:
        body, media_type = open311.render_error(exc, fmt)
        return answer(ROUTE, body, media_type, exc.status)
    body, media_type = open311.render(data, fmt, root, item)
    return answer(ROUTE, body, media_type)


def _split(name: str) -> tuple[str, str]:
    stem, dot, fmt = name.rpartition(".")
    return (stem, fmt) if dot else (name, "")


async def services(request: Request) -> Response:
    params = dict(request.query_params)
    return await off_loop(
        _reply,
        request.path_params["fmt"],
        "services",
        "service",
        lambda db, community: open311.services(db, params, community),
    )


async def service_definition(request: Request) -> Response:
    code, fmt = _split(request.path_params["name"])
    params = dict(request.query_params)
    return await off_loop(
        _reply,
        fmt,
        "service_definition",
        "attribute",
        lambda db, community: open311.service_definition(db, code, params, community),
    )


async def requests(request: Request) -> Response:
    fmt = request.path_params["fmt"]
    if request.method == "POST":
        body = await request.body()
        return await off_loop(_post, request, fmt, body)
    params = dict(request.query_params)
    return await off_loop(
        _reply,
        fmt,
        "service_requests",
        "request",
        lambda db, community: open311.service_requests(db, params, community),
    )


def _post(request: Request, fmt: str, raw: bytes) -> Response:
    def produce(db, community):
        try:
            fields = open311.parse_body(request.headers.get("content-type", ""), raw)
        except open311.Open311Error as exc:
            open311.refuse(db, exc, path=request.url.path, raw=raw, api_key_id=None)
            raise
        try:
            key = authenticate(db, api_key_of(request, fields), "open311")
        except ApiRefusal as refusal:
            error = open311.Open311Error.from_refusal(refusal)
            if refusal.log:
                open311.refuse(db, error, path=request.url.path, raw=raw, api_key_id=None)
            raise error from None
        store = MediaStore(settings().media_dir)
        return open311.create_request(
            db, GridIndex.load(db), store, key, fields, community, path=request.url.path, raw=raw
        )

    return _reply(fmt, "service_requests", "request", produce)


async def service_request(request: Request) -> Response:
    request_id, fmt = _split(request.path_params["name"])
    params = dict(request.query_params)
    return await off_loop(
        _reply,
        fmt,
        "service_requests",
        "request",
        lambda db, community: open311.service_request(db, request_id, params, community),
    )


async def token(request: Request) -> Response:
    value, fmt = _split(request.path_params["name"])
    params = dict(request.query_params)
    return await off_loop(
        _reply,
        fmt,
        "service_requests",
        "request",
        lambda db, community: open311.token(db, value, params, community),
    )


ROUTES = [
    Route("/open311/v2/services.{fmt}", services, methods=["GET"]),
    Route("/open311/v2/services/{name}", service_definition, methods=["GET"]),
    Route("/open311/v2/requests.{fmt}", requests, methods=["GET", "POST"]),
    Route("/open311/v2/requests/{name}", service_request, methods=["GET"]),
    Route("/open311/v2/tokens/{name}", token, methods=["GET"]),
]
