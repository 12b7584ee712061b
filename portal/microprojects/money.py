"""Money as integer fen (分): reading what people type (yuan, "12", "12.5", "¥1,200.00") and
showing it as ¥ with two decimals in the reader's locale. Never a float."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel.numbers import format_decimal

from db.models_microprojects import MAX_FEN
from portal.errors import Message
from portal.i18n import N_, language

_AMOUNT = re.compile(r"^\d{1,12}(\.\d{1,2})?$")

BAD_AMOUNT = N_("Write an amount in yuan, for example 200 or 12.50 (at most two decimals).")
TOO_MUCH = N_("That amount is too large.")


def parse_fen(value: object, *, allow_zero: bool = False) -> tuple[int | None, Message | None]:
    """(fen, None) for an amount in yuan as typed (or an int of fen), else (None, why)."""
    if isinstance(value, bool):
        return None, Message(BAD_AMOUNT)
    if isinstance(value, int):
        fen = value
    else:
        text = str(value or "").strip().replace("¥", "").replace("￥", "").replace(",", "")
        text = text.replace("，", "").replace(" ", "").replace("\u00a0", "")
        if not text and allow_zero:
            return 0, None
        if not _AMOUNT.match(text):
            return None, Message(BAD_AMOUNT)
        try:
            fen = int(Decimal(text) * 100)
        except InvalidOperation:  # pragma: no cover - the pattern already refused it
            return None, Message(BAD_AMOUNT)
    if fen < 0 or (fen == 0 and not allow_zero):
        return None, Message(BAD_AMOUNT)
    if fen > MAX_FEN:
        return None, Message(TOO_MUCH)
    return fen, None


def yuan_text(fen: int) -> str:
    """The plain yuan text of an amount, for a form field ("1200.50")."""
    return f"{fen // 100}.{fen % 100:02d}"


def format_money(code: str | None, fen: int) -> str:
    """¥1,234.50 with the locale's digit grouping and decimal sign."""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    amount = Decimal(fen) / 100
    return f"{sign}¥" + format_decimal(amount, format="#,##0.00", locale=language(code).code)
