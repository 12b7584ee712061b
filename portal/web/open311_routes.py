"""Open311 GeoReport v2 under /open311/v2/ (the protocol lives in portal.open311)."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import open311
from portal.api_keys import ApiRefusal, authenticate
from portal.grids import GridIndex
from portal.media import store_for
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


def _get(root: str, item: str, produce: Callable) -> Callable:
    """A GET endpoint: `produce(db, name, params, community)`; `name` is the path's
    {name} without its .json/.xml ending (None on routes whose path ends in .{fmt})."""

    async def endpoint(request: Request) -> Response:
        if "name" in request.path_params:
            name, fmt = _split(request.path_params["name"])
        else:
            name, fmt = None, request.path_params["fmt"]
        params = dict(request.query_params)
        return await off_loop(
            _reply, fmt, root, item, lambda db, community: produce(db, name, params, community)
        )

    return endpoint


_list_requests = _get(
    "service_requests",
    "request",
    lambda db, _name, params, community: open311.service_requests(db, params, community),
)


async def requests(request: Request) -> Response:
    if request.method == "POST":
        body = await request.body()
        return await off_loop(_post, request, request.path_params["fmt"], body)
    return await _list_requests(request)


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
        store = store_for(settings())
        return open311.create_request(
            db, GridIndex.load(db), store, key, fields, community, path=request.url.path, raw=raw
        )

    return _reply(fmt, "service_requests", "request", produce)


ROUTES = [
    Route(
        "/open311/v2/services.{fmt}",
        _get("services", "service", lambda db, _n, p, c: open311.services(db, p, c)),
        methods=["GET"],
    ),
    Route(
        "/open311/v2/services/{name}",
        _get(
            "service_definition",
            "attribute",
            lambda db, code, p, c: open311.service_definition(db, code, p, c),
        ),
        methods=["GET"],
    ),
    Route("/open311/v2/requests.{fmt}", requests, methods=["GET", "POST"]),
    Route(
        "/open311/v2/requests/{name}",
        _get(
            "service_requests",
            "request",
            lambda db, rid, p, c: open311.service_request(db, rid, p, c),
        ),
        methods=["GET"],
    ),
    Route(
        "/open311/v2/tokens/{name}",
        _get("service_requests", "request", lambda db, value, p, c: open311.token(db, value, p, c)),
        methods=["GET"],
    ),
]
