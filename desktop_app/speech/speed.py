"""Search effort for slower computers: the same model and language model, less beam search.

A speech folder's own search (its beam width, chosen at bundling for the lowest dev WER) is
"accurate". "balanced" drops any hypothesis that trails the best live one by more than
BALANCED_THRESHOLD (summed log-probability), and "fast" also narrows the beam to FAST_BEAM.
Neither ever widens the folder's beam or loosens its own threshold. Figures for the bundled
model: `python benchmarks/speed_settings.py --model models/asr-en`
(docs/experiments/README-history.md, "Speed settings").
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the GUI reads SPEEDS without loading torch
    from desktop_app.seq2seq import DecodeOptions

SPEEDS = ("accurate", "balanced", "fast")
BALANCED_THRESHOLD = 6.0
FAST_BEAM = 4


def search_options(options: DecodeOptions, speed: str) -> DecodeOptions:
    """options: the folder's own (Recognizer.options) -> the search for `speed` (one of SPEEDS)."""
    if speed not in SPEEDS:
        raise ValueError(f"unknown speed setting {speed!r}: choose one of {', '.join(SPEEDS)}")
    if speed == "accurate":
        return options
    threshold = min(options.beam_threshold or BALANCED_THRESHOLD, BALANCED_THRESHOLD)
    beam = min(options.beam_size, FAST_BEAM) if speed == "fast" else options.beam_size
    return replace(options, beam_size=beam, beam_threshold=threshold)
