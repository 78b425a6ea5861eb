"""A multilingual Whisper on speech in several languages: the language it detects and its WER.

    python benchmarks/whisper_languages.py --model whisper-base [--languages de fr en] [--count 60] [--seed 1]
        [--fw /tmp/fw --checkpoint DIR_WITH_THE_ORIGINAL_MODEL_BIN]

For each language, --count sentences of 4-15 words are drawn (seeded) from the Tatoeba test sets under
../shared/data/mt (German, French; English from the German set's English side), spoken by espeak-ng's voice for
that language (cached under --cache), and transcribed with the language left to detection, as the Dictate tab
does by default. Reports how often the language was detected correctly and the WER / CER of the transcripts
against the sentences (both lower-cased, punctuation removed). espeak-ng's voices are robotic, far from
people: the WER says more about them than about real speakers; the detection rate is the figure to watch
(issue 40's target: 95%). With --fw and --checkpoint, faster-whisper (a benchmark-only install, see
whisper_vs_faster_whisper.py) detects the language of the same clips from the same weights, as the reference:
where it fails as often, the voices are the obstacle, not Attend's decoding.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jiwer  # noqa: E402

from desktop_app.catalog import find_model  # noqa: E402
from desktop_app.seq2seq.quantize import use_inference_threads  # noqa: E402
from desktop_app.speech.features import load_audio  # noqa: E402
from desktop_app.speech.recognizer import Recognizer  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt"
SENTENCES = {"de": "tatoeba-deu-en/test.de", "fr": "tatoeba-fra-en/test.fr", "en": "tatoeba-deu-en/test.en"}
VOICES = {"de": "de", "fr": "fr-fr", "en": "en-us"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="whisper-base")
    parser.add_argument("--languages", nargs="+", default=["de", "fr", "en"], choices=sorted(SENTENCES))
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", type=int, default=175, help="espeak-ng's words per minute (its default: 175)")
    parser.add_argument("--cache", default="/tmp/attend-whisper-languages", help="where the spoken clips are kept")
    parser.add_argument("--fw", help="folder faster-whisper was pip-installed into (--target): the reference")
    parser.add_argument("--checkpoint", help="with --fw: folder with the original CTranslate2 model.bin")
    args = parser.parse_args()
    if bool(args.fw) != bool(args.checkpoint):
        parser.error("--fw and --checkpoint go together")
    use_inference_threads(1)
    recognizer = Recognizer.from_folder(find_model(args.model))
    reference = faster_whisper_detector(args.fw, args.checkpoint) if args.fw else None
    print(
        f"{args.model}: {args.count} espeak-ng sentences per language at {args.rate} words per minute, language "
        "detected (not told)"
    )
    reference_column = f" {'faster-whisper':>14}" if reference else ""
    print(f"{'language':8} {'detected':>9}{reference_column} {'WER %':>6} {'CER %':>6}  most often mistaken for")
    for language in args.languages:
        sentences = pick(DATA / SENTENCES[language], args.count, args.seed)
        detected, reference_detected, references, hypotheses = [], [], [], []
        for index, sentence in enumerate(sentences):
            clip = speak(
                sentence,
                VOICES[language],
                args.rate,
                Path(args.cache) / language / f"{args.seed}-{args.rate}-{index}.wav",
            )
            audio = load_audio(clip)
            transcript = recognizer.transcribe(audio)
            detected.append(transcript.language)
            if reference:
                reference_detected.append(reference(audio))
            references.append(plain(sentence))
            hypotheses.append(plain(transcript.text))
        right = sum(d == language for d in detected) / len(detected)
        others = sorted({d for d in detected if d != language}, key=detected.count, reverse=True)[:3]
        reference_right = (
            f" {sum(d == language for d in reference_detected) / len(reference_detected):14.1%}" if reference else ""
        )
        print(
            f"{language:8} {right:9.1%}{reference_right} {100 * jiwer.wer(references, hypotheses):6.1f} "
            f"{100 * jiwer.cer(references, hypotheses):6.1f}  {', '.join(others) or '-'}",
            flush=True,
        )
    return 0


def faster_whisper_detector(fw_folder: str, checkpoint: str):
    """-> a function: 16-kHz mono float audio -> the language faster-whisper detects (its first 30 s)."""
    sys.path.insert(0, fw_folder)
    from faster_whisper import WhisperModel  # noqa: PLC0415  (only here, from the folder given)

    model = WhisperModel(checkpoint, device="cpu", compute_type="float32", cpu_threads=1)
    return lambda audio: model.detect_language(audio.astype("float32"))[0]


def pick(path: Path, count: int, seed: int) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    lines = [line for line in lines if 4 <= len(line.split()) <= 15 and not re.search(r"\d", line)]
    return random.Random(seed).sample(lines, count)


def speak(sentence: str, voice: str, rate: int, path: Path) -> Path:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(path), sentence], check=True, capture_output=True
        )
    return path


def plain(text: str) -> str:
    """Lower case, letters and digits only: what the WER compares."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


if __name__ == "__main__":
    raise SystemExit(main())
