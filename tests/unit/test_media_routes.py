"""The portal's own media route: a report's photo and voice note only for those who may read the
report, with the login cookie checked on every request (SQLite and PostgreSQL; media in a local
folder and in an S3-compatible bucket on moto's standalone server)."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from db.models import GridDuty, User
from db.models_reports import ReportCategory, ReportMedia
from portal import auth, media, reports
from portal.grids import GridIndex
from portal.media_access import allowed_file, media_path
from portal.web.media_routes import ROUTES, SESSION_COOKIE
from tests.audio_samples import tone_wav


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def filed(demo_session, demo_url, media_env, monkeypatch):
    """A report with a photo and a voice note, kept in the configured store (folder or S3)."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    s = demo_session
    users = {u.username: u for u in s.exec(select(User))}
    elder = users["zhang_nainai"]
    index = GridIndex.load(s)
    centre = index.shapes[elder.home_grid_id].representative_point()
    category = s.exec(select(ReportCategory).where(ReportCategory.code == "lighting")).one()
    report = reports.submit(
        s,
        index,
        media_env,
        reporter_id=elder.id,
        category_id=category.id,
        description="楼道灯坏了",
        lat=centre.y,
        lon=centre.x,
        photo=media.check_photo(_jpeg()),
        audio=media.check_audio(tone_wav(1.0)),
    )
    rows = {
        m.kind: m for m in s.exec(select(ReportMedia).where(ReportMedia.report_id == report.id))
    }
    own_chief = s.exec(
        select(GridDuty.user_id).where(
            GridDuty.grid_id == elder.home_grid_id, GridDuty.duty == "micro_chief"
        )
    ).first()
    other_chief = s.exec(
        select(GridDuty.user_id).where(
            GridDuty.grid_id != elder.home_grid_id, GridDuty.duty == "micro_chief"
        )
    ).first()
    readers = {
        "reporter": elder,
        "own_chief": s.get(User, own_chief),
        "staff": users["staff01"],
        "other_chief": s.get(User, other_chief),
        "handler": users["handler_city"],
        "neighbour": users["aygul"],
    }
    return s, index, rows, readers


ALLOWED = {"reporter", "own_chief", "staff"}


def test_who_may_open_a_report_photo_and_voice_note(filed):
    s, index, rows, readers = filed
    for name, user in readers.items():
        for row in rows.values():
            found = allowed_file(s, index, user, "report", row.id)
            assert (found is not None) == (name in ALLOWED), (name, row.kind)
    assert allowed_file(s, index, None, "report", rows["photo"].id) is None
    assert allowed_file(s, index, readers["staff"], "report", 2**31 - 1) is None


def test_route_checks_the_login_cookie_on_every_request(filed):
    s, _index, rows, readers = filed
    client = TestClient(Starlette(routes=ROUTES))
    photo, voice = media_path("report", rows["photo"].id), media_path("report", rows["audio"].id)
    assert client.get(photo).status_code == 401  # no cookie (Streamlit's /media/ answers this)
    client.cookies.set(SESSION_COOKIE, "forged")
    assert client.get(voice).status_code == 401
    for name, user in readers.items():
        client.cookies.set(SESSION_COOKIE, auth.issue_login_token(s, user.id, days=1))
        for path, kind in ((photo, "image/jpeg"), (voice, "audio/wav")):
            answer = client.get(path)
            if name in ALLOWED:
                assert answer.status_code == 200, (name, path)
                assert answer.headers["content-type"].startswith(kind)
                assert answer.headers["cache-control"] == "private, no-store"
                assert len(answer.content) > 100
            else:
                assert answer.status_code == 404 and not answer.content, (name, path)
    client.cookies.set(SESSION_COOKIE, auth.issue_login_token(s, readers["staff"].id, days=1))
    thumb = client.get(media_path("report", rows["photo"].id, thumb=True))
    assert thumb.status_code == 200 and len(thumb.content) < len(client.get(photo).content)
    for odd in ("²", "99999999999999999999", "-1", "abc"):
        assert client.get(f"/files/report/{odd}").status_code == 404
    assert client.get(f"/files/other/{rows['photo'].id}").status_code == 404


def test_route_streams_from_the_configured_store_and_refuses_the_same_way(
    filed, media_env, media_kind, tmp_path
):
    """With LINLI_MEDIA_STORE=s3 the photo lives only in the bucket (nothing under the media
    folder) and reaches an allowed reader over the route; others get 404; gone from the store, 404."""
    s, _index, rows, readers = filed
    photo = rows["photo"]
    stored = media_env.get(photo.path)
    assert stored is not None and stored[:2] == b"\xff\xd8"
    assert (tmp_path / "media").exists() == (media_kind == "local")
    client = TestClient(Starlette(routes=ROUTES))
    client.cookies.set(SESSION_COOKIE, auth.issue_login_token(s, readers["own_chief"].id, days=1))
    answer = client.get(media_path("report", photo.id))
    assert answer.status_code == 200 and answer.content == stored
    assert answer.headers["cache-control"] == "private, no-store"
    client.cookies.set(SESSION_COOKIE, auth.issue_login_token(s, readers["neighbour"].id, days=1))
    assert client.get(media_path("report", photo.id)).status_code == 404
    client.cookies.clear()
    assert client.get(media_path("report", photo.id)).status_code == 401
    client.cookies.set(SESSION_COOKIE, auth.issue_login_token(s, readers["staff"].id, days=1))
    assert media_env.delete(photo.path) is True
    assert client.get(media_path("report", photo.id)).status_code == 404
