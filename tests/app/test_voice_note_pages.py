"""Voice notes on the pages (AppTest, seeded demo): a resident sends a wish, a proposal and a task's
proof by voice alone (real WAV bytes); staff find a labelled player where they handle the item;
other residents get no player; bad recordings are refused with the typed text kept."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_council import CouncilProposal
from db.models_points import TaskClaim
from db.models_voice_notes import VoiceNote
from db.models_wishes import Wish
from db.types import utcnow
from portal import points, voice_notes
from portal.i18n import translate
from portal.ui.voice_note_widgets import NO_RECOGNITION
from tests.app.conftest import texts, user_id
from tests.audio_samples import long_wav, tone_wav


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def players(at) -> list[str]:
    """The accessible names of the audio players on the page."""
    return [e.proto.alt for e in at.get("audio")]


def _send_wish(at):
    at.button(key="FormSubmitter:wish_form-" + zh("Post the wish")).click().run()


def _last_wish(url: str, username: str) -> Wish | None:
    with Session(get_engine(url)) as s:
        return s.exec(
            select(Wish).where(Wish.author_id == user_id(url, username)).order_by(Wish.id.desc())
        ).first()


def test_a_wish_by_voice_alone_reaches_the_moderators_player(open_app, app_db):
    at = open_app("zhang_nainai", page="pages/wish_post.py")
    assert zh(NO_RECOGNITION) in _markdown(at)
    at.selectbox(key="wish_category").set_value("help")
    at.audio_input(key="wish_voice").set_value(("note.wav", tone_wav(2.0), "audio/wav"))
    _send_wish(at)
    assert not at.exception, at.exception
    wish = _last_wish(app_db, "zhang_nainai")
    assert wish.title == zh("A wish by voice note")
    assert wish.body == zh("Recorded as a voice note ({length}).", length="0:02")
    label = zh("Voice note from {name}, {length}", name="张奶奶", length="0:02")
    assert label in players(at)  # the author hears her own note on the wish page

    staff = open_app("chief_g1m1", page="pages/wish_moderation.py")
    assert not staff.exception
    assert zh("Wishes sent as voice notes") in texts(staff)
    assert label in players(staff)

    other = open_app("li_ayi")
    other.session_state["wish_id"] = wish.id
    other.switch_page("pages/wish_detail.py").run()
    assert not other.exception
    assert wish.title in "\n".join(e.proto.body for e in other.get("html"))
    assert players(other) == []  # a neighbour sees the wish but never gets the recording


def _markdown(at) -> str:
    return "\n".join(str(e.value) for e in at.markdown)


def test_a_20_minute_note_is_refused_and_the_typed_text_kept(open_app, app_db):
    at = open_app("zhang_nainai", page="pages/wish_post.py")
    at.text_input(key="wish_title").input("楼道灯")
    at.text_area(key="wish_body").input("三单元的楼道灯坏了")
    at.selectbox(key="wish_category").set_value("facility")
    at.audio_input(key="wish_voice").set_value(("long.wav", long_wav(20 * 60), "audio/wav"))
    before = _last_wish(app_db, "zhang_nainai")
    _send_wish(at)
    assert not at.exception
    assert zh("The voice note is too long (at most {minutes} minutes).", minutes=5) in [
        e.value for e in at.error
    ]
    assert at.text_area(key="wish_body").value == "三单元的楼道灯坏了"
    assert at.text_input(key="wish_title").value == "楼道灯"
    after = _last_wish(app_db, "zhang_nainai")
    assert (after.id if after else None) == (before.id if before else None)


def test_corrupt_and_wrong_files_get_clear_messages(open_app):
    at = open_app("tashi", page="pages/wish_post.py")  # reads Tibetan
    at.text_input(key="wish_title").input("title")
    at.selectbox(key="wish_category").set_value("help")
    at.file_uploader(key="wish_voice_file").upload(
        "note.amr", b"#!AMR\n" + b"\0" * 300, "audio/amr"
    )
    at.button(key="FormSubmitter:wish_form-" + translate("bo", "Post the wish")).click().run()
    assert not at.exception
    assert translate("bo", voice_notes.OTHER_FORMAT, kind="AMR") in [e.value for e in at.error]
    at.file_uploader(key="wish_voice_file").upload(
        "note.wav", b"RIFF\x10\0\0\0WAVEjunk" + b"\0" * 60, "audio/wav"
    )
    at.button(key="FormSubmitter:wish_form-" + translate("bo", "Post the wish")).click().run()
    assert translate("bo", "This voice note cannot be played. Please record it again.") in [
        e.value for e in at.error
    ]
    at.file_uploader(key="wish_voice_file").clear()
    at.audio_input(key="wish_voice").set_value(
        ("quiet.wav", tone_wav(3.0, amplitude=0), "audio/wav")
    )
    at.button(key="FormSubmitter:wish_form-" + translate("bo", "Post the wish")).click().run()
    assert translate("bo", voice_notes.HEARD_NOTHING) in [e.value for e in at.error]


def test_sending_the_same_recording_again_is_refused(open_app, app_db):
    recording = ("note.wav", tone_wav(2.2), "audio/wav")
    at = open_app("zhang_nainai", page="pages/wish_post.py")
    at.selectbox(key="wish_category").set_value("help")
    at.audio_input(key="wish_voice").set_value(recording)
    _send_wish(at)
    first = _last_wish(app_db, "zhang_nainai")
    again = open_app("zhang_nainai", page="pages/wish_post.py")  # a second browser, same recording
    again.selectbox(key="wish_category").set_value("help")
    again.audio_input(key="wish_voice").set_value(recording)
    _send_wish(again)
    assert not again.exception
    assert zh(voice_notes.ALREADY_SENT) in [e.value for e in again.error]
    assert _last_wish(app_db, "zhang_nainai").id == first.id


def test_neither_text_nor_voice_asks_for_one_of_them(open_app):
    at = open_app("zhang_nainai", page="pages/wish_post.py")
    at.text_input(key="wish_title").input("长椅")
    at.selectbox(key="wish_category").set_value("facility")
    _send_wish(at)
    assert zh(voice_notes.WRITE_OR_RECORD) in [e.value for e in at.error]


def test_a_proposal_by_voice_is_heard_at_screening_only(open_app, app_db):
    at = open_app("zhang_nainai", page="pages/council.py")
    at.audio_input(key="council_prop_voice").set_value(("p.wav", tone_wav(3.0), "audio/wav"))
    at.button(key="FormSubmitter:council_proposal_form-" + zh("Send the proposal")).click().run()
    assert not at.exception, at.exception
    with Session(get_engine(app_db)) as s:
        proposal = s.exec(
            select(CouncilProposal)
            .where(CouncilProposal.author_id == user_id(app_db, "zhang_nainai"))
            .order_by(CouncilProposal.id.desc())
        ).first()
        assert s.exec(
            select(VoiceNote).where(
                VoiceNote.subject_kind == "proposal", VoiceNote.subject_id == proposal.id
            )
        ).one()
    assert proposal.title == zh("A proposal by voice note")
    label = zh("Voice note from {name}, {length}", name="张奶奶", length="0:03")

    staff = open_app("staff01", page="pages/council_manage.py")
    assert not staff.exception
    assert label in players(staff)
    neighbour = open_app("tashi", page="pages/council.py")
    assert not neighbour.exception
    assert players(neighbour) == []


def test_task_proof_by_voice_is_heard_by_the_checker(open_app, app_db):
    with Session(get_engine(app_db), expire_on_commit=False) as s:
        staff = user_id(app_db, "staff01")
        home = s.get(User, user_id(app_db, "zhang_nainai")).home_grid_id
        task = points.publish_task(
            s,
            actor_id=staff,
            title="扫楼道",
            description="",
            points=5,
            places=2,
            grid_ids=[home],
            starts_at=utcnow() - timedelta(hours=1),
            ends_at=utcnow() + timedelta(days=2),
            proof="note",
        )[0]
        claim = points.claim_task(s, user_id=user_id(app_db, "zhang_nainai"), task_id=task.id)
    at = open_app("zhang_nainai", page="pages/points.py")
    at.audio_input(key=f"proof_voice_{claim.id}").set_value(
        ("proof.wav", tone_wav(2.0), "audio/wav")
    )
    at.button(key=f"FormSubmitter:proof_form_{claim.id}-{zh('Send proof')}").click().run()
    assert not at.exception, at.exception
    assert zh("Proof sent. A grid worker will check it.") in [s.value for s in at.success]
    with Session(get_engine(app_db)) as s:
        assert s.get(TaskClaim, claim.id).status == "submitted"

    checker = open_app("staff01", page="pages/tasks_manage.py")
    assert not checker.exception
    assert zh("Voice note from {name}, {length}", name="张奶奶", length="0:02") in players(checker)


def test_the_report_page_takes_a_voice_file_and_says_voice_to_text_is_missing(open_app):
    at = open_app("axi", page="pages/report_new.py")  # reads Yi
    assert not at.exception
    assert translate("ii", NO_RECOGNITION) in _markdown(at)
    assert (
        at.audio_input(key="rp_voice_0") is not None
        and at.file_uploader(key="rp_voice_0_file") is not None
    )
