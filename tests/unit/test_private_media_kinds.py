"""Wish photos, task proof photos and council files go through the portal's own media route with
the rule of portal/permissions.py: a logged-out client gets 401, someone not entitled 404, the
entitled the bytes (SQLite and PostgreSQL). Before, pages sent them with st.image / data URIs /
st.download_button, i.e. Streamlit /media/<id> URLs that answer anyone who has them."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image
from sqlmodel import select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from db.models import GridDuty, User
from db.models_council import CouncilItem, CouncilMeeting, CouncilProposal
from db.models_council_extras import CouncilAttachment
from db.models_points import PointsTask, TaskClaim
from db.models_wishes import Wish, WishEvent
from portal import auth, media
from portal.grids import GridIndex
from portal.media_access import allowed_file, media_path
from portal.web.media_routes import ROUTES, SESSION_COOKIE

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _jpeg(colour=(200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return out.getvalue()


def _user(s, username: str) -> User:
    return s.exec(select(User).where(User.username == username)).one()


@pytest.fixture
def stored(demo_session, demo_url, tmp_path, monkeypatch):
    """One file of each new kind, and who may open each (usernames)."""
    monkeypatch.setenv("DATABASE_URL", demo_url)
    monkeypatch.setenv("LINLI_MEDIA_DIR", str(tmp_path / "media"))
    s = demo_session
    store = media.LocalMediaStore(tmp_path / "media")
    photo_path, _thumb = store.save_photo(media.check_photo(_jpeg()))
    files: dict[
        str, tuple[str, int, set[str] | None]
    ] = {}  # name → (kind, id, allowed or None=all)

    wish = s.exec(select(Wish).where(Wish.state == "open")).first()
    author = s.get(User, wish.author_id)
    wish.photo_path = photo_path
    event = WishEvent(wish_id=wish.id, actor_id=author.id, kind="fulfilled", photo_path=photo_path)
    hidden = Wish(
        author_id=author.id,
        grid_id=wish.grid_id,
        title="藏起来的愿望",
        body="被管理员隐藏",
        category=wish.category,
        language="zh_Hans",
        state="hidden",
        photo_path=photo_path,
    )
    s.add_all([wish, event, hidden])
    s.flush()
    files["open_wish"] = ("wish", wish.id, None)  # on the wall: everyone logged in
    files["trail_photo"] = ("wish_event", event.id, None)
    moderators = {"staff01", "chief_g1m1", "chief_g2m1"}  # wish.moderate: every grid worker
    files["hidden_wish"] = ("wish", hidden.id, {author.username} | moderators)

    claimant = _user(s, "zhang_nainai")
    claim = s.exec(select(TaskClaim).where(TaskClaim.user_id == claimant.id)).first()
    task = s.get(PointsTask, claim.task_id)
    task.verifier_id = None
    claim.proof_photo = photo_path
    s.add_all([claim, task])
    checker = s.exec(
        select(User.username)
        .join(GridDuty, GridDuty.user_id == User.id)
        .where(GridDuty.grid_id == claimant.home_grid_id, GridDuty.duty == "micro_chief")
    ).first()
    files["proof"] = ("proof", claim.id, {"zhang_nainai", checker, "staff01"})

    staff = _user(s, "staff01")
    meeting = s.exec(select(CouncilMeeting).where(CouncilMeeting.status == "published")).first()
    item = s.exec(select(CouncilItem).where(CouncilItem.meeting_id == meeting.id)).first()
    pdf_path = store.save_document(PDF, hashlib.sha256(PDF).hexdigest())
    on_item = CouncilAttachment(
        item_id=item.id,
        kind="document",
        path=pdf_path,
        file_name="议程.pdf",
        caption="议程说明",
        content_type="application/pdf",
        size_bytes=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        uploaded_by=staff.id,
    )
    proposer = _user(s, "tashi")
    declined = CouncilProposal(
        meeting_id=meeting.id,
        author_id=proposer.id,
        title="被退回的议案",
        body="理由",
        status="declined",
        reason="重复",
    )
    s.add(declined)
    s.flush()
    photo = media.check_photo(_jpeg((10, 90, 160)))
    council_photo, council_thumb = store.save_photo(photo)
    on_declined = CouncilAttachment(
        proposal_id=declined.id,
        kind="photo",
        path=council_photo,
        thumb_path=council_thumb,
        file_name="photo.jpg",
        caption="门口",
        content_type="image/jpeg",
        size_bytes=len(photo.data),
        sha256=photo.sha256,
        uploaded_by=proposer.id,
    )
    s.add_all([on_item, on_declined])
    s.commit()
    files["council_item_pdf"] = ("council", on_item.id, None)
    files["declined_proposal_photo"] = ("council", on_declined.id, {"tashi", "staff01"})
    people = {u: _user(s, u) for u in ("zhang_nainai", "aygul", "tashi", "staff01", "chief_g1m1")}
    people[checker] = _user(s, checker)
    people[author.username] = author
    people["chief_g2m1"] = _user(s, "chief_g2m1")  # a grid worker of another grid
    return s, files, people


def _allowed(allowed: set[str] | None, name: str) -> bool:
    return allowed is None or name in allowed


def test_who_may_open_each_new_kind(stored):
    s, files, people = stored
    index = GridIndex.load(s)
    for label, (kind, media_id, allowed) in files.items():
        assert allowed_file(s, index, None, kind, media_id) is None, label
        for name, user in people.items():
            found = allowed_file(s, index, user, kind, media_id)
            assert (found is not None) == _allowed(allowed, name), (label, name)
    assert "aygul" not in files["proof"][2] and "chief_g2m1" not in files["proof"][2]


def test_the_route_serves_them_only_to_the_allowed(stored):
    s, files, people = stored
    client = TestClient(Starlette(routes=ROUTES))
    for label, (kind, media_id, allowed) in files.items():
        path = media_path(kind, media_id)
        client.cookies.clear()
        assert client.get(path).status_code == 401, label
        for name, user in people.items():
            client.cookies.set(SESSION_COOKIE, auth.issue_login_token(s, user.id, days=1))
            answer = client.get(path)
            if _allowed(allowed, name):
                assert answer.status_code == 200, (label, name)
                assert answer.headers["cache-control"] == "private, no-store"
                assert len(answer.content) > 40
            else:
                assert (answer.status_code, answer.content) == (404, b""), (label, name)
    client.cookies.set(SESSION_COOKIE, auth.issue_login_token(s, people["staff01"].id, days=1))
    pdf = client.get(media_path(*files["council_item_pdf"][:2]))
    assert pdf.content == PDF and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment;")
    photo = media_path(*files["declined_proposal_photo"][:2])
    thumb = client.get(photo + "?thumb=1")
    assert thumb.status_code == 200 and len(thumb.content) < len(client.get(photo).content)
