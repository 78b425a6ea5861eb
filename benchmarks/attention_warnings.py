"""How well the attention warnings find what a translation left out, repeated or made up.

    python benchmarks/attention_warnings.py [--limit 500] [--seed 1] [--models FOLDER ...]

For each model and each set (Tatoeba and Multi30k, dev and test; `--limit` pairs drawn from each with the seed),
the reference translations are forced through the one decoding generator (seq2seq/forced.py: the reference's
tokens, then the end token, as DecodeOptions.prefix) in four versions:

  intact      the reference as it is: any warning here is a false alarm
  deleted     one content phrase removed (a content word or a 2-3 word span starting at one, chosen with the
              seeded RNG, never a stopword alone): does "possibly untranslated" flag the source words that the
              phrase translated?
  repeated    one content phrase written twice: does "possible repetition" flag a word of the copy?
  inserted    a content word from another reference put in at a random place: does "possible hallucination"
              flag it?

Which source words a deleted phrase translated comes from a word alignment of the intact pair made without
attention (so that the attention is not marked against itself): each deleted content word is aligned to the
source content word of the pair with the highest Dice coefficient over the training corpora (how often the two
occur in the same training pair against how often each occurs), if that reaches DICE_MIN; phrases with no
aligned source word are left out of the recall (its count says how many remain).

The model's own greedy translations of the same sources are scored too: how often the app would show each
warning (some of those are right: the models do repeat themselves).

Thresholds are chosen on the dev sets alone (the two pooled, per architecture): the lowest-false-alarm setting
that reaches the aimed recall, else the highest recall with at most MAX_FALSE_ALARMS; the test sets are then
scored with them. The table prints recall and false alarms per model, set and warning.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from desktop_app.seq2seq import InputError, Translator  # noqa: E402
from desktop_app.seq2seq.attention_warnings import (  # noqa: E402
    FUNCTION_WORDS,
    THRESHOLDS,
    Thresholds,
    candidate_source_words,
    received_attention,
    repetition_strengths,
    source_dependence,
    token_entropy,
)
from desktop_app.seq2seq.forced import forced_translation  # noqa: E402
from desktop_app.seq2seq.quantize import use_inference_threads  # noqa: E402
from desktop_app.seq2seq.words import WORD_START, WordAlignment, word_alignment  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt"
SETS = {  # name -> (dev files, test files), each (English, German) under DATA
    "Tatoeba": (
        ("tatoeba-deu-en/dev.en", "tatoeba-deu-en/dev.de"),
        ("tatoeba-deu-en/test.en", "tatoeba-deu-en/test.de"),
    ),
    "Multi30k": (
        ("multi30k/val.en", "multi30k/val.de"),
        ("multi30k/test_2016_flickr.en", "multi30k/test_2016_flickr.de"),
    ),
}
TRAINING = [("tatoeba-deu-en/train.en", "tatoeba-deu-en/train.de"), ("multi30k/train.en", "multi30k/train.de")]
MIN_WORDS = 4  # references shorter than this have no phrase to spare
DICE_MIN = 0.05
AIM_RECALL, MAX_FALSE_ALARMS = 0.70, 0.10

GERMAN_STOPWORDS, ENGLISH_STOPWORDS = FUNCTION_WORDS["de"], FUNCTION_WORDS["en"]  # never the deleted phrase alone


@dataclass
class Pair:
    source: str
    reference: str  # German


@dataclass
class Change:
    """A changed reference: its text, and which of its whitespace words (or of the intact one's) are concerned."""

    reference: str
    words: list[int]  # deleted: the intact reference's words removed; repeated / inserted: the new words


@dataclass
class Case:
    pair: Pair
    deleted: Change
    repeated: Change
    inserted: Change
    aligned_source: list[str] = field(default_factory=list)  # the deleted phrase's source words (texts)


def read_pairs(files: tuple[str, str]) -> list[Pair]:
    english, german = ((DATA / name).read_text(encoding="utf-8").splitlines() for name in files)
    return [Pair(e.strip(), g.strip()) for e, g in zip(english, german, strict=True)]


def _core(word: str) -> str:
    """A word without the punctuation around it, in lower case."""
    return re.sub(r"^\W+|\W+$", "", word).lower()


def _is_content(word: str, stopwords: set[str]) -> bool:
    core = _core(word)
    return bool(core) and any(c.isalpha() for c in core) and core not in stopwords


def delete_phrase(reference: str, rng: random.Random) -> Change | None:
    """One content word, or a 2-3 word span starting at one, removed (punctuation after it kept)."""
    words = reference.split()
    starts = [i for i, w in enumerate(words) if _is_content(w, GERMAN_STOPWORDS)]
    if len(words) < MIN_WORDS or not starts:
        return None
    start = rng.choice(starts)
    length = min(rng.choice((1, 1, 2, 3)), len(words) - start)
    while length > 1 and not _core(words[start + length - 1]):  # a span never ends on a bare punctuation mark
        length -= 1
    span = list(range(start, start + length))
    kept = words[:start] + words[start + length :]
    trailing = re.search(r"\W+$", words[span[-1]])
    if trailing and start > 0:
        kept[start - 1] += trailing.group()
    return Change(" ".join(kept), span) if len(kept) >= 2 else None


def repeat_phrase(reference: str, rng: random.Random) -> Change | None:
    """One content word, or a 2-word span starting at one, written again right after itself."""
    words = reference.split()
    starts = [i for i, w in enumerate(words) if _is_content(w, GERMAN_STOPWORDS)]
    if not starts:
        return None
    start = rng.choice(starts)
    length = min(rng.choice((1, 2)), len(words) - start)
    copy = [re.sub(r"\W+$", "", w) for w in words[start : start + length]]
    end = start + length
    stripped = re.sub(r"\W+$", "", words[end - 1])
    trailing = words[end - 1][len(stripped) :]
    new = words[: end - 1] + [stripped] + copy[:-1] + [copy[-1] + trailing] + words[end:]
    return Change(" ".join(new), list(range(end, end + length)))


def insert_word(reference: str, other: str, rng: random.Random) -> Change | None:
    """A content word of `other` (another reference) put in at a random place (not first: a capital there
    would say too much)."""
    candidates = [_core_case(w) for w in other.split() if _is_content(w, GERMAN_STOPWORDS)]
    words = reference.split()
    if not candidates or len(words) < 2:
        return None
    place = rng.randrange(1, len(words))
    return Change(" ".join(words[:place] + [rng.choice(candidates)] + words[place:]), [place])


def _core_case(word: str) -> str:
    return re.sub(r"^\W+|\W+$", "", word)


def make_cases(pairs: list[Pair], limit: int, rng: random.Random) -> list[Case]:
    chosen = rng.sample(range(len(pairs)), len(pairs))
    cases = []
    for index in chosen:
        pair = pairs[index]
        other = pairs[rng.randrange(len(pairs))].reference
        changes = (
            delete_phrase(pair.reference, rng),
            repeat_phrase(pair.reference, rng),
            insert_word(pair.reference, other, rng),
        )
        if all(changes):
            cases.append(Case(pair, *changes))
        if len(cases) == limit:
            break
    return cases


class DiceAligner:
    """Word pairs scored by the Dice coefficient of their occurrences in the training pairs: 2 c(e, g) / (c(e) + c(g)),
    counted only for the words asked about (lower case, punctuation around them dropped)."""

    def __init__(self, english: set[str], german: set[str]):
        self.english, self.german, self.both = Counter(), Counter(), Counter()
        for files in TRAINING:
            for pair in read_pairs(files):
                e = {_core(w) for w in pair.source.split()} & english
                g = {_core(w) for w in pair.reference.split()} & german
                self.english.update(e)
                self.german.update(g)
                self.both.update((a, b) for a in e for b in g)

    def dice(self, english: str, german: str) -> float:
        both = self.both[english, german]
        return 2 * both / (self.english[english] + self.german[german]) if both else 0.0

    def align(self, source_words: Iterable[str], german: str) -> str | None:
        """The source word (of one sentence) that `german` translates, or None."""
        scored = [(self.dice(_core(w), _core(german)), w) for w in source_words if _is_content(w, ENGLISH_STOPWORDS)]
        scored += [(1.0, w) for w in source_words if _core(w) and _core(w) == _core(german)]  # names, numbers
        best = max(scored, default=(0.0, None))
        return best[1] if best[0] >= DICE_MIN else None


def align_deletions(cases: list[Case]) -> DiceAligner:
    english = {_core(w) for case in cases for w in case.pair.source.split()}
    german = {_core(case.pair.reference.split()[i]) for case in cases for i in case.deleted.words}
    aligner = DiceAligner(english, german)
    for case in cases:
        words = case.pair.reference.split()
        aligned = {aligner.align(case.pair.source.split(), words[i]) for i in case.deleted.words}
        case.aligned_source = sorted(_core(w) for w in aligned if w)
    return aligner


@dataclass
class Scored:
    """One case under one model. Untranslated: the least attention any (aligned) candidate source word received,
    weighted and unweighted; repetition: the strongest repetition; hallucination: (entropy, probability) per token."""

    intact_received: float
    intact_unweighted: float
    intact_repetition: float
    intact_tokens: np.ndarray  # tokens x 2: entropy, probability
    deleted_received: float | None  # None: the phrase has no aligned source word
    deleted_unweighted: float | None
    copy_repetition: float
    inserted_tokens: np.ndarray
    own: tuple[float, float, np.ndarray]  # the model's own greedy translation: least received, repetition, tokens
    # untranslated, measured (omission.py): per (aligned) candidate source word, (the translation's log-probability
    # change when the word is left out, the weighted attention it received); intact, deleted and own versions
    intact_words: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    deleted_words: np.ndarray | None = None
    own_words: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    candidates: int = 1  # the intact pair's candidate source words (a longer sentence has more to flag)


def score_case(translator: Translator, case: Case) -> Scored | None:
    try:
        intact, deleted, repeated, inserted = (
            _forced(translator, case.pair.source, change)
            for change in (
                case.pair.reference,
                case.deleted.reference,
                case.repeated.reference,
                case.inserted.reference,
            )
        )
    except InputError:  # too long for the model to score
        return None
    aligned = [
        j for j in candidate_source_words(deleted[0], "en") if _core(deleted[0].source.texts[j]) in case.aligned_source
    ]
    candidates = candidate_source_words(intact[0], "en")
    intact_words = _word_scores(translator, case.pair.source, intact, case.pair.reference, candidates)
    deleted_words = _word_scores(translator, case.pair.source, deleted, case.deleted.reference, aligned)
    own = _own(translator, case.pair.source)
    return Scored(
        *_least_received(intact, candidates),
        float(repetition_strengths(intact[0])[0].max(initial=0.0)),
        _token_scores(intact),
        *(_least_received(deleted, aligned) if aligned else (None, None)),
        float(repetition_strengths(repeated[0])[0][_output_words(repeated[0], case.repeated.words)].max(initial=0.0)),
        _token_scores(inserted, _output_words(inserted[0], case.inserted.words)),
        own[:3],
        intact_words,
        deleted_words if aligned else None,
        own[3],
        max(1, len(candidates)),
    )


def _word_scores(
    translator: Translator, source: str, forced: tuple[WordAlignment, list[float]], target, columns: list[int]
) -> np.ndarray:
    """(len(columns), 2): each column's omission.dependence for the translation `target` (text or token ids) and
    the probability-weighted attention it received."""
    alignment, log_probs = forced
    ids = translator.target_tokenizer.encode(target) if isinstance(target, str) else target
    drops = source_dependence(translator, source, alignment, ids)
    received = received_attention(alignment, log_probs)
    return np.array([[drops[j], received[j]] for j in columns], np.float64).reshape(-1, 2)


def _own(translator: Translator, source: str) -> tuple[float, float, np.ndarray, float]:
    """The scores of the model's own greedy translation (how often the app would warn)."""
    translation = translator.translate(source)
    best = translation.nbest[0]
    pieces = translator.target_tokenizer.pieces(best.token_ids)
    own = word_alignment(translation.source_pieces, pieces, best.attention), best.log_probs[: len(best.token_ids)]
    candidates = candidate_source_words(own[0], "en")
    return (
        _least_received(own, candidates)[0],
        float(repetition_strengths(own[0])[0].max(initial=0.0)),
        _token_scores(own),
        _word_scores(translator, source, own, best.token_ids, candidates),
    )


def _forced(translator: Translator, source: str, reference: str) -> tuple[WordAlignment, list[float]]:
    translation = forced_translation(translator, source, reference)
    best = translation.nbest[0]
    pieces = translator.target_tokenizer.pieces(best.token_ids)
    return word_alignment(translation.source_pieces, pieces, best.attention), best.log_probs[: len(best.token_ids)]


def _least_received(forced: tuple[WordAlignment, list[float]], columns: list[int]) -> tuple[float, float]:
    """The least attention any of `columns` received: weighted by token probabilities, and not."""
    alignment, log_probs = forced
    weighted = received_attention(alignment, log_probs)
    unweighted = received_attention(alignment, [0.0] * len(log_probs))
    return min((float(weighted[j]) for j in columns), default=np.inf), min(
        (float(unweighted[j]) for j in columns), default=np.inf
    )


def _token_scores(forced: tuple[WordAlignment, list[float]], words: list[int] | None = None) -> np.ndarray:
    """(tokens, 2): each token's attention entropy and probability; only the tokens of `words` when given (and of
    words with a letter: punctuation is never called a hallucination)."""
    alignment, log_probs = forced
    chosen = [
        p
        for i, span in enumerate(alignment.output.spans)
        if (words is None or i in words) and any(c.isalpha() for c in alignment.output.texts[i])
        for p in span
    ]
    scores = np.stack([token_entropy(alignment.piece_matrix), np.exp(np.asarray(log_probs))], axis=1)
    return scores[chosen]


def _output_words(alignment: WordAlignment, whitespace_words: list[int]) -> list[int]:
    """The output words (words.py) that make up the given whitespace-separated words of the reference."""
    token = -1
    chosen = []
    for index, span in enumerate(alignment.output.spans):
        token += sum(alignment.output.pieces[p].startswith(WORD_START) for p in span)
        if token in whitespace_words:
            chosen.append(index)
    return chosen


# -- choosing thresholds on dev, scoring test ---------------------------------------------------------------------
UNTRANSLATED_GRID = np.round(np.arange(0.0, 1.0, 0.0025), 4)
DROP_GRID = np.round(np.arange(-3.0, 8.01, 0.25), 2)  # nats
DROP_ATTENTION_GRID = (0.1, 0.2, 0.3, 0.5, np.inf)
PER_LOG_WORD_GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0)
DROP_CEILING = Thresholds(0, 0, 0, 0).untranslated_drop_ceiling  # the library's: the limit never rises above it
REPETITION_GRID = np.round(np.arange(0.05, 1.01, 0.05), 2)
PROBABILITY_GRID = (0.000001, 0.00001, 0.00003, 0.0001, 0.0003, 0.001, 0.003, 0.01, 0.02, 0.05, 0.1, 0.2)


