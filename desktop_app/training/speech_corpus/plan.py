"""The plan: every utterance of the corpus (split, voice, rate, pitch, text), decided by the seed.

Held-out sentences and held-out voices never reach train.tsv or dev.tsv.
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .items import CorpusError, Item, SentencePool, _weighted_choice, seeded_lines, split_items, usable_sentences
from .voices import ENGINES, Availability, Utterance, Voice, all_voices, matches

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
SPLITS = (
    "train",
    "dev",
    "test-sentences",
    "test-voices",
    "dev-voices",
    "train-added",
    "train-variants",
    "dev-voices-extra",
)
_ID_PREFIX = {
    "train": "train",
    "dev": "dev",
    "test-sentences": "testsent",
    "test-voices": "testvoice",
    "dev-voices": "devvoice",
    "train-added": "trainadd",
    "train-variants": "trainvar",
    "dev-voices-extra": "devextra",
}
DEFAULT_TEXT_FILE = Path("../shared/data/mt/tatoeba-deu-en/train.en")
DEFAULT_EXTRA_DEV_TEXT_FILE = Path("../shared/data/mt/tatoeba-deu-en/dev.en")  # never in train.en, never LM text
DEFAULT_HELD_OUT_VOICES = ("piper", "flite:rms", "festival:ked_diphone", "espeak-ng:en-gb-scotland*")
DEFAULT_ADDED_VOICES = ("pico",)  # training voices that speak train-added.tsv only (SVOX Pico joined later)
PAD_SECONDS = (0.1, 0.2)  # silence kept (or added) before and after speech, drawn per utterance


def _pick_voice(rng: random.Random, voices: list[Voice]) -> Voice:
    """An engine by its weight, then one of its voices uniformly."""
    engine = _weighted_choice(rng, {voice.engine: ENGINES[voice.engine].weight for voice in voices})
    return rng.choice([voice for voice in voices if voice.engine == engine])


@dataclass(frozen=True)
class CorpusConfig:
    out: Path
    text_file: Path = DEFAULT_TEXT_FILE
    seed: int = 1
    train_utterances: int = 30_000
    dev_utterances: int = 400
    test_utterances: int = 400  # each of test-sentences and test-voices
    held_out_sentences: int = 300  # for the test sets
    dev_sentences: int = 300  # for dev; distinct from the test sentences
    generated_share: float = 0.25  # dictation items (numbers, dates, times, spoken punctuation)
    engines: tuple[str, ...] = tuple(ENGINES)
    held_out_voices: tuple[str, ...] = DEFAULT_HELD_OUT_VOICES
    added_voices: tuple[str, ...] = DEFAULT_ADDED_VOICES  # training voices heard in train-added only
    added_utterances: int = 6_000  # train-added: further training items, spoken by the added voices
    variant_utterances: int = 6_000  # train-variants: further training items, spoken by espeak-ng's other variants
    extra_dev_voice_utterances: int = 1_200  # dev-voices-extra: held-out voices on sentences no other split speaks
    extra_dev_text_file: Path = DEFAULT_EXTRA_DEV_TEXT_FILE  # its sentences: none the language model trains on
    min_words: int = 2
    max_words: int = 20

    def validate(self) -> None:
        counts = {
            "train utterances": self.train_utterances,
            "dev utterances": self.dev_utterances,
            "test utterances": self.test_utterances,
            "added utterances": self.added_utterances,
            "variant utterances": self.variant_utterances,
            "extra dev-voice utterances": self.extra_dev_voice_utterances,
        }
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
            raise CorpusError(
                f"dev-voices-extra text file not found: {self.extra_dev_text_file} "
                "(or use --extra-dev-voice-utterances 0)"
            )


@dataclass
class Plan:
    config: CorpusConfig
    utterances: list[Utterance]
    training_voices: list[Voice]
    held_out_voices: list[Voice]
    problems: dict[str, str]  # engine -> why it (or some of its voices) is left out
    versions: dict[str, str]
    sentences: dict[str, int] = field(default_factory=dict)  # distinct sentences used per split

    def split(self, name: str) -> list[Utterance]:
        return [utterance for utterance in self.utterances if utterance.split == name]


def check_engines(names: Iterable[str]) -> tuple[dict[str, Availability], dict[str, str]]:
    """Which voices of the named engines can run here, and each engine's version."""
    availability = {name: ENGINES[name].check() for name in names}
    versions = {name: ENGINES[name].version() for name, found in availability.items() if found.voices}
    return availability, versions


