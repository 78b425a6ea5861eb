"""The card of a translation model folder (models/NAME/README.md), rendered from its config.json alone.

scripts/bundle_mt.py writes it when it bundles a model, and again with `--card-only models/NAME`. The card is
short, in the shape of a model hub's card: what the model is, intended use and limits (with the measured
out-of-domain figures), measured quality with the command behind each figure, speed, size, training, data with
credits and licenses, license. The long record of a bundle (epoch table, run notes, the whole speed printout)
goes to docs/experiments/ (`training_record`).
"""

from __future__ import annotations

import re
import textwrap

from desktop_app.seq2seq.names import NAME_LANGUAGES, NAME_MIN_PIECES
from desktop_app.seq2seq.source_words import LEARNED_FROM
from desktop_app.seq2seq.translator import MAX_PART_TOKENS, PART_LENGTHS

WIDTH = 115  # prose lines of the card
LANGUAGE_NAMES = {"en": "English", "de": "German", "fr": "French", "zh": "Chinese"}
IN_DOMAIN = "Tatoeba test"
TRAINED_DOMAINS = ("Tatoeba test", "Multi30k test2016")  # test sets of corpora it was trained on
# What each test set is ({n}: its sentences), for the quality table; any other set is out of the domain.
SET_DOMAINS = {
    "Tatoeba test": "in domain: {n} short everyday sentences",
    "Multi30k test2016": "near the domain: {n} image descriptions (trained on Multi30k train)",
    "Ding test": "out of domain: {n} everyday example sentences from the Ding dictionary, never trained on",
}
SET_NOTES = {"Ding test": "The Ding sentences are everyday text too, only with rarer words than Tatoeba's."}
# Corpora, by the folder under ../shared/data/mt their files come from: (name and credit, license).
CORPORA = {
    "tatoeba": (
        "Tatoeba (tatoeba.org), as packaged by manythings.org/anki; attribution: www.manythings.org/anki "
        "and tatoeba.org",
        "CC-BY 2.0",
    ),
    "multi30k": (
        'Multi30k: Elliott et al., "Multi30K: Multilingual English-German Image Descriptions", 2016 '
        "(github.com/multi30k/dataset)",
        "none stated (neither its repository nor `multi30k/` here names one)",
    ),
    "debian-de-en/ding_examples": (
        "Ding dictionary example sentences (TU Chemnitz), from the Debian package "
        "trans-de-en 1.9-6 (`debian-de-en/ding_examples`)",
        "GPL-2+",
    ),
    "debian-de-en/wesnoth": (
        "Battle for Wesnoth 1.16.9 story and interface text, German catalogs (Debian wesnoth-1.16-data and its "
        "campaign packages)",
        "GPL-2+",
    ),
    "debian-de-en/freeciv": ("Freeciv 3.0.6 nation histories and game help, German catalog (Debian)", "GPL-2+"),
    "debian-de-en/gimp_help": ("GIMP 2.10.34 user manual, English and German (Debian gimp-help)", "GFDL-1.2+"),
    "debian-de-en/libreoffice": ("LibreOffice 7.4.7 interface and help, German catalogs (Debian)", "MPL-2.0"),
    "debian-de-en/debian_l10n": (
        "German message catalogs of 31 Debian packages (VLC, GCC, GnuCash, Gramps, Evolution, GTK, ...)",
        "mostly GPL/LGPL (each package's own)",
    ),
}
# Notes true only of a corpus the model never trained on (a model that did gets none for it).
TESTED_ONLY = {"debian-de-en/ding_examples"}
# What each corpus's license asks of someone passing the weights on, by the same keys.
LICENSE_NOTES = {
    "tatoeba": "Credit Tatoeba as its CC-BY 2.0 asks: www.manythings.org/anki and tatoeba.org.",
    "multi30k": "Multi30k states no license: check its terms before you redistribute the weights.",
    "debian-de-en/ding_examples": "The Ding sentences (GPL-2+) only tested the model; none was trained on.",
    "debian-de-en/wesnoth": "Weights learnt from GPL-2+ text: pass them on with the GPL's terms in mind.",
    "debian-de-en/gimp_help": "The GIMP manual is GFDL-1.2+: name it when passing the weights on.",
    "debian-de-en/libreoffice": "LibreOffice's text is MPL-2.0.",
    "debian-de-en/debian_l10n": "Sources and licenses per package: ../shared/data/mt/debian-de-en/README.md.",
}
SPEED_LINE = re.compile(
    r"^(float32|int8)\s+beam (\d+)\s+(\d+) words\s+median\s+([\d.]+) ms.*"
    r"first token median\s+([\d.]+) ms",
    re.MULTILINE,
)