@dataclass
class Rate:
    """Recall over the changed versions and false alarms over the intact ones."""

    hits: int
    cases: int
    alarms: int
    intact: int

    @property
    def recall(self) -> float:
        return self.hits / max(1, self.cases)

    @property
    def false_alarms(self) -> float:
        return self.alarms / max(1, self.intact)

    def cell(self) -> str:
        return f"{100 * self.recall:5.1f}% of {self.cases:<4d} {100 * self.false_alarms:5.1f}% of {self.intact:<4d}"


def untranslated_rate(scored: list[Scored], threshold: float, weighted: bool = True) -> Rate:
    intact = [s.intact_received if weighted else s.intact_unweighted for s in scored]
    deleted = [
        s.deleted_received if weighted else s.deleted_unweighted for s in scored if s.deleted_received is not None
    ]
    return Rate(sum(d < threshold for d in deleted), len(deleted), sum(i < threshold for i in intact), len(intact))


def _left_out(words: np.ndarray, drop: float, attention: float, per_log_word: float = 0.0, candidates: int = 1) -> bool:
    limit = min(-drop + per_log_word * np.log(candidates), DROP_CEILING)
    return bool(((words[:, 0] > limit) & (words[:, 1] < attention)).any())


def omission_rate(scored: list[Scored], drop: float, attention: float = np.inf, per_log_word: float = 0.0) -> Rate:
    """Untranslated as measured by leaving each source word out: flagged when a word's drop is above
    -drop + per_log_word * ln(candidate words) and it received less than `attention`."""
    deleted = [s for s in scored if s.deleted_words is not None]
    return Rate(
        sum(_left_out(s.deleted_words, drop, attention, per_log_word, s.candidates) for s in deleted),
        len(deleted),
        sum(_left_out(s.intact_words, drop, attention, per_log_word, s.candidates) for s in scored),
        len(scored),
    )