def make_plan(
    config: CorpusConfig, availability: dict[str, Availability] | None = None, versions: dict[str, str] | None = None
) -> Plan:
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
        raise CorpusError(
            "no held-out voice is available for test-voices.tsv; use --test-utterances 0 or hold out an installed voice"
        )

    # The held-out sentences come first in the seeded order, so they depend on nothing but the seed.
    lines = seeded_lines(config.text_file, config.seed)
    sentences = usable_sentences(lines, config.min_words, config.max_words)
    test_sentences = list(itertools.islice(sentences, config.held_out_sentences))
    dev_sentences = list(itertools.islice(sentences, config.dev_sentences))

    def items(split: str, count: int, pool: SentencePool, reserved: set[str]) -> list[Item]:
        return split_items(count, pool, random.Random(f"{config.seed}:items:{split}"), config.generated_share, reserved)

    test_items = items("test", config.test_utterances, SentencePool(test_sentences, "held-out"), set())
    reserved = {item.text for item in test_sentences + test_items}
    dev_items = items("dev", config.dev_utterances, SentencePool(dev_sentences, "dev"), reserved)
    reserved |= {item.text for item in dev_sentences + dev_items}
    train_pool = SentencePool(sentences, "training")
    train_items = items("train", config.train_utterances, train_pool, reserved)

    def further_training_sentences() -> SentencePool:
        """Where the splits before stopped (they stay as they were), then train's sentences again."""
        return SentencePool(itertools.chain(sentences, list(train_pool.used)), "training")

    added_items = items("train-added", config.added_utterances if added else 0, further_training_sentences(), reserved)
    variant_items = items(
        "train-variants", config.variant_utterances if variants else 0, further_training_sentences(), reserved
    )
    # From a text file of its own, so the other splits' sizes do not move its sentences; no text of another split.
    spoken = reserved | {item.text for item in train_items + added_items + variant_items}
    extra_dev_count = config.extra_dev_voice_utterances if held_out else 0
    extra_dev_lines = seeded_lines(config.extra_dev_text_file, config.seed) if extra_dev_count else []
    extra_dev_items = items(
        "dev-voices-extra",
        extra_dev_count,
        SentencePool(usable_sentences(extra_dev_lines, config.min_words, config.max_words), "dev-voices-extra"),
        spoken,
    )

    utterances = []
    # Each split draws its voices from its own seeded stream, so adding a split changes no other.
    for split, split_voices, split_items_ in (
        ("train", training, train_items),
        ("dev", training, dev_items),
        ("test-sentences", training, test_items),
        ("test-voices", held_out, test_items),
        ("dev-voices", held_out, dev_items if held_out else []),
        ("train-added", added, added_items),
        ("train-variants", variants, variant_items),
        ("dev-voices-extra", held_out, extra_dev_items),
    ):
        rng = random.Random(f"{config.seed}:voices:{split}")
        for index, item in enumerate(split_items_, start=1):
            voice = _pick_voice(rng, split_voices)
            rate, pitch = ENGINES[voice.engine].settings(rng, voice.name)
            pad = round(rng.uniform(*PAD_SECONDS), 3)
            utterances.append(
                Utterance(
                    f"{_ID_PREFIX[split]}-{index:06d}",
                    split,
                    voice.id,
                    item.kind,
                    item.spoken,
                    item.text,
                    rate,
                    pitch,
                    pad,
                )
            )
    problems = {name: found.problem for name, found in availability.items() if found.problem}
    counts = {
        "train": len({i.text for i in train_items if i.kind == "sentence"}),
        "dev": len(dev_sentences),
        "test": len(test_sentences),
        "train-added": len({i.text for i in added_items if i.kind == "sentence"}),
        "train-variants": len({i.text for i in variant_items if i.kind == "sentence"}),
        "dev-voices-extra": len({i.text for i in extra_dev_items if i.kind == "sentence"}),
    }
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
