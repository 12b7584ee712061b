"""The approximate rule-based voice for Yi and Tibetan: how much of the catalogs it can read, and
how long it takes to audio.

    .venv/bin/python bench/rule_voice.py

Coverage: every msgstr of i18n/ii and i18n/bo (.po), counted in syllables of the language (Yi:
characters of the Yi Syllables block; Tibetan: tsheg-separated syllables holding a letter). A
syllable counts as read when the rules turned it into espeak-ng phonemes; also the share of
messages read whole. Time: text → phonemes → espeak-ng WAV, no cache, per message, median and p95
over the catalog's messages (and the longest message). Prints figures, asserts nothing.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from babel.messages.pofile import read_po  # noqa: E402

from portal import rule_voice  # noqa: E402
from portal.i18n import catalog_files  # noqa: E402


def messages(code: str) -> list[str]:
    found = []
    for path in catalog_files(code):
        with path.open("rb") as fh:
            found += [str(m.string) for m in read_po(fh) if m.id and m.string]
    return found


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def coverage(code: str, texts: list[str]) -> None:
    done = total = whole = 0
    started = time.perf_counter()
    for text in texts:
        said = rule_voice.phonemes(code, text)
        done, total = done + said.done, total + said.total
        whole += said.total > 0 and said.done == said.total
    took = time.perf_counter() - started
    print(
        f"{code}: {len(texts)} messages, {total} syllables; read by the rules "
        f"{done} ({100 * done / total:.1f}%); messages read whole {whole} "
        f"({100 * whole / len(texts):.1f}%); text → phonemes for all: {took * 1000:.0f} ms (cold)"
    )


def timing(code: str, texts: list[str], sample: int) -> None:
    step = max(1, len(texts) // sample)
    chosen = [t for t in texts[::step] if rule_voice.phonemes(code, t).done][:sample]
    times = []
    for text in chosen:
        started = time.perf_counter()
        audio = rule_voice.synthesize(text, code, 10)
        times.append(time.perf_counter() - started)
        assert audio[:4] == b"RIFF"
    longest = max(texts, key=len)
    started = time.perf_counter()
    rule_voice.synthesize(longest, code, 30)
    long_s = time.perf_counter() - started
    print(
        f"{code}: time to audio over {len(times)} messages: median "
        f"{statistics.median(times) * 1000:.0f} ms, p95 {p95(times) * 1000:.0f} ms; longest "
        f"message ({len(longest)} characters) {long_s * 1000:.0f} ms"
    )


def main() -> None:
    sample = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    for code in ("ii", "bo"):
        texts = messages(code)
        coverage(code, texts)
        timing(code, texts, sample)


if __name__ == "__main__":
    main()
