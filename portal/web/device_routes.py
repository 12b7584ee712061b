"""POST /api/devices/events: device gateways that speak HTTP send the same JSON as over MQTT
(an object per event or an array; each event names its "device"), with a "devices" api key in
X-Api-Key or Authorization: Bearer. The whole body is taken or, if any event is bad, refused."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import dead_letters
from portal.api_keys import ApiRefusal, authenticate
from portal.devices import DeviceMessage, intake_messages
from portal.grids import GridIndex
from portal.i18n import translate
from portal.web.http import answer, api_key_of, community_code, off_loop, session

ROUTE = "devices"
MAX_BODY = 1_000_000


def _json(status: int, data: object) -> Response:
    return answer(ROUTE, json.dumps(data, ensure_ascii=False), "application/json", status)


def _error(status: int, msgid: str, params: dict) -> Response:
    return _json(status, [{"code": status, "description": translate("en", msgid, **params)}])


def _take(request: Request, raw: bytes) -> Response:
    path = request.url.path
    with session() as db:
        try:
            key = authenticate(db, api_key_of(request), "devices")
        except ApiRefusal as refusal:
            if refusal.log:
                dead_letters.record(
                    db, source="http_devices", topic=path, payload=raw, reason=refusal.message
                )
            return _error(refusal.status, refusal.message.msgid, refusal.message.params)
        message = DeviceMessage(path, raw[:MAX_BODY], source="http_devices", api_key_id=key.id)
        if len(raw) > MAX_BODY:
            return _error(413, "The request is too large (at most {n} bytes).", {"n": MAX_BODY})
        result = intake_messages(db, GridIndex.load(db), [message], community=community_code(db))
    if result.refused:
        reason = result.refused[0][1]
        return _error(400, reason.msgid, reason.params)
    return _json(
        200,
        {
            "taken": result.taken,
            "duplicates": result.duplicates,
            "alarms_opened": len(result.alarms_opened),
            "alarms_closed": len(result.alarms_closed),
        },
    )


async def device_events(request: Request) -> Response:
    raw = await request.body()
    return await off_loop(_take, request, raw)


ROUTES = [Route("/api/devices/events", device_events, methods=["POST"])]
