"""Keeps the gettext catalogs in step with the code: `python -m portal.catalogs [check|update]`,
and writes reviewers' corrections back into them: `python -m portal.catalogs import-reviews`.

Extracts every message id marked with t(), N_() or translate() from app.py, portal/, pages/ and db/,
and every message with a count marked with nt() or translate_plural() (one entry with a form per
plural form of the language: Chinese, Tibetan and Yi have one, English and Uyghur two),
then reports (check) or adds (update) what a language lacks. New ids are added, untranslated, to
i18n/<lang>/LC_MESSAGES/linli.po (or <name>.po with `update --into name [--paths portal/x.py,pages/x_]`,
one catalog per capability); English is filled with the id itself (ids are English).
"""

from __future__ import annotations

import re
import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po, write_po

from portal.config import ROOT
from portal.i18n import (
    CATALOG_DIR,
    LANGUAGE_CODES,
    catalog,
    catalog_files,
    plural_catalog,
    plural_forms_missing,
)

KEYWORDS = {"t": None, "N_": None, "translate": (2,), "nt": (1, 2), "translate_plural": (2, 3)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# The script each language's text must be written in (English: any).
SCRIPTS = {
    "zh_Hans": re.compile(r"[\u4e00-\u9fff]"),
    "bo": re.compile(r"[\u0f00-\u0fff]"),
    "ug": re.compile(r"[\u0600-\u06ff]"),
    "ii": re.compile(r"[\ua000-\ua4cf]"),
}
SOURCES = ("portal", "pages", "db")
SOURCE_LANGUAGE = "en"


def extract() -> dict[str, list[str]]:
    """msgid → places it is used (a message with a count under its singular id)."""
    return extract_all()[0]


def plural_ids() -> dict[str, str]:
    """Singular id → plural id of every message with a count."""
    return extract_all()[1]


def extract_all() -> tuple[dict[str, list[str]], dict[str, str]]:
    found: dict[str, list[str]] = {}
    plurals: dict[str, str] = {}

    def add(msgid, filename, lineno):
        if isinstance(msgid, tuple):
            if len(msgid) > 1 and msgid[0] and msgid[1]:
                plurals[msgid[0]] = msgid[1]
            msgid = msgid[0]
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")

    for folder in SOURCES:
        for filename, lineno, msgid, _comments, _context in extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")],
            keywords=KEYWORDS,
            comment_tags=(),
            strip_comment_tags=True,
        ):
            add(msgid, f"{folder}/{filename}", lineno)
    for lineno, msgid, _comments, _context in extract_from_file(
        "python", ROOT / "app.py", keywords=KEYWORDS
    ):
        add(msgid, "app.py", lineno)
    for path, lineno, msgid in _inside_fstrings():
        add(msgid, path, lineno)
    return found, plurals


# Babel on Python 3.11 sees an f-string as one token, so t("…") or N_("…") written inside one
# is not extracted; this finds those literals too.
_MARKED = re.compile(r"""\b(?:N_|t)\(\s*(?P<q>['"])(?P<id>(?:(?!(?P=q)).)+)(?P=q)\s*[,)]""")


def _inside_fstrings():
    for folder in ("app.py", *SOURCES):
        target = ROOT / folder
        files = [target] if target.is_file() else sorted(target.rglob("*.py"))
        for path in files:
            for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if 'f"' not in line and "f'" not in line:
                    continue
                for match in _MARKED.finditer(line):
                    yield str(path.relative_to(ROOT)), lineno, match.group("id")


def placeholders_kept(msgid: str, text: str) -> bool:
    """A translation names exactly the placeholders ({name}) of its message id."""
    return set(PLACEHOLDER.findall(text)) == set(PLACEHOLDER.findall(msgid))


def in_script(code: str, text: str) -> bool:
    """The text is written (at least partly) in the language's own script."""
    script = SCRIPTS.get(code)
    return script is None or bool(script.search(text))


def needs_script(msgid: str) -> bool:
    """Whether a message has words to translate (not only placeholders and signs)."""
    return bool(re.search(r"[A-Za-z]", PLACEHOLDER.sub("", msgid)))


