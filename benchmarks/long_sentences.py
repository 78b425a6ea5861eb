"""How much of a long sentence survives translation, with and without cutting it into parts.

    python benchmarks/long_sentences.py --model models/en-de-transformer [--per-length 12] [--beam 1]

Builds long English sentences by chaining consecutive Tatoeba test sentences (", and " between them,
their own end punctuation dropped but the last's; the German references chained the same way with
", und ") to about 20, 30, 40, 50, 60, 90, 150 and 300 source pieces, and translates them whole (the
old behaviour: no parts, no loop stop) and as Translator does now (parts of at most --limit pieces,
loops stopped). Prints per length: BLEU against the chained references, output length / reference
length (characters), and how many outputs looped or hit the length limit.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sacrebleu  # noqa: E402
import torch  # noqa: E402

from desktop_app.seq2seq import DecodeOptions, Translator  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt" / "tatoeba-deu-en"
LENGTHS = (20, 30, 40, 50, 60, 90, 150, 300)


def chained(
    sources: list[str], references: list[str], translator: Translator, length: int, count: int, start: int
) -> tuple[list[tuple[str, str]], int]:
    """`count` (source, reference) chains of about `length` source pieces, from line `start` on."""
    chains = []
    while len(chains) < count and start < len(sources):
        src, ref = [], []
        while start < len(sources) and len(translator.source_tokenizer.encode(", and ".join(src))) < length:
            src.append(sources[start])
            ref.append(references[start])
            start += 1
        chains.append((_chain(src, ", and "), _chain(ref, ", und ")))
    return chains, start


def _chain(sentences: list[str], joiner: str) -> str:
    inner = [re.sub(r"[.!?]+$", "", s) for s in sentences[:-1]] + sentences[-1:]
    return joiner.join(inner)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--per-length", type=int, default=12)
    parser.add_argument("--beam", type=int, default=1)
    parser.add_argument(
        "--limit", type=int, default=None, help="parts of N pieces for all (default: the Translator's own)"
    )
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    translator = Translator.from_folder(args.model)
    if args.limit:
        translator.max_part_tokens = translator.cut_part_tokens = args.limit
    sources = (DATA / "test.en").read_text(encoding="utf-8").splitlines()
    references = (DATA / "test.de").read_text(encoding="utf-8").splitlines()
    start = 0
    print(
        f"{args.model}, beam {args.beam}, a sentence over {translator.max_part_tokens} pieces in parts of at most "
        f"{min(translator.cut_part_tokens, translator.max_part_tokens)}"
    )
    print("pieces  sentences | whole: BLEU  out/ref  looped  cut | parts: BLEU  out/ref  looped  cut  parts")
    for length in LENGTHS:
        chains, start = chained(sources, references, translator, length, args.per_length, start)
        pieces = sum(len(translator.source_tokenizer.encode(s)) for s, _ in chains) / len(chains)
        cells = []
        for whole in (True, False):
            cells.append(_score(translator, chains, DecodeOptions(beam_size=args.beam), whole))
        print(f"{pieces:6.0f}  {len(chains):9d} | " + " | ".join(cells))


def _score(translator: Translator, chains, options: DecodeOptions, whole: bool) -> str:
    limit = translator.max_part_tokens
    if whole:  # the old behaviour: the sentence in one piece, no loop stop
        translator.max_part_tokens, options = 10**6, replace(options, loop_repeats=None)
    outputs, looped, cut, parts = [], 0, 0, 0
    for source, _ in chains:
        result = translator.translate(source, options)
        outputs.append(result.text)
        looped += result.nbest[0].looped
        cut += not result.nbest[0].finished and not result.nbest[0].looped
        parts += len(translator.parts(source))
    translator.max_part_tokens = limit
    refs = [r for _, r in chains]
    bleu = sacrebleu.corpus_bleu(outputs, [refs]).score
    ratio = sum(len(o) for o in outputs) / sum(len(r) for r in refs)
    text = f"{bleu:5.1f}  {ratio:6.2f}  {looped:6d}  {cut:3d}"
    return text if whole else text + f"  {parts / len(chains):5.1f}"


if __name__ == "__main__":
    main()
