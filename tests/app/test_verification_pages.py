"""The "Confirm new residents" page for each role, and a grid worker confirming one."""

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from portal import auth
from portal.i18n import translate
from tests.app.conftest import ROLE_USERS, texts

PAGE = "pages/verify_residents.py"
CONFIRMERS = ("grid_worker", "staff", "admin")


def _newcomer(url: str, name: str = "newcomer01") -> int:
    """A resident who just registered in zhang_nainai's courtyard (chief_g1m1's)."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        home = session.exec(select(User).where(User.username == "zhang_nainai")).one()
        user = auth.register_resident(
            session,
            username=name,
            password="Quiet-Lantern-42",
            display_name="新来的王先生",
            home_grid_id=home.home_grid_id,
        )
        return user.id


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_confirm_page_for_each_role(open_app, app_db, role):
    uid = _newcomer(app_db)
    at = open_app(ROLE_USERS[role], page=PAGE)
    assert not at.exception
    if role in CONFIRMERS:
        assert at.title[0].value == translate("zh_Hans", "Confirm new residents")
        assert "新来的王先生" in texts(at)
        assert at.button(
            key=f"FormSubmitter:verify_{uid}-" + translate("zh_Hans", "Confirm this resident")
        )
    else:
        assert translate("zh_Hans", "This page is not available for your role.") in [
            e.value for e in at.error
        ]
        assert "新来的王先生" not in texts(at)


def test_another_grids_worker_does_not_see_the_newcomer(open_app, app_db):
    _newcomer(app_db)
    at = open_app("chief_g2m1", page=PAGE)
    assert not at.exception and "新来的王先生" not in texts(at)
    assert translate("zh_Hans", "No one is waiting to be confirmed in your grids.") in [
        e.value for e in at.info
    ]


def test_the_grid_worker_confirms_with_the_house_number(open_app, app_db):
    uid = _newcomer(app_db)
    at = open_app("chief_g1m1", page=PAGE)
    submit = at.button(
        key=f"FormSubmitter:verify_{uid}-" + translate("zh_Hans", "Confirm this resident")
    )
    submit.click().run()
    assert translate("zh_Hans", "Please enter the house number they live at.") in [
        e.value for e in at.error
    ]
    at.text_input(key=f"verify_house_{uid}").set_value("1栋2单元301")
    at.button(
        key=f"FormSubmitter:verify_{uid}-" + translate("zh_Hans", "Confirm this resident")
    ).click().run()
    assert not at.exception
    with Session(get_engine(app_db)) as session:
        assert session.get(User, uid).verification == "verified"
    assert "新来的王先生" in "\n".join(e.value for e in at.success)
