"""Under what someone wrote: its translation into the reader's language (labelled, with who wrote
it), and for the author or staff a small form to add one."""

from __future__ import annotations

import streamlit as st

from portal import content_translations as ct
from portal.i18n import LANGUAGES, N_, format_when, language
from portal.text import html_text
from portal.ui.actions import in_session, run_action
from portal.ui.data import db
from portal.ui.session import Viewer
from portal.ui.widgets import field_slots

FLASH = "translation_flash"
CSS = """
.linli-translation { border-inline-start: 4px solid #1f4e79; padding: .2rem .8rem; margin: .4rem 0; }
.linli-translation-label { color: #2b2b2b; margin: 0 0 .3rem 0; font-size: .95em; }
.linli-translation p { margin: 0 0 .3rem 0; overflow-wrap: anywhere; }
"""


_esc = html_text  # typed text inside our own HTML


def _label(viewer: Viewer, view: ct.TranslationView, source_language: str) -> str:
    t = viewer.t
    by = (
        N_("Translated from {source} by the author, {name}, {when}")
        if view.translator_is_author
        else N_("Translated from {source} by community staff, {name}, {when}")
    )
    return t(
        by,
        source=language(source_language).native_name,
        name=view.translator_name,
        when=format_when(viewer.language, view.at, "short"),
    )


def translation_html(viewer: Viewer, view: ct.TranslationView, source_language: str) -> str:
    """The translation marked with its own language and direction, under a label in the reader's."""
    lang, reader = language(view.language), viewer.lang
    title = f"<h4>{_esc(view.title)}</h4>" if view.title else ""
    body = "<br>".join(_esc(line) for line in view.body.splitlines())
    return (
        f'<div class="linli-translation" role="note">'
        f'<p class="linli-translation-label" lang="{reader.html_lang}" dir="{reader.direction}">'
        f"<strong>{_esc(viewer.t(N_('Translation')))}</strong> · {_esc(_label(viewer, view, source_language))}</p>"
        f'<div lang="{lang.html_lang}" dir="{lang.direction}">{title}<p>{body}</p></div></div>'
    )


def show_translation(viewer: Viewer, kind: str, item_id: int, source_language: str) -> None:
    """Shown under the original when the reader's language differs and a translation exists."""
    if viewer.language == source_language:
        return
    with db() as session:
        view = ct.latest(session, kind, item_id, viewer.language)
    if view is not None:
        st.html(f"<style>{CSS}</style>" + translation_html(viewer, view, source_language))


def _submit(viewer: Viewer, kind: str, item_id: int, key: str, slots: dict) -> None:
    state = st.session_state
    added = run_action(
        viewer,
        in_session(
            lambda session: ct.add(
                session,
                kind=kind,
                item_id=item_id,
                language=state.get(f"{key}_lang") or "",
                title=state.get(f"{key}_title", ""),
                body=state.get(f"{key}_body", ""),
                translator_id=viewer.require_id(),
            )
        ),
        slots=slots,
    )
    if not added:
        return
    name = language(state.get(f"{key}_lang")).native_name
    state[FLASH] = (
        key,
        viewer.t(N_("Thank you. The translation into {language} is saved."), language=name),
    )
    for part in ("title", "body", "open"):
        state.pop(f"{key}_{part}", None)
    st.rerun()


def translation_form(viewer: Viewer, kind: str, item_id: int) -> None:
    """For the author or staff: a switch that opens a form to add a translation."""
    with db() as session:
        if not ct.may_translate(session, viewer.user_id, kind, item_id):
            return
        source = ct.original(session, kind, item_id)
        have = ct.languages(session, kind, item_id)
    t, key = viewer.t, f"tr_{kind}_{item_id}"
    flash = st.session_state.get(FLASH)
    if flash and flash[0] == key:
        del st.session_state[FLASH]
        st.success(flash[1], icon=":material/check_circle:")
    if have:
        names = ", ".join(language(code).native_name for code in have)
        st.markdown(_esc(t(N_("Translations so far: {languages}"), languages=names)))
    if not st.toggle(t(N_("Add a translation")), key=f"{key}_open"):
        return
    codes = [lang.code for lang in LANGUAGES if lang.code != source.language]
    names = {lang.code: lang.native_name for lang in LANGUAGES}
    with st.form(f"{key}_form"):
        st.selectbox(
            t(N_("Translate into")),
            codes,
            key=f"{key}_lang",
            format_func=names.__getitem__,
            index=codes.index(viewer.language) if viewer.language in codes else 0,
        )
        slots = field_slots(("language",))
        if source.has_title:
            st.text_input(
                t(N_("Title in that language")), key=f"{key}_title", max_chars=ct.TITLE_MAX
            )
            slots |= field_slots(("title",))
        st.text_area(t(N_("Translation")), key=f"{key}_body", max_chars=ct.BODY_MAX)
        slots |= field_slots(("body",))
        if st.form_submit_button(t(N_("Save the translation")), type="primary", width="stretch"):
            _submit(viewer, kind, item_id, key, slots)


def translations(viewer: Viewer, kind: str, item_id: int, source_language: str) -> None:
    """Both: the reader's translation, then (for the author or staff) the form."""
    show_translation(viewer, kind, item_id, source_language)
    if viewer.logged_in:
        translation_form(viewer, kind, item_id)
