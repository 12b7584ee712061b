"""Plain text as people type it: one place for the trimming every service applies before checking."""

from __future__ import annotations


def clean_text(text: str | None) -> str:
    """The text without NUL characters (PostgreSQL refuses them) and without surrounding blanks."""
    return (text or "").replace("\x00", "").strip()
