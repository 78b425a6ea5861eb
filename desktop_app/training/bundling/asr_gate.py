"""The gate: a candidate speech model replaces the bundled one only with a lower held-out-voice WER than the
bundled model scores on the same audio (the figure on its card when it cannot be decoded). The change is
printed with its 95% paired-bootstrap interval, and put on the card, so that a refusal or a replacement by a
fraction of a point can be read against the noise.
"""

from __future__ import annotations

import json
from pathlib import Path

from . import asr_scores
from .error_tables import change, read_error_table, verdict
from .scores import NoScore


def held_out_change(candidate: list[dict], bundled: list[dict], manifest: str) -> str:
    """The held-out-voice WER change against the bundled model on the same utterances, with its 95%
    paired-bootstrap interval; '' when they share none. candidate, bundled: `eval-asr --errors` rows."""
    try:
        count, difference, low, high = change(candidate, bundled, [manifest])
    except ValueError:
        return ""
    return (
        f"{difference:+.2f} WER points on the same {count} held-out-voice utterances, "
        f"95% paired-bootstrap interval {low:+.2f} to {high:+.2f} ({verdict(low, high)})"
    )


def compare_with_bundled(
    destination: Path, voices: str, errors: list[dict], bundled_errors: Path
) -> tuple[float | None, str]:
    """Decodes the held-out voices with the bundled `destination` as its folder says, writing its error table to
    `bundled_errors`. -> (its held-out-voice WER, the candidate's change against it (`held_out_change`)), or
    (None, '') when there is no bundled model or it gave no score: an informative figure never blocks a bundle."""
    if not (destination.exists() and Path(voices).exists()):
        return None, ""
    command = asr_scores.eval_asr_command(destination, [voices], "--errors", str(bundled_errors))
    try:
        remeasured = asr_scores.run_json(command)["results"][voices]["wer"]
    except NoScore as error:
        print(f"no comparison with the bundled model: {error}", flush=True)
        return None, ""
    text = held_out_change(errors, read_error_table(bundled_errors), voices)
    print(f"against the bundled model: {text}", flush=True)
    return remeasured, text


def bar(card_wer: float, remeasured: float | None) -> float:
    """The held-out-voice WER a candidate must beat: the bundled model's on this very audio and code when
    it was measured (a rebuilt corpus or a decoding fix can move it), else the figure on its card."""
    if remeasured is None:
        return card_wer
    if remeasured != card_wer:
        print(
            f"the bundled model scores {remeasured} on these held-out voices (its card: {card_wer}); "
            f"the candidate must beat {remeasured}",
            flush=True,
        )
    return remeasured


def refusal(results: dict, destination: Path, voices: str, remeasured: float | None) -> str:
    """Why the candidate with test `results` (eval-asr's, per manifest) must not replace the bundled
    `destination`, or '' when it may. A missing figure counts as 100% on either side."""
    held_out = results.get(voices, {}).get("wer", 100.0)
    card = json.loads((destination / "config.json").read_text()).get("metrics", {}).get("test", {})
    must_beat = bar(card.get(voices, {}).get("wer", 100.0), remeasured)
    if held_out >= must_beat:
        return f"not replacing {destination}: held-out-voice WER {held_out} >= bundled {must_beat}"
    return ""
