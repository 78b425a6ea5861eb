"""Corpus translation through the decoding generator, scored with sacreBLEU."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import sacrebleu
from tqdm import tqdm

from desktop_app.seq2seq import DecodeOptions, InputError, Translator


@dataclass
class CorpusScore:
    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    sentences: int
    seconds: float

    @property
    def sentences_per_second(self) -> float:
        return self.sentences / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "bleu": round(self.bleu, 2),
            "chrf": round(self.chrf, 2),
            "sentences": self.sentences,
            "sentences_per_second": round(self.sentences_per_second, 1),
            "bleu_signature": self.bleu_signature,
            "chrf_signature": self.chrf_signature,
        }


def translate_all(
    translator: Translator,
    sources: Sequence[str],
    options: DecodeOptions,
    progress: bool = False,
    failures: list[tuple[int, str]] | None = None,
) -> list[str]:
    """One line out per line in; a line that cannot be translated (e.g. empty) gives ''.
    failures: gets (line number from 1, why) of each such line that is not blank."""
    outputs = []
    for number, sentence in enumerate(
        tqdm(sources, desc="translating", unit="sent", disable=not progress, mininterval=5), start=1
    ):
        try:
            outputs.append(translator.translate(sentence, options).text)
        except InputError as error:
            outputs.append("")
            if failures is not None and sentence.strip():
                failures.append((number, str(error)))
    return outputs


def score_corpus(hypotheses: Sequence[str], references: Sequence[str], seconds: float = 0.0) -> CorpusScore:
    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} translations but {len(references)} references")
    bleu = sacrebleu.metrics.BLEU()
    chrf = sacrebleu.metrics.CHRF()
    bleu_score = bleu.corpus_score(list(hypotheses), [list(references)])
    chrf_score = chrf.corpus_score(list(hypotheses), [list(references)])
    return CorpusScore(
        bleu_score.score,
        chrf_score.score,
        str(bleu.get_signature()),
        str(chrf.get_signature()),
        len(hypotheses),
        seconds,
    )


def evaluate(
    translator: Translator,
    sources: Sequence[str],
    references: Sequence[str],
    options: DecodeOptions,
    progress: bool = False,
    failures: list[tuple[int, str]] | None = None,
) -> tuple[CorpusScore, list[str]]:
    start = time.perf_counter()
    hypotheses = translate_all(translator, sources, options, progress, failures)
    return score_corpus(hypotheses, references, time.perf_counter() - start), hypotheses
