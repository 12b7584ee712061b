"""The devices page's partner api keys and refused messages (AppTest, seeded demo)."""

from sqlmodel import Session, select

from db.engine import get_engine
from db.models_reach import ApiKey
from portal import api_keys, dead_letters
from portal.errors import Message
from portal.i18n import translate
from portal.text import md_text
from tests.app.conftest import texts

PAGE = "pages/devices.py"


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _submit(at, form: str, label: str):
    return at.button(key=f"FormSubmitter:{form}-{zh(label)}").click().run()


def test_staff_issue_and_revoke_a_key(open_app, app_db):
    at = open_app("staff01", page=PAGE)
    assert not at.exception, at.exception
    at.number_input(key="key_rate").set_value(5)
    _submit(at, "key_issue_form", "Issue a key")
    assert not at.exception, at.exception
    assert zh("Please name the partner system (at most 80 characters).") in [
        e.value for e in at.error
    ]
    assert at.number_input(key="key_rate").value == 5  # what was typed stays
    at.text_input(key="key_partner").input("街道12345热线")
    _submit(at, "key_issue_form", "Issue a key")
    assert not at.exception, at.exception
    assert zh(
        "Key issued for {partner}. It is shown only now:", partner=md_text("街道12345热线")
    ) in texts(at)
    [shown] = [c.value for c in at.code]
    with Session(get_engine(app_db), expire_on_commit=False) as s:
        key = s.exec(select(ApiKey).where(ApiKey.partner == "街道12345热线")).one()
        assert key.per_minute == 5 and key.key_hash == api_keys.hash_key(shown)
        assert api_keys.authenticate(s, shown, "open311").id == key.id
    at.selectbox(key="key_revoke").set_value(key.id)
    _submit(at, "key_revoke_form", "Revoke the key")
    assert not at.exception, at.exception
    assert zh("Key of {partner} revoked.", partner=md_text("街道12345热线")) in texts(at)
    assert not at.code  # the key is never shown again
    with Session(get_engine(app_db)) as s:
        assert s.get(ApiKey, key.id).revoked_at is not None


def test_refused_messages_are_listed_in_the_readers_language(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        dead_letters.record(
            s,
            source="mqtt",
            topic="linli/S/devices/ghost-1/events",
            payload=b'{"kind": "smoke"}',
            reason=Message("Unknown device {device}.", {"device": "ghost-1"}),
        )
    at = open_app("admin", page=PAGE)
    assert not at.exception, at.exception
    tables = [df.value for df in at.dataframe]
    refused = next(t for t in tables if zh("Topic or address") in t.columns)
    assert list(refused[zh("Reason")]) == [zh("Unknown device {device}.", device="ghost-1")]
    assert list(refused[zh("Topic or address")]) == ["linli/S/devices/ghost-1/events"]


def test_a_resident_cannot_reach_the_keys(open_app):
    at = open_app("zhang_nainai", page=PAGE)
    assert not at.exception
    assert not [b for b in at.button if "key_issue_form" in (b.key or "")]
