"""What each page does for the people who use it."""

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import AuthEvent, Grid, User
from portal import auth, maps
from portal.config import load_settings
from portal.grids import GridIndex
from portal.i18n import translate
from tests.app.conftest import ROLE_USERS, texts, user_id
from tests.conftest import ROOT


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _login(at, username, password):
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    at.button(key="FormSubmitter:login_form-" + zh("Log in")).click().run()
    return at


def test_login_page_is_first_and_offers_language_and_elder_mode(open_app):
    at = open_app()
    assert not at.exception
    assert at.title[0].value == zh("Linli community portal")
    assert at.selectbox(key="lang_picker").value == "zh_Hans"
    assert at.toggle(key="elder_switch").value is False


def test_login_success_lands_on_the_role_home(open_app):
    at = _login(open_app(), "zhang_nainai", "Linli-2026")
    assert not at.exception
    assert zh("Hello, {name}", name="张奶奶") in [t.value for t in at.title]
    assert at.session_state["user_id"]
    staff = _login(open_app(), "staff01", "Linli-2026")
    assert zh("Community overview") in [t.value for t in staff.title]


def test_wrong_password_keeps_username_and_says_one_thing(open_app):
    at = _login(open_app(), "zhang_nainai", "wrong-password")
    assert [e.value for e in at.error] == [zh("Username or password is not right.")]
    assert at.text_input(key="login_username").value == "zhang_nainai"
    assert "user_id" not in at.session_state


def test_register_shows_errors_at_fields_and_keeps_input(open_app):
    at = open_app(page="pages/register.py")
    at.text_input(key="reg_name").input("王小明")
    at.text_input(key="reg_username").input("zhang_nainai")
    at.text_input(key="reg_password").input("123")
    at.button(key="FormSubmitter:register_form-" + zh("Register")).click().run()
    errors = [e.value for e in at.error]
    assert zh("This username is taken. Please choose another.") in errors
    assert zh("Use at least {n} characters.", n=8) in errors
    assert zh("Please choose your courtyard or building.") in errors
    assert at.text_input(key="reg_name").value == "王小明"
    assert at.text_input(key="reg_username").value == "zhang_nainai"


