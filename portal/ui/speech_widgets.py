"""Read-aloud on pages: engine → recorded clips → a plain notice with the Chinese reading on offer.

`read_aloud` is the button (or, in elder mode with automatic reading, a player that starts by
itself when the page opens); `announce` shows the result of an action and speaks it; `play` plays
a reading now. Callers pass a `Reading` (text, language, the phrases it is made of) so that
recorded clips can stand in where no engine speaks the language.
"""

from __future__ import annotations

import streamlit as st

from portal import speech, voice_clips
from portal.i18n import DEFAULT_LANGUAGE, N_, translate
from portal.media import store_for
from portal.ui import session as ui_session
from portal.ui.data import db, settings
from portal.ui.session import Viewer
from portal.voice_clips import Reading, Voice

NO_VOICE = N_(
    "Reading aloud is not available in this language yet. A grid worker can read it to you."
)
PART_MISSING = N_("Part of this has not been recorded in your language yet.")
APPROXIMATE = N_(
    "Approximate machine voice: made from spelling rules, not by a speaker of the language."
)
AUTO_COOKIE = "linli_auto_read"
AUTO_STATE = "auto_read"
LAST_PAGE = "_read_last_page"


def _cache() -> speech.SpeechCache:
    return speech.shared_cache(settings().media_dir / "speech")


def voice(reading: Reading) -> Voice:
    """The reading's audio through the chain; a failing engine or a database hiccup is silence."""
    try:
        with db() as session:
            finder = voice_clips.clip_finder(session, store_for(settings()))
            return voice_clips.voice_for(
                reading, cache=_cache(), clips=finder, rule_voice=settings().rule_voice
            )
    except Exception:  # noqa: BLE001 - read-aloud must never break the page
        return Voice((), "", reading.phrases)


def _reading(what: str | Reading, language: str | None) -> Reading:
    return what if isinstance(what, Reading) else Reading(what, language or DEFAULT_LANGUAGE)


def _players(viewer: Viewer, found: Voice, autoplay: bool) -> None:
    alt = viewer.t(N_("Read aloud"))
    for n, (audio, mime) in enumerate(found.parts):
        st.audio(audio, format=mime, autoplay=autoplay and n == 0, alt=alt)
    if found.approximate:
        st.caption(viewer.t(APPROXIMATE))
    if found.source == "clips" and found.missing:
        st.caption(viewer.t(PART_MISSING))


def _chinese_offer(viewer: Viewer, reading: Reading, key: str) -> None:
    if not reading.chinese or reading.language == DEFAULT_LANGUAGE:
        return
    if st.button(viewer.t(N_("Read it in Chinese")), key=f"{key}_zh", icon=":material/translate:"):
        st.session_state[f"{key}_zh_on"] = True
    if st.session_state.get(f"{key}_zh_on"):
        found = voice(Reading(reading.chinese, DEFAULT_LANGUAGE))
        if found.silent:
            st.info(viewer.t(N_("The Chinese reading is not available right now either.")))
        else:
            _players(viewer, found, autoplay=True)


def play(
    viewer: Viewer,
    what: str | Reading,
    language: str | None = None,
    key: str = "read",
    autoplay: bool = True,
) -> bool:
    """Plays the reading now; False (after saying so and offering Chinese) when nothing speaks it."""
    reading = _reading(what, language)
    found = voice(reading)
    if found.silent:
        st.info(viewer.t(NO_VOICE), icon=":material/volume_off:")
        _chinese_offer(viewer, reading, key)
        return False
    _players(viewer, found, autoplay)
    return True


