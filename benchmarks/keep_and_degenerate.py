"""What a translation keeps and how it degenerates, with kept spans (protect.py) on and off.

    python scripts/make_keep_set.py /tmp/keep
    python benchmarks/keep_and_degenerate.py --keep /tmp/keep --model models/en-de-rnn models/de-en [--limit 200]
    python scripts/make_keep_set.py /tmp/keep-fr --other fr     # French: sets made from the fra-en splits
    python benchmarks/keep_and_degenerate.py --keep /tmp/keep-fr --model models/en-fr-transformer \
        models/fr-en-transformer

Per model folder, protection off (the baseline) and on, in one run, on the keep sets (keep-real.tsv,
keep-synthetic.tsv) and the test sets of the pair (Tatoeba, Ding, Multi30k: their first --limit pairs), greedy:
- names: % of sentences with names (the `names` column) whose output holds every one of them unchanged;
- digits: % of sentences whose source has digit groups ("11:35", "12,345.67") with all of them in the output
  (written as the target language writes them: "12.345,67" in German);
- spans: the same for URLs, e-mail addresses and placeholders (#PRS_ORG#, {name}, %s);
- char run: % of outputs with one letter 4+ times in a row ("Tettttt") where the source has no such run;
- word loop: % of outputs with a stretch of 1-3 words 3+ times back to back that the source does not have;
and on long.tsv (sources over 25 words), greedy and beam 5: the output/reference length ratio (characters,
summed over the set) and the % of outputs under half their reference's length.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import sacrebleu  # noqa: E402
import torch  # noqa: E402
from make_keep_set import DATA, DIGITS, TEST_SETS  # noqa: E402  (the sets the keep sets are made from)

from desktop_app.seq2seq import DecodeOptions, InputError, Translator  # noqa: E402
from desktop_app.seq2seq.number_format import in_target_format  # noqa: E402
from desktop_app.seq2seq.protect import DEFAULT_STAND_INS, STAND_INS  # noqa: E402

SPANS = re.compile(
    r"(?:https?://|www\.)[^\s]*[^\s.,;:!?)]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|#[A-Z][A-Z0-9_]*#|\{[^{}\s]*\}|%[sd]"
)
CHAR_RUN = re.compile(r"([^\W\d_])\1{3,}")


@dataclass
class Row:
    source: str
    reference: str
    names: list[str]


def read_keep(path: Path, source: str, target: str, limit: int) -> list[Row]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    return [Row(r[source], r[target], r["names"].split()) for r in rows][:limit]


def read_test(stem: str, source: str, target: str, limit: int) -> list[Row]:
    src = (DATA / f"{stem}.{source}").read_text(encoding="utf-8").splitlines()[:limit]
    ref = (DATA / f"{stem}.{target}").read_text(encoding="utf-8").splitlines()[:limit]
    return [Row(s, r, []) for s, r in zip(src, ref, strict=True)]


def char_run(source: str, output: str) -> bool:
    """One letter 4+ times in a row in the output, where the source has no run of that letter."""
    return any(m.group(1).casefold() * 4 not in source.casefold() for m in CHAR_RUN.finditer(output))


def word_loop(source: str, output: str) -> bool:
    """A stretch of 1-3 words 3+ times back to back in the output, not so in the source."""
    return bool(_loops(output) - _loops(source))


def _loops(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.casefold())
    found = set()
    for period in (1, 2, 3):
        for i in range(len(words) - 3 * period + 1):
            stretch = words[i : i + period]
            if words[i + period : i + 2 * period] == stretch and words[i + 2 * period : i + 3 * period] == stretch:
                found.add(tuple(stretch))
    return found


def percent(hits: list[bool]) -> str:
    return f"{100 * sum(hits) / len(hits):5.1f}% of {len(hits):3d}" if hits else "      -     "


def scores(rows: list[Row], outputs: list[str], source: str, target: str) -> dict[str, str]:
    names, digits, spans, runs, loops = [], [], [], [], []
    for row, out in zip(rows, outputs, strict=True):
        out_words = set(re.findall(r"[\w'’-]+", out))
        if row.names and any(name in row.source for name in row.names):
            names.append(all(name in out_words for name in row.names if name in row.source))
        if DIGITS.search(row.source):
            digits.append(all(in_target_format(group, source, target) in out for group in DIGITS.findall(row.source)))
        if SPANS.search(row.source):
            spans.append(all(span in out for span in SPANS.findall(row.source)))
        runs.append(char_run(row.source, out))
        loops.append(word_loop(row.source, out))
    bleu = sacrebleu.corpus_bleu(outputs, [[row.reference for row in rows]]).score
    return {
        "bleu": f"{bleu:.1f}",
        "names": percent(names),
        "digits": percent(digits),
        "spans": percent(spans),
        "char run": percent(runs),
        "word loop": percent(loops),
    }


def translate_all(translator: Translator, rows: list[Row], options: DecodeOptions, show: set[str]) -> list[str]:
    """The outputs; counts in `translator.appended` the outputs whose model left out a kept span."""
    outputs = []
    translator.appended = 0
    for row in rows:
        try:
            translation = translator.translate(row.source, options)
        except InputError:
            outputs.append("")
            continue
        outputs.append(translation.text)
        translator.appended += bool(getattr(translation.nbest[0], "dropped", ()))
        bad = {"run": char_run(row.source, translation.text), "loop": word_loop(row.source, translation.text)}
        if any(bad[k] for k in show):
            print(f"    {row.source}  ->  {translation.text}")
    return outputs


def length_ratio(rows: list[Row], outputs: list[str]) -> str:
    ratio = sum(len(o) for o in outputs) / max(1, sum(len(r.reference) for r in rows))
    short = [len(o) < 0.5 * len(r.reference) for r, o in zip(rows, outputs, strict=True)]
    return f"ratio {ratio:.2f}  under half {percent(short)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", nargs="+", required=True, help="translation model folders")
    parser.add_argument("--keep", type=Path, required=True, help="the folder scripts/make_keep_set.py wrote")
    parser.add_argument("--limit", type=int, default=200, help="sentences per set")
    parser.add_argument("--long-beams", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--stand-ins", nargs="+", default=[DEFAULT_STAND_INS], choices=sorted(STAND_INS))
    parser.add_argument("--part-tokens", type=int, nargs="*", default=[], help="long set: parts of N for all")
    parser.add_argument("--steering-only", action="store_true", help="also a run with letter-run steering alone")
    parser.add_argument("--names", choices=["on", "off", "both"], default="both", help="kept names (en, fr)")
    parser.add_argument("--sets", nargs="+", default=None, help="only these sets (default: all)")
    parser.add_argument("--show", nargs="*", default=[], choices=["run", "loop"], help="print such outputs")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"command: python benchmarks/keep_and_degenerate.py {' '.join(sys.argv[1:])}")
    for folder in args.model:
        translator = Translator.from_folder(folder)
        source, target = translator.source_language, translator.target_language
        other = target if source == "en" else source
        columns = (args.keep / "keep-real.tsv").read_text(encoding="utf-8").split("\n", 1)[0].split("\t")
        if other not in columns:
            sys.exit(f"{args.keep} pairs English with {columns[2]}, not {other}: make_keep_set.py --other {other}")
        sets = {
            name: read_keep(args.keep / f"{name}.tsv", source, target, args.limit)
            for name in ("keep-real", "keep-synthetic")
        }
        sets |= {name: read_test(stem, source, target, args.limit) for name, stem in TEST_SETS[other]}
        long = [row for row in read_keep(args.keep / "long.tsv", source, target, 10**9) if len(row.source.split()) > 25]
        long = long[: args.limit]
        print(f"\n## {folder} ({source} -> {target})")
        print(
            "| protection | set | BLEU | names copied | digit groups kept | URLs/e-mails/placeholders kept | char run "
            "| word loop | spans added at the end |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        if args.sets:
            sets = {name: rows for name, rows in sets.items() if name in args.sets}
        # (label, keep spans, keep names, stand-ins, steer off letter runs); the first is the old behaviour
        modes = [("before: nothing kept, no steering", False, False, DEFAULT_STAND_INS, False)]
        modes += [("steering only", False, False, DEFAULT_STAND_INS, True)] if args.steering_only else []
        modes += [(f"{family}, no names", True, False, family, True) for family in args.stand_ins if args.names != "on"]
        modes += [(f"{family}, names", True, True, family, True) for family in args.stand_ins if args.names != "off"]
        for label, keep, names, family, steer in modes:
            translator.keep_spans, translator.keep_names, translator.stand_ins = keep, names, family
            translator.steer_letter_runs = steer
            for name, rows in sets.items():
                started = time.perf_counter()
                outputs = translate_all(translator, rows, DecodeOptions(), set(args.show))
                found = scores(rows, outputs, source, target)
                found["appended"] = percent([True] * translator.appended + [False] * (len(rows) - translator.appended))
                print(
                    f"| {label} | {name} | "
                    + " | ".join(found.values())
                    + f" |  <!-- {time.perf_counter() - started:.0f} s -->",
                    flush=True,
                )
        if args.long_beams == [0]:
            continue
        print(f"\nsources over 25 words ({len(long)}):\n")
        print("| protection | longest part (source pieces) | beam | output/reference length |")
        print("|---|---|---|---|")
        default_parts = translator.max_part_tokens, translator.cut_part_tokens
        for label, keep, names, family, steer in modes:
            translator.keep_spans, translator.keep_names, translator.stand_ins = keep, names, family
            translator.steer_letter_runs = steer
            for parts in args.part_tokens or [None]:  # None: the Translator's own (cut over N into parts of P)
                cut = (parts, parts) if parts else default_parts
                translator.max_part_tokens, translator.cut_part_tokens = cut
                for beam in args.long_beams:
                    outputs = translate_all(translator, long, DecodeOptions(beam_size=beam), set(args.show))
                    runs = sum(char_run(r.source, o) for r, o in zip(long, outputs, strict=True))
                    ratio = length_ratio(long, outputs)
                    print(
                        f"| {label} | {min(cut)} (sentences over {cut[0]}) | {beam} | {ratio}; char runs {runs} |",
                        flush=True,
                    )
        translator.max_part_tokens, translator.cut_part_tokens = default_parts


if __name__ == "__main__":
    main()
