"""Time to first audio for a 200-character paragraph, per engine and language, cold and cached.

    .venv/bin/python bench/speech.py

cold = the engine runs (fresh cache); disk = a new process would find it in the disk cache (fresh
memory); memory = the same process asks again. gTTS needs Google's servers: offline it fails, and
the figure is how long the failure costs before the chain goes on. Tibetan and Yi have no engine:
their figure is the recorded-clips path (database lookup, reading the clips, joining them).
Prints figures, asserts nothing.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session  # noqa: E402

from db.engine import get_engine  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import User  # noqa: E402
from portal import auth, speech  # noqa: E402
from portal import voice_clips as vc  # noqa: E402
from portal.media import LocalMediaStore  # noqa: E402
from tests.audio_samples import tone_wav as tone  # noqa: E402

PARAGRAPHS = {
    "zh_Hans": (
        "社区通知：本周六上午九点在三号院坝召开居民议事会，讨论加装电梯、楼道照明和垃圾分类点位调整三件事。"
        "请各位居民准时参加，行动不便的老人可以请网格员代为表达意见。会后网格员会把结果贴在单元门口，"
        "也会在门户上公布，欢迎大家继续提建议。谢谢大家的支持与配合，祝大家周末愉快，身体健康。"
    )
    * 2,
    "en": (
        "Community notice: the residents' council meets this Saturday at nine in courtyard three to "
        "discuss a new lift, stairwell lights and moving the sorting bins. Please come on time; "
        "grid workers can speak for you."
    ),
    "ug": (
        "مەھەللە ئۇقتۇرۇشى: بۇ شەنبە سائەت توققۇزدا ئۈچىنچى ھويلىدا ئاھالىلەر كېڭىشى ئېچىلىدۇ. لىفىت، "
        "پەلەمپەي چىرىغى ۋە ئەخلەت ساندۇقى توغرىسىدا سۆزلىشىمىز. ۋاقتىدا كېلىڭ؛ تور كاتەكچە خادىمى "
        "سىزنىڭ پىكرىڭىزنى يەتكۈزەلەيدۇ. رەھمەت!"
    ),
}
RUNS = 5


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def timed(fn, runs: int = RUNS) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def engine_rows(folder: Path) -> None:
    for name in ("gtts", "espeak"):
        engine = speech.ENGINES[name]
        if name == "espeak" and shutil.which("espeak-ng") is None:
            print(f"{name:8} espeak-ng not installed")
            continue
        for language, text in PARAGRAPHS.items():
            if language not in engine.languages:
                continue
            text = text[:200]
            cold_dir = folder / f"{name}-{language}"

            def cold(text=text, language=language, cold_dir=cold_dir, engine=engine):
                shutil.rmtree(cold_dir, ignore_errors=True)
                return speech.speak(
                    text, language, speech.SpeechCache(cold_dir), [engine], timeout=4
                )

            cold_t, said = timed(cold, runs=3)
            if said is None:
                print(
                    f"{name:8} {language:8} cold {ms(cold_t)}  FAILED (no audio: offline or engine error)"
                )
                continue
            disk_t, _ = timed(
                lambda text=text, language=language, cold_dir=cold_dir, engine=engine: speech.speak(
                    text, language, speech.SpeechCache(cold_dir), [engine]
                )
            )
            warm = speech.SpeechCache(cold_dir)
            speech.speak(text, language, warm, [engine])
            mem_t, _ = timed(
                lambda text=text, language=language, warm=warm, engine=engine: speech.speak(
                    text, language, warm, [engine]
                )
            )
            print(
                f"{name:8} {language:8} cold {ms(cold_t)}  disk {ms(disk_t)}  memory {ms(mem_t)}  "
                f"({len(said.audio) / 1024:.0f} KiB {said.mime})"
            )


def chain_rows(folder: Path) -> None:
    chain = speech.engine_chain({"LINLI_TTS_ENGINES": "gtts,espeak"})
    for language in ("zh_Hans", "en"):
        text = PARAGRAPHS[language][:200]
        cache_dir = folder / f"chain-{language}"
        started = time.perf_counter()
        said = speech.speak(text, language, speech.SpeechCache(cache_dir), chain, timeout=4)
        took = time.perf_counter() - started
        print(
            f"chain gtts→espeak {language:8} cold {ms(took)}  answered by {said.engine if said else 'nobody'}"
        )


def clip_rows(folder: Path) -> None:
    url = f"sqlite:///{folder / 'clips.db'}"
    upgrade(url)
    store = LocalMediaStore(folder / "media")
    page_phrases = [m for page in auth.PAGES for m in (page.title, page.hint) if m]
    with Session(get_engine(url), expire_on_commit=False) as session:
        staff = User(username="bench_staff", display_name="bench", password_hash="x", role="staff")
        session.add(staff)
        session.commit()
        for language in ("bo", "ii"):
            for n, msgid in enumerate(page_phrases[:8]):
                vc.record(
                    session,
                    store,
                    language=language,
                    msgid=msgid,
                    data=tone(1.5 + n * 0.01),
                    recorded_by=staff.id,
                )
        finder = vc.clip_finder(session, store)
        for language in ("bo", "ii"):
            # about 200 characters of interface: eight recorded phrases (page titles and hints)
            reading = vc.phrase_reading(language, *page_phrases[:8])

            def cold(reading=reading):
                vc.forget_joined()
                return vc.voice_for(reading, clips=finder, engines=[])

            cold_t, found = timed(cold)
            cached_t, _ = timed(
                lambda reading=reading: vc.voice_for(reading, clips=finder, engines=[])
            )
            seconds = sum(len(a) for a, _m in found.parts) / 32000
            print(
                f"clips    {language:8} cold {ms(cold_t)}  join cached {ms(cached_t)}  "
                f"({len(reading.text)} chars, 8 clips → {seconds:.1f} s of audio, {found.source})"
            )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("time to first audio, 200-character paragraph (median of runs)")
        engine_rows(folder)
        chain_rows(folder)
        clip_rows(folder)


if __name__ == "__main__":
    main()
