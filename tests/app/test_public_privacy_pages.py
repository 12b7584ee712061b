"""A resident reads "Problems in our community" (list, map, files): nothing private leaves."""

from __future__ import annotations

import re

from sqlmodel import Session

from db.engine import get_engine
from tests.app.conftest import texts
from tests.privacy_world import PRIVATE_WORDS, SHOWN_WORDS, build


def _map_html(at) -> str:
    """What the browser receives for the st_folium map (the component's arguments)."""
    out = []
    for element in at.get("component_instance") + at.get("iframe"):
        proto = getattr(element, "proto", None)
        out.append(str(proto))
    return "\n".join(out)


def test_resident_reads_no_private_report_word_or_exact_place(open_app, app_db, tmp_path):
    with Session(get_engine(app_db), expire_on_commit=False) as session:
        world = build(session, tmp_path / "media")
    at = open_app("aygul", page="pages/public_reports.py")
    assert not at.exception, at.exception
    shown = texts(at)
    assert SHOWN_WORDS in shown
    assert not [w for w in PRIVATE_WORDS if w in shown], shown
    numbers = {int(n) for n in re.findall(r"#(\d+)", shown)}
    assert world.hidden_words_id in numbers and not numbers & world.private_ids
    page = _map_html(at)
    for rid, (lat, lon) in world.exact.items():
        assert f"{lat}" not in page and f"{lon}" not in page, rid
