"""The points pages for residents, grid workers, staff and merchants (AppTest on the demo)."""

from datetime import timedelta

from sqlmodel import Session, select

from db.engine import get_engine
from db.models import User
from db.models_points import PointsTask, Redemption, Reward, TaskClaim
from db.types import utcnow
from portal import points
from portal.i18n import translate, translate_plural
from tests.app.conftest import texts, user_id


def zh(msgid: str, **params) -> str:
    return translate("zh_Hans", msgid, **params)


def _session(url):
    return Session(get_engine(url), expire_on_commit=False)


def _buttons(at, prefix):
    return [b for b in at.button if (b.key or "").startswith(prefix)]


def test_resident_sees_balance_tasks_rewards_and_history(open_app, app_db):
    at = open_app("zhang_nainai", page="pages/points.py")
    assert not at.exception, at.exception
    assert at.title[0].value == zh("My points")
    with _session(app_db) as s:
        balance = points.balance(s, user_id(app_db, "zhang_nainai"))
    assert at.metric[0].value == str(balance)
    shown = texts(at)
    assert "周末院落夜间巡逻" in shown and "东北大米" in shown
    assert zh("Community task done: {reason}", reason="重阳节敬老茶话会志愿服务") in shown


def test_resident_claims_sends_proof_and_is_refused_when_poor(open_app, app_db):
    at = open_app("zhang_nainai", page="pages/points.py")
    claim = _buttons(at, "claim_")[0]
    claim.click().run()
    assert not at.exception, at.exception
    assert any(
        s.value.startswith(
            zh("You claimed “{title}”. Do the task, then send proof here.", title="")[:3]
        )
        for s in at.success
    )
    uid = user_id(app_db, "zhang_nainai")
    with _session(app_db) as s:
        mine = s.exec(
            select(TaskClaim).where(TaskClaim.user_id == uid, TaskClaim.status == "claimed")
        ).one()
        task = s.get(PointsTask, mine.task_id)
        # let the task start so proof can be sent
        task.starts_at = utcnow() - timedelta(hours=1)
        s.add(task)
        s.commit()
    at.run()
    form_key = f"proof_form_{mine.id}"
    at.button(key=f"FormSubmitter:{form_key}-{zh('Send proof')}").click().run()
    assert not at.exception
    errors = [e.value for e in at.error]
    assert (
        zh("Please write a few words or record a voice note.") in errors
        or zh("Please add a photo, write a short note or record a voice note.") in errors
    )
    at.text_area(key=f"proof_note_{mine.id}").input("<b>扫了楼道</b> **全部**")
    at.button(key=f"FormSubmitter:{form_key}-{zh('Send proof')}").click().run()
    assert not at.exception
    assert zh("Proof sent. A grid worker will check it.") in [s.value for s in at.success]
    with _session(app_db) as s:
        assert s.get(TaskClaim, mine.id).status == "submitted"


def test_grid_worker_approves_and_staff_adjusts(open_app, app_db):
    uid = user_id(app_db, "zhang_nainai")
    with _session(app_db) as s:
        task = s.exec(select(PointsTask).where(PointsTask.title == "帮独居老人买菜、取药")).one()
        claim = points.claim_task(s, user_id=uid, task_id=task.id)
        points.submit_proof(
            s, user_id=uid, claim_id=claim.id, note="<script>x</script>帮王爷爷取药"
        )
        before = points.balance(s, uid)
    at = open_app("chief_g1m1", page="pages/tasks_manage.py")
    assert not at.exception, at.exception
    shown = texts(at)
    assert "&lt;script&gt;" in shown and "<script>" not in shown
    form = f"verify_form_{claim.id}"
    at.button(key=f"FormSubmitter:{form}-{zh('Not approved')}").click().run()
    assert zh("Please write why the proof is not accepted.") in [e.value for e in at.error]
    at.button(key=f"FormSubmitter:{form}-{zh('Approve and credit points')}").click().run()
    assert not at.exception
    with _session(app_db) as s:
        assert points.balance(s, uid) == before + task.points
    staff = open_app("staff01", page="pages/tasks_manage.py")
    assert not staff.exception
    staff.text_input(key="adjust_username").input("zhang_nainai")
    staff.number_input(key="adjust_amount").set_value(-5)
    staff.button(key=f"FormSubmitter:adjust_form-{zh('Save adjustment')}").click().run()
    assert zh("Please write the reason for this adjustment.") in [e.value for e in staff.error]
    assert staff.text_input(key="adjust_username").value == "zhang_nainai"
    staff.text_input(key="adjust_reason").input("重复记分更正")
    staff.button(key=f"FormSubmitter:adjust_form-{zh('Save adjustment')}").click().run()
    assert not staff.exception
    with _session(app_db) as s:
        assert points.balance(s, uid) == before + task.points - 5


