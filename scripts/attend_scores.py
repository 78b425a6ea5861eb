"""Running `attend eval-mt --json` / `attend eval-asr --json` from the bundle scripts: an import path for
scripts/bundle_mt.py (`from attend_scores import NoScore, run_scores`). The code lives in
desktop_app/training/bundling/scores.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # desktop_app, however the script is run

from desktop_app.training.bundling.scores import NoScore, run_scores, skips_text  # noqa: E402

__all__ = ["NoScore", "run_scores", "skips_text"]
