"""How fast does `train-asr` make its batches? Times the batch pipeline alone, without a model.

    python scripts/batch_pipeline_rate.py --config configs/asr/asr-en.yaml [--batches 20] [--run /tmp/batch-rate]

Reads the config's training manifests and feature cache (computing what is missing) as `train-asr` does,
then makes `--batches` batches of the first epoch's order: cached log-mel features -> augmentation (tempo,
warp, timbre, noise, babble, reverb) -> normalisation and SpecAugment -> one padded batch, all in this one
process as training does. Prints seconds per batch and seconds of audio per second: when a training step
takes much longer than this (1.1 s per 80 s batch on 2 CPU cores, 0.25 s on an H200), the model is the
bottleneck, not the data.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from desktop_app.speech.features import FRAMES_PER_SECOND  # noqa: E402
from desktop_app.training.asr_config import load_asr_config  # noqa: E402
from desktop_app.training.asr_task import SpeechTask  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--model", type=Path, default=Path("models/asr-en"), help="units and feature statistics")
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--run", type=Path, default=Path("/tmp/batch-pipeline-rate"), help="scratch run folder")
    args = parser.parse_args(argv)
    config = load_asr_config(args.config)
    task = SpeechTask(config, log=lambda message: None)
    args.run.mkdir(parents=True, exist_ok=True)
    task.adopt_folder(args.model, args.run)
    task.prepare(args.run, True, lambda: None)
    batches = task.batches(seed=1)[: args.batches]
    start = time.perf_counter()
    frames = sum(int(batch.src_mask.sum()) for batch in task.iterate(batches))
    seconds = time.perf_counter() - start
    print(
        f"batch pipeline: {len(batches)} batches of {config.data.batch_seconds:g} padded s, "
        f"{seconds / len(batches):.3f} s per batch, {frames / FRAMES_PER_SECOND / seconds:.0f} s of audio "
        "per second in one process"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
