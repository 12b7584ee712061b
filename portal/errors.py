"""Errors services raise for people: message ids (translated by the UI) tied to the field at fault."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Message:
    msgid: str
    params: dict[str, object] = field(default_factory=dict)


class UserError(Exception):
    """A refusal to show the user: one message, optionally tied to a form field."""

    def __init__(self, msgid: str, field: str | None = None, **params: object) -> None:
        super().__init__(msgid)
        self.message = Message(msgid, params)
        self.field = field


class FieldErrors(Exception):
    """Several fields at fault at once: field name → message."""

    def __init__(self, errors: dict[str, Message]) -> None:
        super().__init__(", ".join(f"{k}: {v.msgid}" for k, v in errors.items()))
        self.errors = errors
