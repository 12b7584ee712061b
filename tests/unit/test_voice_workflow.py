"""Getting clips made: most-used phrases first, the next missing one after a save, and the demo's
machine-made clips (labelled as such)."""

import shutil

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_voice import VoiceClip
from portal import auth
from portal import voice_clips as vc
from portal.demo.seed_voice import seed_voice_clips
from portal.media import LocalMediaStore
from tests.audio_samples import tone_wav as tone
from tests.conftest import IN_CI
from tests.unit.test_voice_clips import people, store  # noqa: F401  (fixture)


def test_home_and_snap_a_report_come_first_then_the_most_used():
    first = vc.first_phrases()
    home_tiles = [p for p in auth.pages_for(auth.RESIDENT) if p.tile]
    assert first[0] == auth.PAGE_BY_KEY["home"].title
    assert first[1:3] == (home_tiles[0].title, home_tiles[0].hint)  # in reading order
    assert auth.PAGE_BY_KEY["report_new"].title in first and vc.RESULT_REPORT_SENT in first
    ranked = [p.msgid for p in vc.by_use(vc.phrases())]
    assert tuple(ranked[: len(first)]) == first
    uses = vc._pages_using()
    rest = [uses.get(m, 0) for m in ranked[len(first) :]]
    assert rest == sorted(rest, reverse=True)  # then more pages before fewer


def test_the_next_missing_phrase_skips_what_is_recorded(session, store):  # noqa: F811
    ids = people(session)
    first = vc.first_phrases()
    vc.record(session, store, language="ii", msgid=first[1], data=tone(1), recorded_by=ids["staff"])
    have = vc.current_clips(session, "ii")
    assert vc.next_missing(have, vc.phrases(), after=first[0]) == first[2]
    assert vc.next_missing({}, vc.phrases(), after="not a phrase") == first[0]


def test_demo_clips_are_machine_made_and_seeded_once(demo_url, tmp_path):
    if shutil.which("espeak-ng") is None:
        if IN_CI:
            pytest.fail("espeak-ng is required in CI")
        pytest.skip("espeak-ng not installed")
    added = seed_voice_clips(demo_url, tmp_path / "media")
    assert added == 2 * len(vc.first_phrases())
    assert seed_voice_clips(demo_url, tmp_path / "media") == 0
    with Session(get_engine(demo_url)) as session:
        rows = session.exec(select(VoiceClip)).all()
        assert {r.source for r in rows} == {"machine"} and {r.language for r in rows} == {
            "bo",
            "ii",
        }
        finder = vc.clip_finder(session, LocalMediaStore(tmp_path / "media"))
        found, missing = finder("ii", vc.first_phrases())
    assert not missing and all(data[:4] == b"RIFF" for data, _m, _s in found)
