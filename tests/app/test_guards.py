"""Every page, deep-linked as anonymous and as each role, shows only what that role may see."""

import pytest

from portal import auth
from portal.i18n import translate
from tests.app.conftest import ROLE_USERS, texts

ROLES = [None, *ROLE_USERS]
SHORT = {
    "anon": None,
    "res": "resident",
    "mer": "merchant",
    "grid": "grid_worker",
    "staff": "staff",
    "hdl": "handler",
    "admin": "admin",
}
# Who may open which page, written out by hand: a change here must be a change somebody meant.
EXPECTED_VIEWERS = {
    "start": "anon res mer grid staff hdl admin",
    "login": "anon",
    "register": "anon",
    "home": "res mer",
    "my_grid": "res mer",
    "staff_home": "grid staff hdl admin",
    "grid_map": "grid staff hdl admin",
    "report_new": "res mer grid",
    "my_reports": "res mer grid",
    "public_reports": "res mer grid staff hdl admin",
    "work_queue": "grid staff hdl admin",
    "report_map": "grid staff hdl admin",
    "report_categories": "staff admin",
    "points": "res mer",
    "tasks_manage": "grid staff admin",
    "rewards_manage": "mer staff admin",
    "wish_wall": "res mer grid staff hdl admin",
    "wish_post": "res mer grid staff admin",
    "wish_detail": "res mer grid staff hdl admin",
    "venues": "res mer grid staff hdl admin",
    "venues_manage": "grid staff hdl admin",
    "wish_moderation": "grid staff admin",
    "cockpit": "grid staff admin",
    "devices": "staff admin",
    "notices_manage": "staff admin",
    "messages": "res mer grid staff admin",
    "council": "res mer grid staff hdl admin",
    "council_vote": "res mer grid staff",
    "council_manage": "staff admin",
    "microprojects": "res mer grid staff hdl admin",
    "microprojects_manage": "staff admin",
    "deputies": "res mer grid staff hdl admin",
    "voice_clips": "grid staff admin",
    "translation_review": "staff admin",  # and appointed reviewers (checked by the page itself)
    "verify_residents": "grid staff admin",
    "act_for": "res grid staff admin",
    "survey": "res mer",
    "assessment_manage": "staff admin",
    "order_scores": "staff hdl admin",
    "circles": "res mer grid staff admin",
    "inbox": "res mer grid staff hdl admin",
    "account": "res mer grid staff hdl admin",
}


def _may_view(role: str | None, page_key: str) -> bool:
    return role in {SHORT[short] for short in EXPECTED_VIEWERS[page_key].split()}


def test_the_page_table_is_the_written_out_one():
    assert [page.key for page in auth.PAGES] == list(EXPECTED_VIEWERS)
    for page in auth.PAGES:
        for role in ROLES:
            assert auth.can_view(role, page.key) is _may_view(role, page.key), (page.key, role)


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
        allowed = _may_view(role, page.key)
        assert _refusal_shown(at) is not allowed, (page.key, role)
        if not allowed:
            assert title not in [t.value for t in at.title], (page.key, role)
            assert not at.dataframe, (page.key, role)
        elif page.key != "start":  # every page shown can be read aloud (start only forwards)
            readers = [b for b in at.button if str(b.key).startswith("read_page_")]
            assert readers or at.get("audio"), (page.key, role)
