"""Demo topic circles (话题圈) of the demo community: a chess circle, a square-dance circle and the
courtyard circle of 张奶奶's micro-grid, with a few members, posts and replies."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, func, select

from db.models import Grid, User
from db.models_circles import Circle
from db.types import row_id, utcnow

CIRCLES = (("象棋角", "interest"), ("广场舞", "interest"))
MEMBERS = {
    "象棋角": ("zhang_nainai", "li_ayi", "chen_shop"),
    "广场舞": ("li_ayi", "aygul", "zhang_nainai"),
    "yard": ("zhang_nainai", "li_ayi"),
}
POSTS = (  # circle, author, text, replies (author, text)
    ("象棋角", "li_ayi", "周六下午三点活动室下棋，新手也欢迎！", (("chen_shop", "我带茶水来。"),)),
    ("广场舞", "aygul", "晚上七点半广场见，这周学新曲子。", (("li_ayi", "好，我叫上邻居。"),)),
    ("yard", "zhang_nainai", "院门口的路灯又不亮了，晚上出门看不清。", ()),
    (
        "yard",
        "li_ayi",
        "周日上午院坝大扫除，需要几位帮手。",
        (("zhang_nainai", "我可以帮忙择菜做饭。"),),
    ),
)


def seed_circles(session: Session) -> int:
    """Adds the demo circles when there are none; returns how many posts were added."""
    from portal import circles

    if session.exec(select(func.count()).select_from(Circle)).one():
        return 0
    users = {
        u.username: u
        for u in session.exec(
            select(User).where(col(User.username).in_(["staff01", *sum(MEMBERS.values(), ())]))
        )
    }
    staff, home = users.get("staff01"), users.get("zhang_nainai")
    if staff is None or home is None or home.home_grid_id is None:
        return 0
    made = {
        name: circles.create_circle(session, actor_id=row_id(staff), name=name, kind=kind)
        for name, kind in CIRCLES
    }
    yard = session.get(Grid, home.home_grid_id)  # her micro-grid's general grid: the courtyard
    courtyard = session.get(Grid, yard.parent_id) if yard and yard.parent_id else yard
    if courtyard is None:
        return 0
    made["yard"] = circles.create_circle(
        session,
        actor_id=row_id(staff),
        name=f"{courtyard.name}邻里圈",
        kind="courtyard",
        courtyard_grid_id=row_id(courtyard),
    )
    start = utcnow() - timedelta(days=3)
    for key, names in MEMBERS.items():
        for name in names:
            if name in users:
                circles.join(session, circle_id=row_id(made[key]), user_id=row_id(users[name]))
    count = 0
    for n, (key, author, text, replies) in enumerate(POSTS):
        if author not in users:
            continue
        at = start + timedelta(hours=9 * n)
        item = circles.post(
            session, circle_id=row_id(made[key]), author_id=row_id(users[author]), body=text, now=at
        )
        count += 1
        for m, (who, answer) in enumerate(replies):
            if who in users:
                circles.reply(
                    session,
                    post_id=row_id(item),
                    author_id=row_id(users[who]),
                    body=answer,
                    now=at + timedelta(minutes=20 * (m + 1)),
                )
    return count
