"""Plain text as people type it: one place for the trimming every service applies before checking,
and for making it inert where it is shown through Markdown."""

from __future__ import annotations

import html
import re


def clean_text(text: str | None) -> str:
    """The text without NUL characters (PostgreSQL refuses them) and without surrounding blanks."""
    return (text or "").replace("\x00", "").strip()


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>$:=])")


def md_text(text: object) -> str:
    """User-typed text made inert for st.markdown and widget labels (buttons, radio options,
    subheaders, alerts): no HTML, no Markdown (no links, images, emphasis, colours or icons);
    its line breaks are kept."""
    plain = str(text if text is not None else "").replace("\r\n", "\n").replace("\r", "\n")
    return _MARKDOWN.sub(r"\\\1", html.escape(plain, quote=False)).replace("\n", "  \n")


def html_text(text: object) -> str:
    """User-typed text made inert inside HTML we write ourselves (element text and attributes)."""
    return html.escape(str(text if text is not None else ""), quote=True)


MAX_RECORD_ID = 2**31 - 1  # PostgreSQL INTEGER: a larger id is an error there, not "not found"
_RECORD_ID = re.compile(r"[0-9]{1,10}")


def record_id(raw: object) -> int | None:
    """A record id typed into a link (`?id=12`), or None when it is no id at all: ASCII digits
    only (`"²".isdigit()` is True, `int("²")` fails), and within the database's integer range."""
    text = str(raw if raw is not None else "").strip()
    if not _RECORD_ID.fullmatch(text):
        return None
    number = int(text)
    return number if 0 < number <= MAX_RECORD_ID else None
