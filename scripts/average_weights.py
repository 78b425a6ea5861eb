"""Average the weights of model folders and epoch files into a new model folder.

    python scripts/average_weights.py --out runs/mix/model models/asr-en runs/asr-en-7th/epochs/epoch-025.safetensors

The first source must be a model folder: the new folder is a copy of it (config, units, feature statistics, language
model) whose `model.safetensors` holds the element-wise mean of every source's weights, in the first folder's dtype,
and whose config says what was averaged (`training.selected`). Every source must hold the same tensors with the same
shapes (the same architecture); weights are read with safetensors only.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

WEIGHTS = "model.safetensors"


def weights_file(source: Path) -> Path:
    return source / WEIGHTS if source.is_dir() else source


def mean_weights(sources: list[Path]) -> dict[str, torch.Tensor]:
    """The element-wise mean (in float64, returned as float32) of the sources' tensors."""
    total: dict[str, torch.Tensor] = {}
    for source in sources:
        tensors = load_file(str(weights_file(source)))
        if total and set(tensors) != set(total):
            raise ValueError(f"{source} holds other tensors than {sources[0]}: {sorted(set(tensors) ^ set(total))[:5]}")
        for name, tensor in tensors.items():
            if name in total and total[name].shape != tensor.shape:
                raise ValueError(f"{source}: {name} has shape {tuple(tensor.shape)}, not {tuple(total[name].shape)}")
            total[name] = total.get(name, 0) + tensor.double()
    return {name: (tensor / len(sources)).float() for name, tensor in total.items()}


def describe(source: Path) -> str:
    if source.is_dir():
        selected = json.loads((source / "config.json").read_text()).get("training", {}).get("selected", "")
        return f"{source} ({selected})" if selected else str(source)
    return str(source)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, type=Path, help="the new model folder (must not exist)")
    parser.add_argument("sources", nargs="+", type=Path, help="a model folder first, then folders or .safetensors")
    args = parser.parse_args()
    first = args.sources[0]
    if not (first / "config.json").is_file():
        parser.error(f"{first} is not a model folder (no config.json)")
    if len(args.sources) < 2:
        parser.error("give at least two sources to average")
    if args.out.exists():
        parser.error(f"{args.out} exists")
    averaged = mean_weights(args.sources)
    dtype = next(iter(load_file(str(first / WEIGHTS)).values())).dtype
    shutil.copytree(first, args.out)
    save_file({name: tensor.to(dtype) for name, tensor in averaged.items()}, str(args.out / WEIGHTS))
    config = json.loads((args.out / "config.json").read_text())
    config.setdefault("training", {})["selected"] = "mean of " + "; ".join(describe(s) for s in args.sources)
    (args.out / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {args.out}: {config['training']['selected']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
