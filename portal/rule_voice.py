"""An approximate machine voice for Yi and Tibetan, built from spelling rules (no engine speaks them).

Text → phonemes → espeak-ng's phoneme input (`[[...]]`), spoken with the Mandarin phoneme table
(voice cmn-latn-pinyin), which has level, rising and falling tones and most of the consonants needed.

- Yi (Nuosu, ꆈꌠꉙ): every Yi syllable's Unicode name is its romanisation, for example
  `unicodedata.name("ꆈ") == "YI SYLLABLE NUO"`: initial (n), final (uo) and an optional tone letter
  (t high level 55, x mid rising 34, none mid level 33, p low falling 21).
- Tibetan: `bophono` gives a Lhasa pronunciation in IPA with tone marks; each IPA sound is mapped to
  the nearest phoneme of the table.

The result is an approximation (Mandarin sounds stand in for Yi and Tibetan ones: no voiced velar
fricative, no front rounded ø, one o for o and ɔ) and is labelled so wherever it plays.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

VOICE = "cmn-latn-pinyin"  # the espeak-ng voice whose phoneme table reads the phonemes
SPEED = "130"

# --- Yi ---------------------------------------------------------------------------------------

YI_PREFIX = "YI SYLLABLE "
YI_TONES = {"T": "55", "X": "35", "P": "21", "": "33"}  # 34 is not in the table: 35 is nearest
# Nuosu initials (Latin romanisation, upper case as in Unicode names) → espeak-ng phonemes.
YI_INITIALS = {
    "B": "p",
    "P": "ph",
    "BB": "b",
    "NB": "mb",
    "HM": "hm",
    "M": "m",
    "F": "f",
    "V": "v",
    "D": "t",
    "T": "th",
    "DD": "d",
    "ND": "nd",
    "HN": "hn",
    "N": "n",
    "HL": "hl",
    "L": "l",
    "G": "k",
    "K": "kh",
    "GG": "g",
    "MG": "Ng",
    "HX": "h",
    "NG": "N",
    "H": "X",
    "W": "w",  # [ɣ]: the table has no voiced velar fricative
    "Z": "ts",
    "C": "tsh",
    "ZZ": "dz",
    "NZ": "ndz",
    "S": "s",
    "SS": "z",
    "ZH": "ts.",
    "CH": "ts.h",
    "RR": "dz.",
    "NR": "ndz.",
    "SH": "s.",
    "R": "z.",
    "J": "tS;",
    "Q": "tS;h",
    "JJ": "dZ;",
    "NJ": "ndZ;",
    "NY": "n^",
    "X": "S;",
    "Y": "Z",
    "": "",
}
YI_FINALS = {
    "I": "i",
    "IE": "E",
    "A": "A",
    "UO": "o",
    "O": "o",  # the table has one o for [o] and [ɔ]
    "E": "@",
    "U": "u",
    "UR": "u",
    "Y": "i[",
    "YR": "i.",
}


@functools.cache
def yi_syllable(char: str) -> str | None:
    """espeak-ng phonemes of one Yi syllable (initial, final, tone), or None for anything else."""
    name = unicodedata.name(char, "")
    if not name.startswith(YI_PREFIX):
        return None
    spelled = name.removeprefix(YI_PREFIX)
    for tone in ("T", "X", "P", ""):
        body = spelled[: -len(tone)] if tone else spelled
        if tone and not spelled.endswith(tone):
            continue
        for split in range(min(2, len(body)), -1, -1):
            initial, final = body[:split], body[split:]
            if initial in YI_INITIALS and final in YI_FINALS:
                return YI_INITIALS[initial] + YI_FINALS[final] + YI_TONES[tone]
    return None


def is_yi(char: str) -> bool:
    return unicodedata.name(char, "").startswith(YI_PREFIX)


# --- Tibetan ----------------------------------------------------------------------------------

TIBETAN_LETTER = re.compile(r"[\u0f40-\u0fbc]")
TIBETAN_WORDS = re.compile(r"[\u0f00-\u0fff]+")
TIBETAN_BREAK = re.compile(r"[\u0f0d-\u0f14\u0f3a-\u0f3d\s]+")  # shad, brackets and spaces
# bophono's IPA (Manual of Standard Tibetan) → espeak-ng phonemes, longest first.
IPA_SOUNDS = {
    "tɕʰ": "tS;h",
    "tsʰ": "tsh",
    "ʈʰ": "ts.h",
    "pʰ": "ph",
    "tʰ": "th",
    "kʰ": "kh",
    "cʰ": "tS;h",
    "l̥ʰ": "hl",
    "l̥": "hl",
    "tɕ": "tS;",
    "dʑ": "dZ;",
    "ts": "ts",
    "dz": "dz",
    "d̥": "t",
    "b̥": "p",
    "ɡ̊": "k",
    "g̊": "k",
    "k̚": "k",
    "n̚": "n",
    "m̚": "m",
    "ŋ̚": "N",
    "p̚": "p",
    "t̚": "t",
    "ʈ": "ts.",
    "ɖ": "dz.",
    "c": "tS;",
    "ɟ": "dZ;",
    "p": "p",
    "b": "b",
    "t": "t",
    "d": "d",
    "k": "k",
    "g": "g",
    "ɡ": "g",
    "m": "m",
    "n": "n",
    "ɲ": "n^",
    "ŋ": "N",
    "l": "l",
    "r": "r",
    "ɹ": "r",
    "s": "s",
    "z": "z",
    "ɕ": "S;",
    "ʑ": "Z",
    "ʂ": "s.",
    "h": "h",
    "w": "w",
    "j": "j",
    "β": "w",
    "ʔ": "",
}
IPA_VOWELS = {
    "a": "A",
    "ə": "@",
    "e": "e",
    "ɛ": "E",
    "i": "i",
    "ɪ": "i",
    "o": "o",
    "ɔ": "o",
    "u": "u",
    "ʊ": "u",
    "ø": "y",  # the table has no ø: y is the nearest front rounded vowel
    "y": "y",
    "ʏ": "y",
}
IPA_TONES = {"˩˧˨": "35", "˥˨": "51", "˩˨": "21", "˥": "55", "˩": "21"}
IPA_IGNORED = "\u0303\u0330ːˑ̯"  # nasalisation, creak, length, non-syllabic: no phoneme of their own
UNMARKED_TONE = "33"  # bophono marks the tone of a word's first syllable only


@functools.cache
def _bophono():
    import bophono

    with contextlib.redirect_stdout(io.StringIO()):  # it prints notes about its own data once
        return bophono.UnicodeToApi(schema="MST", options={})


def _ipa_syllable(ipa: str) -> str | None:
    """espeak-ng phonemes of one IPA syllable, the tone placed after its vowel; None if a sound
    has no mapping."""
    tone = UNMARKED_TONE
    for mark in IPA_TONES:
        if mark in ipa:
            tone = IPA_TONES[mark]
            ipa = ipa.replace(mark, "")
    out: list[str] = []
    last_vowel = -1
    i = 0
    while i < len(ipa):
        if ipa[i] in IPA_IGNORED:
            i += 1
            continue
        if ipa[i] in IPA_VOWELS:
            out.append(IPA_VOWELS[ipa[i]])
            last_vowel = len(out)
            i += 1
            continue
        sound = next(
            (s for s in sorted(IPA_SOUNDS, key=len, reverse=True) if ipa.startswith(s, i)), None
        )
        if sound is None:
            return None
        out.append(IPA_SOUNDS[sound])
        i += len(sound)
    if last_vowel < 0:
        return None
    out.insert(last_vowel, tone)
    return "".join(out)


@functools.cache
def tibetan_word(word: str) -> str | None:
    """espeak-ng phonemes of a Tibetan word or syllable, or None."""
    try:
        ipa = _bophono().get_api(word)
    except Exception:  # noqa: BLE001 - bophono cannot read this spelling
        return None
    if not ipa:
        return None
    syllables = [_ipa_syllable(s) for s in ipa.split(".") if s]
    known = [s for s in syllables if s is not None]
    if not known or len(known) < len(syllables):
        return None
    return " ".join(known)


# --- text → phonemes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Phonemes:
    """What the rules made of a text: espeak-ng phonemes, and how many of the text's syllables of
    the language were turned into phonemes (the rest are skipped when speaking)."""

    text: str
    done: int
    total: int

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 0.0


def yi_phonemes(text: str) -> Phonemes:
    words, current, done, total = [], [], 0, 0
    for char in text:
        if is_yi(char):
            total += 1
            said = yi_syllable(char)
            if said:
                done += 1
                current.append(said)
                continue
        if current:
            words.append(" ".join(current))
            current = []
    if current:
        words.append(" ".join(current))
    return Phonemes(" _ ".join(words), done, total)


def tibetan_phonemes(text: str) -> Phonemes:
    """Syllable by syllable (the portal's text has no word breaks, and bophono reads a word at a
    time): each syllable gets its own citation tone."""
    words, done, total = [], 0, 0
    for run in TIBETAN_WORDS.findall(text):
        for phrase in TIBETAN_BREAK.split(run):
            syllables = [s for s in phrase.split("\u0f0b") if TIBETAN_LETTER.search(s)]
            said = [tibetan_word(s) for s in syllables]
            total += len(syllables)
            done += sum(1 for s in said if s)
            if any(said):
                words.append(" ".join(s for s in said if s))
    return Phonemes(" _ ".join(words), done, total)


CONVERTERS = {"ii": yi_phonemes, "bo": tibetan_phonemes}
LANGUAGES = tuple(CONVERTERS)


def phonemes(language: str, text: str) -> Phonemes:
    convert = CONVERTERS.get(language)
    return convert(text) if convert else Phonemes("", 0, 0)


def synthesize(text: str, language: str, timeout: float) -> bytes:
    """A WAV of the text read by the rules; raises when nothing in it can be read or espeak-ng is
    missing (the read-aloud chain then goes on without it)."""
    found = phonemes(language, text)
    if not found.done:
        raise ValueError("no syllable of this text can be read by the rules")
    binary = shutil.which("espeak-ng")
    if binary is None:
        raise OSError("espeak-ng is not installed")
    done = subprocess.run(
        [binary, "-v", VOICE, "-s", SPEED, "--stdout"],
        input=f"[[{found.text}]]".encode(),
        capture_output=True,
        timeout=timeout,
        check=True,
    )
    return done.stdout
