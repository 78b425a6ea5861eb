"""Which part length (and from which sentence length on to cut) keeps long sources whole at the least BLEU cost.

    python scripts/make_keep_set.py /tmp/keep
    python benchmarks/part_length.py --keep /tmp/keep --model models/en-de-transformer \
        --parts 20 25 30 35 40 --limit 500 --out /tmp/part-length/en-de-transformer.json
    python benchmarks/part_length.py --report /tmp/part-length/*.json

A sentence of L source pieces (its kept text, as Translator counts them) is translated whole when L is at most
`whole_up_to`, else cut into parts of at most `part` pieces (text.split_clauses). Every (whole_up_to, part)
is assembled from the same outputs: per sentence and part length, the translation of its parts (one decoding
per distinct split; a sentence that fits is the same "whole" translation for every part length). So only the
sentences a part length cuts are translated again.

Sets: long.tsv's sources over 25 words (beams --long-beams) and the first --limit pairs of Tatoeba test,
Multi30k test2016 and Ding test (beams --test-beams). Measures: output/reference length (characters, summed over
the set) on the long set; BLEU (sacrebleu) on the test sets.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sacrebleu  # noqa: E402
import torch  # noqa: E402

from desktop_app.seq2seq import DecodeOptions, Translator  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt"
TEST_SETS = (
    ("tatoeba", "tatoeba-deu-en/test"),
    ("multi30k", "multi30k/test_2016_flickr"),
    ("ding", "debian-de-en/ding_examples/test"),
)
WHOLE = 10**6  # a part length no sentence reaches: the sentence whole


def long_pairs(keep: Path, source: str, target: str) -> list[tuple[str, str]]:
    lines = (keep / "long.tsv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    return [(r[source], r[target]) for r in rows if len(r[source].split()) > 25]


def test_pairs(stem: str, source: str, target: str, limit: int) -> list[tuple[str, str]]:
    src = (DATA / f"{stem}.{source}").read_text(encoding="utf-8").splitlines()[:limit]
    ref = (DATA / f"{stem}.{target}").read_text(encoding="utf-8").splitlines()[:limit]
    return list(zip(src, ref, strict=True))


def outputs_per_part(
    translator: Translator, pairs: list[tuple[str, str]], part_lengths: list[int], beam: int
) -> list[dict]:
    """Per pair: source, reference, pieces (L) and {part length: output}; one decoding per distinct split."""
    rows = []
    for source, reference in pairs:
        done: dict[tuple[str, ...], str] = {}
        outputs = {}
        for part in part_lengths:
            translator.max_part_tokens = part
            split = tuple(translator.parts(source))
            if split not in done:
                done[split] = translator.translate(source, DecodeOptions(beam_size=beam)).text
            outputs[str(part)] = done[split]
        length = pieces(translator, source)
        rows.append({"source": source, "reference": reference, "pieces": length, "outputs": outputs})
    return rows


def pieces(translator: Translator, source: str) -> int:
    """The source pieces the part decision counts: of the sentence with its spans kept, without "</s>"."""
    return len(translator.source_tokenizer.encode(translator.kept(source.strip()).text))


def chosen(row: dict, whole_up_to: int, part: int) -> str:
    """The output of a sentence under (whole_up_to, part): whole when it fits, else its parts."""
    if row["pieces"] <= min(whole_up_to, part):
        return row["outputs"][str(WHOLE)]
    return row["outputs"][str(WHOLE if row["pieces"] <= whole_up_to else part)]


def measure(args: argparse.Namespace) -> None:
    torch.set_num_threads(args.threads)
    translator = Translator.from_folder(args.model)
    source = translator.source_language
    target = "en" if source == "de" else "de"
    lengths = sorted(set(args.parts)) + [WHOLE]
    found: dict = {"model": args.model, "parts": lengths, "sets": {}}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    long = long_pairs(args.keep, source, target)[: args.limit]
    jobs = [(f"long beam {beam}", long, beam) for beam in args.long_beams]
    jobs += [
        (f"{name} beam {beam}", test_pairs(stem, source, target, args.limit), beam)
        for beam in args.test_beams
        for name, stem in TEST_SETS
    ]
    jobs = [job for job in jobs if not args.sets or job[0] in args.sets]
    if args.longer_than or args.up_to:  # e.g. only the sentences a part length of 25+ could cut (--longer-than 25)
        keep = range(args.longer_than + 1, (args.up_to or WHOLE) + 1)
        jobs = [(name, [p for p in pairs if pieces(translator, p[0]) in keep], beam) for name, pairs, beam in jobs]
        found["pieces"] = [keep.start, keep.stop - 1]
    for name, pairs, beam in jobs:
        started = time.perf_counter()
        found["sets"][name] = {"beam": beam, "rows": outputs_per_part(translator, pairs, lengths, beam)}
        out.write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"{args.model} {name}: {len(pairs)} pairs, {time.perf_counter() - started:.0f} s", flush=True)


def report(paths: list[Path], cuts: list[int]) -> None:
    """Tables per model; files of one model (runs of different sets or sentence lengths) are read as one: the
    rows of a set are joined, and the part lengths are those every file has that holds sentences over 25 pieces
    (shorter ones are the same whole translation at every part length of 25+)."""
    models: dict[str, dict] = {}
    for path in paths:
        found = json.loads(path.read_text(encoding="utf-8"))
        model = models.setdefault(found["model"], {"model": found["model"], "parts": [WHOLE], "sets": {}})
        if found.get("pieces", [0, WHOLE])[1] > 25:
            known = model.setdefault("known", found["parts"])
            model["known"] = [p for p in known if p in found["parts"]]
            model["parts"] = model["known"]
        for name, rows in found["sets"].items():
            model["sets"].setdefault(name, {"beam": rows["beam"], "rows": []})["rows"].extend(rows["rows"])
    for found in models.values():
        sets = found["sets"]
        parts = [p for p in found["parts"] if p != WHOLE]
        configs = [(w, p) for w in cuts for p in parts if p <= w]
        names = list(sets)
        print(f"\n{found['model']}\n")
        print("| whole up to | parts of | " + " | ".join(names) + " |")
        print("|---|---|" + "---|" * len(names))
        for whole_up_to, part in configs:
            cells = []
            for name in names:
                rows = sets[name]["rows"]
                outputs = [chosen(row, whole_up_to, part) for row in rows]
                references = [row["reference"] for row in rows]
                if name.startswith("long"):
                    ratio = sum(map(len, outputs)) / sum(map(len, references))
                    short = sum(len(o) < 0.5 * len(r) for o, r in zip(outputs, references, strict=True))
                    cells.append(f"{ratio:.2f} ({short} under half)")
                else:
                    bleu = sacrebleu.corpus_bleu(outputs, [references]).score
                    cut = sum(row["pieces"] > whole_up_to for row in rows)
                    cells.append(f"{bleu:.1f} ({cut} cut)")
            print(f"| {whole_up_to} | {part} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a translation model folder")
    parser.add_argument("--keep", type=Path, help="the folder scripts/make_keep_set.py wrote")
    parser.add_argument("--parts", type=int, nargs="+", default=[20, 25, 30, 35, 40])
    parser.add_argument("--limit", type=int, default=500, help="pairs per set")
    parser.add_argument("--long-beams", type=int, nargs="+", default=[1, 5])
    parser.add_argument("--test-beams", type=int, nargs="+", default=[1])
    parser.add_argument("--longer-than", type=int, default=0, help="only sources over this many pieces")
    parser.add_argument("--up-to", type=int, default=0, help="only sources of at most this many pieces")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", help="where to write the outputs (JSON)")
    parser.add_argument("--report", type=Path, nargs="+", help="print the tables of these outputs")
    parser.add_argument("--sets", nargs="+", help="only these sets (long beam 1, long beam 5, tatoeba, ...)")
    parser.add_argument("--whole-up-to", type=int, nargs="+", default=[20, 25, 30, 35, 40])
    args = parser.parse_args()
    if args.report:
        report(args.report, args.whole_up_to)
    elif args.model and args.keep and args.out:
        measure(args)
    else:
        parser.error("give --model, --keep and --out to measure, or --report to print tables")


if __name__ == "__main__":
    main()
