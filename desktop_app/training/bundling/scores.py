"""Running `attend eval-mt --json` / `attend eval-asr --json` for the bundle scripts.

Exit 0: every item was scored. Exit 1 with the scores on standard output: scored, but some items
(audio that cannot be read, an empty reference, a line that cannot be translated) were left out, each
named on standard error and then summed up in one line; the bundle goes on and says so in its log.
Anything else (exit 2: a bad option or model folder, or nothing to score; a crash) gives no score:
NoScore, whose message is one line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from desktop_app.commands._options import EVERY_ITEM, SKIPPED

SHOWN = 5  # the skipped items quoted in the log; the rest are counted


class NoScore(RuntimeError):
    """An attend run that gave no score; the message (one line) says which and why."""


def run_scores(command: list[str], cwd: Path, runner=None) -> dict:
    """The JSON scores that `attend COMMAND...` prints (run as `python -m desktop_app`), or NoScore."""
    result = (runner or subprocess.run)(
        [sys.executable, "-m", "desktop_app", *command], capture_output=True, text=True, cwd=cwd
    )
    ours = [line.strip() for line in result.stderr.splitlines() if line.startswith(f"attend {command[0]}:")]
    crashed = "Traceback (most recent call last)" in result.stderr
    scores = _scores(result.stdout) if result.returncode in (EVERY_ITEM, SKIPPED) and not crashed else None
    if scores is None:
        lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
        why = ours[-1] if ours and not crashed else (lines[-1] if lines else "it printed no message")
        raise NoScore(
            f"attend {command[0]} gave no score (exit {result.returncode}): {why}  [attend {' '.join(command)}]"
        )
    if result.returncode == SKIPPED:
        print(skips_text(command, ours), flush=True)
    return scores


def skips_text(command: list[str], lines: list[str]) -> str:
    """What the log says of a run that scored with skips: its summary line, then the items it left out."""
    summaries = [line for line in lines if "(see above)" in line]  # finish_batch's summary line
    items = [line for line in lines if line not in summaries]
    summary = summaries[-1] if summaries else f"attend {command[0]}: {len(items)} item(s) skipped"
    shown = [f"    {line}" for line in items[:SHOWN]]
    if len(items) > SHOWN:
        shown.append(f"    ... and {len(items) - SHOWN} more")
    return "\n".join([f"scored with skips: {summary}", *shown, f"    [attend {' '.join(command)}]"])


def _scores(stdout: str) -> dict | None:
    try:
        scores = json.loads(stdout)
    except json.JSONDecodeError:
        return None
    return scores if isinstance(scores, dict) else None
