"""What the bundle scripts share: measuring a staged model folder and installing it in models/."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path


def install(staged: Path, destination: Path, config: dict, write_card: Callable[[int, float], str]) -> None:
    """Save the test metrics in config.json, write the card (given parameters and size in MB),
    and replace `destination` with the staged folder."""
    from desktop_app.seq2seq import load_folder
    from desktop_app.seq2seq.architectures import parameter_count

    (staged / "config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
    size_mb = sum(path.stat().st_size for path in staged.rglob("*.safetensors")) / 2**20  # an lm/ inside too
    card = write_card(parameter_count(load_folder(staged).model), size_mb)
    # The commands in the card name the bundled folder, which is where a reader will find the model.
    (staged / "README.md").write_text(card.replace(str(staged), f"models/{destination.name}"))
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(staged, destination)
    print(f"bundled {destination}")


def process_count(processes) -> str:
    """'1 process', '4 processes' (or '? processes' when the run did not record it)."""
    return "1 process" if processes == 1 else f"{processes if processes is not None else '?'} processes"