def read_aloud(
    viewer: Viewer,
    what: str | Reading,
    language: str | None = None,
    key: str = "read",
    *,
    auto: bool = False,
    autoplay: bool = False,
) -> None:
    """A "Read aloud" button; once pressed the audio stays for this session. With auto, the
    player shows without a press (and starts by itself when autoplay is set)."""
    if auto:
        play(viewer, what, language, key, autoplay=autoplay)
        return
    if st.button(viewer.t(N_("Read aloud")), key=key, icon=":material/volume_up:"):
        st.session_state[f"{key}_on"] = True
    if st.session_state.get(f"{key}_on"):
        play(viewer, what, language, key)


# --- what the page's "Read aloud" reads: its purpose, then its main content in reading order ----

READ_ITEMS = "_read_items"  # this run's (text, message id or None), in reading order
READ_PENDING = "_read_pending"  # this run's read-aloud control, finished when the page has drawn
ROUTED = "_read_routed"  # this run goes through the router, which finishes the reading
READ_LAST = "_read_last_text"  # what the last page's Read aloud reads (tests look at it)
MORE_AFTER = 5  # a long list is read up to this many items, then "and N more"


def readable(text: str, msgid: str | None = None) -> None:
    """Adds a piece of the page's main content (a tile, a notice, a row) to what the page's
    Read aloud reads; msgid when the text is a fixed phrase (recorded clips can then read it)."""
    if text and text.strip():
        st.session_state.setdefault(READ_ITEMS, []).append((text.strip(), msgid))


def readable_list(viewer: Viewer, texts: list[str], limit: int = MORE_AFTER) -> None:
    """A list on screen, short: its first items, then "and N more"."""
    for text in texts[:limit]:
        readable(text)
    if len(texts) > limit:
        readable(viewer.t(N_("and {n} more"), n=len(texts) - limit))


def page_reading(language: str, items: list[tuple[str, str | None]]) -> Reading:
    """One reading of the page's items: their texts joined, their fixed phrases named (for
    clips), and the Chinese of each phrase for the "read it in Chinese" offer."""
    joiner = voice_clips.joiner(language)
    said = [text.rstrip("。.!！ ") for text, _m in items]
    chinese = [translate(DEFAULT_LANGUAGE, m) if m else text for text, m in items]
    return Reading(
        joiner.join(said),
        language,
        tuple(m for _t, m in items if m),
        voice_clips.joiner(DEFAULT_LANGUAGE).join(c.rstrip("。.!！ ") for c in chinese),
    )


def mark_routed() -> None:
    """Called by the router (app.py) before it runs the page: the page's reading is then played
    by `finish_page_reading` after the page has drawn, with everything the page declared."""
    st.session_state[ROUTED] = True


def read_page_purpose(viewer: Viewer, page) -> None:
    """The page's Read aloud: the button now (in elder mode with automatic reading, nothing to
    press); what it reads (title, hint, then what the page declares with `readable`) is played
    under it once the page has drawn. A page run without the router (a bare deep link) reads at
    once what its previous run declared (or its title and hint)."""
    opened = st.session_state.get(LAST_PAGE) != page.key
    st.session_state[LAST_PAGE] = page.key
    key = f"read_page_{page.key}"
    previous = st.session_state.pop(READ_ITEMS, None)
    routed = st.session_state.pop(ROUTED, False)
    auto = auto_read_on(viewer)
    if not auto and st.button(viewer.t(N_("Read aloud")), key=key, icon=":material/volume_up:"):
        st.session_state[f"{key}_on"] = True
    slot = st.container()
    purpose = [(viewer.t(m), m) for m in (page.title, page.hint) if m and viewer.t(m).strip()]
    st.session_state[READ_ITEMS] = list(purpose)
    if routed:
        st.session_state[READ_PENDING] = (viewer, key, slot, auto, auto and opened)
    else:
        items = previous if previous and not opened else purpose
        _play_page(viewer, key, slot, items, auto, auto and opened)


def _play_page(viewer: Viewer, key: str, slot, items, auto: bool, autoplay: bool) -> None:
    reading = page_reading(viewer.language, items)
    st.session_state[READ_LAST] = reading.text
    if auto or st.session_state.get(f"{key}_on"):
        with slot:
            play(viewer, reading, key=key, autoplay=autoplay or not auto)


