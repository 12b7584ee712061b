"""Points in a real browser: staff publishes a task, a resident claims it and sends proof, a grid
worker approves, the resident exchanges the points for a merchant's reward, the merchant hands it
over. axe-core finds nothing on each of these screens."""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    enter_as,
    open_page,
    screenshot,
    wait_idle,
    wait_rerun,
)

pytestmark = pytest.mark.e2e

TITLE = "帮邻居搬运旧家具"


def _go(page, base: str, key: str) -> None:
    open_page(page, f"{base}/{key}", f"{MAIN} h1")


def _card(page, text: str, button):
    """The innermost block holding both the text and the button (one card)."""
    return (
        page.locator('[data-testid="stVerticalBlock"]')
        .filter(has_text=text)
        .filter(has=page.get_by_role("button", name=button))
        .last
    )


def _click(page, locator) -> None:
    wait_rerun(page, lambda: locator.click())


def test_points_journey(server, new_context):
    base = server.url
    # 1. community staff publishes a task open to the whole community, worth 30 points
    staff = new_context().new_page()
    enter_as(staff, server, "staff01")
    _go(staff, base, "tasks_manage")
    assert_no_axe_violations(staff, "tasks_manage (staff, proof tab)")
    staff.get_by_role("tab", name="发布任务").click()
    form = staff.locator('[data-testid="stForm"]').filter(has_text="面向这些网格")
    form.get_by_label("标题").fill(TITLE)
    form.get_by_label("要做什么").fill("三楼王爷爷家的旧衣柜搬到楼下回收点。")
    points_box = form.get_by_label("每人积分")
    points_box.fill("30")
    form.locator('[data-testid="stMultiSelect"] input').fill("S社区")
    staff.keyboard.press("Enter")
    staff.keyboard.press("Escape")
    _click(staff, form.get_by_role("button", name="发布"))
    staff.wait_for_selector(f"{MAIN} [data-testid='stAlertContentSuccess']")
    assert "已发布 1 个任务" in staff.inner_text(MAIN)
    staff.get_by_role("tab", name="发布任务").click()
    assert_no_axe_violations(staff, "tasks_manage (staff, after publishing)")
    screenshot(staff, "points-1-published")

    # 2. a resident claims it and sends proof
    resident = new_context().new_page()
    enter_as(resident, server, "li_ayi")
    _go(resident, base, "points")
    assert_no_axe_violations(resident, "points (resident)")
    card = _card(resident, TITLE, "认领这个任务")
    _click(resident, card.get_by_role("button", name="认领这个任务"))
    resident.wait_for_selector(f"{MAIN} [data-testid='stAlertContentSuccess']")
    proof = resident.locator('[data-testid="stForm"]').filter(has_text="需要的证明")
    proof.get_by_label("您做了什么？").fill("和儿子一起把衣柜搬下楼了。")
    _click(resident, proof.get_by_role("button", name="提交证明"))
    assert "证明已提交" in resident.inner_text(MAIN)
    screenshot(resident, "points-2-proof-sent")

    # 3. a grid worker approves: the points are credited
    worker = new_context().new_page()
    enter_as(worker, server, "chief_g1m2")
    _go(worker, base, "tasks_manage")
    check = worker.locator('[data-testid="stForm"]').filter(has_text="不通过时的原因").first
    assert TITLE in worker.inner_text(MAIN)
    assert_no_axe_violations(worker, "tasks_manage (grid worker, proof waiting)")
    _click(worker, check.get_by_role("button", name="通过并发放积分"))
    assert "30 积分" in worker.inner_text(MAIN)
    screenshot(worker, "points-3-approved")

    # 4. the resident exchanges 30 points for the merchant's haircut voucher
    _go(resident, base, "points")
    resident.get_by_role("tab", name="积分记录").click()
    assert TITLE in resident.inner_text(MAIN)
    resident.get_by_role("tab", name="奖品").click()
    voucher = _card(resident, "理发券", re.compile("积分兑换"))
    _click(resident, voucher.get_by_role("button", name=re.compile("积分兑换")))
    message = resident.locator(f"{MAIN} [data-testid='stAlertContentSuccess']").inner_text()
    code = re.search(r"兑换码是 ([2-9A-HJ-NP-Z]{6})", message).group(1)
    assert_no_axe_violations(resident, "points (resident, after exchange)")
    screenshot(resident, "points-4-code")

    # 5. the merchant marks the code as handed over; a second time is refused
    shop = new_context().new_page()
    enter_as(shop, server, "merchant001")
    _go(shop, base, "rewards_manage")
    assert_no_axe_violations(shop, "rewards_manage (merchant)")
    shop.wait_for_selector(f'{MAIN} [data-testid="stDataFrame"]')  # codes waiting (a canvas grid)
    form = shop.locator('[data-testid="stForm"]')
    form.get_by_label("兑换码").fill(code.lower())
    _click(shop, form.get_by_role("button", name="核对兑换码"))
    _click(shop, shop.get_by_role("button", name="确认已发放"))
    assert "已发放" in shop.inner_text(MAIN)
    form.get_by_label("兑换码").fill(code)
    _click(shop, form.get_by_role("button", name="核对兑换码"))
    assert "已领取" in shop.inner_text(MAIN)
    assert not shop.get_by_role("button", name="确认已发放").count()
    assert_no_axe_violations(shop, "rewards_manage (merchant, after hand-over)")
    screenshot(shop, "points-5-handed-over")
    wait_idle(shop)
