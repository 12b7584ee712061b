"""Links with odd ids get a clear message in the user's language, never a crash."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from portal.i18n import translate
from tests.app.conftest import ROOT, user_id

BAD_IDS = ["99999999999999999999", "²", "-1", "0", "abc", "1e3", "１２", " "]


def _open(app_db, username: str, page: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["user_id"] = user_id(app_db, username)
    at.run()
    at.switch_page(page)
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


@pytest.mark.parametrize("raw", BAD_IDS)
def test_wish_link_with_a_bad_id(app_db, raw):
    at = _open(app_db, "zhang_nainai", "pages/wish_detail.py", {"id": raw})
    assert not at.exception, at.exception
    message = translate(
        "zh_Hans", "This link does not name a wish. Please choose one on the wish wall."
    )
    assert message in [w.value for w in at.warning]


@pytest.mark.parametrize("raw", BAD_IDS)
def test_report_link_with_a_bad_id(app_db, raw):
    at = _open(app_db, "staff01", "pages/report_map.py", {"report": raw})
    assert not at.exception, at.exception
    message = translate("zh_Hans", "There is no report with this number that you can open.")
    assert message in [w.value for w in at.warning]
