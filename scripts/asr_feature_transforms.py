"""Does a test-time change of the log-mel features help a recognizer with unseen voices?

Decodes manifests exactly as `attend eval-asr` does (the folder's own search, int8, 2 processes), with
the raw log-mel features of each utterance changed before normalisation:

    none        as the app does
    warp:F      the spectrum stretched by F in frequency (as the training-time vocal tract perturbation)
    auto:F,...  per utterance, the warp whose CTC output is most confident (mean top log-probability per
                encoder frame): test-time vocal tract length normalisation, one encoder pass per factor
    smooth:K    the utterance's band means pulled to the training means along a smooth curve (a constant
                and K cosine terms: the same family as the training-time timbre augmentation)

    python scripts/asr_feature_transforms.py --model models/asr-en --transform auto:0.9,1.0,1.1 \\
        --manifest data/speech/dev.tsv data/speech/dev-voices.tsv data/speech/real-dev.tsv
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_recognizer = None


def transformed(recognizer, raw: np.ndarray, transform: str) -> np.ndarray:
    """raw (frames, 80) log-mel -> the same, changed as `transform` says (see the module's text)."""
    from desktop_app.speech.augment import cosine_curves, warp_frequencies

    kind, _, argument = transform.partition(":")
    if kind == "none":
        return raw
    if kind == "warp":
        return warp_frequencies(raw, float(argument))
    if kind == "smooth":
        basis = np.vstack([np.ones(raw.shape[1]), cosine_curves(raw.shape[1], int(argument))]).T  # (80, K + 1)
        gap = raw.mean(axis=0) - recognizer.normalizer.mean
        return (raw - basis @ np.linalg.lstsq(basis, gap, rcond=None)[0]).astype(np.float32)
    if kind == "auto":
        candidates = [raw if float(f) == 1.0 else warp_frequencies(raw, float(f)) for f in argument.split(",")]
        return max(candidates, key=lambda features: _confidence(recognizer, features))
    raise ValueError(f"unknown transform {transform!r}")


def _confidence(recognizer, raw: np.ndarray) -> float:
    """Mean over encoder frames of the CTC head's top log-probability."""
    features = torch.as_tensor(recognizer.normalizer(raw)).unsqueeze(0)
    with torch.inference_mode():
        memory = recognizer.model.encode(features, torch.ones(features.shape[:2], dtype=torch.bool))
        return float(recognizer.model.ctc_log_probs(memory)[0].max(dim=-1).values.mean())


def _start(model: str, transform: str) -> None:
    global _recognizer
    from desktop_app.commands.eval_asr import DecoderSettings
    from desktop_app.speech.features import log_mel

    _recognizer = DecoderSettings(model, "auto", 1, None, None, None).load()  # as eval-asr's workers
    _recognizer.features = lambda audio: _recognizer.normalizer(transformed(_recognizer, log_mel(audio), transform))


def _decode(path: str):
    from desktop_app.commands.eval_asr import decode_file

    return decode_file(_recognizer, _recognizer.options.beam_size, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True)
    parser.add_argument("--transform", default="none")
    parser.add_argument("--manifest", nargs="+", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    from desktop_app.commands.eval_asr import score_manifest
    from desktop_app.speech.manifest import read_manifest

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        args.jobs, mp_context=context, initializer=_start, initargs=(args.model, args.transform)
    ) as pool:
        for manifest in args.manifest:
            items = read_manifest(manifest)
            outcomes = list(pool.map(_decode, [str(item.path) for item in items], chunksize=4))
            scored = score_manifest(manifest, items, outcomes, [])
            print(
                f"{manifest}: WER {scored['wer']:.2f}%  CER {scored['cer']:.2f}%  real-time factor "
                f"{scored['rtf']:.3f}  ({args.transform})",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
