"""The recorded-phrases page for each role, clips played to Tibetan readers, the Chinese offer, and
automatic read-aloud in elder mode."""

import shutil

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_voice import SpeechPreference, VoiceClip
from portal import auth
from portal.i18n import translate
from portal.ui.speech_widgets import NO_VOICE
from tests.app.conftest import ROLE_USERS, user_id
from tests.audio_samples import tone_wav as tone

PAGE = "pages/voice_clips.py"
MY_GRID = auth.PAGE_BY_KEY["my_grid"]
RECORDERS = ("grid_worker", "staff", "admin")


@pytest.fixture(autouse=True)
def media(tmp_path, monkeypatch):
    monkeypatch.setenv("LINLI_MEDIA_DIR", str(tmp_path / "media"))
    return tmp_path / "media"


def _clips(url):
    with Session(get_engine(url)) as session:
        return session.exec(select(VoiceClip).order_by(VoiceClip.id)).all()


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_clips_page_for_each_role(open_app, role):
    at = open_app(ROLE_USERS[role], page=PAGE)
    assert not at.exception
    if role in RECORDERS:
        assert at.title[0].value == translate("zh_Hans", "Recorded phrases")
        assert at.audio_input and at.button(key="vc_save")
        assert len(at.metric) == 2
    else:
        assert translate("zh_Hans", "This page is not available for your role.") in [
            e.value for e in at.error
        ]
        assert not at.audio_input and not at.get("file_uploader")


def _choose(at, msgid, language="bo"):
    at.radio(key="vc_language").set_value(language).run()
    at.selectbox(key="vc_phrase").set_value(msgid).run()
    return at


def test_staff_records_by_upload_then_bad_input_then_replaces(open_app, app_db):
    at = _choose(open_app("staff01", page=PAGE), MY_GRID.title)
    at.file_uploader(key="vc_file_0").set_value(("title.wav", tone(1.2), "audio/wav"))
    at.run()
    at.button(key="vc_save").click().run()
    assert not at.exception
    saved = _clips(app_db)
    assert [(c.language, c.msgid, c.content_type) for c in saved] == [
        ("bo", MY_GRID.title, "audio/wav")
    ]
    assert at.success and at.selectbox(key="vc_phrase").value != MY_GRID.title  # next offered
    at.selectbox(key="vc_phrase").set_value(MY_GRID.title).run()
    assert at.get("audio")  # the saved recording plays back
    # second click on save: the recorder was emptied, nothing new is stored
    at.button(key="vc_save").click().run()
    assert at.error and len(_clips(app_db)) == 1
    # a corrupt file: a clear message, nothing stored, the file stays chosen
    at.file_uploader(key="vc_file_1").set_value(("bad.wav", b"RIFF\0\0\0\0WAVEbroken", "audio/wav"))
    at.run()
    at.button(key="vc_save").click().run()
    assert translate(
        "zh_Hans", "This file cannot be played. Please send a WAV, MP3 or OGG recording."
    ) in [e.value for e in at.error]
    assert len(_clips(app_db)) == 1
    # record again through the microphone and replace
    at.audio_input(key="vc_mic_1").set_value(("mic.wav", tone(2), "audio/wav"))
    at.run()
    at.checkbox(key="vc_replace").check().run()
    at.button(key="vc_save").click().run()
    rows = _clips(app_db)
    assert len(rows) == 2 and rows[0].removed_at is not None and rows[1].removed_at is None
    # remove the bad one (back to that phrase: after a save the next missing one is offered)
    at.selectbox(key="vc_phrase").set_value(MY_GRID.title).run()
    at.button(key=f"vc_remove_{rows[1].id}").click().run()
    assert all(c.removed_at is not None for c in _clips(app_db))


