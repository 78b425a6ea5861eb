"""Translation speed on CPU: per-sentence latency, time to first token, load time, peak memory.

    python benchmarks/translate_latency.py --model models/en-de-transformer [--threads 2] [--quantize]

Prints median and p90 latency for 1-, 10- and 30-word sentences with greedy and beam-5 search,
the time to the first streamed token, the model load time and the process's peak memory.
With --quantize it measures the int8 dynamically quantised model in the same run, as a
comparison against the float32 baseline: the two translate in turn, sentence by sentence, so that
other work on a shared machine slows both alike (both models are then in memory at once, which
the peak memory includes). Goals: <= 15 ms per 10-word sentence (greedy), first token <= 20 ms,
load <= 0.5 s.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from desktop_app.seq2seq import DecodeOptions, Translator, load_folder  # noqa: E402

# Everyday sentences of exactly 1, 10 and 30 words (not taken from any test set), in the model's source
# language (English where there are none in it).
SENTENCES = {
    "en": {
        1: ["Thanks.", "Hello.", "Wait.", "Really?", "Go!"],
        10: [
            "I think we should leave before the rain starts again.",
            "My sister bought a new bicycle for her long trip.",
            "Could you please tell me where the nearest pharmacy is?",
            "We have been waiting for the bus for twenty minutes.",
            "He never reads the newspaper because he finds it boring.",
        ],
        30: [
            "When we arrived at the small hotel near the station, the receptionist told us that our room was not "
            "ready yet, so we left our bags and went for a walk.",
            "My grandmother, who has lived in the same village for almost eighty years, still remembers the names "
            "of all the families who lived on her street as a child.",
            "If you want to learn a foreign language quickly, you should read every day, talk to native speakers as "
            "often as possible, and not be afraid of mistakes.",
        ],
    },
    "de": {
        1: ["Danke.", "Hallo.", "Warte.", "Wirklich?", "Los!"],
        10: [
            "Ich glaube, wir sollten gehen, bevor der Regen wieder anfängt.",
            "Meine Schwester kaufte ein neues Fahrrad für ihre lange Reise.",
            "Können Sie mir bitte sagen, wo die nächste Apotheke ist?",
            "Wir warten schon seit zwanzig Minuten auf den Bus hier.",
            "Er liest nie die Zeitung, weil er sie langweilig findet.",
        ],
        30: [
            "Als wir im kleinen Hotel beim Bahnhof ankamen, sagte uns die Frau am Empfang, dass unser Zimmer noch "
            "nicht fertig war, also ließen wir die Taschen dort und gingen spazieren.",
            "Meine Großmutter, die seit fast achtzig Jahren im selben Dorf lebt, erinnert sich noch heute genau an "
            "die Namen aller Familien, die damals in ihrer Kindheit in ihrer Straße wohnten.",
            "Wenn du wirklich schnell eine neue Fremdsprache lernen willst, solltest du jeden Tag etwas lesen, so oft "
            "wie möglich mit Muttersprachlern sprechen und überhaupt keine Angst vor deinen Fehlern haben.",
        ],
    },
    "fr": {
        1: ["Merci.", "Bonjour.", "Attends.", "Pardon.", "Vas-y!"],
        10: [
            "Je pense qu'il faut partir avant que la pluie recommence.",
            "Ma sœur a acheté un nouveau vélo pour son voyage.",
            "Dites-moi où se trouve la pharmacie la plus proche, merci.",
            "Nous attendons le bus depuis vingt minutes devant la gare.",
            "Il ne lit jamais le journal, il le trouve ennuyeux.",
        ],
        30: [
            "Quand nous sommes arrivés à l'hôtel près de la gare, la réceptionniste nous a dit que la chambre "
            "n'était pas prête, alors nous avons laissé nos sacs et sommes partis.",
            "Ma grand-mère, qui vit dans le même village depuis presque quatre-vingts ans, se souvient encore des "
            "noms de toutes les familles qui habitaient dans sa rue quand elle était enfant.",
            "Si tu veux apprendre une langue étrangère rapidement, tu dois lire tous les jours, parler avec des "
            "locuteurs natifs aussi souvent que possible et ne pas avoir peur des erreurs.",
        ],
    },
}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def time_translation(translator: Translator, sentence: str, options: DecodeOptions) -> tuple[float, float]:
    """(total seconds, seconds to the first streamed token)."""
    start = time.perf_counter()
    first = None
    for _ in translator.stream(sentence, options):
        if first is None:
            first = time.perf_counter() - start
    total = time.perf_counter() - start
    return total, first if first is not None else total


def measure(translators: dict[str, Translator], repeats: int, language: str) -> None:
    """Each sentence of `language` (a key of SENTENCES) through every translator in turn; then one line per
    translator, beam and length."""
    for beam in (1, 5):
        options = DecodeOptions(beam_size=beam)
        for words, sentences in SENTENCES[language].items():
            totals = {label: [] for label in translators}
            firsts = {label: [] for label in translators}
            for translator in translators.values():
                translator.translate(sentences[0], options)  # warm-up
            for _ in range(repeats):
                for sentence in sentences:
                    for label, translator in translators.items():
                        total, first = time_translation(translator, sentence, options)
                        totals[label].append(total * 1000)
                        firsts[label].append(first * 1000)
            for label in translators:
                _print_line(label, beam, words, totals[label], firsts[label])


def _print_line(label: str, beam: int, words: int, totals: list[float], firsts: list[float]) -> None:
    print(
        f"{label:8s} beam {beam}  {words:2d} words   median {statistics.median(totals):7.1f} ms   "
        f"p90 {percentile(totals, 0.9):7.1f} ms   first token median {statistics.median(firsts):6.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--quantize", action="store_true", help="also measure the int8 dynamic-quantised model")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    loads = []
    for _ in range(3):  # what the app does: read the folder, then prepare the model at the folder's precision
        start = time.perf_counter()
        Translator.from_folder(args.model)
        loads.append(time.perf_counter() - start)
    loaded = load_folder(args.model)
    language = loaded.config.source_language if loaded.config.source_language in SENTENCES else "en"
    print(
        f"model {args.model}: load median {1000 * statistics.median(loads):.0f} ms "
        f"(first {1000 * loads[0]:.0f} ms, precision auto), {args.threads} threads, "
        f"sentences in {language}"
    )
    precisions = ("float32", "int8") if args.quantize else ("float32",)
    translators = {precision: Translator.from_loaded(loaded, precision) for precision in precisions}
    measure(translators, args.repeats, language)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