def repetition_rate(scored: list[Scored], threshold: float) -> Rate:
    return Rate(
        sum(s.copy_repetition >= threshold for s in scored),
        len(scored),
        sum(s.intact_repetition >= threshold for s in scored),
        len(scored),
    )


def _fires(tokens: np.ndarray, entropy: float, probability: float) -> bool:
    return bool(((tokens[:, 0] >= entropy) & (tokens[:, 1] <= probability)).any()) if len(tokens) else False


def own_warned(scored: list[Scored], thresholds: Thresholds) -> str:
    """How many of the model's own translations get each kind of warning."""
    counts = (
        sum(
            _left_out(
                s.own_words,
                thresholds.untranslated_drop,
                thresholds.untranslated_drop_attention,
                thresholds.untranslated_drop_per_log_word,
                s.candidates,
            )
            for s in scored
        ),
        sum(s.own[1] >= thresholds.repetition_peak for s in scored),
        sum(_fires(s.own[2], thresholds.hallucination_entropy, thresholds.hallucination_probability) for s in scored),
    )
    shares = [f"{100 * count / max(1, len(scored)):.1f}%" for count in counts]
    return f"untranslated {shares[0]}, repetition {shares[1]}, hallucination {shares[2]}"


def hallucination_rate(scored: list[Scored], entropy: float, probability: float) -> Rate:
    def fires(tokens: np.ndarray) -> bool:
        return _fires(tokens, entropy, probability)

    return Rate(
        sum(fires(s.inserted_tokens) for s in scored),
        len(scored),
        sum(fires(s.intact_tokens) for s in scored),
        len(scored),
    )