def finish_page_reading() -> None:
    """Plays the page's reading under its button, if asked (called after the page has run)."""
    st.session_state.pop(ROUTED, None)
    pending = st.session_state.pop(READ_PENDING, None)
    if pending is not None:
        viewer, key, slot, auto, autoplay = pending
        _play_page(viewer, key, slot, st.session_state.get(READ_ITEMS, []), auto, autoplay)


def announce(
    viewer: Viewer,
    text: str,
    *,
    phrases: tuple[str, ...] = (),
    chinese: str | None = None,
    spoken: str | None = None,
) -> None:
    """The result of an action: shown, and spoken (by itself in automatic mode, else on a press
    of the player). Where nothing speaks the language, the Chinese reading is offered. `spoken`
    is the plain text to read when `text` carries Markdown escapes (typed names)."""
    st.success(text, icon=":material/check_circle:")
    reading = Reading(
        spoken or text, viewer.language, phrases or (voice_clips.RESULT_DONE,), chinese
    )
    found = voice(reading)
    if not found.silent:
        _players(viewer, found, autoplay=auto_read_on(viewer))
    elif chinese and viewer.language != DEFAULT_LANGUAGE:
        zh = voice(Reading(chinese, DEFAULT_LANGUAGE))
        if not zh.silent:
            st.caption(viewer.t(N_("In Chinese:")))
            _players(viewer, zh, autoplay=False)


# --- the elder-mode setting "read pages aloud automatically" ----------------------------------


def _cookie(name: str) -> str | None:
    try:
        value = st.context.cookies.get(name)
    except Exception:  # noqa: BLE001 - no browser context (AppTest, bare mode)
        return None
    return value if isinstance(value, str) else None


def _stored_auto(viewer: Viewer) -> bool:
    if viewer.user_id is None:
        return _cookie(AUTO_COOKIE) == "1"
    try:
        with db() as session:
            return voice_clips.auto_read(session, viewer.user_id)
    except Exception:  # noqa: BLE001 - a setting that cannot be read is off
        return False


def auto_read_on(viewer: Viewer) -> bool:
    """True in elder mode when the reader asked for pages to be read aloud by themselves."""
    if not viewer.elder:
        return False
    kept = st.session_state.get(AUTO_STATE)
    if not kept or kept[0] != viewer.user_id:
        kept = (viewer.user_id, _stored_auto(viewer))
        st.session_state[AUTO_STATE] = kept
    return bool(kept[1])


def set_auto_read(viewer: Viewer, on: bool) -> None:
    st.session_state[AUTO_STATE] = (viewer.user_id, on)
    ui_session.queue_cookie(AUTO_COOKIE, "1" if on else "0")
    if viewer.user_id is not None:
        with db() as session:
            voice_clips.save_auto_read(session, viewer.user_id, on)


def auto_read_switch(viewer: Viewer) -> None:
    """Shown in elder mode, next to the large-text switch, and remembered like it."""
    if not viewer.elder:
        return
    st.session_state["auto_read_switch"] = auto_read_on(viewer)
    st.toggle(
        viewer.t(N_("Read pages aloud automatically")),
        key="auto_read_switch",
        on_change=lambda: set_auto_read(viewer, st.session_state["auto_read_switch"]),
    )


def show_flash_at(state_key: str, viewer: Viewer | None = None) -> None:
    """Shows once the (kind, text) a callback left under state_key; with the viewer, a success is
    also read aloud (by itself in automatic read-aloud)."""
    kind, text = st.session_state.pop(state_key, None) or (None, None)
    if kind == "success" and viewer is not None:
        announce(viewer, text or "")
    elif kind == "success":
        st.success(text, icon=":material/check_circle:")
    elif kind == "error":
        st.error(text, icon=":material/error:")
