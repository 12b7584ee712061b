"""Who may open which stored media file (a report's photo or voice note, a voice note of a wish,
proposal or task proof): the rule behind the portal's own media route, without Streamlit.

A report's media: its uploader, and whoever may read the report (portal.reports.visibility).
A voice note: whoever voice_notes.notes_for lets play it (its author and those who handle the item).
A wish's photo, or a photo on its trail (e.g. the fulfilment proof): permissions "wish.see_photo".
A task's proof photo: permissions "task.see_proof" (the claimant, who may check it, the office).
A council file (photo or PDF): permissions "council.see_file".
A venue's photo: everyone whose community the venue serves, its office and its approver.
A micro-project's receipt or progress photo (公示): permissions "microproject.see_receipt", for
everyone of the project's community (another community's: outside).
A topic circle post's photo: whoever may see the post (portal.circles.queries.may_see_post).
Anything else, and everything for a visitor without a valid login: nothing.

Reward pictures are not here on purpose: the rewards catalogue is public to everyone who may
redeem, so its pictures go through Streamlit's /media/ like other public content.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from db.models import User
from db.models_circles import CirclePost
from db.models_council import CouncilItem, CouncilMeeting, CouncilProposal
from db.models_council_extras import CouncilAttachment
from db.models_points import PointsTask, TaskClaim
from db.models_reports import ReportMedia
from db.models_voice_notes import VoiceNote
from db.models_wishes import Wish, WishEvent
from portal import voice_notes
from portal.grids import GridIndex
from portal.permissions import On, can
from portal.reports.visibility import may_read

# report = report_media (photos and voice notes), voice = voice_note, wish = a wish's photo,
# wish_event = a photo on a wish's trail, proof = a task claim's proof photo, council = a council
# attachment (photo or PDF), venue = a shared venue's photo, microproject = a photo on a
# micro-project's published line, circle = a topic circle post's photo
KINDS = (
    "report",
    "voice",
    "wish",
    "wish_event",
    "proof",
    "council",
    "venue",
    "microproject",
    "circle",
)
PUBLIC_PROPOSALS = ("submitted", "accepted")  # shown to the community on the council page
JPEG = "image/jpeg"  # the media store keeps every checked photo as JPEG


@dataclass(frozen=True)
class MediaFile:
    path: str
    content_type: str
    sha256: str | None  # checked when read (voice notes, council files)
    file_name: str | None = None  # sent as a download (council PDF documents)


def allowed_file(
    session: Session, index: GridIndex, user: User | None, kind: str, media_id: int
) -> MediaFile | None:
    """The file this user may open, or None (no such file, or not theirs to see: one answer)."""
    if user is None or not user.is_active:
        return None
    if kind == "report":
        row = session.get(ReportMedia, media_id)
        if row is None or row.report_id is None:
            return None
        if row.uploader_id != user.id and not may_read(session, index, user, row.report_id):
            return None
        return MediaFile(row.path, row.content_type, None)
    if kind == "voice":
        note = session.get(VoiceNote, media_id)
        if note is None or note.subject_id is None:
            return None
        playable = voice_notes.notes_for(
            session, kind=note.subject_kind, subject_ids=[note.subject_id], viewer_id=user.id
        ).get(note.subject_id, [])
        if note.id not in {view.note.id for view in playable}:
            return None
        return MediaFile(note.path, note.mime, note.sha256)
    if kind in ("wish", "wish_event"):
        return _wish_photo(session, user, kind, media_id)
    if kind == "proof":
        return _proof_photo(session, user, media_id)
    if kind == "council":
        return _council_file(session, user, media_id)
    if kind == "venue":
        return _venue_photo(session, user, media_id)
    if kind == "microproject":
        return _micro_photo(session, user, media_id)
    if kind == "circle":
        return _circle_photo(session, user, media_id)
    return None


def _venue_photo(session: Session, user: User, photo_id: int) -> MediaFile | None:
    from db.models_venues import Venue, VenuePhoto
    from portal.areas import area_of

    row = session.get(VenuePhoto, photo_id)
    venue = session.get(Venue, row.venue_id) if row else None
    if row is None or venue is None:
        return None
    if venue.approver_id != user.id and not area_of(session, user).reaches(venue.grid_id):
        return None
    return MediaFile(row.path, JPEG, None)


def _micro_photo(session: Session, user: User, entry_id: int) -> MediaFile | None:
    from db.models_microprojects import MicroEntry, MicroProject
    from portal.areas import area_of

    entry = session.get(MicroEntry, entry_id)
    project = session.get(MicroProject, entry.project_id) if entry else None
    if entry is None or project is None or not entry.photo_path:
        return None
    outside = not area_of(session, user).covers(project.grid_id)
    if not can(user, "microproject.see_receipt", On(outside=outside)):
        return None
    return MediaFile(entry.photo_path, JPEG, None)


def _circle_photo(session: Session, user: User, post_id: int) -> MediaFile | None:
    from portal.circles.queries import may_see_post  # the circles decide who sees a post

    post = session.get(CirclePost, post_id)
    if post is None or not post.photo_path or not may_see_post(session, user, post):
        return None
    return MediaFile(post.photo_path, JPEG, None)


def _wish_photo(session: Session, user: User, kind: str, media_id: int) -> MediaFile | None:
    event = session.get(WishEvent, media_id) if kind == "wish_event" else None
    wish = (
        session.get(Wish, event.wish_id if event else media_id) if kind == "wish" or event else None
    )
    path = (event.photo_path if event else wish.photo_path) if wish else None
    if wish is None or not path:
        return None
    on = On(own=wish.author_id == user.id, public=wish.state != "hidden")
    return MediaFile(path, JPEG, None) if can(user, "wish.see_photo", on) else None


def _proof_photo(session: Session, user: User, claim_id: int) -> MediaFile | None:
    from portal.points.tasks import _may_verify  # points decides who checks a claim

    claim = session.get(TaskClaim, claim_id)
    task = session.get(PointsTask, claim.task_id) if claim else None
    if claim is None or task is None or not claim.proof_photo:
        return None
    own = claim.user_id == user.id
    checks = not own and _may_verify(session, user, task, session.get(User, claim.user_id))
    if not can(user, "task.see_proof", On(own=own, named=checks)):
        return None
    return MediaFile(claim.proof_photo, JPEG, None)


def _council_file(session: Session, user: User, attachment_id: int) -> MediaFile | None:
    row = session.get(CouncilAttachment, attachment_id)
    if row is None or row.removed_at is not None:
        return None
    own, public = row.uploaded_by == user.id, False
    if row.item_id is not None:
        item = session.get(CouncilItem, row.item_id)
        meeting = session.get(CouncilMeeting, item.meeting_id) if item else None
        public = meeting is not None and meeting.status != "draft"
    if row.proposal_id is not None:
        proposal = session.get(CouncilProposal, row.proposal_id)
        if proposal is not None:
            own = own or proposal.author_id == user.id
            public = public or proposal.status in PUBLIC_PROPOSALS
    if not can(user, "council.see_file", On(own=own, public=public)):
        return None
    name = row.file_name if row.kind == "document" else None
    return MediaFile(row.path, row.content_type, row.sha256, name)


def trail_photo_ids(session: Session, wish_id: int) -> dict[str, int]:
    """The wish_event id to address each photo on a wish's trail by (stored path → id)."""
    rows = session.exec(
        select(WishEvent.id, WishEvent.photo_path).where(
            WishEvent.wish_id == wish_id, col(WishEvent.photo_path).is_not(None)
        )
    ).all()
    return {path: event_id for event_id, path in rows if path and event_id is not None}


def thumb_of(session: Session, kind: str, media_id: int) -> str | None:
    """The stored thumbnail of a file the reader may open (report and council photos have one)."""
    if kind == "report":
        row = session.get(ReportMedia, media_id)
        return row.thumb_path if row else None
    if kind == "council":
        attachment = session.get(CouncilAttachment, media_id)
        return attachment.thumb_path if attachment else None
    if kind == "venue":
        from db.models_venues import VenuePhoto

        photo = session.get(VenuePhoto, media_id)
        return photo.thumb_path if photo else None
    if kind == "microproject":
        from db.models_microprojects import MicroEntry

        entry = session.get(MicroEntry, media_id)
        return entry.thumb_path if entry else None
    return None


def media_path(kind: str, media_id: int, thumb: bool = False) -> str:
    """The URL path of the portal's media route for one file (see portal.web.media_routes)."""
    return f"/files/{kind}/{media_id}" + ("?thumb=1" if thumb else "")