def choose(rates: dict, aim: float = AIM_RECALL, most: float = MAX_FALSE_ALARMS):
    """The key of `rates` (threshold -> Rate) with the fewest false alarms among those reaching `aim` recall, else the
    most recall among those with at most `most` false alarms (ties: the fewest false alarms), else the fewest false
    alarms."""
    reaching = [k for k, r in rates.items() if r.recall >= aim and r.false_alarms <= most]
    if reaching:
        return min(reaching, key=lambda k: (rates[k].false_alarms, -rates[k].recall))
    allowed = [k for k, r in rates.items() if r.false_alarms <= most]
    if not allowed:
        return min(rates, key=lambda k: (rates[k].false_alarms, -rates[k].recall))
    return max(allowed, key=lambda k: (rates[k].recall, -rates[k].false_alarms))


def choose_thresholds(dev: list[Scored]) -> tuple[Thresholds, float]:
    """Thresholds chosen on the dev cases; also the unweighted untranslated threshold (for the comparison row).
    "Spread" attention for a hallucination means more than the median intact token's entropy on dev."""
    untranslated = choose({t: untranslated_rate(dev, t) for t in UNTRANSLATED_GRID})
    unweighted = choose({t: untranslated_rate(dev, t, weighted=False) for t in UNTRANSLATED_GRID})
    repetition = choose({t: repetition_rate(dev, t) for t in REPETITION_GRID})
    entropy = round(float(np.median(np.concatenate([s.intact_tokens[:, 0] for s in dev]))), 2)
    probability = choose({p: hallucination_rate(dev, entropy, p) for p in PROBABILITY_GRID})
    drop, attention, per_log_word = choose(
        {
            (d, a, b): omission_rate(dev, d, a, b)
            for d in DROP_GRID
            for a in DROP_ATTENTION_GRID
            for b in PER_LOG_WORD_GRID
        }
    )
    thresholds = Thresholds(
        float(untranslated), float(repetition), entropy, probability, float(drop), float(attention), float(per_log_word)
    )
    return thresholds, float(unweighted)


