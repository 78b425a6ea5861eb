"""The speech encoder's bidirectional LSTM over a padded batch: packed sequence against the
fused per-direction path (`desktop_app/seq2seq/padded_rnn.py`), in one run.

    python benchmarks/encoder_lstm.py [--model models/asr-en] [--threads 2] [--steps 3]
                                      [--batch 20] [--seconds 4]

Training (forward + backward, float32 and bfloat16 autocast): a batch of --batch rows whose
lengths spread over 90-100% of --seconds, as `train-asr`'s length-sorted batches do.
Inference (forward only, one utterance of --seconds, float32 and int8): what the recognizer runs.
Both paths use the folder's own LSTM weights; the run also prints how far apart their outputs
are and how far each gradient lies from the float32 packed one (they compute the same function,
so only rounding should differ).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from desktop_app.seq2seq import load_folder  # noqa: E402
from desktop_app.seq2seq.padded_rnn import run_packed, run_rnn  # noqa: E402
from desktop_app.seq2seq.quantize import quantize_dynamic_int8  # noqa: E402

PATHS = {"packed": run_packed, "fused": run_rnn}


def padded_batch(rows: int, frames: int, features: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    lengths = torch.linspace(0.9 * frames, frames, rows).round().long()
    x = torch.randn(rows, frames, features, generator=generator)
    x = x * (torch.arange(frames)[None, :] < lengths[:, None]).unsqueeze(-1)
    return x, lengths


def train_step(rnn: nn.LSTM, path, x, lengths, bfloat16: bool) -> tuple[float, torch.Tensor, torch.Tensor]:
    rnn.zero_grad(set_to_none=True)
    start = time.perf_counter()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
        out = path(rnn, x, lengths)
    out.float().pow(2).mean().backward()
    seconds = time.perf_counter() - start
    return seconds, out.detach().float(), torch.cat([p.grad.flatten() for p in rnn.parameters()])


def compare_training(rnn: nn.LSTM, x, lengths, steps: int) -> None:
    reference = train_step(rnn, run_packed, x, lengths, bfloat16=False)[2]  # float32 packed gradient
    for bfloat16 in (False, True):
        times = {name: [] for name in PATHS}
        for _ in range(steps):
            results = {name: train_step(rnn, path, x, lengths, bfloat16) for name, path in PATHS.items()}
            for name in PATHS:
                times[name].append(results[name][0])
        packed, fused = (statistics.median(times[name]) for name in PATHS)
        output_gap = float((results["packed"][1] - results["fused"][1]).abs().max())
        gradient_gap = ", ".join(f"{name} {relative(results[name][2], reference):.1e}" for name in PATHS)
        print(
            f"train {'bfloat16' if bfloat16 else 'float32 '}  packed {packed:.3f} s/step   fused {fused:.3f} s/step"
            f"   {packed / fused:.2f}x   max output diff {output_gap:.1e}"
            f"   gradient vs float32 packed: {gradient_gap}"
        )


def relative(gradient: torch.Tensor, reference: torch.Tensor) -> float:
    return float((gradient - reference).norm() / reference.norm())


def compare_inference(rnn: nn.Module, frames: int, features: int, steps: int, label: str) -> None:
    x = torch.randn(1, frames, features, generator=torch.Generator().manual_seed(1))
    lengths = torch.tensor([frames])
    times = {name: [] for name in PATHS}
    with torch.inference_mode():
        for _ in range(steps):
            for name, path in PATHS.items():
                start = time.perf_counter()
                path(rnn, x, lengths)
                times[name].append(time.perf_counter() - start)
    packed, fused = (1000 * statistics.median(times[name]) for name in PATHS)
    print(f"infer {label}  packed {packed:.1f} ms   fused {fused:.1f} ms   {packed / fused:.2f}x   (one utterance)")


def int8(rnn: nn.LSTM) -> nn.Module:
    """The LSTM as the recognizer's int8 precision runs it (dynamic quantisation)."""
    holder = nn.Sequential(rnn)
    quantize_dynamic_int8(holder, {"0"})
    return holder[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/asr-en")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    loaded = load_folder(args.model)
    rnn = loaded.model.listener.rnn.float().train()
    rnn.dropout = 0.0  # the same function on both paths, so outputs and gradients can be compared
    frames = int(args.seconds * 100) // 4  # encoder frames: 10 ms hop, x4 subsampling
    print(
        f"{args.model}: bidirectional LSTM, {rnn.num_layers} layers of {rnn.hidden_size} per direction, "
        f"{args.threads} threads; batch of {args.batch} x {frames} encoder frames ({args.seconds:g} s)"
    )
    x, lengths = padded_batch(args.batch, frames, rnn.input_size)
    compare_training(rnn, x, lengths, args.steps)
    rnn.eval()
    compare_inference(rnn, frames, rnn.input_size, 3 * args.steps, "float32 ")
    compare_inference(int8(rnn), frames, rnn.input_size, 3 * args.steps, "int8    ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
