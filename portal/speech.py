"""Read-aloud: text to speech through a chain of engines, with a cache on disk.

Engines, in order: gTTS (Google, online; Mandarin "zh" and en only; short timeout) then espeak-ng (offline;
Mandarin with the cmn-latn-pinyin voice, Uyghur, English). No engine here speaks Tibetan or Yi:
`speak` answers None and portal.voice_clips plays recorded clips instead, then (LINLI_RULE_VOICE)
the approximate rule-based voice (`RULE_VOICE`, portal.rule_voice), or the page says so. A failing or hanging engine is skipped, never raised.
Generated audio is cached by (engine, language, text). LINLI_TTS_ENGINES chooses and orders the
engines (default "gtts,espeak"; "espeak" alone keeps residents' text off foreign servers).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from portal.config import load_settings

MAX_CHARS = 2000
ENGINE_TIMEOUT = 4.0  # seconds; a hanging engine costs at most this


@dataclass(frozen=True)
class Speech:
    audio: bytes
    mime: str
    engine: str
    cached: bool = False


@dataclass(frozen=True)
class Engine:
    name: str
    languages: dict[str, str]  # portal language code → the engine's own voice/language
    mime: str
    suffix: str
    run: Callable[[str, str, float], bytes]


def _gtts(text: str, voice: str, timeout: float) -> bytes:
    from gtts import gTTS

    out = io.BytesIO()
    gTTS(text, lang=voice, timeout=timeout).write_to_fp(out)
    return out.getvalue()


def _espeak(text: str, voice: str, timeout: float) -> bytes:
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise OSError("espeak-ng is not installed")
    done = subprocess.run(
        [binary, "-v", voice, "-s", "140", "--stdout"],
        input=text.encode(),
        capture_output=True,
        timeout=timeout,
        check=True,
    )
    return done.stdout


def _rule_voice(text: str, voice: str, timeout: float) -> bytes:
    from portal import rule_voice

    return rule_voice.synthesize(text, voice, timeout)


# Not in ENGINES (LINLI_TTS_ENGINES): the approximate rule-based voice for Tibetan and Yi comes
# after recorded clips in the chain (portal.voice_clips.voice_for), behind LINLI_RULE_VOICE.
RULE_VOICE = Engine("rule", {"bo": "bo", "ii": "ii"}, "audio/wav", ".wav", _rule_voice)

ENGINES = {
    "gtts": Engine("gtts", {"zh_Hans": "zh", "en": "en"}, "audio/mpeg", ".mp3", _gtts),
    "espeak": Engine(
        "espeak",
        {"zh_Hans": "cmn-latn-pinyin", "ug": "ug", "en": "en"},
        "audio/wav",
        ".wav",
        _espeak,
    ),
}


def engine_chain(env: dict[str, str] | None = None) -> list[Engine]:
    names = load_settings(env).tts_engines
    return [ENGINES[n.strip()] for n in names.split(",") if n.strip() in ENGINES]


def speakable(language: str, engines: list[Engine] | None = None) -> bool:
    return any(
        language in e.languages for e in (engines if engines is not None else engine_chain())
    )


class SpeechCache:
    """Audio on disk (shared by processes, kept across restarts) with the most recent pieces also
    held in this process's memory."""

    def __init__(self, folder: Path, memory_items: int = 200) -> None:
        self.folder = Path(folder)
        self.memory_items = memory_items
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _key(self, engine: Engine, language: str, text: str) -> str:
        return hashlib.sha256(f"{engine.name}\0{language}\0{text}".encode()).hexdigest()

    def path(self, engine: Engine, language: str, text: str) -> Path:
        key = self._key(engine, language, text)
        return self.folder / key[:2] / f"{key}{engine.suffix}"

    def _remember(self, key: str, audio: bytes) -> None:
        with self._lock:
            self._memory[key] = audio
            self._memory.move_to_end(key)
            while len(self._memory) > self.memory_items:
                self._memory.popitem(last=False)

    def get(self, engine: Engine, language: str, text: str) -> bytes | None:
        key = self._key(engine, language, text)
        with self._lock:
            if key in self._memory:
                self._memory.move_to_end(key)
                return self._memory[key]
        path = self.path(engine, language, text)
        audio = path.read_bytes() if path.exists() else None
        if audio:
            self._remember(key, audio)
        return audio

    def put(self, engine: Engine, language: str, text: str, audio: bytes) -> None:
        path = self.path(engine, language, text)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + f".{threading.get_ident()}.part")
        tmp.write_bytes(audio)
        tmp.replace(path)
        self._remember(self._key(engine, language, text), audio)


_shared: dict[Path, SpeechCache] = {}


def shared_cache(folder: Path) -> SpeechCache:
    """One cache per folder per process, so its memory serves every page and session."""
    folder = Path(folder)
    with _shared_lock:
        if folder not in _shared:
            _shared[folder] = SpeechCache(folder)
        return _shared[folder]


_shared_lock = threading.Lock()


def _run_with_deadline(engine: Engine, text: str, voice: str, timeout: float) -> bytes | None:
    """The engine's audio, or None when it fails or has not answered within the deadline (an
    engine that hangs is left behind in a daemon thread; the page goes on)."""
    result: list[bytes] = []

    def work() -> None:
        try:
            result.append(engine.run(text, voice, timeout))
        except Exception:  # noqa: BLE001 - any engine failure means: try the next one
            pass

    worker = threading.Thread(target=work, daemon=True, name=f"tts-{engine.name}")
    worker.start()
    worker.join(timeout + 0.5)
    return result[0] if result and not worker.is_alive() else None


def speak(
    text: str,
    language: str,
    cache: SpeechCache | None = None,
    engines: list[Engine] | None = None,
    timeout: float = ENGINE_TIMEOUT,
) -> Speech | None:
    """Audio of the text in the language from the first engine that can, or None."""
    text = " ".join((text or "").split())[:MAX_CHARS]
    if not text:
        return None
    for engine in engines if engines is not None else engine_chain():
        voice = engine.languages.get(language)
        if voice is None:
            continue
        if cache is not None and (audio := cache.get(engine, language, text)):
            return Speech(audio, engine.mime, engine.name, cached=True)
        audio = _run_with_deadline(engine, text, voice, timeout)
        if audio:
            if cache is not None:
                cache.put(engine, language, text, audio)
            return Speech(audio, engine.mime, engine.name)
    return None
