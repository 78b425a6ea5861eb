"""What the CTranslate2 reference scripts share (whisper_reference.py, whisper_alignment_reference.py): their
command line, CTranslate2 imported from the folder it was pip-installed into (it is not a dependency of Attend),
the original checkpoint's Whisper and special-token ids, and a window's features as CTranslate2 takes them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np


def reference_arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ct2", required=True, help="folder ctranslate2 was pip-installed into (--target)")
    parser.add_argument("--checkpoint", required=True, help="folder with the CTranslate2 model.bin and tokenizer")
    parser.add_argument("--audio", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    return parser.parse_args()


def load_reference(args: argparse.Namespace):
    """-> (the ctranslate2 module, its float32 Whisper of --checkpoint, special token -> id)."""
    sys.path.insert(0, args.ct2)
    import ctranslate2  # noqa: PLC0415  (only here, from the folder given)

    model = ctranslate2.models.Whisper(args.checkpoint, device="cpu", compute_type="float32")
    tokens = json.loads((Path(args.checkpoint) / "tokenizer.json").read_text())["added_tokens"]
    return ctranslate2, model, {t["content"]: t["id"] for t in tokens}


def features_view(ctranslate2, features: np.ndarray):
    """(frames, n_mels) -> CTranslate2's (1, n_mels, frames) StorageView."""
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(features.T[None]))
