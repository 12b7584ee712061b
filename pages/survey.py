# The governance efficacy survey for residents: one question at a time, 1–5 as large buttons,
# progress, the page's Read aloud reads the question; answers are sent once per round.

import streamlit as st

from portal.assessment import survey
from portal.assessment.indicators import DIMENSION_BY_CODE, DIMENSION_OF, INDICATORS
from portal.i18n import N_
from portal.permissions import NOT_VERIFIED
from portal.text import md_text
from portal.ui.actions import in_session, run_action
from portal.ui.data import db
from portal.ui.guard import require
from portal.ui.speech_widgets import readable, show_flash_at

viewer = require("survey")
FLASH = "survey_flash"
QUESTION = N_("How well does this work in your community: {indicator}?")
SCALE_HINT = N_("1 is very poor, 3 is fair, 5 is very good.")
SCALE = {
    1: N_("Very poor"),
    2: N_("Poor"),
    3: N_("Fair"),
    4: N_("Good"),
    5: N_("Very good"),
}

t = viewer.t
uid = viewer.user_id
state = st.session_state
# Large answer buttons (≥ 64 px, large text) whatever the elder-mode setting.
st.html(
    "<style>.st-key-survey_scale button { min-height: 64px; }"
    ".st-key-survey_scale button p { font-size: 1.35rem; }</style>"
)

st.title(t(N_("Community survey")))
show_flash_at(FLASH, viewer)
with db() as session:
    rounds = survey.open_rounds(session, viewer.require_id())
if not rounds:
    st.info(t(N_("No survey is open for your community now.")))
    readable(t(N_("No survey is open for your community now.")))
    st.stop()
if len(rounds) > 1:
    chosen = st.radio(
        t(N_("Survey round")),
        range(len(rounds)),
        key="survey_round",
        format_func=lambda n: md_text(rounds[n].round.title),
    )
else:
    chosen = 0
with db() as session:
    confirmed = survey.confirmed(session, viewer.require_id())
if not confirmed:  # a self-registered account: answers count once a grid worker confirms it
    st.info(t(NOT_VERIFIED), icon=":material/badge:")
    readable(t(NOT_VERIFIED), NOT_VERIFIED)
    st.stop()
current = rounds[chosen]
rid = current.round.id
st.subheader(md_text(current.round.title))
if current.answered:
    st.success(t(survey.ALREADY_ANSWERED), icon=":material/check_circle:")
    readable(t(survey.ALREADY_ANSWERED), survey.ALREADY_ANSWERED)
    st.stop()

answers_key, step_key = f"survey_answers_{rid}", f"survey_step_{rid}"
answers: dict[str, int] = state.setdefault(answers_key, {})
step: int = state.setdefault(step_key, 0)
total = len(INDICATORS)


def _choose(code: str, value: int) -> None:
    state[answers_key][code] = value
    state[step_key] = min(state[step_key] + 1, total)


def _go(to: int) -> None:
    state[step_key] = max(0, min(to, total))


st.progress(
    len(answers) / total,
    text=t(N_("{done} of {total} questions answered"), done=len(answers), total=total),
)
if step < total:
    indicator = INDICATORS[step]
    dimension = DIMENSION_BY_CODE[DIMENSION_OF[indicator.code]]
    question = t(QUESTION, indicator=t(indicator.name))
    st.markdown(
        t(
            N_("Question {n} of {total}: {dimension}"),
            n=step + 1,
            total=total,
            dimension=t(dimension.name),
        )
    )
    st.markdown(f"### {question}")
    st.markdown(t(SCALE_HINT))
    readable(question)
    readable(t(SCALE_HINT), SCALE_HINT)
    with st.container(key="survey_scale"):
        for value, label in SCALE.items():
            st.button(
                f"{value} · {t(label)}",
                key=f"survey_{rid}_{step}_{value}",
                type="primary" if answers.get(indicator.code) == value else "secondary",
                on_click=_choose,
                args=(indicator.code, value),
                width="stretch",
            )
    if step > 0:
        st.button(
            t(N_("Previous question")),
            key="survey_back",
            icon=":material/arrow_back:",
            on_click=_go,
            args=(step - 1,),
        )
    st.stop()

st.markdown(f"### {t(N_('Your answers'))}")
for n, indicator in enumerate(INDICATORS):
    value = answers.get(indicator.code)
    shown = f"{value} · {t(SCALE[value])}" if value else "—"
    left, right = st.columns([4, 1])
    left.markdown(f"{t(indicator.name)}: **{shown}**")
    right.button(t(N_("Change")), key=f"survey_change_{n}", on_click=_go, args=(n,))
readable(t(N_("Please check your answers and send them.")))
missing = [i for i in INDICATORS if i.code not in answers]
if missing:
    st.warning(t(survey.ANSWER_ALL))
slot = st.empty()
if st.button(t(N_("Send my answers")), key="survey_send", type="primary", width="stretch"):
    sent = run_action(
        viewer,
        in_session(
            lambda session: survey.answer(
                session,
                round_id=rid,
                user_id=viewer.require_id(),
                scores=dict(answers),
                language=viewer.language,
            )
        ),
        done=t(N_("Thank you! Your answers are saved.")),
        flash_key=FLASH,
    )
    if sent:  # a refusal keeps what was chosen (a closed round, a confirmation still pending)
        state.pop(answers_key, None)
        state.pop(step_key, None)
    st.rerun()
