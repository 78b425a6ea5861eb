"""Evaluate a trained translation run on the test sets once, write its model card, copy it to models/.

    python scripts/bundle_mt.py --run runs/en-de-transformer --name en-de-transformer
    python scripts/bundle_mt.py --card-only models/en-de-transformer   # only rewrite the card from config.json

Scores Tatoeba test, Multi30k test2016 and (German pairs) the out-of-domain Ding test with `attend eval-mt`
(greedy and beam 5), records the exact commands next to the figures in config.json, measures speed, writes
models/NAME/README.md (scripts/mt_card.py) and the bundle's long record to
docs/experiments/DAY-NAME-training-record.md. Refuses to replace an existing bundled model that scores higher
on Tatoeba test (beam 5) unless --force.
"""

from __future__ import annotations

import argparse
import datetime
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))  # its sibling scripts (bundling, attend_scores), however it is loaded

from attend_scores import NoScore, run_scores  # noqa: E402  (exit 1 = scored with skips)
from mt_card import card, training_record  # noqa: E402

DATA = "../shared/data/mt"


def test_sets(source: str, target: str) -> dict[str, tuple[str, str]]:
    other = (set((source, target)) - {"en"}).pop()
    pair = {"de": "tatoeba-deu-en", "fr": "tatoeba-fra-en", "zh": "tatoeba-cmn-en"}[other]
    multi30k = f"{DATA}/multi30k/test_2016_flickr"
    sets = {"Tatoeba test": (f"{DATA}/{pair}/test.{source}", f"{DATA}/{pair}/test.{target}")}
    if other in ("de", "fr"):
        sets["Multi30k test2016"] = (f"{multi30k}.{source}", f"{multi30k}.{target}")
    if other == "de":  # out of the domain: everyday sentences from the Ding dictionary, never trained on
        ding = f"{DATA}/debian-de-en/ding_examples/test"
        sets["Ding test"] = (f"{ding}.{source}", f"{ding}.{target}")
    return sets


def evaluate(model: Path, src: str, ref: str, beam: int, precision: str = "float32") -> tuple[dict, str]:
    """The scores and the command; a line that could not be translated counts as an empty translation (the
    log says so), and a run with no score raises NoScore."""
    command = [
        "attend",
        "eval-mt",
        "--model",
        str(model),
        "--src",
        src,
        "--ref",
        ref,
        "--beam",
        str(beam),
        "--precision",
        precision,
        "--json",
    ]
    return run_scores(command[1:], ROOT), " ".join(command)


def int8_check(model: Path, source: str, target: str) -> dict:
    """Greedy dev BLEU in float32 and int8: int8 is used at inference when it loses at most 0.5 BLEU."""
    dev = test_sets(source, target)["Tatoeba test"]
    src, ref = (path.replace("/test.", "/dev.") for path in dev)
    scores = {precision: evaluate(model, src, ref, 1, precision) for precision in ("float32", "int8")}
    bleu = {precision: result[0]["bleu"] for precision, result in scores.items()}
    return {"dev_bleu": bleu, "use_int8": bleu["float32"] - bleu["int8"] <= 0.5}


def speed(model: Path) -> tuple[str, str]:
    """The latency benchmark's printout (float32 and int8 in one run) and its command."""
    command = ["benchmarks/translate_latency.py", "--model", str(model), "--quantize"]
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=ROOT, check=True)
    return result.stdout.strip(), "python " + " ".join(command)


def write_card(folder: Path) -> Path:
    """Rewrite the card of a bundled folder from its config.json (nothing is measured)."""
    sys.path.insert(0, str(ROOT))
    from desktop_app.seq2seq import load_folder
    from desktop_app.seq2seq.architectures import parameter_count

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    size_mb = sum(path.stat().st_size for path in folder.rglob("*.safetensors")) / 2**20
    readme = folder / "README.md"
    readme.write_text(
        card(config, folder.resolve().name, parameter_count(load_folder(folder).model), size_mb), encoding="utf-8"
    )
    return readme


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, help="the training run folder (its model/ is bundled)")
    parser.add_argument("--name", help="the folder name under models/")
    parser.add_argument("--force", action="store_true")
    parser.add_argument(
        "--card-only",
        type=Path,
        nargs="+",
        metavar="FOLDER",
        help="rewrite each FOLDER/README.md from FOLDER/config.json, measure nothing",
    )
    args = parser.parse_args()
    if args.card_only:
        for folder in args.card_only:
            print(f"wrote {write_card(folder)}")
        return 0
    if not (args.run and args.name):
        parser.error("--run and --name are required (or --card-only FOLDER)")
    sys.path.insert(0, str(ROOT))
    from bundling import install

    staged = args.run / "model"
    config = json.loads((staged / "config.json").read_text())
    results = []
    for set_name, (src, ref) in test_sets(config["source_language"], config["target_language"]).items():
        for beam in (1, 5):
            scores, command = evaluate(staged, src, ref, beam)
            results.append({"set": set_name, "beam": beam, "command": command, **scores})
            print(f"{set_name} beam {beam}: BLEU {scores['bleu']} chrF {scores['chrf']}", flush=True)
    destination = ROOT / "models" / args.name
    if destination.exists() and not args.force:
        old = json.loads((destination / "config.json").read_text()).get("metrics", {}).get("test", [])
        old_best = max((r["bleu"] for r in old if r["set"] == "Tatoeba test" and r["beam"] == 5), default=-1)
        new_best = max(r["bleu"] for r in results if r["set"] == "Tatoeba test" and r["beam"] == 5)
        if new_best <= old_best:
            print(f"not replacing {destination}: Tatoeba test BLEU {new_best} <= bundled {old_best}")
            return 1
    int8 = int8_check(staged, config["source_language"], config["target_language"])
    print(f"int8 check: {int8['dev_bleu']}", flush=True)
    benchmark = speed(staged)
    print(benchmark[0])
    config["metrics"]["test"] = results
    config["metrics"]["int8_dev_bleu"] = int8["dev_bleu"]
    # the command as a reader reruns it: on the installed folder (the same weights as the staged one)
    command = benchmark[1].replace(f"--model {staged}", f"--model models/{args.name}")
    config["metrics"]["speed"] = {"command": command, "output": benchmark[0]}
    config["int8_inference"] = int8["use_int8"]
    install(staged, destination, config, lambda parameters, size_mb: card(config, args.name, parameters, size_mb))
    day = datetime.date.today().isoformat()
    record = ROOT / "docs" / "experiments" / f"{day}-{args.name}-training-record.md"
    record.write_text(training_record(config, args.name, day), encoding="utf-8")
    print(f"wrote {record}: list it in docs/experiments/README.md")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except NoScore as error:  # one line, not a traceback: nothing was installed
        raise SystemExit(f"bundle_mt.py: error: {error}") from None
