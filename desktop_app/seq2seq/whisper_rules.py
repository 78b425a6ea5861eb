"""Which tokens a Whisper model may produce next: the rules its checkpoints were trained to expect.

Applied by the one decoding generator through `DecodeOptions.token_rules` (see decoding.py):
- never the tokens the checkpoint lists as suppressed (speaker marks, symbols, control tokens),
  nor a blank or the end as the very first token;
- with timestamps: the output opens with a timestamp within the first second; timestamps come in
  pairs (a segment's end, the next one's start) except right before the end; they never go back in
  time and a segment never has zero length; and when the timestamps together are likelier than any
  one text token, a timestamp comes next (so that segments are closed where the speaker pauses);
- without timestamps: no timestamp token at all.
"""

from __future__ import annotations

import torch

from .whisper import WhisperConfig

MAX_INITIAL_TIMESTAMP = 1.0  # seconds: the first segment starts within the first second


class WhisperRules:
    def __init__(self, config: WhisperConfig, timestamps: bool):
        self.timestamps = timestamps
        self.begin = config.timestamp_begin_id
        self.eot = config.eot_id
        self.max_initial = self.begin + round(MAX_INITIAL_TIMESTAMP / config.seconds_per_timestamp)
        self.suppressed = torch.zeros(config.tgt_vocab_size, dtype=torch.bool)
        self.suppressed[list(config.suppress_ids)] = True
        self.suppressed[config.no_timestamps_id] = True  # it belongs to the start tokens only
        if not timestamps:
            self.suppressed[self.begin :] = True
        self.suppressed_first = torch.zeros(config.tgt_vocab_size, dtype=torch.bool)
        self.suppressed_first[list(config.suppress_at_begin)] = True

    def apply(self, outputs: list[list[int]], log_probs: torch.Tensor) -> torch.Tensor:
        """outputs: each row's tokens after the start tokens; log_probs (rows, vocab) -> with the forbidden
        tokens at -inf."""
        log_probs = log_probs.masked_fill(self.suppressed.to(log_probs.device), float("-inf"))
        for row, ids in enumerate(outputs):
            if not ids:
                log_probs[row].masked_fill_(self.suppressed_first.to(log_probs.device), float("-inf"))
            if self.timestamps:
                self._timestamp_rules(ids, log_probs[row])
        return log_probs

    def _timestamp_rules(self, ids: list[int], row: torch.Tensor) -> None:
        """row: (vocab,) log-probabilities of one hypothesis, changed in place."""
        last_was_timestamp = bool(ids) and ids[-1] >= self.begin
        before_last_was_timestamp = len(ids) < 2 or ids[-2] >= self.begin
        if last_was_timestamp:
            if before_last_was_timestamp:  # a pair just closed (or the output just opened): text comes next
                row[self.begin :] = float("-inf")
            else:  # a segment's end: the next segment's start, or the end of the output
                row[: self.eot] = float("-inf")
        timestamps = [i for i in ids if i >= self.begin]
        if timestamps:
            # never back in time; after a segment's text, strictly later (no segment of zero length)
            earliest = timestamps[-1] if last_was_timestamp and not before_last_was_timestamp else timestamps[-1] + 1
            row[self.begin : earliest] = float("-inf")
        if not ids:
            row[: self.begin] = float("-inf")
            row[self.max_initial + 1 :] = float("-inf")
        text_best = row[: self.begin].max()
        if torch.logsumexp(row[self.begin :], dim=0) > text_best:
            row[: self.begin] = float("-inf")
