"""Against a running portal (serve.py): a wish's photo, a task's proof photo and council files
reach the page through the portal's own /files route, and that route answers 401 without a login
cookie, 404 to someone not entitled and the bytes to those entitled. Before, the pages sent them
through st.image / st.download_button, i.e. Streamlit /media/<id> URLs that answer anyone."""

from __future__ import annotations

import hashlib
import io
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image
from sqlmodel import Session, select

from db.engine import dispose_engines, get_engine
from db.models import GridDuty, User
from db.models_council import CouncilItem, CouncilMeeting
from db.models_council_extras import CouncilAttachment
from db.models_points import PointsTask, TaskClaim
from db.models_wishes import Wish
from portal import auth, media
from tests.e2e.helpers import MAIN, navigate, open_as

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 60)).save(out, "JPEG")
    return out.getvalue()


def _store(server) -> media.MediaStore:
    return media.LocalMediaStore(Path(server.db_url.removeprefix("sqlite:///")).parent / "media")


def _files(server) -> tuple[dict, dict, int]:
    """{label: (url path, allowed usernames or None: everyone logged in)}, {username: cookie},
    the id of the wish on the wall."""
    store = _store(server)
    photo_path, _ = store.save_photo(media.check_photo(_jpeg()))
    sha = hashlib.sha256(PDF).hexdigest()
    with Session(get_engine(server.db_url)) as s:
        users = {u.username: u for u in s.exec(select(User))}
        hidden = s.exec(select(Wish).where(Wish.state == "open")).first()
        hidden.photo_path, hidden.state = photo_path, "hidden"
        shown = s.exec(select(Wish).where(Wish.state == "open", Wish.id != hidden.id)).first()
        shown.photo_path = photo_path
        elder = users["zhang_nainai"]
        claim = s.exec(select(TaskClaim).where(TaskClaim.user_id == elder.id)).first()
        s.get(PointsTask, claim.task_id).verifier_id = None
        claim.proof_photo = photo_path
        checker = s.exec(
            select(User.username)
            .join(GridDuty, GridDuty.user_id == User.id)
            .where(GridDuty.grid_id == elder.home_grid_id, GridDuty.duty == "micro_chief")
        ).first()
        meeting = s.exec(select(CouncilMeeting).where(CouncilMeeting.status == "published")).one()
        item = s.exec(select(CouncilItem).where(CouncilItem.meeting_id == meeting.id)).first()
        pdf = CouncilAttachment(
            item_id=item.id,
            kind="document",
            path=store.save_document(PDF, sha),
            file_name="议程.pdf",
            caption="议程说明",
            content_type="application/pdf",
            size_bytes=len(PDF),
            sha256=sha,
            uploaded_by=users["staff01"].id,
        )
        s.add_all([hidden, shown, claim, pdf])
        s.commit()
        author = s.get(User, hidden.author_id).username
        files = {
            "wish on the wall": (f"/files/wish/{shown.id}", None),
            # hidden: its author and the moderators (every grid worker, e.g. the checker)
            "hidden wish": (f"/files/wish/{hidden.id}", {author, "staff01", checker}),
            "task proof": (f"/files/proof/{claim.id}", {"zhang_nainai", checker, "staff01"}),
            "council PDF": (f"/files/council/{pdf.id}", None),
        }
        people = {author, "staff01", "zhang_nainai", checker, "tashi", "chen_shop"}
        cookies = {
            name: f"linli_session={auth.issue_login_token(s, users[name].id, days=1)}"
            for name in people
        }
        shown_id = shown.id
    dispose_engines()
    return files, cookies, shown_id


def _get(url: str, cookie: str | None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_wish_proof_and_council_files_only_for_those_allowed(server, new_context):
    files, cookies, shown_id = _files(server)
    for label, (path, allowed) in files.items():
        assert _get(server.url + path, None)[0] == 401, label
        for name, cookie in cookies.items():
            status, body = _get(server.url + path, cookie)
            if allowed is None or name in allowed:
                assert status == 200 and len(body) > 40, (label, name, status)
            else:
                assert (status, body) == (404, b""), (label, name, status)

    resident = open_as(new_context, server, "tashi")  # the page embeds the route, not /media/
    navigate(resident, f"/wish_detail?id={shown_id}", f'{MAIN} img[src^="/files/wish/"]')
    img = resident.locator(f'{MAIN} img[src^="/files/wish/{shown_id}"]').first
    assert img.evaluate("i => i.complete && i.naturalWidth") > 0
    srcs = resident.locator(f"{MAIN} img").evaluate_all("els => els.map(e => e.currentSrc)")
    assert not [s for s in srcs if "/media/" in s], srcs
