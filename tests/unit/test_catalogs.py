"""Every user-visible string is translated in all five languages, and placeholders survive."""

from datetime import UTC

import pytest

from portal import catalogs
from portal.i18n import LANGUAGE_CODES, catalog, format_when, language, translate

PLACEHOLDER = catalogs.PLACEHOLDER


@pytest.fixture(scope="module")
def message_ids():
    ids = catalogs.extract()
    assert len(ids) > 50  # extraction really ran over the code
    return ids


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_no_missing_translation(code, message_ids):
    lacking = catalogs.missing(code, message_ids)
    assert lacking == [], f"{code} lacks {len(lacking)}: {lacking[:10]}"


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_placeholders_are_kept(code, message_ids):
    for msgid in message_ids:
        text = catalog(code).get(msgid, msgid)
        assert catalogs.placeholders_kept(msgid, text), (
            code,
            msgid,
            text,
        )


def _has_words(text: str) -> bool:
    # A pattern of placeholders and punctuation alone, like "{label} ({n})", may stay as it is.
    return any(ch.isalpha() for ch in text)


@pytest.mark.parametrize("code", [c for c in LANGUAGE_CODES if c != "en"])
def test_translations_are_not_english_copies(code, message_ids):
    copies = [
        m for m in message_ids if catalog(code).get(m) == m and _has_words(PLACEHOLDER.sub("", m))
    ]
    assert copies == []


def test_scripts_match_languages():
    for code in ("bo", "ug", "ii", "zh_Hans"):
        assert catalogs.in_script(code, translate(code, "Log in"))
        assert not catalogs.in_script(code, "Log in")
    assert language("ug").direction == "rtl" and language("bo").direction == "ltr"


def test_fallback_and_formatting():
    assert translate("xx", "Log in") == translate("zh_Hans", "Log in")
    assert translate("en", "no such message {n}", n=3) == "no such message 3"
    from datetime import datetime

    moment = datetime(2026, 11, 22, 4, 30, tzinfo=UTC)
    assert "12:30" in format_when("en", moment)  # shown in Asia/Shanghai


# --- messages with counts: one form per plural form of the language ----------------------------


def test_messages_with_counts_are_extracted_with_their_plural():
    plurals = catalogs.plural_ids()
    assert plurals["{n} wish"] == "{n} wishes"
    assert plurals["{n} supporter"] == "{n} supporters"


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_every_plural_form_is_written_and_keeps_its_placeholders(code):
    from portal.i18n import plural_catalog, plural_count

    for singular, plural in catalogs.plural_ids().items():
        forms = plural_catalog(code).get(singular, ())
        assert len(forms) == plural_count(code) and all(forms), (code, singular, forms)
        for form in forms:
            assert set(PLACEHOLDER.findall(form)) == set(PLACEHOLDER.findall(plural)), (code, form)


def test_a_plural_entry_missing_a_form_is_reported(monkeypatch):
    from portal import i18n

    real = i18n.plural_catalog("ug")
    assert "{n} wish" not in catalogs.missing("ug")
    monkeypatch.setattr(
        i18n, "plural_catalog", lambda code: real | {"{n} wish": (real["{n} wish"][0],)}
    )
    assert "{n} wish" in catalogs.missing("ug")
    monkeypatch.setattr(i18n, "plural_catalog", lambda code: real | {"{n} wish": ("", "x")})
    assert "{n} wish" in catalogs.missing("ug")


def test_counts_choose_the_form_and_group_digits():
    from portal.i18n import translate_plural

    assert translate_plural("en", "{n} wish", "{n} wishes", 1) == "1 wish"
    assert translate_plural("en", "{n} wish", "{n} wishes", 1234) == "1,234 wishes"
    assert translate_plural("zh_Hans", "{n} wish", "{n} wishes", 12345) == "12,345 个心愿"
    assert translate_plural("ug", "{n} wish", "{n} wishes", 2) == "2 ئارزۇ"
    assert translate_plural("en", "no such {n} thing", "no such {n} things", 2) == (
        "no such 2 things"
    )
