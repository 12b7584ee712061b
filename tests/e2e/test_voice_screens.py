"""Voice in a real browser: staff's recorded-phrases page, a resident's voice-note field and the
elder-mode automatic read-aloud. axe-core finds nothing on these screens, in elder mode too."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import (
    MAIN,
    assert_no_axe_violations,
    close_display,
    navigate,
    open_as,
    open_display,
    open_page,
    screenshot,
    wait_rerun,
)

pytestmark = pytest.mark.e2e

AUDIO_INPUT = f'{MAIN} [data-testid="stAudioInput"]'


def test_staff_records_phrases_page(server, new_context):
    staff = open_as(new_context, server, "staff01")
    open_page(
        staff, server.url + "/voice_clips", AUDIO_INPUT
    )  # record a phrase with the microphone
    screenshot(staff, "voice-clips-staff")
    assert_no_axe_violations(staff, "voice_clips (staff)")


@pytest.mark.parametrize("language", ["zh_Hans", "ug"])
def test_resident_can_record_instead_of_typing(server, new_context, language):
    resident = open_as(new_context, server, "zhang_nainai", language=language, elder=True)
    open_page(resident, server.url + "/wish_post", AUDIO_INPUT)
    screenshot(resident, f"wish-post-voice-{language}")
    assert_no_axe_violations(resident, f"wish_post with voice note ({language}, elder)")


def test_elder_mode_reads_a_page_aloud_when_it_opens(server, new_context):
    resident = open_as(new_context, server, "zhang_nainai", elder=True)
    switch = open_display(resident).locator(".st-key-auto_read_switch")
    switch.wait_for()
    if not switch.locator("input").is_checked():
        wait_rerun(resident, lambda: switch.locator("label").click())
    close_display(resident)
    navigate(resident, "/my_grid", f"{MAIN} h1")
    player = resident.locator(f"{MAIN} audio[autoplay]").first
    player.wait_for(state="attached")
    # the audio is real: the browser reads its length from what the server sent
    seconds = player.evaluate("""a => new Promise(done => {
        if (a.readyState >= 1) return done(a.duration);
        a.addEventListener('loadedmetadata', () => done(a.duration), {once: true});
        a.load();
    })""")
    assert seconds > 0.5
    assert_no_axe_violations(resident, "my_grid reading aloud (elder)")
    switch = open_display(resident).locator(".st-key-auto_read_switch")
    wait_rerun(resident, lambda: switch.locator("label").click())  # leave the account as it was
