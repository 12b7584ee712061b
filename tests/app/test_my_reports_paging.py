"""My reports comes in pages of ten: each card draws its trail, photos and translation form, and
a resident with a long history (the S-like community's have a hundred reports each) waited
seconds per click when every card was drawn at once."""

from sqlmodel import Session, col, select

from db.engine import get_engine
from db.models_reports import Report
from portal.i18n import translate, translate_plural
from tests.app.conftest import user_id


def _give_reports(url: str, username: str, total: int) -> None:
    """Copies of one report until `username` has `total` of their own."""
    me = user_id(url, username)
    with Session(get_engine(url)) as s:
        base = s.exec(select(Report).order_by(col(Report.id))).first()
        have = len(s.exec(select(Report.id).where(Report.reporter_id == me)).all())
        for _ in range(total - have):
            values = base.model_dump(exclude={"id", "submit_key"})
            s.add(Report(**{**values, "reporter_id": me, "on_behalf_of_id": None}))
        s.commit()


def _cards(at) -> int:
    prefix = translate("zh_Hans", "Reported {when}", when="")
    return sum(1 for m in at.markdown if m.value.startswith(prefix))


def test_a_long_history_comes_ten_at_a_time(open_app, app_db):
    _give_reports(app_db, "li_ayi", 23)
    at = open_app("li_ayi", page="pages/my_reports.py")
    assert not at.exception
    assert _cards(at) == 10
    more = at.button(key="my_reports_more")
    assert more.label == translate_plural(
        "zh_Hans", "Show {n} more report", "Show {n} more reports", 10
    )
    more.click().run()
    assert _cards(at) == 20
    at.button(key="my_reports_more").click().run()
    assert _cards(at) == 23
    assert not [b for b in at.button if b.key == "my_reports_more"]  # nothing more to show
