"""The portal's own media route: photos and voice notes served only to those allowed to see them,
with the login cookie checked on every request (Streamlit's /media/<id> URLs answer anyone who has
the URL). `ROUTES` is added to the st.App's routes by portal/web/__init__.py.

GET /files/{kind}/{id}[?thumb=1]   kind: portal.media_access.KINDS
  401 without a valid login, 404 when the file does not exist or is not the reader's to see (the
  same answer, so ids cannot be probed), else the bytes with `Cache-Control: private, no-store`,
  streamed from the configured media store (a local folder or an S3 bucket, portal.media_store).
  A voice note, whose hash is checked before it is played, is read whole first.
"""

from __future__ import annotations

import hashlib
from urllib.parse import quote

from sqlmodel import Session
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from db.engine import get_engine
from portal import auth
from portal.config import load_settings
from portal.grids import GridIndex
from portal.media_access import KINDS, allowed_file, thumb_of
from portal.media_store import store_for

SESSION_COOKIE = "linli_session"
PRIVATE = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def _plain(status: int) -> Response:
    return Response(status_code=status, headers=PRIVATE)


def serve_media(request: Request) -> Response:
    kind, raw_id = request.path_params["kind"], request.path_params["media_id"]
    if kind not in KINDS or not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 10:
        return _plain(404)
    settings = load_settings()
    with Session(get_engine(settings.database_url)) as session:
        user = auth.user_for_token(session, request.cookies.get(SESSION_COOKIE))
        if user is None:
            return _plain(401)
        found = allowed_file(session, GridIndex.load(session), user, kind, int(raw_id))
        path = found.path if found else None
        if found and request.query_params.get("thumb") == "1":
            path = thumb_of(session, kind, int(raw_id)) or found.path
    if found is None or not path:
        return _plain(404)
    store = store_for(settings)
    whole = path == found.path
    headers = dict(PRIVATE)
    if whole and found.file_name:  # a PDF is downloaded under its safe name, never shown inline
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(found.file_name)}"
    content_type = "image/jpeg" if not whole else found.content_type
    if whole and found.sha256:
        data = store.get(path)
        if data is None or hashlib.sha256(data).hexdigest() != found.sha256:
            return _plain(404)
        return Response(data, media_type=content_type, headers=headers)
    pieces = store.chunks(path)
    if pieces is None:
        return _plain(404)
    return StreamingResponse(pieces, media_type=content_type, headers=headers)


ROUTES = [Route("/files/{kind}/{media_id}", serve_media, methods=["GET"])]
