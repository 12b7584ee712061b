"""Community review of translations: appointments, corrections in use at once, export to .po."""

import shutil

import pytest
from babel.messages.pofile import read_po

from db.models import User
from db.models_reviews import TranslationCorrection
from portal import catalogs, i18n
from portal import translation_reviews as tr
from portal.errors import UserError
from portal.i18n import catalog, translate


@pytest.fixture(autouse=True)
def clean_overrides():
    yield
    i18n.set_reviewed({})
    tr._loaded["version"] = None


def people(session):
    made = {}
    for name, role in (("staff", "staff"), ("axi", "resident"), ("other", "resident")):
        user = User(username=name, display_name=name, password_hash="x", role=role)
        session.add(user)
        session.commit()
        made[name] = user.id
    return made


NEW_LOGIN = "ꀉꂿ ꆈꌠ"  # any Yi text: the test is about where it goes, not its wording


def test_only_appointed_reviewers_and_staff_correct(session):
    ids = people(session)
    with pytest.raises(UserError):
        tr.correct(session, language="ii", msgid="Log in", text=NEW_LOGIN, reviewer_id=ids["axi"])
    with pytest.raises(UserError):  # residents cannot appoint
        tr.appoint(session, user_id=ids["other"], language="ii", by=ids["axi"])
    tr.appoint(session, user_id=ids["axi"], language="ii", by=ids["staff"])
    with pytest.raises(UserError):
        tr.appoint(session, user_id=ids["axi"], language="ii", by=ids["staff"])
    assert tr.languages_for(session, ids["axi"], "resident") == ("ii",)
    assert not tr.may_open(session, ids["other"], "resident")
    assert "bo" in tr.languages_for(session, ids["staff"], "staff")
    with pytest.raises(UserError):  # appointed for Yi, not Tibetan
        tr.correct(session, language="bo", msgid="Log in", text="ནང་འཛུལ།", reviewer_id=ids["axi"])
    (appointment,) = tr.appointments(session)
    tr.end_appointment(session, appointment_id=appointment.id, by=ids["staff"])
    assert tr.languages_for(session, ids["axi"], "resident") == ()


def test_a_correction_is_used_at_once_and_checked(session):
    ids = people(session)
    tr.appoint(session, user_id=ids["axi"], language="ii", by=ids["staff"])
    before = translate("ii", "Log in")
    tr.correct(
        session, language="ii", msgid="Log in", text=f"  {NEW_LOGIN} ", reviewer_id=ids["axi"]
    )
    assert translate("ii", "Log in") == NEW_LOGIN != before
    assert translate("bo", "Log in") == catalog("bo")["Log in"]  # other languages untouched
    msgid = "Hello, {name}"
    for bad in ("ꀉꂿ {nam}", "ꀉꂿ", "Hello {name}"):  # placeholder lost or renamed, Latin script
        with pytest.raises(UserError) as refused:
            tr.correct(session, language="ii", msgid=msgid, text=bad, reviewer_id=ids["axi"])
        assert refused.value.field == "text"
    assert not i18n.is_reviewed("ii", msgid)  # nothing refused was stored
    # a second correction is a new row: the history keeps both, newest first
    tr.correct(session, language="ii", msgid="Log in", text="ꀉꂿ", reviewer_id=ids["staff"])
    assert [c.text for c in tr.history(session, "ii", "Log in")] == ["ꀉꂿ", NEW_LOGIN]
    assert translate("ii", "Log in") == "ꀉꂿ"
    listed = {m.msgid: m for m in tr.messages("ii")}["Log in"]
    assert (
        listed.reviewed
        and listed.current == "ꀉꂿ"
        and listed.chinese == catalog("zh_Hans")["Log in"]
    )
    assert any(place.startswith("portal/") for place in listed.places)


def test_a_correction_saved_by_another_process_is_noticed(session):
    ids = people(session)
    tr.refresh(session)
    assert translate("ii", "Log out") == catalog("ii")["Log out"]
    session.add(
        TranslationCorrection(language="ii", msgid="Log out", text="ꀋꐥ", reviewer_id=ids["staff"])
    )
    session.commit()  # as another process would: translate's table is not told
    assert translate("ii", "Log out") == catalog("ii")["Log out"]
    tr.refresh(session)  # what every page run does first: one query, reload on a new version
    assert translate("ii", "Log out") == "ꀋꐥ"


def test_export_writes_the_newest_corrections_into_the_catalogs(session, tmp_path, monkeypatch):
    ids = people(session)
    copies = []
    for path in i18n.catalog_files("ii"):
        copies.append(tmp_path / path.name)
        shutil.copy(path, copies[-1])
    monkeypatch.setattr(catalogs, "catalog_files", lambda code: copies if code == "ii" else [])
    tr.correct(session, language="ii", msgid="Log in", text=NEW_LOGIN, reviewer_id=ids["staff"])
    tr.correct(session, language="ii", msgid="Log in", text="ꀉꂿ", reviewer_id=ids["staff"])
    assert catalogs.write_reviewed(tr.current_texts(session)) == 1
    written = {}
    for path in copies:
        with path.open("rb") as fh:
            written |= {m.id: m.string for m in read_po(fh) if m.id}
    assert written["Log in"] == "ꀉꂿ" and written["Log out"] == catalog("ii")["Log out"]
    assert catalogs.write_reviewed(tr.current_texts(session)) == 0  # nothing new the second time
