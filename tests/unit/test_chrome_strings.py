"""Streamlit's own front-end strings: every listed one is translated in all five languages, its
expression matches what Streamlit writes, and the script puts the reader's text in the page."""

from __future__ import annotations

import re

import pytest

from portal.i18n import LANGUAGE_CODES, catalog
from portal.ui.chrome_strings import CHROME_STRINGS, TOO_LARGE_UPLOAD, chrome_table

# What Streamlit 1.67 writes, one example per expression (the tests walk the whole list).
EXAMPLES = {
    r"Limit (\S+) per file": "Limit 20MB per file",
    r"(\S+) per file": "20MB per file",
    r"File must be (\S+) or smaller\.": "File must be 20.0MB or smaller.",
    r"Drag and drop files? here": "Drag and drop file here",
    r"Press (?:Ctrl|⌘)\+Enter to apply": "Press Ctrl+Enter to apply",
    r"Press (?:Ctrl|⌘)\+Enter to submit form": "Press ⌘+Enter to submit form",
    r"Remove (.+)": "Remove photo.jpg",
    r"(\d+) out of (\d+) stars?": "1 out of 5 stars",
    r"Running\.\.\.": "Running...",
    r"Previous month\.?": "Previous month.",
    r"Next month\.?": "Next month.",
}


@pytest.mark.parametrize("code", LANGUAGE_CODES)
def test_every_chrome_string_is_in_every_catalog(code):
    messages = catalog(code)
    missing = [item.msgid for item in CHROME_STRINGS if not messages.get(item.msgid)]
    missing += [] if messages.get(TOO_LARGE_UPLOAD) else [TOO_LARGE_UPLOAD]
    assert not missing, f"{code}: no translation for {missing}"


@pytest.mark.parametrize("item", CHROME_STRINGS, ids=lambda item: item.english)
def test_expression_matches_streamlit_and_fills_its_placeholders(item):
    pattern = re.compile("^" + item.english + "$")
    example = EXAMPLES.get(item.english, item.english.replace("\\", ""))
    match = pattern.match(example)
    assert match, f"{item.english!r} does not match {example!r}"
    slots = {int(n) for n in re.findall(r"\{(\d+)\}", item.msgid)}
    assert slots == set(range(pattern.groups)), (item.msgid, pattern.groups)


class _Reader:
    def __init__(self, code: str) -> None:
        self.code = code

    def t(self, msgid: str, **params: object) -> str:
        from portal.i18n import translate

        return translate(self.code, msgid, **params)


@pytest.mark.parametrize("code", ["bo", "ug", "ii", "zh_Hans"])
def test_table_gives_no_english_in_other_languages(code):
    english = [text for regex, text in chrome_table(_Reader(code)) if re.fullmatch(regex, text)]
    assert not english, f"{code} would show these in English: {english}"
