"""Demo clips for Tibetan and Yi: the phrases of the home page and of snap-a-report, made by the
approximate rule-based voice (portal.rule_voice) and stored with source "machine", so the clip
list and the recorded-phrases page say they are machine-made. People replace them with real
recordings on that page. Running it twice changes nothing; without espeak-ng it makes none.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_voice import CLIP_LANGUAGES
from portal import rule_voice
from portal import voice_clips as vc
from portal.i18n import translate
from portal.media import MediaStore, store_for

DEMO_RECORDER = "staff01"  # the community secretary stands as the one who added them


def seed_voice_clips(url: str | None, media: Path | MediaStore) -> int:
    """Adds the machine-made clips still missing; returns how many were added."""
    if shutil.which("espeak-ng") is None:
        return 0
    store = store_for(media)
    added = 0
    with Session(get_engine(url)) as session:
        staff = session.exec(select(User.id).where(User.username == DEMO_RECORDER)).first()
        if staff is None:
            return 0
        for language in CLIP_LANGUAGES:
            have = vc.current_clips(session, language)
            for msgid in vc.first_phrases():
                if msgid in have:
                    continue
                audio = rule_voice.synthesize(translate(language, msgid), language, 10)
                vc.record(
                    session,
                    store,
                    language=language,
                    msgid=msgid,
                    data=audio,
                    recorded_by=staff,
                    source="machine",
                )
                added += 1
    return added
