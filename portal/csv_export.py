"""The one way the portal writes CSV: UTF-8 with a byte-order mark (Excel on a Chinese Windows
opens it correctly) and every text cell made safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read by Excel and
LibreOffice as a formula (OWASP "CSV injection"): such text cells get a leading apostrophe, so
the spreadsheet shows the text instead of running it. Numbers stay numbers (-3 is not a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """The cell as a spreadsheet should show it: None → "", formula-looking text → 'text."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(headers: Iterable[object], rows: Iterable[Iterable[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(h) for h in headers])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def frame_csv(frame) -> bytes:
    """A pandas table as shown on a page (its column titles, empty cells empty)."""
    cells = frame.astype(object).where(frame.notna(), None)
    return csv_bytes(cells.columns, cells.itertuples(index=False))
