"""Make the small, self-contained folder that `scripts/gpu_check.sh` trains from on a GPU machine.

    python scripts/gpu_check_data.py [--out .devdata] [--speech data/speech] [--mt ../shared/data/mt/tatoeba-deu-en]

A seeded sample of the speech corpus (FLAC files and their manifest lines: training voices, espeak-ng variants,
and the first dev and held-out-voice dev items), the noise recordings, one translation corpus (train and dev),
and three training configs made from the repo's own: `asr.yaml` (configs/asr/asr-en.yaml on the sample,
repeated so an epoch has ~160 batches), `asr-320.yaml` (the same with 320 s batches) and `mt.yaml`
(configs/mt/en-de-transformer.yaml on Tatoeba alone). Model settings are left as the repo's configs have them,
so `--init-from models/asr-en` fits. About 32 MB: it travels to a machine that takes a limited copy.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

import yaml

SPEECH_SAMPLE = {"train.tsv": 260, "train-variants.tsv": 70, "dev.tsv": 50, "dev-voices.tsv": 50}
TRAIN_REPEAT = 16  # 330 utterances x 16: 3.1 h of audio, 157 batches of 80 s
MT_FILES = ("train.en", "train.de", "dev.en", "dev.de", "ATTRIBUTION.txt")


def copy_speech_sample(speech: Path, out: Path, counts: dict[str, int], seed: int = 4) -> None:
    """Training manifests: a seeded random sample; dev manifests: their first lines. Audio keeps its relative path."""
    rng = random.Random(seed)
    for name, count in counts.items():
        header, *rows = (speech / name).read_text(encoding="utf-8").splitlines()
        rows = rows[:count] if name.startswith("dev") else rng.sample(rows, min(count, len(rows)))
        for row in rows:
            relative = row.split("\t")[1]
            (out / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(speech / relative, out / relative)
        (out / name).write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


def write_configs(out: Path, repo: Path) -> None:
    speech = out / "speech"
    asr = yaml.safe_load((repo / "configs/asr/asr-en.yaml").read_text())
    asr["data"].update(
        train=[{"path": str(speech / m), "repeat": TRAIN_REPEAT} for m in SPEECH_SAMPLE if m.startswith("train")],
        dev=[str(speech / m) for m in SPEECH_SAMPLE if m.startswith("dev")],
        dev_limit=SPEECH_SAMPLE["dev.tsv"],
        noise_dir=str(out / "noise"),
        feature_cache="/tmp/attend-gpu-check-features",
    )
    (out / "asr.yaml").write_text(yaml.safe_dump(asr, sort_keys=False))
    asr["data"]["batch_seconds"] = 320
    (out / "asr-320.yaml").write_text(yaml.safe_dump(asr, sort_keys=False))
    mt = yaml.safe_load((repo / "configs/mt/en-de-transformer.yaml").read_text())
    mt["data_root"] = str(out / "mt")
    mt["data"]["train"] = [{"src": "tatoeba-deu-en/train.en", "tgt": "tatoeba-deu-en/train.de"}]
    mt["data"]["dev_limit"] = 500
    (out / "mt.yaml").write_text(yaml.safe_dump(mt, sort_keys=False))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(".devdata"))
    parser.add_argument("--speech", type=Path, default=Path("data/speech"), help="the built speech corpus")
    parser.add_argument("--mt", type=Path, default=Path("../shared/data/mt/tatoeba-deu-en"))
    parser.add_argument("--noise", type=Path, default=Path("../shared/data/noise"))
    args = parser.parse_args(argv)
    shutil.rmtree(args.out / "speech", ignore_errors=True)
    copy_speech_sample(args.speech, args.out / "speech", SPEECH_SAMPLE)
    shutil.copytree(args.noise, args.out / "noise", dirs_exist_ok=True)
    (args.out / "mt/tatoeba-deu-en").mkdir(parents=True, exist_ok=True)
    for name in MT_FILES:
        shutil.copy2(args.mt / name, args.out / "mt/tatoeba-deu-en" / name)
    write_configs(args.out, Path(__file__).resolve().parents[1])
    print(f"wrote {args.out}: {sum(f.stat().st_size for f in args.out.rglob('*') if f.is_file()) / 2**20:.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