def card(config: dict, name: str, parameters: int, size_mb: float) -> str:
    """The whole card (markdown) of the folder models/`name`, whose config.json is `config`."""
    source, target = language(config["source_language"]), language(config["target_language"])
    tokenizers = " / ".join(f"`{t}`" for t in sorted({config["source_tokenizer"], config["target_tokenizer"]}))
    settings = ", ".join(f"{k}={v}" for k, v in config["model"].items())
    kind = {
        "rnn": f"{str(config['model'].get('cell', 'lstm')).upper()} encoder-decoder",
        "transformer": "Transformer",
    }.get(config["architecture"], config["architecture"])
    intro = (
        f"A small {kind} translation model with attention, bundled with Attend: it translates short everyday "
        f"{source} sentences into {target} on a CPU, offline, and the app draws its attention. Trained from "
        "scratch by the Attend project on the corpora below."
    )
    return f"""# {name}: {source} → {target}

{wrap(intro)}

Architecture: **{config["architecture"]}** ({settings}).
Tokenizer: SentencePiece ({tokenizers}).

{limits_section(config)}
{quality_section(config, name)}
{speed_section(config, name)}
## Size

Parameters: {parameters:,}. Weights: {config["weights_dtype"]} safetensors, {size_mb:.1f} MB on disk.
{memory_line(config)}
{training_section(config)}
{data_section(config)}
{license_section(config)}"""


def wrap(paragraph: str, indent: str = "") -> str:
    return textwrap.fill(paragraph, WIDTH, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)


