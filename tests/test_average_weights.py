"""scripts/average_weights.py: a model folder whose weights are the mean of several sources."""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "average_weights.py"


def _folder(path: Path, weight: torch.Tensor) -> Path:
    path.mkdir()
    save_file({"layer.weight": weight.half()}, str(path / "model.safetensors"))
    (path / "config.json").write_text(json.dumps({"training": {"selected": "average of epochs 22, 23, 24"}}))
    (path / "units.model").write_bytes(b"units")
    return path


def test_the_new_folder_holds_the_mean_in_the_first_folders_dtype_and_says_what_was_averaged(tmp_path):
    bundled = _folder(tmp_path / "bundled", torch.tensor([1.0, 2.0]))
    epoch = tmp_path / "epoch-025.safetensors"
    save_file({"layer.weight": torch.tensor([3.0, 6.0])}, str(epoch))
    out = tmp_path / "mix"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), str(bundled), str(epoch)], check=True, capture_output=True
    )
    weights = load_file(str(out / "model.safetensors"))["layer.weight"]
    assert weights.dtype == torch.float16 and weights.tolist() == [2.0, 4.0]
    selected = json.loads((out / "config.json").read_text())["training"]["selected"]
    assert selected == f"mean of {bundled} (average of epochs 22, 23, 24); {epoch}"
    assert (out / "units.model").read_bytes() == b"units"  # the rest of the folder is the first one's


def test_sources_of_another_architecture_are_refused(tmp_path):
    spec = importlib.util.spec_from_file_location("average_weights", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    bundled = _folder(tmp_path / "bundled", torch.zeros(2))
    other = tmp_path / "other.safetensors"
    save_file({"layer.weight": torch.zeros(3)}, str(other))
    with pytest.raises(ValueError, match="shape"):
        module.mean_weights([bundled, other])
    save_file({"other.weight": torch.zeros(2)}, str(other))
    with pytest.raises(ValueError, match="other tensors"):
        module.mean_weights([bundled, other])