def test_tibetan_reader_hears_the_clips_or_gets_the_chinese_offer(open_app, app_db, monkeypatch):
    monkeypatch.setenv("LINLI_RULE_VOICE", "0")  # recorded clips or nothing (see test_read_aloud)
    tashi = open_app("tashi", page="pages/my_grid.py")
    tashi.button(key="read_page_my_grid").click().run()
    assert translate("bo", NO_VOICE) in [i.value for i in tashi.info]
    assert not tashi.get("audio")
    tashi.button(key="read_page_my_grid_zh").click().run()
    assert not tashi.exception
    if shutil.which("espeak-ng"):
        assert tashi.get("audio"), "the Chinese reading did not play"

    staff = open_app("staff01", page=PAGE)
    for msgid, seconds in ((MY_GRID.title, 1), (MY_GRID.hint, 1.5)):
        _choose(staff, msgid)
        nonce = staff.session_state["vc_nonce"]
        staff.audio_input(key=f"vc_mic_{nonce}").set_value(("m.wav", tone(seconds), "audio/wav"))
        staff.run()
        staff.button(key="vc_save").click().run()
    assert len(_clips(app_db)) == 2

    again = open_app("tashi", page="pages/my_grid.py")
    again.button(key="read_page_my_grid").click().run()
    assert again.get("audio") and translate("bo", NO_VOICE) not in [i.value for i in again.info]


def test_auto_read_aloud_in_elder_mode(open_app, app_db):
    elder = open_app("zhang_nainai", page="pages/my_grid.py")  # elder mode is on for her
    assert not elder.get("audio")  # nothing plays until she asks for it
    elder.toggle(key="auto_read_switch").set_value(True).run()
    with Session(get_engine(app_db)) as session:
        pref = session.get(SpeechPreference, user_id(app_db, "zhang_nainai"))
    assert pref is not None and pref.auto_read
    reopened = open_app(
        "zhang_nainai", page="pages/my_grid.py"
    )  # a new session: kept for the account
    assert not reopened.exception
    if shutil.which("espeak-ng"):
        audio = reopened.get("audio")
        assert audio, "no audio element without pressing the button"
        assert audio[0].proto.autoplay
    assert not [b for b in reopened.button if b.key == "read_page_my_grid"]  # no press needed
    # without elder mode the setting is not offered and nothing plays by itself
    young = open_app("li_ayi", page="pages/my_grid.py")
    assert not [t for t in young.toggle if t.key == "auto_read_switch"]
    assert not young.get("audio")


def test_recording_in_a_row_offers_the_next_missing_phrase(open_app, app_db):
    from portal import voice_clips as vc

    first = vc.first_phrases()
    at = open_app("chief_g1m1", page=PAGE)  # a grid worker (or a volunteer with such an account)
    at.radio(key="vc_language").set_value("ii").run()
    assert at.selectbox(key="vc_phrase").value == first[0]  # most used first: home's title
    at.audio_input(key="vc_mic_0").set_value(("m.wav", tone(1), "audio/wav"))
    at.run()
    at.button(key="vc_save").click().run()
    assert not at.exception
    assert at.selectbox(key="vc_phrase").value == first[1]  # the next one, without leaving
    at.audio_input(key="vc_mic_1").set_value(("m.wav", tone(1.5), "audio/wav"))
    at.run()
    at.button(key="vc_save").click().run()
    assert at.selectbox(key="vc_phrase").value == first[2]
    assert [(c.msgid, c.source) for c in _clips(app_db)] == [
        (first[0], "recorded"),
        (first[1], "recorded"),
    ]


def test_staff_home_shows_clip_coverage_per_language(open_app):
    at = open_app("staff01")
    assert not at.exception
    from portal import voice_clips as vc
    from portal.i18n import language

    labels = {m.label: m.value for m in at.metric}
    total = len(vc.phrases())
    for code in ("bo", "ii"):
        expected = translate(
            "zh_Hans",
            "{recorded} of {total} phrases ({percent}%)",
            recorded=0,
            total=total,
            percent=0,
        )
        assert labels[language(code).native_name] == expected
