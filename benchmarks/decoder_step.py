"""Attention-decoder training steps on CPU: the decoder LSTM as a module call per step (baseline)
against cell operations (`desktop_app/seq2seq/rnn_step.py`), in one run.

    python benchmarks/decoder_step.py [--model models/asr-en] [--manifest data/speech/train.tsv]
                                      [--threads 2] [--steps 5] [--bfloat16]

Makes one training batch as `benchmarks/train_step.py` does (80 s of padded audio), then times,
interleaved, (1) teacher forcing through the decoder with its loss and backward pass, on fixed
encoder outputs, and (2) the whole training step (forward, joint CTC + attention loss, backward,
clipping, AdamW), each with the decoder LSTM called as a module and as cells. It also compares the
two gradients on the same weights with dropout off: the cell path computes the same function.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import torch  # noqa: E402
from train_step import backward, make_batch, training_step  # noqa: E402

from desktop_app.seq2seq import load_folder  # noqa: E402
from desktop_app.seq2seq import rnn_step as rnn_step_module  # noqa: E402
from desktop_app.seq2seq.las import LASMemory  # noqa: E402
from desktop_app.seq2seq.loss import label_smoothed_nll  # noqa: E402

PATHS = {"module call": False, "cells": True}
cell_rule = rnn_step_module.uses_cells


def use_cells(enabled: bool) -> None:
    """The baseline forces every step through the module's own forward."""
    rnn_step_module.uses_cells = cell_rule if enabled else (lambda rnn, x: False)


def decoder_step(model, batch, outputs: torch.Tensor, mask: torch.Tensor, bfloat16: bool) -> None:
    """Teacher forcing on fixed encoder outputs, the attention loss and its backward pass."""
    model.train()
    outputs = outputs.detach().requires_grad_(True)
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
        memory = LASMemory(outputs, model.attention.project_keys(outputs), mask)
        logits, _ = model.teacher_forced(memory, batch.tgt_in)
        loss, _ = label_smoothed_nll(logits, batch.tgt_out, 0.1)
    loss.backward()


def median_seconds(step, repeats: int) -> float:
    step()  # warm-up
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="models/asr-en", help="an exported speech model folder")
    parser.add_argument("--manifest", default=None, help="utterances for a real batch (default: random features)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5, help="timed steps per path and round")
    parser.add_argument("--bfloat16", action="store_true", help="bfloat16 autocast, as train-asr --precision bfloat16")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    loaded = load_folder(args.model)
    model = loaded.model.float()
    ctc_weight = float(loaded.config.model.get("ctc_weight", 0.3))
    batch, described = make_batch(loaded, args.manifest, 80.0, 3.0, 4.0)
    with torch.no_grad():
        memory = model.encode(batch.src, batch.src_mask)
    print(f"model {args.model}, {args.threads} threads, {'bfloat16 autocast' if args.bfloat16 else 'float32'}")
    print(f"batch: {described}, {batch.target_tokens} target tokens, {memory.outputs.size(1)} encoder frames")

    model.eval()  # no dropout (the encoder's between-layer dropout included): both paths see one function
    gradients = {}
    for name, enabled in PATHS.items():
        use_cells(enabled)
        backward(model, batch, ctc_weight, bfloat16=False)
        gradients[name] = torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]).double()
    baseline, cells = gradients["module call"], gradients["cells"]
    print(
        f"gradient, cells against module call (float32): relative difference "
        f"{float((cells - baseline).norm() / baseline.norm()):.1e}"
    )

    optimizer = torch.optim.AdamW(model.parameters(), lr=0.0)  # weights stay put: every step sees the same model
    timings = {(part, name): [] for part in ("decoder", "training step") for name in PATHS}
    for _ in range(2):  # interleaved rounds, so drift in machine load hits both alike
        for name, enabled in PATHS.items():
            use_cells(enabled)
            timings["decoder", name].append(
                median_seconds(
                    lambda: decoder_step(model, batch, memory.outputs, memory.mask, args.bfloat16), args.steps
                )
            )
            timings["training step", name].append(
                median_seconds(lambda: training_step(model, optimizer, batch, ctc_weight, args.bfloat16), args.steps)
            )
    use_cells(True)
    for part in ("decoder", "training step"):
        before, after = (statistics.median(timings[part, name]) for name in PATHS)
        print(f"{part:14s} module call {before:.3f} s (baseline)   cells {after:.3f} s   {before / after:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