def test_register_then_arrive_home(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        courtyard = s.exec(select(Grid).where(Grid.code == "G2-M3")).one()
    at = open_app(page="pages/register.py")
    at.text_input(key="reg_name").input("王小明")
    at.text_input(key="reg_username").input("wang_xm")
    at.text_input(key="reg_password").input("bamboo-garden-8")
    at.text_input(key="reg_repeat").input("bamboo-garden-8")
    at.selectbox(key="reg_home").set_value(courtyard.id)
    at.button(key="FormSubmitter:register_form-" + zh("Register")).click().run()
    assert not at.exception, at.exception
    assert zh("Hello, {name}", name="王小明") in [t.value for t in at.title], texts(at)
    with Session(get_engine(app_db)) as s:
        assert (
            s.exec(select(User).where(User.username == "wang_xm")).one().home_grid_id
            == courtyard.id
        )


def test_language_choice_translates_and_is_saved(open_app, app_db):
    at = open_app("aygul", page="pages/account.py")
    at.selectbox(key="lang_picker").set_value("en").run()
    assert "My account" in [t.value for t in at.title]
    with Session(get_engine(app_db)) as s:
        assert s.get(User, user_id(app_db, "aygul")).language == "en"
    at.selectbox(key="lang_picker").set_value("ug").run()
    assert at.title[0].value == translate("ug", "My account")


def test_elder_mode_is_saved_for_the_account(open_app, app_db):
    at = open_app("tashi")
    at.toggle(key="elder_switch").set_value(True).run()
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        assert s.get(User, user_id(app_db, "tashi")).elder_mode is True


def test_resident_home_tiles_only_link_to_pages_that_exist(open_app):
    at = open_app("zhang_nainai")
    tiles = {link.proto.page for link in at.main.get("page_link")}
    # 张奶奶 holds no council seat: the ballot tile would lead nowhere, so it is not shown.
    expected = {page.key for page in auth.pages_for("resident") if page.tile} - {"council_vote"}
    assert tiles == expected
    assert all((ROOT / auth.PAGE_BY_KEY[key].path).exists() for key in tiles)
    shown = texts(at)
    assert zh("Your courtyard and who looks after it") in shown
    assert zh("Your contact person is {name}.", name="孙德福") in shown  # her micro-grid chief


def test_my_grid_shows_the_chain_of_responsibility(open_app):
    at = open_app("zhang_nainai", page="pages/my_grid.py")
    shown = texts(at)
    assert zh("Micro-grid chief") in shown and zh("Grid chief") in shown
    assert zh("Community secretary") in shown


def test_staff_home_counts_by_general_grid(open_app):
    at = open_app("staff01")
    table = at.dataframe[0].value
    assert len(table) == 8
    assert table[zh("Micro-grids")].sum() == 56
    assert table[zh("Exclusive grids")].sum() == 17


def test_grid_map_selection_shows_people(open_app, app_db):
    at = open_app("staff01", page="pages/grid_map.py")
    with Session(get_engine(app_db)) as s:
        market = s.exec(select(Grid).where(Grid.code == "X01")).one()
    at.selectbox(key="map_grid").set_value(market.id).run()
    assert not at.exception
    shown = texts(at)
    assert market.name in [h.value for h in at.subheader][0]
    assert zh("Person responsible") in shown and zh("Grid chief") in shown


def test_map_click_resolves_to_the_grid_under_the_pointer(app_db):
    with Session(get_engine(app_db)) as s:
        index = GridIndex.load(s)
    micro = index.of_kind("micro")[5]
    p = index.shapes[micro.id].representative_point()
    point = maps.clicked_point({"last_object_clicked": {"lat": p.y, "lng": p.x}}, load_settings())
    assert index.containing(*point)[0].id == micro.id
    assert maps.clicked_point({"last_clicked": None}, load_settings()) is None
    assert maps.clicked_point({"last_clicked": {"lat": "x", "lng": 1}}, load_settings()) is None


def test_password_change_from_account_page(open_app, app_db):
    at = open_app("axi", page="pages/account.py")  # her language is Yi

    def yi(msgid):
        return translate("ii", msgid)

    at.text_input(key="pw_old").input("wrong-one")
    at.text_input(key="pw_new").input("mountain-song-5")
    at.text_input(key="pw_repeat").input("mountain-song-5")
    at.button(key="FormSubmitter:password_form-" + yi("Change password")).click().run()
    assert yi("Your current password is not right.") in [e.value for e in at.error]
    at.text_input(key="pw_old").input("Linli-2026")
    at.button(key="FormSubmitter:password_form-" + yi("Change password")).click().run()
    assert [s.value for s in at.success]
    with Session(get_engine(app_db)) as s:
        kinds = s.exec(
            select(AuthEvent.kind).where(AuthEvent.user_id == user_id(app_db, "axi"))
        ).all()
    assert "password_changed" in kinds


def test_log_out_returns_to_login(open_app):
    at = open_app("tashi", page="pages/account.py")
    at.button(key="account_logout").click().run()
    assert "user_id" not in at.session_state
    assert at.title[0].value == zh("Linli community portal")


def test_every_page_can_be_read_aloud(open_app, monkeypatch):
    """Each page but the forwarding start page, opened by the first role that may see it, offers
    its reading and plays it on a press (audio needs espeak-ng for Chinese); Tibetan gets the
    labelled approximate voice, or a notice without it."""
    import shutil

    from portal.ui.speech_widgets import APPROXIMATE, NO_VOICE
    from tests.app.test_guards import EXPECTED_VIEWERS, SHORT

    for page in auth.PAGES:
        if page.key == "start":
            continue
        role = SHORT[EXPECTED_VIEWERS[page.key].split()[0]]
        at = open_app(ROLE_USERS.get(role), page=page.path)
        key = f"read_page_{page.key}"
        assert key in [b.key for b in at.button], (page.key, role)
        at.button(key=key).click().run()
        assert not at.exception, (page.key, role, at.exception)
        if shutil.which("espeak-ng"):
            assert at.get("audio"), f"no audio after pressing read aloud on {page.key} as {role}"
    tibetan = open_app("tashi", page="pages/my_grid.py")
    tibetan.button(key="read_page_my_grid").click().run()
    if shutil.which("espeak-ng"):  # the approximate rule-based voice, labelled so
        assert tibetan.get("audio")
        assert translate("bo", APPROXIMATE) in [c.value for c in tibetan.caption]
    monkeypatch.setenv("LINLI_RULE_VOICE", "0")  # without it: no clip, no engine, a notice
    tibetan = open_app("tashi", page="pages/my_grid.py")
    tibetan.button(key="read_page_my_grid").click().run()
    assert translate("bo", NO_VOICE) in [i.value for i in tibetan.info]
    assert not tibetan.get("audio")
