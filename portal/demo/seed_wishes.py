"""Demo wishes for the wish wall: about twenty wishes in five languages, with votes, one adopted,
one fulfilled and confirmed, one sent to the council. Runs through the real services (so every
rule and trail row is as in real use). Does nothing when wishes already exist (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, func, select

from db.models import User
from db.models_wishes import Wish
from db.types import row_id, utcnow

# (author, category, language, personal, title, body)
DEMO_WISHES = [
    (
        "zhang_nainai",
        "facility",
        "zh_Hans",
        False,
        "三号楼梯间装一段扶手",
        "三号楼的楼梯又陡又暗，我们几个老人上下楼很吃力。希望在二楼到四楼之间装一段扶手。",
    ),
    (
        "li_ayi",
        "facility",
        "zh_Hans",
        False,
        "院门口放一条长椅",
        "接孩子放学、等快递的时候总是站着。院门口的银杏树下放一条长椅就好了。",
    ),
    (
        "zhang_nainai",
        "help",
        "zh_Hans",
        True,
        "想请人陪我去社区医院复查",
        "下周二上午要去社区卫生服务中心复查血压，一个人去不方便，希望有邻居能陪一下。",
    ),
    (
        "li_ayi",
        "culture",
        "zh_Hans",
        False,
        "在活动室开一个读书角",
        "活动室有一面空墙，放两个书架，大家把看过的书拿来共享，孩子放学也有地方看书。",
    ),
    (
        "tashi",
        "culture",
        "bo",
        False,
        "བོད་ཡིག་གི་བརྡ་ཐོ་པང་ཞིག་འཛུགས་རོགས།",
        "ཁྱིམ་ཚང་མང་པོར་རྒྱ་ཡིག་ཀློག་དཀའ་བས། བརྡ་ཐོ་པང་ཐོག་བོད་ཡིག་ཡང་འགོད་རོགས།",
    ),
    (
        "aygul",
        "help",
        "ug",
        False,
        "بالىلار ئۈچۈن دەرستىن كېيىنكى تاپشۇرۇق ياردىمى",
        "ھەپتىدە ئىككى قېتىم، بالىلارغا تاپشۇرۇق ئىشلەشتە ياردەم بېرىدىغان پىدائىي بولسا ياخشى بولاتتى.",
    ),
    (
        "axi",
        "culture",
        "zh_Hans",
        False,
        "火把节借用院坝办一次聚会",
        "彝族火把节快到了，想借院坝和邻居们一起跳达体舞，欢迎各族邻居来参加。",
    ),
    (
        "resident0001",
        "environment",
        "zh_Hans",
        False,
        "垃圾分类点加个雨棚",
        "下雨天倒垃圾要打伞，分类桶里也进水，希望加一个简易雨棚。",
    ),
    (
        "resident0002",
        "safety",
        "zh_Hans",
        False,
        "后门巷子装两盏路灯",
        "晚上从后门回家的巷子很黑，老人和孩子走着不安全。",
    ),
    (
        "resident0003",
        "facility",
        "zh_Hans",
        False,
        "电动车充电桩",
        "楼道里私拉电线充电很危险，希望在车棚装几个充电桩。",
    ),
    (
        "resident0004",
        "environment",
        "zh_Hans",
        False,
        "花坛种点月季",
        "二号楼前的花坛空着长杂草，大家愿意出力，种些月季和薄荷。",
    ),
    (
        "resident0005",
        "help",
        "zh_Hans",
        True,
        "帮忙换一下厨房的灯泡",
        "厨房的灯泡坏了，我腿脚不好，爬不了梯子。",
    ),
    (
        "resident0006",
        "culture",
        "zh_Hans",
        False,
        "周末办一次坝坝电影",
        "夏天晚上在院坝放一场电影，邻居们带小板凳一起看。",
    ),
    (
        "resident0007",
        "other",
        "en",
        False,
        "An English corner for kids",
        "I teach English and could host a free English corner for children on Saturday mornings.",
    ),
    (
        "resident0008",
        "facility",
        "zh_Hans",
        False,
        "单元门禁修一修",
        "五单元的门禁坏了两个月，谁都能进，希望物业尽快修好。",
    ),
    (
        "resident0009",
        "safety",
        "zh_Hans",
        False,
        "楼道杂物清理",
        "楼道里堆了很多纸箱和旧家具，消防通道被堵了。",
    ),
    (
        "resident0010",
        "help",
        "zh_Hans",
        False,
        "给独居老人送一次热饭",
        "院里有几位独居老人，希望商户能每周送一次热饭。",
    ),
    (
        "chief_g1m1",
        "facility",
        "zh_Hans",
        False,
        "网格长提议：修缮院坝破损地面",
        "院坝地面有三处坑洼，雨天积水、老人容易摔倒。请大家投票决定是否优先修缮。",
    ),
    (
        "resident0011",
        "culture",
        "zh_Hans",
        False,
        "<b>广场舞</b> 音响小声一点",
        "晚上九点以后音响太吵，希望调小一点。（标题里的符号原样显示，不会变成格式。）",
    ),
    (
        "chen_shop",
        "environment",
        "zh_Hans",
        False,
        "商业街多放几个垃圾桶",
        "周末人多，垃圾桶不够用，商家愿意一起出钱买。",
    ),
]


def seed_wishes(session: Session) -> int:
    """Adds the demo wishes when the wall is empty; returns how many were added."""
    from portal import wishes

    if session.exec(select(func.count()).select_from(Wish)).one():
        return 0
    users = {
        u.username: u
        for u in session.exec(
            select(User).where(User.role.in_(("resident", "merchant", "grid_worker", "staff")))
        )
    }
    residents = sorted(
        (u for u in users.values() if u.username.startswith("resident")), key=lambda u: u.username
    )
    if "li_ayi" not in users or len(residents) < 60:
        return 0
    start = utcnow() - timedelta(days=12)
    posted: list[Wish] = []
    for n, (author, category, lang, personal, title, body) in enumerate(DEMO_WISHES):
        if author not in users:
            continue
        posted.append(
            wishes.post_wish(
                session,
                author_id=row_id(users[author]),
                title=title,
                body=body,
                category=category,
                language=lang,
                personal=personal,
                now=start + timedelta(hours=13 * n),
            )
        )
    by_title = {w.title: w for w in posted}
    # The bench wish's grid gets a lower threshold, so one wish shows the way to the council.
    bench = by_title.get("院门口放一条长椅")
    staff = users.get("staff01")
    if bench is not None and staff is not None:
        wishes.set_grid_rule(
            session,
            grid_id=bench.grid_id,
            support_threshold=6,
            expire_days=60,
            set_by=row_id(staff),
            now=start,
        )
    votes = {
        "三号楼梯间装一段扶手": 9,
        "院门口放一条长椅": 6,
        "在活动室开一个读书角": 5,
        "བོད་ཡིག་གི་བརྡ་ཐོ་པང་ཞིག་འཛུགས་རོགས།": 5,
        "后门巷子装两盏路灯": 8,
        "网格长提议：修缮院坝破损地面": 4,
        "垃圾分类点加个雨棚": 3,
        "بالىلار ئۈچۈن دەرستىن كېيىنكى تاپشۇرۇق ياردىمى": 2,
        "花坛种点月季": 1,
    }
    moment = start + timedelta(days=11)
    for offset, (title, count) in enumerate(votes.items()):
        wish = by_title.get(title)
        if wish is None:
            continue
        for voter in residents[20 + offset * 3 : 20 + offset * 3 + count]:
            wishes.vote(session, wish_id=row_id(wish), user_id=row_id(voter), now=moment)
    merchant = users.get("chen_shop")
    help_wish = by_title.get("想请人陪我去社区医院复查")
    if merchant is not None and help_wish is not None:
        wishes.adopt(
            session,
            wish_id=row_id(help_wish),
            user_id=row_id(users["li_ayi"]),
            promised_date=(moment + timedelta(days=6)).date(),
            note="我周二有空，陪您去。",
            now=moment,
        )
    bulb = by_title.get("帮忙换一下厨房的灯泡")
    if merchant is not None and bulb is not None:
        wishes.adopt(
            session,
            wish_id=row_id(bulb),
            user_id=row_id(merchant),
            promised_date=(moment + timedelta(days=1)).date(),
            now=moment,
        )
        wishes.report_fulfilled(
            session,
            wish_id=row_id(bulb),
            user_id=row_id(merchant),
            note="已经换好了新的节能灯泡。",
            now=moment + timedelta(hours=20),
        )
        wishes.confirm(
            session, wish_id=row_id(bulb), user_id=bulb.author_id, now=moment + timedelta(hours=22)
        )
    return len(posted)
