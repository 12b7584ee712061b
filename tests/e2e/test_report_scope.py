"""The reports map's deep link `?report=ID` on a running server, two browsers at once: the chief
of the report's micro-grid reads it; the chief of another micro-grid and a department handler
without a part in it get the same "no report you can open" answer and none of its words."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import GridDuty, User
from db.models_reports import Report
from portal.grids import GridIndex
from portal.reports import visibility
from tests.e2e.helpers import MAIN, open_as, open_page, zh

pytestmark = pytest.mark.e2e

REFUSAL = "There is no report with this number that you can open."


def test_deep_link_shows_a_report_only_to_its_readers(server, new_context):
    with Session(get_engine(server.db_url)) as s:
        micro = {g.id for g in GridIndex.load(s).grids.values() if g.kind == "micro"}
        handler = s.exec(select(User).where(User.username == "handler_street")).one()
        report = next(
            r
            for r in s.exec(select(Report).where(Report.description != "").order_by(Report.id))
            if r.grid_id in micro
            and r.department_id != handler.department_id
            and not visibility.joint_departments(s, r.id)
        )
        chiefs = dict(
            s.exec(
                select(GridDuty.grid_id, User.username)
                .join(User, User.id == GridDuty.user_id)
                .where(GridDuty.duty == "micro_chief")
            ).all()
        )
    own_chief = chiefs[report.grid_id]
    other_chief = next(name for grid, name in chiefs.items() if grid != report.grid_id)
    words = report.description
    owner = open_as(new_context, server, own_chief)
    others = [open_as(new_context, server, name) for name in (other_chief, "handler_street")]
    link = f"{server.url}/report_map?report={report.id}"
    open_page(owner, link, f"{MAIN} h3")
    owner.locator(MAIN).get_by_text(words, exact=False).first.wait_for(timeout=30_000)
    assert words in owner.locator(MAIN).inner_text()  # the heading can come before the words
    for page in others:
        open_page(page, link, f'{MAIN} [data-testid="stAlertContainer"]')
        text = page.locator(MAIN).inner_text()
        assert zh(REFUSAL) in text and words not in text
        assert zh("Report #{id}", id=report.id) not in text
