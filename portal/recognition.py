"""Speech recognition (voice → text) behind one small interface, chosen by LINLI_SPEECH_RECOGNIZER.

No recogniser ships with the portal: no package on PyPI or Debian recognises Mandarin, Tibetan,
Uyghur or Yi offline out of the box. The default, "none", always answers "unavailable" with a
reason, and voice notes are kept and played as audio. An operator who installs an engine sets the
variable; the only adapter written so far is "vosk" (package `vosk` plus one downloaded model folder
per language, given as LINLI_VOSK_MODELS="zh_Hans=/srv/vosk/cn,en=/srv/vosk/en"). It is import-guarded
and, on this machine, only its "unavailable" answers are tested (no vosk, no model here).

    class MyEngine:                      # any object with these two methods is a Recognizer
        name = "myengine"
        def unavailable_reason(self, language: str) -> str | None: ...
        def transcribe(self, wav: bytes, language: str) -> str: ...
    RECOGNIZERS["myengine"] = MyEngine  # then LINLI_SPEECH_RECOGNIZER=myengine
"""

from __future__ import annotations

import io
import json
import os
import wave
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from portal.config import load_settings
from portal.i18n import N_

ENV_VAR = "LINLI_SPEECH_RECOGNIZER"
VOSK_MODELS_VAR = "LINLI_VOSK_MODELS"

NOT_INSTALLED = N_("No speech recognition engine is installed on this portal.")
UNKNOWN_ENGINE = N_("The speech recognition engine set by the operator is unknown.")
ENGINE_MISSING = N_("The speech recognition engine is set but its package is not installed.")
NO_MODEL = N_("The speech recognition engine has no model for this language.")
ENGINE_FAILED = N_("The speech recognition engine could not read this voice note.")
HEARD_NOTHING = N_("The speech recognition engine heard no words.")


class Recognizer(Protocol):
    """What an engine must offer: a reason it cannot work (None when it can), and voice → text."""

    name: str

    def unavailable_reason(self, language: str) -> str | None: ...

    def transcribe(self, wav: bytes, language: str) -> str: ...


@dataclass(frozen=True)
class Transcription:
    """The outcome: text from an engine, or "unavailable" with a reason (a message id)."""

    available: bool
    text: str | None = None
    engine: str | None = None
    reason: str | None = None  # message id, translated by the UI


class NoRecognizer:
    """The default: nothing is installed, so nothing is recognised."""

    name = "none"

    def unavailable_reason(self, language: str) -> str | None:
        return NOT_INSTALLED

    def transcribe(self, wav: bytes, language: str) -> str:
        raise RuntimeError("no speech recognizer installed")


class UnknownRecognizer(NoRecognizer):
    """LINLI_SPEECH_RECOGNIZER names an engine nobody registered."""

    def __init__(self, name: str) -> None:
        self.name = name

    def unavailable_reason(self, language: str) -> str | None:
        return UNKNOWN_ENGINE


def model_folders(spec: str | None) -> dict[str, str]:
    """ "zh_Hans=/a,en=/b" → {"zh_Hans": "/a", "en": "/b"}; malformed parts are ignored."""
    found = {}
    for part in (spec or "").split(","):
        code, _, path = part.partition("=")
        if code.strip() and path.strip():
            found[code.strip()] = path.strip()
    return found


class VoskRecognizer:
    """Adapter for the offline Vosk engine (https://alphacephei.com/vosk), if an operator installs it."""

    name = "vosk"

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.models = model_folders(load_settings(env).vosk_models)

    @staticmethod
    def _module():
        try:
            import vosk  # noqa: PLC0415  optional, installed by an operator
        except ImportError:
            return None
        return vosk

    def unavailable_reason(self, language: str) -> str | None:
        if self._module() is None:
            return ENGINE_MISSING
        folder = self.models.get(language)
        if not folder or not os.path.isdir(folder):
            return NO_MODEL
        return None

    def transcribe(self, wav: bytes, language: str) -> str:
        vosk = self._module()
        with wave.open(io.BytesIO(wav)) as sound:
            engine = vosk.KaldiRecognizer(vosk.Model(self.models[language]), sound.getframerate())
            while chunk := sound.readframes(4000):
                engine.AcceptWaveform(chunk)
        return str(json.loads(engine.FinalResult()).get("text", "")).strip()


RECOGNIZERS: dict[str, Callable[[], Recognizer]] = {
    "none": NoRecognizer,
    "vosk": VoskRecognizer,
}


def recognizer(env: Mapping[str, str] | None = None) -> Recognizer:
    """The engine the operator chose (default: none)."""
    name = load_settings(env).speech_recognizer
    factory = RECOGNIZERS.get(name)
    return factory() if factory is not None else UnknownRecognizer(name)


def availability(language: str, engine: Recognizer | None = None) -> Transcription:
    """Can voice be turned into text in this language here? (No audio needed to ask.)"""
    engine = engine or recognizer()
    reason = engine.unavailable_reason(language)
    if reason is not None:
        return Transcription(False, engine=engine.name, reason=reason)
    return Transcription(True, engine=engine.name)


def transcribe(wav: bytes, language: str, engine: Recognizer | None = None) -> Transcription:
    """Text of a voice note, or "unavailable" with the reason. A failing engine never raises."""
    engine = engine or recognizer()
    ready = availability(language, engine)
    if not ready.available:
        return ready
    try:
        text = engine.transcribe(wav, language)
    except Exception:  # noqa: BLE001  an engine's failure must not break a submit
        return Transcription(False, engine=engine.name, reason=ENGINE_FAILED)
    if not text:
        return Transcription(False, engine=engine.name, reason=HEARD_NOTHING)
    return Transcription(True, text=text, engine=engine.name)