def test_staff_publishes_a_series_and_bad_points_are_refused(open_app, app_db):
    at = open_app("staff01", page="pages/tasks_manage.py")
    at.text_input(key="task_title").input("楼栋消防巡查")
    at.number_input(key="task_points").set_value(-3)
    at.button(key=f"FormSubmitter:task_form-{zh('Publish')}").click().run()
    errors = [e.value for e in at.error]
    assert zh("Points must be a whole number from {least} to {most}.", least=1, most=500) in errors
    assert zh("Please choose the grids this task is open to.") in errors
    assert at.text_input(key="task_title").value == "楼栋消防巡查"
    with _session(app_db) as s:
        community = s.exec(select(PointsTask.id)).first()
        from db.models import Grid

        g1 = s.exec(select(Grid.id).where(Grid.code == "G1")).one()
    at.number_input(key="task_points").set_value(12)
    at.multiselect(key="task_grids").set_value([g1])
    at.selectbox(key="task_repeat").set_value("weekly")
    at.button(key=f"FormSubmitter:task_form-{zh('Publish')}").click().run()
    assert not at.exception, at.exception
    published = translate_plural("zh_Hans", "Published {n} task.", "Published {n} tasks.", 4)
    assert published in [s.value for s in at.success]
    assert community is not None


def test_redeem_and_merchant_hands_over(open_app, app_db):
    at = open_app("axi", page="pages/points.py")
    with _session(app_db) as s:
        haircut = s.exec(select(Reward).where(Reward.provider == "merchant")).one()
        merchant = s.get(User, haircut.merchant_id)
    at.button(key=f"redeem_{haircut.id}").click().run()
    assert not at.exception, at.exception
    with _session(app_db) as s:
        code = s.exec(
            select(Redemption.code).where(Redemption.user_id == user_id(app_db, "axi"))
        ).one()
    # axi reads Yi
    assert translate(
        "ii", "Done! Your code is {ticket}. Show it when you pick up the reward.", ticket=code
    ) in [x.value for x in at.success]
    shop = open_app(merchant.username, page="pages/rewards_manage.py")
    assert not shop.exception, shop.exception
    shop.text_input(key="handover_input").input("ZZZZZZ")
    shop.button(key=f"FormSubmitter:code_form-{zh('Check the code')}").click().run()
    assert zh("No reward of yours has this code. Please check the code.") in [
        e.value for e in shop.error
    ]
    shop.text_input(key="handover_input").input(code.lower())
    shop.button(key=f"FormSubmitter:code_form-{zh('Check the code')}").click().run()
    shop.button(key="handover_button").click().run()
    assert not shop.exception
    with _session(app_db) as s:
        assert (
            s.exec(select(Redemption.status).where(Redemption.code == code)).one() == "handed_over"
        )
        with __import__("pytest").raises(Exception):
            points.hand_over(s, actor_id=merchant.id, code=code)


def test_staff_catalogue_and_figures(open_app):
    at = open_app("staff01", page="pages/rewards_manage.py")
    assert not at.exception, at.exception
    at.text_input(key="reward_name").input("洗衣液")
    at.number_input(key="reward_cost").set_value(0)
    at.button(key=f"FormSubmitter:reward_form-{zh('Add to the catalogue')}").click().run()
    assert zh("Points must be a whole number from {least} to {most}.", least=1, most=100000) in [
        e.value for e in at.error
    ]
    at.number_input(key="reward_cost").set_value(35)
    at.button(key=f"FormSubmitter:reward_form-{zh('Add to the catalogue')}").click().run()
    assert not at.exception
    assert zh("The reward was added.") in [s.value for s in at.success]
    tasks = open_app("staff01", page="pages/tasks_manage.py")
    assert not tasks.exception
    assert len(tasks.dataframe) >= 3  # tasks, figures, leaderboard (+ rules)
