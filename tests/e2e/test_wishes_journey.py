"""A wish from posting to confirmation in a real browser: a resident posts a wish, three neighbours
support it, a merchant adopts and fulfils it, the author confirms; axe-core finds nothing on the
wall, the post form and the wish page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models_wishes import Wish
from portal import wishes
from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    expect_text,
    open_as,
    open_page,
    pick_option,
    screenshot,
    wait_idle,
    wait_rerun,
    zh,
)

pytestmark = pytest.mark.e2e

AUTHOR = "li_ayi"
NEIGHBOURS = ("resident0200", "resident0201", "resident0202")
MERCHANT = "merchant001"
TITLE = "三号楼梯间扶手<script>alert(1)</script>"


def _open_wish(page, server, wish_id: int) -> None:
    open_page(page, f"{server.url}/wish_detail?id={wish_id}", f"{MAIN} .linli-wish")


def test_wish_journey(server, new_context):
    author = open_as(new_context, server, AUTHOR)
    open_page(author, server.url + "/wish_wall", f"{MAIN} .linli-wish")
    assert_no_axe_violations(author, "wish wall")
    screenshot(author, "wish-1-wall")

    open_page(author, server.url + "/wish_post", f'{MAIN} [data-testid="stForm"]')
    assert_no_axe_violations(author, "post a wish (empty form)")
    form = author.locator(f'{MAIN} [data-testid="stForm"]')
    form.get_by_role("textbox", name=zh("Title")).fill(TITLE)
    form.get_by_role("textbox", name=zh("What do you wish for?")).fill(
        "楼梯很陡，老人上下不方便。\n希望装一段扶手。"
    )
    category = form.get_by_role("combobox", name=zh("Category"))
    pick_option(author, category, zh("Facilities and repairs"), rerun=False)
    wait_rerun(author, lambda: form.get_by_role("button", name=zh("Post the wish")).click())
    author.wait_for_selector(f"{MAIN} .linli-wish")
    wait_idle(author)
    assert zh("Your wish is on the wall.") in author.inner_text(MAIN)
    assert author.locator(f"{MAIN} .linli-wish h2").inner_text() == TITLE  # markup shown as text
    assert author.locator(f'{MAIN} .linli-wish[lang="zh-Hans"]').count() == 1
    wish_id = int(parse_qs(urlparse(author.url).query)["id"][0])
    assert_no_axe_violations(author, "wish page (author)")
    screenshot(author, "wish-2-posted")

    support = re.compile("^" + re.escape(zh("Support ({n})", n=0)).replace("0", r"\d+"))
    for n, username in enumerate(NEIGHBOURS, 1):
        neighbour = open_as(new_context, server, username)
        _open_wish(neighbour, server, wish_id)
        wait_rerun(
            neighbour,
            lambda neighbour=neighbour: neighbour.get_by_role("button", name=support).click(),
        )
        expect_text(neighbour, zh("Thank you for your support."))
        assert zh("{n} neighbours support this", n=n) in neighbour.inner_text(MAIN)
    screenshot(neighbour, "wish-3-supported")

    merchant = open_as(new_context, server, MERCHANT)
    _open_wish(merchant, server, wish_id)
    assert_no_axe_violations(merchant, "wish page (merchant, adopt form)")
    adopt = merchant.locator('[data-testid="stForm"]').filter(has_text=zh("Adopt this wish"))
    adopt.get_by_role("textbox", name=zh("A note for the author (optional)")).fill(
        "这周六带工具来装。"
    )
    wait_rerun(merchant, lambda: adopt.get_by_role("button", name=zh("Adopt")).click())
    expect_text(merchant, zh("You adopted this wish. Thank you!"))
    fulfil = merchant.locator('[data-testid="stForm"]').filter(
        has_text=zh("Report it as fulfilled")
    )
    fulfil.get_by_role("textbox", name=zh("What was done?")).fill("扶手装好了，二楼到四楼。")
    wait_rerun(
        merchant, lambda: fulfil.get_by_role("button", name=zh("Report as fulfilled")).click()
    )
    expect_text(merchant, zh("Thank you! The author will now confirm it."))
    screenshot(merchant, "wish-4-fulfilled")

    _open_wish(author, server, wish_id)
    assert zh("Was your wish fulfilled?") in author.inner_text(MAIN)
    assert_no_axe_violations(author, "wish page (author, confirm)")
    wait_rerun(
        author, lambda: author.get_by_role("button", name=zh("Yes, confirm it is done")).click()
    )
    expect_text(author, zh("Confirmed. The adopter has earned points. Thank you!"))
    text = author.inner_text(MAIN)
    assert zh(wishes.STATE_LABELS["confirmed"]) in text
    screenshot(author, "wish-5-confirmed")

    with Session(get_engine(server.db_url)) as s:
        wish = s.get(Wish, wish_id)
        assert (wish.state, wishes.support(s, wish_id)) == ("confirmed", 3)
        from portal import points

        merchant_id = wish.adopter_id
        assert points.balance(s, merchant_id) >= 1
        assert len(s.exec(select(Wish).where(Wish.title == TITLE)).all()) == 1
