"""Wish wall pages as residents, merchants and staff use them (AppTest, seeded demo)."""

from datetime import date, timedelta

from sqlmodel import Session, select

from db.engine import get_engine
from db.models_wishes import Wish, WishVote
from portal import wishes
from portal.i18n import translate
from tests.app.conftest import texts, user_id


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _html(at) -> str:
    return "\n".join(e.proto.body for e in at.get("html"))


def test_wall_shows_cards_in_their_language_and_escapes_markup(open_app):
    at = open_app("tashi", page="pages/wish_wall.py")
    assert not at.exception
    assert translate("bo", "Wish wall") in [t.value for t in at.title]  # tashi reads Tibetan
    body = _html(at)
    assert 'lang="bo"' in body and 'lang="ug"' in body and 'dir="rtl"' in body
    assert "&lt;b&gt;广场舞&lt;/b&gt;" in body and "<b>广场舞" not in body
    # most support first: the handrail (9 supporters) leads
    assert body.index("三号楼梯间装一段扶手") < body.index("花坛种点月季")


def test_vote_and_withdraw_from_the_wall(open_app, app_db):
    at = open_app("resident0100", page="pages/wish_wall.py")
    with Session(get_engine(app_db)) as s:
        wish = s.exec(select(Wish).where(Wish.title == "花坛种点月季")).one()
    at.button(key=f"wall_vote_{wish.id}").click().run()
    assert not at.exception
    assert zh("Thank you for your support.") in texts(at)
    with Session(get_engine(app_db)) as s:
        assert wishes.support(s, wish.id) == 2
    at.button(key=f"wall_withdraw_{wish.id}").click().run()
    assert zh("Your support was withdrawn.") in texts(at)
    with Session(get_engine(app_db)) as s:
        assert wishes.support(s, wish.id) == 1


def test_post_refuses_bad_input_and_keeps_it(open_app):
    at = open_app("li_ayi", page="pages/wish_post.py")
    at.text_area(key="wish_body").input("希望有人帮忙")
    at.button(key="FormSubmitter:wish_form-" + zh("Post the wish")).click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert zh("Please write a short title.") in errors
    assert zh("Please choose a category.") in errors
    assert at.text_area(key="wish_body").value == "希望有人帮忙"


def test_post_then_see_it_with_its_language(open_app, app_db):
    at = open_app("aygul", page="pages/wish_post.py")
    at.text_input(key="wish_title").input("<script>alert(1)</script> ئورۇندۇق")
    at.text_area(key="wish_body").input("**قېلىن** [ئۇلىنىش](javascript:alert(1))")
    at.selectbox(key="wish_category").set_value("facility")
    at.button(key="FormSubmitter:wish_form-" + translate("ug", "Post the wish")).click().run()
    assert not at.exception
    with Session(get_engine(app_db)) as s:
        wish = s.exec(
            select(Wish).where(Wish.author_id == user_id(app_db, "aygul")).order_by(Wish.id.desc())
        ).first()
    assert wish.title.endswith("ئورۇندۇق")
    assert wish.language == "ug"
    body = _html(at)
    assert "&lt;script&gt;" in body and "<script>alert" not in body
    assert 'lang="ug" dir="rtl"' in body


def test_adopt_fulfil_confirm_through_the_detail_page(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        wish = s.exec(select(Wish).where(Wish.title == "单元门禁修一修")).one()
    merchant = open_app("chen_shop")
    merchant.session_state["wish_id"] = wish.id
    merchant.switch_page("pages/wish_detail.py").run()
    assert not merchant.exception
    merchant.date_input(key="adopt_date").set_value(date.today() + timedelta(days=3))
    merchant.button(key="FormSubmitter:adopt_form-" + zh("Adopt")).click().run()
    assert not merchant.exception
    assert zh("You adopted this wish. Thank you!") in texts(merchant)
    merchant.text_area(key="fulfil_note").input("门禁已经修好")
    merchant.button(key="FormSubmitter:fulfil_form-" + zh("Report as fulfilled")).click().run()
    assert zh("Thank you! The author will now confirm it.") in texts(merchant)

    author = open_app("resident0008")
    author.session_state["wish_id"] = wish.id
    author.switch_page("pages/wish_detail.py").run()
    author.button(key="wish_confirm").click().run()
    assert not author.exception
    with Session(get_engine(app_db)) as s:
        assert s.get(Wish, wish.id).state == "confirmed"


def test_voting_twice_from_two_sessions_says_so(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        wish = s.exec(select(Wish).where(Wish.title == "垃圾分类点加个雨棚")).one()
    first = open_app("resident0200", page="pages/wish_wall.py")
    second = open_app("resident0200", page="pages/wish_wall.py")
    first.button(key=f"wall_vote_{wish.id}").click().run()
    second.button(key=f"wall_vote_{wish.id}").click().run()
    assert zh("You already support this wish.") in [e.value for e in second.error]
    with Session(get_engine(app_db)) as s:
        votes = s.exec(
            select(WishVote).where(
                WishVote.wish_id == wish.id, WishVote.user_id == user_id(app_db, "resident0200")
            )
        ).all()
        assert len(votes) == 1


def test_staff_hides_with_reason_author_sees_it(open_app, app_db):
    with Session(get_engine(app_db)) as s:
        wish = s.exec(select(Wish).where(Wish.title == "商业街多放几个垃圾桶")).one()
    staff = open_app("staff01")
    staff.session_state["wish_id"] = wish.id
    staff.switch_page("pages/wish_detail.py").run()
    staff.text_input(key="hide_reason").input("与另一条心愿重复")
    staff.button(key="FormSubmitter:hide_form-" + zh("Hide this wish")).click().run()
    assert not staff.exception
    author = open_app("chen_shop", page="pages/wish_wall.py")
    author.selectbox(key="wall_state").set_value("hidden").run()
    assert "与另一条心愿重复" in _html(author)
    neighbour = open_app("resident0100", page="pages/wish_wall.py")
    assert "商业街多放几个垃圾桶" not in _html(neighbour)


def test_moderation_page_sets_a_grid_rule(open_app):
    at = open_app("staff01", page="pages/wish_moderation.py")
    assert not at.exception
    at.button(key="FormSubmitter:rule_form-" + zh("Save the rule")).click().run()
    assert zh("Please choose a grid.") in [e.value for e in at.error]
    grid_id = at.selectbox(key="rule_grid").options[0]
    at.selectbox(key="rule_grid").select_index(0)
    at.number_input(key="rule_threshold").set_value(5)
    at.button(key="FormSubmitter:rule_form-" + zh("Save the rule")).click().run()
    assert not at.exception
    assert zh("The rule was saved.") in texts(at)
    assert grid_id
