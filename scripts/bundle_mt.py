"""Evaluate a trained translation run on the test sets once, write its model card, copy it to models/.

    python scripts/bundle_mt.py --run runs/en-de-transformer --name en-de-transformer

Scores Tatoeba test and Multi30k test2016 with `attend eval-mt` (greedy and beam 5), records
the exact commands next to the figures, and writes models/NAME/README.md. Refuses to replace
an existing bundled model that scores higher on Tatoeba test (beam 5) unless --force.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))  # its sibling scripts (bundling, attend_scores), however it is loaded

from attend_scores import NoScore, run_scores  # noqa: E402  (exit 1 = scored with skips)

DATA = "../shared/data/mt"
LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French"}


def test_sets(source: str, target: str) -> dict[str, tuple[str, str]]:
    other = (set((source, target)) - {"en"}).pop()
    pair = {"de": "tatoeba-deu-en", "fr": "tatoeba-fra-en", "zh": "tatoeba-cmn-en"}[other]
    multi30k = f"{DATA}/multi30k/test_2016_flickr"
    sets = {"Tatoeba test": (f"{DATA}/{pair}/test.{source}", f"{DATA}/{pair}/test.{target}")}
    if other in ("de", "fr"):
        sets["Multi30k test2016"] = (f"{multi30k}.{source}", f"{multi30k}.{target}")
    return sets


def evaluate(model: Path, src: str, ref: str, beam: int, precision: str = "float32") -> tuple[dict, str]:
    """The scores and the command; a line that could not be translated counts as an empty translation (the
    log says so), and a run with no score raises NoScore."""
    command = ["attend", "eval-mt", "--model", str(model), "--src", src, "--ref", ref, "--beam", str(beam),
               "--precision", precision, "--json"]
    return run_scores(command[1:], ROOT), " ".join(command)


def int8_check(model: Path, source: str, target: str) -> dict:
    """Greedy dev BLEU in float32 and int8: int8 is used at inference when it loses at most 0.5 BLEU."""
    dev = test_sets(source, target)["Tatoeba test"]
    src, ref = (path.replace("/test.", "/dev.") for path in dev)
    scores = {precision: evaluate(model, src, ref, 1, precision) for precision in ("float32", "int8")}
    bleu = {precision: result[0]["bleu"] for precision, result in scores.items()}
    return {"dev_bleu": bleu, "use_int8": bleu["float32"] - bleu["int8"] <= 0.5,
            "commands": [command for _, command in scores.values()]}


def speed(model: Path) -> tuple[str, str]:
    """The latency benchmark's printout (float32 and int8 in one run) and its command."""
    command = ["benchmarks/translate_latency.py", "--model", str(model), "--quantize"]
    result = subprocess.run([sys.executable, *command], capture_output=True, text=True, cwd=ROOT, check=True)
    return result.stdout.strip(), "python " + " ".join(command)


def card(config: dict, name: str, results: list[dict], benchmark: tuple[str, str], int8: dict, parameters: int,
         size_mb: float) -> str:
    from bundling import process_count

    training = config["training"]
    source, target = config["source_language"], config["target_language"]
    model = config["model"]
    rows = "\n".join(f"| {r['set']} | {r['beam']} | {r['bleu']:.1f} | {r['chrf']:.1f} "
                     f"| {r['sentences_per_second']:.0f} |" for r in results)
    commands = "\n".join(f"    {r['command']}" for r in results)
    history = "\n".join(f"| {h['epoch']} | {h['train_nll']:.3f} | {h.get('dev_bleu', '')} "
                        f"| {h.get('dev_chrf', '')} |" for h in training.get("history", []))
    settings = ", ".join(f"{k}={v}" for k, v in model.items())
    tokenizers = " / ".join(sorted({config["source_tokenizer"], config["target_tokenizer"]}))
    recurrent = "the LSTM/GRU layers and " if config["architecture"] == "rnn" else ""
    precision = f"int8 (dynamic quantisation of {recurrent}the large Linear layers)" if int8["use_int8"] else "float32"
    return f"""# {name}: {LANGUAGE_NAMES.get(source, source)} → {LANGUAGE_NAMES.get(target, target)}

Architecture: **{config['architecture']}** ({settings}).
Parameters: {parameters:,}. Weights: {config['weights_dtype']} safetensors, {size_mb:.1f} MB on disk.
Tokenizer: SentencePiece ({tokenizers}).

## Test scores (sacreBLEU, 13a tokenisation, detokenised output; measured once, after training)

| test set | beam | BLEU | chrF | sentences/s (2 threads) |
|---|---|---|---|---|
{rows}

Signature: `{results[0]['bleu_signature']}`; `{results[0]['chrf_signature']}`.
Measured with:

{commands}

## Speed (CPU, 2 threads)

Inference precision: **{precision}**. Greedy Tatoeba dev
BLEU {int8['dev_bleu']['float32']} in float32 vs {int8['dev_bleu']['int8']} in int8 (int8 is used when it loses
at most 0.5 BLEU; the test scores above are float32); measured with:

{chr(10).join('    ' + c for c in int8['commands'])}

    {benchmark[1]}

```
{benchmark[0]}
```

## Training

Data: Tatoeba {source}-{target} train (leak-free split of `../shared/data/mt`) plus Multi30k train;
tuned on Tatoeba dev only. Selected: {training.get('selected', '?')} (dev BLEU {config['metrics']['dev'].get('bleu')},
chrF {config['metrics']['dev'].get('chrf')}, greedy).

    {training.get('command', '?')}

Epochs: {training.get('epochs')}, updates: {training.get('steps')}, training time: {training.get('train_hours')} h
on {training.get('device')} ({process_count(training.get('processes'))}, {training.get('precision', 'float32')}).
{training.get('note', '')}

| epoch | train nll | dev BLEU | dev chrF |
|---|---|---|---|
{history}

## Data licenses and credits

- Tatoeba (tatoeba.org), as packaged by manythings.org/anki: CC-BY 2.0.
  Attribution: www.manythings.org/anki and tatoeba.org.
- Multi30k: Elliott et al., "Multi30K: Multilingual English-German Image Descriptions", 2016.
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", required=True, type=Path)
    parser.add_argument("--name", required=True)
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args()
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
    config["int8_inference"] = int8["use_int8"]
    install(staged, destination, config,
            lambda parameters, size_mb: card(config, args.name, results, benchmark, int8, parameters,
                                                               size_mb))
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main())
    except NoScore as error:  # one line, not a traceback: nothing was installed
        raise SystemExit(f"bundle_mt.py: error: {error}") from None