def _curve(scored: list[Scored]) -> str:
    """Each signal's best recall at 10/20/30% false alarms on these cases (thresholds chosen on them: for
    comparing the signals, not a result)."""
    signals = {
        "left out": {
            (d, a, b): omission_rate(scored, d, a, b)
            for d in DROP_GRID
            for a in DROP_ATTENTION_GRID
            for b in PER_LOG_WORD_GRID
        },
        "attention": {t: untranslated_rate(scored, t) for t in UNTRANSLATED_GRID},
    }
    cells = []
    for name, rates in signals.items():
        best = [
            max((r.recall for r in rates.values() if r.false_alarms <= most), default=0.0) for most in (0.1, 0.2, 0.3)
        ]
        cells.append(f"{name} " + "/".join(f"{100 * b:.0f}%" for b in best))
    return "; ".join(cells)


def report(model: str, architecture: str, scored: dict[tuple[str, str], list[Scored]]) -> Thresholds:
    dev = [s for (_, split), chosen in scored.items() if split == "dev" for s in chosen]
    thresholds, unweighted = choose_thresholds(dev)
    library = THRESHOLDS.get(architecture)
    print(f"\n{model}: thresholds chosen on dev: {thresholds}; unweighted untranslated {unweighted}")
    print("  the library's THRESHOLDS: " + ("the same" if library == thresholds else f"{library}: update them"))
    print(f"{'set':16s} {'warning':26s} {'recall':>14s} {'false alarms':>15s}")
    for (name, split), chosen in scored.items():
        rows = [
            (
                "untranslated (left out)",
                omission_rate(
                    chosen,
                    thresholds.untranslated_drop,
                    thresholds.untranslated_drop_attention,
                    thresholds.untranslated_drop_per_log_word,
                ),
            ),
            ("  left out, any attention", omission_rate(chosen, thresholds.untranslated_drop)),
            ("  weighted attention", untranslated_rate(chosen, thresholds.untranslated)),
            ("  unweighted attention", untranslated_rate(chosen, unweighted, weighted=False)),
            ("repetition (copied phrase)", repetition_rate(chosen, thresholds.repetition_peak)),
            (
                "hallucination (inserted)",
                hallucination_rate(chosen, thresholds.hallucination_entropy, thresholds.hallucination_probability),
            ),
        ]
        for warning, rate in rows:
            print(f"{name + ' ' + split:16s} {warning:26s} {rate.cell()}")
        print(f"{name + ' ' + split:16s} own greedy translations warned: {own_warned(chosen, thresholds)}")
        print(f"{name + ' ' + split:16s} untranslated, best recall at most N% false alarms: {_curve(chosen)}")
    return thresholds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["models/en-de-transformer", "models/en-de-rnn"])
    parser.add_argument("--limit", type=int, default=250, help="pairs per set (default 250)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=1, help="decoding threads (default 1: fastest on 2 busy cores)")
    args = parser.parse_args()
    use_inference_threads(args.threads)
    started = time.perf_counter()
    rng = random.Random(args.seed)
    cases = {
        (name, split): make_cases(read_pairs(files), args.limit, rng)
        for name, both in SETS.items()
        for split, files in zip(("dev", "test"), both, strict=True)
    }
    align_deletions([c for chosen in cases.values() for c in chosen])
    print(
        f"{sum(map(len, cases.values()))} pairs, seed {args.seed}; alignment by Dice over the training corpora "
        f"in {time.perf_counter() - started:.0f} s"
    )
    print(
        "recall: share of changed references flagged (deleted: the phrase's source words; copied / inserted: the "
        "new words); false alarms: share of intact references with any warning of that kind"
    )
    for model in args.models:
        translator = Translator.from_folder(model)
        scored = {key: [s for s in (score_case(translator, c) for c in chosen) if s] for key, chosen in cases.items()}
        report(model, translator.model.architecture, scored)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
