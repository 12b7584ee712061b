"""Against a running portal (serve.py): a report's voice note and photo reach the page through the
portal's own /files route, never a Streamlit /media/<id> URL. The micro-grid chief who may read the
report hears the note play; the same URL answers 401 without a login cookie and 404 with another
resident's cookie."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from db.engine import dispose_engines, get_engine
from db.models import GridDuty, User
from db.models_reports import ReportCategory
from portal import media, reports
from portal.grids import GridIndex
from tests.audio_samples import tone_wav
from tests.e2e.helpers import MAIN, navigate, open_as

pytestmark = pytest.mark.e2e

PLAYER = f"{MAIN} audio.linli-private-audio"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def _media_dir(server) -> Path:
    """start_server keeps the uploads beside its SQLite file."""
    return Path(server.db_url.removeprefix("sqlite:///")).parent / "media"


def _file_report(server) -> tuple[int, str, bytes]:
    """A report with a photo and a voice note by zhang_nainai; (its id, her chief, the WAV)."""
    wav = tone_wav(1.5)
    with Session(get_engine(server.db_url)) as s:
        elder = s.exec(select(User).where(User.username == "zhang_nainai")).one()
        index = GridIndex.load(s)
        centre = index.shapes[elder.home_grid_id].representative_point()
        category = s.exec(select(ReportCategory).where(ReportCategory.code == "lighting")).one()
        report = reports.submit(
            s,
            index,
            media.LocalMediaStore(_media_dir(server)),
            reporter_id=elder.id,
            category_id=category.id,
            description="楼道灯坏了（私有媒体测试）",
            lat=centre.y,
            lon=centre.x,
            photo=media.check_photo(_jpeg()),
            audio=media.check_audio(wav),
        )
        chief = s.exec(
            select(User.username)
            .join(GridDuty, GridDuty.user_id == User.id)
            .where(GridDuty.grid_id == elder.home_grid_id, GridDuty.duty == "micro_chief")
        ).first()
        report_id = report.id
    dispose_engines()
    return report_id, chief, wav


def _get(url: str, cookie: str | None) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read(), answer.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, b"", ""


def _login_cookie(page) -> str:
    value = next(c["value"] for c in page.context.cookies() if c["name"] == "linli_session")
    return f"linli_session={value}"


def test_a_voice_note_plays_only_for_those_who_may_read_the_report(server, new_context):
    report_id, chief, wav = _file_report(server)
    handler = open_as(new_context, server, chief)
    navigate(handler, f"/report_map?report={report_id}", PLAYER)
    player = handler.locator(PLAYER).first
    src = player.get_attribute("src")
    assert src.startswith("/files/report/"), src
    seconds = player.evaluate("""a => new Promise(done => {
        if (a.readyState >= 1) return done(a.duration);
        a.addEventListener('loadedmetadata', () => done(a.duration), {once: true});
        a.addEventListener('error', () => done(-1), {once: true});
        a.load();
    })""")
    assert seconds > 1.0  # the browser played it: its length came from what the route sent
    photo = handler.locator(f'{MAIN} img[src^="/files/report/"][src$="?thumb=1"]').first
    photo.wait_for()
    assert photo.evaluate("img => img.complete && img.naturalWidth") > 0  # the photo loaded
    media_srcs = handler.locator(f"{MAIN} audio, {MAIN} img").evaluate_all(
        "els => els.map(e => e.currentSrc || e.getAttribute('src') || '')"
    )
    assert not [s for s in media_srcs if "/media/" in s or s.startswith("data:")], media_srcs

    url = server.url + src
    status, body, kind = _get(url, _login_cookie(handler))
    assert (status, kind) == (200, "audio/wav") and body == wav
    assert _get(url, None)[0] == 401
    neighbour = open_as(new_context, server, "aygul")
    assert _get(url, _login_cookie(neighbour))[0] == 404
    assert _get(server.url + photo.get_attribute("src"), _login_cookie(neighbour))[0] == 404
