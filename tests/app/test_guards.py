"""Every page, deep-linked as anonymous and as each role, shows only what that role may see."""

import pytest

from portal import auth
from portal.i18n import translate
from tests.app.conftest import ROLE_USERS, texts

ROLES = [None, *ROLE_USERS]
REFUSALS = (
    "Please log in to see this page.",
    "This page is not available for your role.",
    "You are already logged in.",
)


def _refusal_shown(at) -> bool:
    shown = texts(at)
    return any(translate("zh_Hans", msg) in shown for msg in REFUSALS)


@pytest.mark.parametrize("entry", ["router", "direct"])
@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_page_as_every_role(open_app, role, entry):
    username = ROLE_USERS.get(role)
    for page in auth.PAGES:
        if entry == "router":
            at = open_app(username, page=page.path)
        else:  # a fresh server serves pages/<x>.py directly until st.navigation has run
            at = open_app(username, entry=page.path)
        assert not at.exception, (page.key, role, at.exception)
        title = translate("zh_Hans", page.title)
        allowed = auth.can_view(role, page.key)
        assert _refusal_shown(at) is not allowed, (page.key, role)
        if not allowed:
            assert title not in [t.value for t in at.title], (page.key, role)
            assert not at.dataframe, (page.key, role)
        elif page.key != "start":  # every page shown can be read aloud (start only forwards)
            readers = [b for b in at.button if str(b.key).startswith("read_page_")]
            assert readers or at.get("audio"), (page.key, role)
