"""A photo chosen on the report form is decoded once, not again on every rerun of the form."""

from __future__ import annotations

import io

from PIL import Image

from portal import media


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 120, 150)).save(out, "JPEG")
    return out.getvalue()


def test_report_photo_is_decoded_once(open_app, monkeypatch):
    calls = []
    real = media.check_photo
    monkeypatch.setattr(media, "check_photo", lambda data: calls.append(len(data)) or real(data))
    at = open_app("zhang_nainai", page="pages/report_new.py")
    at.file_uploader(key="rp_photo_0").set_value(("楼道.jpg", _jpeg(), "image/jpeg")).run()
    assert not at.exception, at.exception
    for text in ("路灯", "路灯不亮", "路灯不亮了"):
        at.text_area(key="rp_text").input(text).run()
        assert not at.exception, at.exception
    assert len(calls) == 1