def language(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def test_rows(config: dict) -> list[dict]:
    """metrics.test: [{"set", "beam", "bleu", "chrf", "command", ...}] in the order they were measured."""
    return [row for row in config.get("metrics", {}).get("test", []) if isinstance(row, dict) and "set" in row]


def limits_section(config: dict) -> str:
    rows = test_rows(config)
    home = next((r for r in rows if r["set"] == IN_DOMAIN and r["beam"] == 1), None)
    outside = [r for r in rows if r["beam"] == 1 and r["set"] not in TRAINED_DOMAINS]
    if home and outside:
        figures = "; ".join(
            f"{r['set']} ({r.get('sentences', 0):,} sentences): BLEU {r['bleu']:.1f}, chrF {r['chrf']:.1f}"
            for r in outside
        )
        notes = "".join(f" {SET_NOTES[r['set']]}" for r in outside if r["set"] in SET_NOTES)
        measured = (
            f"Measured outside the domain, greedy: {figures}; against BLEU {home['bleu']:.1f}, chrF "
            f"{home['chrf']:.1f} on {IN_DOMAIN}.{notes}"
        )
    else:
        measured = "Not measured outside the domains it was trained on."
    max_length = config.get("training", {}).get("config", {}).get("data", {}).get("max_length", "?")
    cut_over, parts_of = PART_LENGTHS.get(config["architecture"], (MAX_PART_TOKENS, MAX_PART_TOKENS))
    below = config.get("name_unseen_below", 0)
    if config.get("source_language", "").split("-")[0] in NAME_LANGUAGES:
        if config.get("source_words"):
            rule = (
                f"seen under {below} times in training (under {LEARNED_FROM} if spelt out of {NAME_MIN_PIECES}+ pieces)"
            )
        else:
            rule = f"the tokenizer spells out of {NAME_MIN_PIECES}+ pieces"
        names = f"Names: capitalised words mid-sentence {rule} and their capitalised neighbours; other "
    elif config.get("source_words"):
        names = (
            f"Names: runs of capitalised words, two of them seen under {below} times in training "
            '("Australian Shepherd"); any other '
        )
    else:
        names = ""
    items = [
        "Use: short everyday sentences like Tatoeba's (a question, a request, a remark), one at a time, where a "
        "rough translation helps: reading, learning, the gist of a message; and seeing where an attention model "
        "looks. Each sentence is translated on its own: no context from the sentences around it, no choice of "
        "formality.",
        f"Other text is much weaker. {measured} Technical, legal, medical and news text were neither trained on "
        "nor measured.",
        f"Long sentences: training kept pairs of at most {max_length} pieces, most of them short sentences. "
        f"The app translates a sentence of more than {cut_over} pieces in parts of at most {parts_of}, clause by "
        "clause, so links between the parts can be lost; `benchmarks/long_sentences.py` measures how much survives "
        "([docs/benchmarks.md](../../docs/benchmarks.md)).",
        "Numbers, times, dates, URLs, e-mail addresses and placeholders pass through unchanged"
        + (", and so do most unknown names" if names else "")
        + ": the app keeps them from the model "
        "([docs/experiments/2026-12-06-keep-spans.md](../../docs/experiments/2026-12-06-keep-spans.md)). "
        + (names or "Names ")
        + "names may come out translated or garbled.",
        "Not for anything where a wrong word matters (medical, legal, contracts, safety instructions).",
    ]
    return "## Intended use and limits\n\n" + "\n".join(wrap(f"- {item}", "  ") for item in items) + "\n"


def quality_section(config: dict, name: str) -> str:
    rows = test_rows(config)
    if not rows:
        return "## Measured quality\n\nNo test scores recorded in config.json.\n"
    described, lines = set(), []
    for r in rows:
        what = "" if r["set"] in described else SET_DOMAINS.get(r["set"], "out of domain: {n} sentences")
        described.add(r["set"])
        what = what.format(n=f"{r['sentences']:,}" if r.get("sentences") else "the")
        lines.append(f"| {r['set']} | {r['beam']} | {r['bleu']:.1f} | {r['chrf']:.1f} | {what} |")
    commands = "\n".join(f"    {model_command(r['command'], name)}" for r in rows if r.get("command"))
    signatures = "; ".join(f"`{rows[0][key]}`" for key in ("bleu_signature", "chrf_signature") if rows[0].get(key))
    table = "\n".join(lines)
    return f"""## Measured quality

sacreBLEU on detokenised output, float32 weights; each test set scored once, after training, and never used to
tune. Signatures: {signatures}.

| test set | beam | BLEU | chrF | what it is |
|---|---|---|---|---|
{table}

The commands, row by row:

{commands}
"""


def model_command(command: str, name: str) -> str:
    """The command as it runs on the bundled folder (it may have been measured on the run's staged copy)."""
    return re.sub(r"--model \S+", f"--model models/{name}", command)


def speed_rows(printout: str) -> dict[tuple[str, int, int], tuple[float, float]]:
    """benchmarks/translate_latency.py's printout: {(precision, beam, words): (median ms, first-token ms)}."""
    return {(m[1], int(m[2]), int(m[3])): (float(m[4]), float(m[5])) for m in SPEED_LINE.finditer(printout)}


def memory_line(config: dict) -> str:
    found = re.search(r"peak resident memory (\d+) MB", config.get("metrics", {}).get("speed", {}).get("output", ""))
    return f"Peak resident memory while translating: {found[1]} MB (the speed benchmark's process).\n" if found else ""


def speed_section(config: dict, name: str) -> str:
    speed = config.get("metrics", {}).get("speed", {})
    int8 = config.get("int8_inference", False)
    dev = config.get("metrics", {}).get("int8_dev_bleu", {})
    recurrent = "the LSTM layers and " if config.get("architecture") == "rnn" else ""
    precision = f"**int8** (dynamic quantisation of {recurrent}the large Linear layers)" if int8 else "**float32**"
    choice = (
        f"chosen at bundling because int8 {'costs at most' if int8 else 'would cost more than'} 0.5 dev BLEU "
        f"(greedy Tatoeba dev BLEU {dev.get('float32', '?')} in float32, {dev.get('int8', '?')} in int8)"
    )
    data = config.get("training", {}).get("config", {})
    root, dev_set = data.get("data_root", "../shared/data/mt"), data.get("data", {}).get("dev", {})
    checks = "\n".join(
        f"    attend eval-mt --model models/{name} --src {root}/{dev_set.get('src')} --ref "
        f"{root}/{dev_set.get('tgt')} --beam 1 --precision {p} --json"
        for p in ("float32", "int8")
    )
    benchmark = model_command(speed.get("command", "python benchmarks/translate_latency.py --model X --quantize"), name)
    rows = speed_rows(speed.get("output", ""))
    if not rows:
        return (
            f"## Speed\n\n{wrap(f'The app runs it in {precision}, {choice}.')} Not measured; measure with:\n\n"
            f"    {benchmark}\n{checks}\n"
        )
    lines = []
    for p in ("int8", "float32") if int8 else ("float32", "int8"):
        for beam in (1, 5):
            if (p, beam, 10) in rows:
                medians = " | ".join(
                    f"{rows[(p, beam, w)][0]:.1f}" if (p, beam, w) in rows else "?" for w in (1, 10, 30)
                )
                lines.append(f"| {p} | {beam} | {medians} | {rows[(p, beam, 10)][1]:.1f} |")
    load = re.search(r"load median (\d+) ms", speed["output"])
    threads = re.search(r"(\d+) threads?", speed["output"])
    text = (
        f"The app runs it in {precision}, {choice}. Milliseconds per sentence (median) on a CPU with "
        f"{threads[1] if threads else '?'} threads, for the benchmark's everyday sentences of 1, 10 and 30 "
        f"words; loading the folder took {load[1] if load else '?'} ms."
    )
    table = "\n".join(lines)
    return f"""## Speed

{wrap(text)}

| precision | beam | 1 word | 10 words | 30 words | first token (10 words) |
|---|---|---|---|---|---|
{table}

    {benchmark}
{checks}
"""


def training_section(config: dict) -> str:
    training = config.get("training", {})
    data = training.get("config", {}).get("data", {})
    corpora = ", ".join(f"`{pair['src'].rsplit('.', 1)[0]}`" for pair in data.get("train", [])) or "?"
    dev = config.get("metrics", {}).get("dev", {})
    processes = training.get("processes")
    process_count = "1 process" if processes == 1 else f"{processes if processes is not None else '?'} processes"
    steps = training.get("steps")
    text = (
        f"From scratch on {corpora} (under `{training.get('config', {}).get('data_root', '../shared/data/mt')}`); "
        f"tuned on `{data.get('dev', {}).get('src', '?').rsplit('.', 1)[0]}` only. Selected: "
        f"{training.get('selected', '?')} (dev BLEU {dev.get('bleu', '?')}, chrF {dev.get('chrf', '?')}, "
        f"greedy). {training.get('epochs', '?')} epochs, {f'{steps:,}' if isinstance(steps, int) else '?'} "
        f"updates, {training.get('train_hours', '?')} h on {training.get('device', '?')} ({process_count}, "
        f"{training.get('precision', 'float32')})."
    )
    return f"""## Training

{wrap(text)}

    {training.get("command", "?")}

The epoch-by-epoch figures are in `config.json` (`training.history`); run notes and the tuning history are in
[docs/experiments/](../../docs/experiments/README.md).
"""


def corpus_uses(config: dict) -> dict[str, list[str]]:
    """{CORPORA key: what it was used for}, from the training config and the test rows."""
    data = config.get("training", {}).get("config", {}).get("data", {})
    uses: dict[str, list[str]] = {}
    for pair in data.get("train", []):
        uses.setdefault(corpus_of(pair["src"]), []).append("training")
    if data.get("dev"):
        uses.setdefault(corpus_of(data["dev"]["src"]), []).append("tuning (dev)")
    for row in test_rows(config):
        used = uses.setdefault(corpus_of(row.get("src", "")), [])
        if "test" not in used:
            used.append("test")
    return uses


def corpus_of(path: str) -> str:
    """The CORPORA key of a data path ('tatoeba-deu-en/train.en', '../shared/data/mt/multi30k/...')."""
    path = path.split("data/mt/", 1)[-1]
    if path.startswith("tatoeba-"):
        return "tatoeba"
    return next((key for key in CORPORA if path.startswith(key)), path.rsplit("/", 1)[0])


def data_section(config: dict) -> str:
    lines = "\n".join(
        f"| {CORPORA.get(key, (key, '?'))[0]} | {', '.join(used)} | {CORPORA.get(key, (key, '?'))[1]} |"
        for key, used in corpus_uses(config).items()
    )
    return f"""## Training data and credits

Read from `../shared/data/mt/` (never copied into the repository).

| corpus | used for | license |
|---|---|---|
{lines}
"""


def license_section(config: dict) -> str:
    uses = corpus_uses(config)
    notes = " ".join(
        LICENSE_NOTES[key]
        for key in uses
        if key in LICENSE_NOTES and not (key in TESTED_ONLY and "training" in uses[key])
    )
    text = (
        "The weights are released with Attend under the MIT license, like its code (`pyproject.toml`). The "
        f"corpora they were learnt from keep their own licenses (table above). {notes}"
    )
    return f"## License\n\n{wrap(text)}\n"


def training_record(config: dict, name: str, day: str) -> str:
    """The long part of a bundle, for docs/experiments/DAY-NAME-training-record.md: the epoch table, the run's
    note and the whole speed printout."""
    training = config.get("training", {})
    history = "\n".join(
        f"| {h['epoch']} | {h['train_nll']:.3f} | {h.get('dev_bleu', '')} | {h.get('dev_chrf', '')} |"
        for h in training.get("history", [])
    )
    speed = config.get("metrics", {}).get("speed", {})
    return f"""# {day}: {name} training record

What `scripts/bundle_mt.py` recorded when it bundled `models/{name}` (the card:
[models/{name}/README.md](../../models/{name}/README.md)).

    {training.get("command", "?")}

{wrap(training.get("note", ""))}

| epoch | train nll | dev BLEU | dev chrF |
|---|---|---|---|
{history}

## Speed printout

    {model_command(speed.get("command", "?"), name)}

```
{speed.get("output", "(not measured)")}
```
"""
