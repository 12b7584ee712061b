"""portal.ui.actions.run_action, the one runner of service actions: in a form a refusal shows at
its field and what was typed stays; in a button callback it is flashed for the next run; a success
shows its text (from the result) now or flashed."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from portal.errors import FieldErrors, Message, UserError
    from portal.ui.actions import run_action
    from portal.ui.session import Viewer
    from portal.ui.speech_widgets import show_flash_at

    viewer = Viewer(1, "resident", "Li", "li", "en", False)
    show_flash_at("test_flash")

    def save() -> str:
        name = st.session_state.get("name", "")
        if not name:
            raise FieldErrors({"name": Message("Please enter a name.")})
        if name == "taken":
            raise UserError("This name is taken.", field="name")
        if name == "closed":
            raise UserError("The list is closed.")
        return name.upper()

    def in_callback() -> None:
        run_action(viewer, save, done=lambda v: f"Saved {v}", flash_key="test_flash")

    st.text_input("Name", key="name")
    slots = {"name": st.empty()}
    if st.button("Save"):
        outcome = run_action(viewer, save, slots=slots, done=lambda v: f"Saved {v}")
        st.text(f"ok={outcome.ok} value={outcome.value}")
    st.button("Later", on_click=in_callback)


def _app() -> AppTest:
    return AppTest.from_function(_page, default_timeout=30).run()


def test_a_field_error_shows_at_its_field_and_keeps_what_was_typed():
    at = _app()
    at.text_input[0].input("taken")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["This name is taken."]
    assert at.text_input[0].value == "taken"
    assert at.text[0].value == "ok=False value=None"
    assert not at.success


def test_several_field_errors_and_a_refusal_without_a_field():
    at = _app()
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["Please enter a name."]
    at.text_input[0].input("closed")
    at.button[0].click().run()
    assert [e.value for e in at.error] == ["The list is closed."]


def test_success_shows_the_text_made_from_the_result():
    at = _app()
    at.text_input[0].input("li")
    at.button[0].click().run()
    assert [s.value for s in at.success] == ["Saved LI"]
    assert at.text[0].value == "ok=True value=LI"


def test_a_button_callback_flashes_its_outcome_for_the_next_run():
    at = _app()
    at.button[1].click().run()
    assert [e.value for e in at.error] == ["Please enter a name."]
    at.text_input[0].input("ana")
    at.button[1].click().run()
    assert [s.value for s in at.success] == ["Saved ANA"]
    assert not at.error


def _page_with_a_spot() -> None:
    import streamlit as st

    from portal.errors import UserError
    from portal.ui.actions import run_action
    from portal.ui.session import Viewer

    viewer = Viewer(1, "resident", "Li", "li", "en", False)

    def refuse() -> None:
        raise UserError("The list is closed.")

    spot = st.empty()
    st.text("between")
    if st.button("Save"):
        run_action(viewer, refuse, slots={}, at=spot)
    if st.button("Save here"):
        run_action(viewer, refuse, slots={})


def test_a_refusal_without_a_field_shows_at_the_spot_the_page_keeps_for_it():
    at = AppTest.from_function(_page_with_a_spot, default_timeout=30).run()
    at.button[0].click().run()
    kinds = [node.type for node in at.main.children.values()]
    assert [e.value for e in at.error] == ["The list is closed."]
    assert kinds.index("error") < kinds.index("text")  # in the spot above, not after the buttons
    at.button[1].click().run()
    kinds = [node.type for node in at.main.children.values()]
    assert kinds.index("error") > kinds.index("text")
