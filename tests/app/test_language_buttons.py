"""The first screen offers every language as a large button named in its own script."""

from portal.i18n import LANGUAGES, translate


def test_first_screen_has_one_button_per_language_in_its_own_script(open_app):
    at = open_app()
    labels = {lang.code: at.button(key=f"lang_button_{lang.code}").label for lang in LANGUAGES}
    assert labels == {lang.code: lang.native_name for lang in LANGUAGES}
    at.button(key="lang_button_ug").click().run()
    assert not at.exception
    assert at.title[0].value == translate("ug", "Linli community portal")
    assert at.selectbox(key="lang_picker").value == "ug"


def test_logged_in_pages_keep_the_compact_picker(open_app):
    at = open_app("aygul")
    assert not [b for b in at.button if b.key and b.key.startswith("lang_button_")]
