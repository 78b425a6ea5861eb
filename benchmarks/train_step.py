"""Speech-recognizer training step on CPU: float32 against bfloat16 autocast, in one run.

    python benchmarks/train_step.py [--model models/asr-en] [--manifest data/speech/train.tsv]
                                    [--threads 2] [--steps 3] [--batch-seconds 80] [--utterance-seconds 3 4]

Builds the model of an exported speech folder (its weights, so gradients are those of a trained
model), makes one batch the way `train-asr` does (`--batch-seconds` of padded audio: utterances
of --utterance-seconds from --manifest, or random features of that size without one; training
mixes many short rows with few long ones, and long rows gain less), and times full training
steps (forward, joint CTC + attention loss, backward, clipping, AdamW) in float32 and in
bfloat16 autocast, interleaved. It also compares the two gradients on the same weights with
dropout off (cosine similarity and norm ratio), the check that autocast does not change what
is learnt. Autocast pays off on CPUs with AVX512-BF16 or AMX; elsewhere it is emulated.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from desktop_app.seq2seq import load_folder  # noqa: E402
from desktop_app.speech.features import FeatureNormalizer, load_audio, log_mel  # noqa: E402
from desktop_app.speech.manifest import read_manifest  # noqa: E402
from desktop_app.training.asr_task import SpeechBatch, joint_loss, speech_batch  # noqa: E402

CHARACTERS_PER_SECOND = 14  # dictation-style speech


def make_batch(loaded, manifest: str | None, batch_seconds: float, low: float, high: float) -> tuple[SpeechBatch, str]:
    count = max(1, int(batch_seconds // high))
    if manifest is None:
        rng = np.random.default_rng(0)
        features = [rng.standard_normal((int(100 * high), 80)).astype(np.float32) for _ in range(count)]
        targets = [
            list(rng.integers(4, loaded.target_tokenizer.vocab_size, int(CHARACTERS_PER_SECOND * high)))
            for _ in range(count)
        ]
        return speech_batch(features, targets), f"{count} x {high:g} s of random features"
    normalizer = FeatureNormalizer.load(loaded.folder / loaded.config.feature_stats)
    items = [u for u in read_manifest(Path(manifest)) if low <= u.duration <= high][:count]
    if not items:
        raise SystemExit(f"{manifest} has no utterance of {low:g}-{high:g} s (--utterance-seconds)")
    features = [normalizer(log_mel(load_audio(u.path))) for u in items]
    targets = [loaded.target_tokenizer.encode(u.text) for u in items]
    return speech_batch(features, targets), f"{len(items)} utterances of {low:g}-{high:g} s from {manifest}"


def backward(model: nn.Module, batch: SpeechBatch, ctc_weight: float, bfloat16: bool) -> None:
    """Fresh gradients of the per-token training loss, as `train-asr` computes them."""
    model.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
        loss, _, tokens = joint_loss(model, batch, ctc_weight, smoothing=0.1)
    (loss / tokens).backward()


def training_step(model: nn.Module, optimizer, batch: SpeechBatch, ctc_weight: float, bfloat16: bool) -> None:
    """One full update: backward, clipping, AdamW."""
    model.train()
    backward(model, batch, ctc_weight, bfloat16)
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()


def gradient(model: nn.Module, batch: SpeechBatch, ctc_weight: float, bfloat16: bool) -> torch.Tensor:
    backward(model, batch, ctc_weight, bfloat16)
    return torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="models/asr-en", help="an exported speech model folder")
    parser.add_argument("--manifest", default=None, help="utterances for a real batch (default: random features)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3, help="timed steps per precision and round")
    parser.add_argument("--batch-seconds", type=float, default=80.0)
    parser.add_argument("--utterance-seconds", type=float, nargs=2, default=(3.0, 4.0), metavar=("LOW", "HIGH"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    loaded = load_folder(args.model)
    model = loaded.model
    ctc_weight = float(loaded.config.model.get("ctc_weight", 0.3))
    batch, described = make_batch(loaded, args.manifest, args.batch_seconds, *args.utterance_seconds)
    print(f"model {args.model}: {sum(p.numel() for p in model.parameters()):,} parameters, {args.threads} threads")
    print(f"batch: {described}, {batch.target_tokens} target tokens")

    dropout = {m: m.p for m in model.modules() if isinstance(m, nn.Dropout)}
    for m in dropout:
        m.p = 0.0
    float32_grad, bfloat16_grad = gradient(model, batch, ctc_weight, False), gradient(model, batch, ctc_weight, True)
    float32_grad, bfloat16_grad = float32_grad.double(), bfloat16_grad.double()  # a cosine that cannot round above 1
    cosine = float(float32_grad @ bfloat16_grad / (float32_grad.norm() * bfloat16_grad.norm()))
    print(
        f"gradient, bfloat16 against float32: cosine {cosine:.4f}, "
        f"norm ratio {float(bfloat16_grad.norm() / float32_grad.norm()):.3f}"
    )
    for m, p in dropout.items():
        m.p = p

    optimizer = torch.optim.AdamW(model.parameters(), lr=0.0)  # weights stay put: every step sees the same model
    seconds: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(2):  # interleaved rounds, so drift in machine load hits both alike
        for bfloat16 in (False, True):
            training_step(model, optimizer, batch, ctc_weight, bfloat16)  # warm-up
            for _ in range(args.steps):
                started = time.perf_counter()
                training_step(model, optimizer, batch, ctc_weight, bfloat16)
                seconds[bfloat16].append(time.perf_counter() - started)
    baseline, autocast = statistics.median(seconds[False]), statistics.median(seconds[True])
    print(f"float32            {baseline:.2f} s/step (baseline)")
    print(f"bfloat16 autocast  {autocast:.2f} s/step, {baseline / autocast:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