def write_reviewed(corrections: dict[str, dict[str, str]]) -> int:
    """Writes reviewers' corrections (language → msgid → text) into the .po file of each language
    that holds the message; returns how many entries changed."""
    changed = 0
    for code, texts in corrections.items():
        for path in catalog_files(code):
            with path.open("rb") as fh:
                cat = read_po(fh, locale=code)
            here = 0
            for message in cat:
                text = texts.get(str(message.id)) if message.id else None
                if text and (message.string != text or message.fuzzy):
                    message.string = text
                    message.flags.discard("fuzzy")
                    here += 1
            if here:
                with path.open("wb") as fh:
                    write_po(fh, cat, width=100, sort_output=True, include_previous=False)
                changed += here
    catalog.cache_clear()
    return changed


def import_reviews() -> int:
    """`python -m portal.catalogs import-reviews`: the current corrections of the database named
    by DATABASE_URL into the .po catalogs."""
    from sqlmodel import Session

    from db.engine import get_engine
    from portal import translation_reviews
    from portal.config import load_settings

    with Session(get_engine(load_settings().database_url)) as session:
        corrections = translation_reviews.current_texts(session)
    changed = write_reviewed(corrections)
    print(f"{changed} catalog entries updated from reviewed translations")  # noqa: T201
    return 0


def missing(
    code: str, ids: dict[str, list[str]] | None = None, plurals: dict[str, str] | None = None
) -> list[str]:
    """Ids the language lacks; a message with a count lacks it when any plural form is empty."""
    if ids is None or plurals is None:
        ids, plurals = extract_all()
    have = catalog(code)
    return sorted(
        msgid
        for msgid in ids
        if (plural_forms_missing(code, msgid) if msgid in plurals else not have.get(msgid))
    )


def update(into: str = "linli", paths: tuple[str, ...] = ()) -> None:
    """Adds missing ids to <into>.po; with paths, only ids used in files starting with one of them."""
    ids, plurals = extract_all()
    if paths:
        ids = {
            m: places
            for m, places in ids.items()
            if any(place.startswith(paths) for place in places)
        }
    for code in LANGUAGE_CODES:
        path = CATALOG_DIR / code / "LC_MESSAGES" / f"{into}.po"
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as fh:
                cat = read_po(fh, locale=code)
        else:
            cat = Catalog(locale=code, project="linli", charset="utf-8")
        elsewhere = set()
        for other in catalog_files(code):
            if other != path:
                with other.open("rb") as fh:
                    elsewhere |= {str(m.id) for m in read_po(fh) if m.id}
        for msgid, places in ids.items():
            if msgid in elsewhere:
                continue
            entry = cat.get(msgid)
            locations = [(p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[1])) for p in places]
            if entry is not None:
                entry.locations = locations
            elif msgid in plurals:
                forms = (
                    (msgid, plurals[msgid]) if code == SOURCE_LANGUAGE else ("",) * cat.num_plurals
                )
                cat.add((msgid, plurals[msgid]), forms, locations=locations)
            else:
                cat.add(msgid, msgid if code == SOURCE_LANGUAGE else "", locations=locations)
        with path.open("wb") as fh:
            write_po(fh, cat, width=100, sort_output=True, include_previous=False)
    catalog.cache_clear()
    plural_catalog.cache_clear()


def main(argv: list[str]) -> int:
    if argv[:1] == ["import-reviews"]:
        return import_reviews()
    if argv[:1] == ["update"]:
        into = argv[argv.index("--into") + 1] if "--into" in argv else "linli"
        paths = tuple(argv[argv.index("--paths") + 1].split(",")) if "--paths" in argv else ()
        update(into, paths)
    ids, plurals = extract_all()
    problems = {code: missing(code, ids, plurals) for code in LANGUAGE_CODES}
    for code, lacking in problems.items():
        print(f"{code}: {len(ids) - len(lacking)}/{len(ids)} translated")
        for msgid in lacking[:20]:
            print(f"   missing: {msgid!r}")
    return 1 if any(problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
