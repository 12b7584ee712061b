"""The report form on a phone: my location, the address search, my courtyard by default, a
photo without a location said so, and a fresh form (photo box included) after sending."""

from __future__ import annotations

import io

from PIL import Image
from sqlmodel import Session, select

from db.engine import get_engine
from db.models import Grid, User
from db.models_reports import Report, ReportCategory
from portal.addresses import spell
from portal.grids import GridIndex
from portal.i18n import translate
from portal.ui.geolocation import ERRORS, Fix


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _jpeg() -> bytes:  # no EXIF, so no location
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 150)).save(out, "JPEG")
    return out.getvalue()


def _world(url):
    with Session(get_engine(url)) as s:
        lighting = s.exec(select(ReportCategory.id).where(ReportCategory.code == "lighting")).one()
        index = GridIndex.load(s)
        home = s.exec(select(User.home_grid_id).where(User.username == "zhang_nainai")).one()
        other = next(g for g in index.of_kind("micro") if g.id != home)
        return lighting, index, home, other


def _latest(url) -> Report:
    with Session(get_engine(url)) as s:
        return s.exec(select(Report).order_by(Report.id.desc())).first()


def test_my_courtyard_is_the_default_and_the_form_is_fresh_after_sending(open_app, app_db):
    lighting, _index, home, _other = _world(app_db)
    at = open_app("zhang_nainai", page="pages/report_new.py")
    assert at.radio(key="rp_where").value == "home"
    at.selectbox(key="rp_category").set_value(lighting)
    at.file_uploader(key="rp_photo_0").set_value(("楼道.jpg", _jpeg(), "image/jpeg")).run()
    no_gps = zh(
        "This photo has no location information. Please choose the place on the map or "
        "use my location."
    )
    assert no_gps == "此照片没有位置信息，请在地图上选择或使用我的位置。"
    assert no_gps in [m.value for m in at.info]
    at.button(key="rp_send").click().run()
    assert not at.exception, at.exception
    report = _latest(app_db)
    assert report.place_source == "home" and report.grid_id == home
    keys = {w.key for w in at.file_uploader}
    assert "rp_photo_1" in keys and "rp_photo_0" not in keys  # a new, empty upload box
    assert at.file_uploader(key="rp_photo_1").value is None
    assert no_gps not in [m.value for m in at.info]


def test_use_my_location_shows_accuracy_and_grid_and_files_there(open_app, app_db):
    lighting, index, _home, other = _world(app_db)
    centre = index.shapes[other.id].representative_point()
    at = open_app("zhang_nainai", page="pages/report_new.py")
    at.session_state["rp_gps"] = Fix(centre.y, centre.x, 8.4)  # what the component stores
    at.run()
    at.radio(key="rp_where").set_value("gps").run()
    radio = at.radio(key="rp_where")
    assert zh("Where I am now (accurate to about {m} m)", m=8) in radio.options
    with Session(get_engine(app_db)) as s:
        grid = s.get(Grid, other.id)
    assert any(grid.name in m for m in [i.value for i in at.info])
    at.selectbox(key="rp_category").set_value(lighting)
    at.text_area(key="rp_text").input("路灯不亮").run()
    at.button(key="rp_send").click().run()
    report = _latest(app_db)
    assert report.place_source == "gps" and report.grid_id == other.id
    assert abs(report.lat - centre.y) < 1e-9


def test_location_refused_is_said_and_the_map_stays(open_app):
    at = open_app("tashi", page="pages/report_new.py")
    at.session_state["rp_gps_error"] = "denied"
    at.run()
    assert translate("bo", ERRORS["denied"]) in [w.value for w in at.warning]
    assert translate("bo", "I will click the place on the map") in at.radio(key="rp_where").options
    assert not at.exception


def test_address_search_in_pinyin_sets_the_place(open_app, app_db):
    lighting, index, _home, _other = _world(app_db)
    target = next(g for g in index.of_kind("exclusive"))
    at = open_app("zhang_nainai", page="pages/report_new.py")
    at.text_input(key="rp_address_query").input(spell(target.name)[1]).run()  # its initials
    picks = [b for b in at.button if (b.key or "").startswith("rp_address_pick_")]
    assert picks and picks[0].label.startswith(target.name)
    picks[0].click().run()
    assert at.radio(key="rp_where").value == "address"
    assert zh("At the address: {place}", place=target.name) in at.radio(key="rp_where").options
    at.selectbox(key="rp_category").set_value(lighting)
    at.text_area(key="rp_text").input("门口路灯坏了").run()
    at.button(key="rp_send").click().run()
    report = _latest(app_db)
    assert report.place_source == "address" and report.grid_id == target.id


def test_an_address_nobody_has_is_told(open_app):
    at = open_app("zhang_nainai", page="pages/report_new.py")
    at.text_input(key="rp_address_query").input("qqqqzzzz").run()
    assert zh("No address in our community matches this.") in [c.value for c in at.caption]


def test_home_starts_with_snap_a_report_and_my_open_reports(open_app, app_db):
    at = open_app("zhang_nainai")
    labels = [link.proto.label for link in at.main.get("page_link")]
    assert labels.count(zh("Snap a report")) == 1  # in the first block, not again as a tile
    with Session(get_engine(app_db)) as s:
        uid = s.exec(select(User.id).where(User.username == "zhang_nainai")).one()
        open_ones = [
            r
            for r in s.exec(select(Report).where(Report.reporter_id == uid)).all()
            if r.state
            in ("submitted", "assigned", "accepted", "in_progress", "reopened", "returned")
        ]
    shown = [m.value for m in at.markdown]
    if open_ones:
        assert f"您有 {len(open_ones)} 件反映尚未办结" in shown
    else:
        assert zh("You have no open reports.") in shown
