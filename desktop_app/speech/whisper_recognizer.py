"""Speech in, text out for converted Whisper checkpoints, through the one decoding generator.

Offers what `Recognizer` offers (the Dictate tab, `attend transcribe`, `attend eval-asr` and the
streaming recognizer use either without knowing which): Whisper's own 30-second log-mel windows,
its start tokens (language, task, with or without timestamps), its token rules, its no-speech
probability, and language detection for multilingual checkpoints. Audio longer than one window is
cut at the quietest moment near each window's end and the windows' transcripts are joined.

Attention rows cover the audio's encoder frames (20 ms each); the rest of the 30-second window is
Whisper's padding and is cut off the transcript's matrix.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Generator
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import torch

from desktop_app.seq2seq import DecodeOptions, Hypothesis, LoadedModel, Step, run_to_end
from desktop_app.seq2seq.decoding import decode, encode
from desktop_app.seq2seq.errors import ConfigError
from desktop_app.seq2seq.quantize import model_for_inference
from desktop_app.seq2seq.whisper_rules import WhisperRules

from .features import SAMPLE_RATE
from .no_speech import has_voice
from .recognizer import PartialDecode, Recognizer, Transcript, search_details, word_spans
from .whisper_features import CHUNK_SECONDS, HOP_LENGTH, pad_or_trim, whisper_log_mel
from .word_timing import word_timings

FRAME_SECONDS = 2 * HOP_LENGTH / SAMPLE_RATE  # one encoder frame: two feature frames, 20 ms
MAX_OUTPUT_TOKENS = 224  # per window: half the decoder's positions, as Whisper's own decoding allows
# A window is silent when the model thinks so and its text is unsure (Whisper's own thresholds).
NO_SPEECH_PROBABILITY, UNSURE_LOG_PROB = 0.6, -1.0
MIN_WINDOW_SECONDS = 20.0  # a long recording is cut between 20 and 30 s into each window
TASKS = ("transcribe", "translate")
# The encoder is a few large matrix products over 1,500 frames, where a second thread pays (tiny.en: 0.17 s
# instead of 0.27-0.33 s a window on 2 cores; real-time factor 0.044 -> 0.031), unlike the decoder's small steps,
# which run on the app's one inference thread (seq2seq/quantize.py INFERENCE_THREADS).
ENCODER_THREADS = 2
PARTIAL_TAIL = SAMPLE_RATE  # samples of silence after a partial's audio: its last word is not cut at the edge


class WhisperRecognizer:
    def __init__(self, loaded: LoadedModel, precision: str = "auto"):
        if loaded.config.task != "speech":
            raise ConfigError(f"{loaded.folder} is a {loaded.config.task} model, not a speech model")
        self.model = self.decoder = model_for_inference(loaded.model, precision, loaded.config.int8_inference)
        self.loaded = replace(loaded, model=self.model)  # not the float original too: a second copy in memory
        self.config = self.model.config
        self.tokenizer = loaded.target_tokenizer
        self.language: str | None = None if self.config.language_ids else "en"  # None: detect it
        self.task = "transcribe"
        self.timestamps = False
        self._beam_threshold: float | None = loaded.config.beam_threshold
        self._length_penalty = loaded.config.length_penalty

    # -- settings ------------------------------------------------------------------
    @property
    def languages(self) -> list[str]:
        """The language codes this model knows (English alone for an English-only model)."""
        return sorted(self.config.language_ids) or ["en"]

    def set_language(self, language: str | None) -> None:
        """language: a code from `languages`, or None to detect it from the audio (multilingual models)."""
        if language is not None and language not in self.languages:
            raise ValueError(
                f"{self.loaded.name} does not know the language {language!r}; it knows "
                f"{', '.join(self.languages[:12])}{' ...' if len(self.languages) > 12 else ''}"
            )
        if language is None and not self.config.language_ids:
            raise ValueError(f"{self.loaded.name} is English-only: it cannot detect a language")
        self.language = language

    def set_task(self, task: str) -> None:
        if task not in TASKS:
            raise ValueError(f"the task must be one of {', '.join(TASKS)}, not {task!r}")
        if task == "translate" and not self.config.language_ids:
            raise ValueError(f"{self.loaded.name} is English-only: it cannot translate into English")
        self.task = task

    def set_timestamps(self, timestamps: bool) -> None:
        self.timestamps = bool(timestamps)

    ctc_decode_weight = lm_weight = lexicon_penalty = ilm_weight = 0.0  # what Recognizer has and Whisper lacks

    def set_ctc_decode_weight(self, weight: float) -> None:
        self._refuse(weight, "a CTC head")

    def set_lm_weight(self, weight: float) -> None:
        self._refuse(weight, "a language model")

    def set_lexicon_penalty(self, penalty: float) -> None:
        self._refuse(penalty, "a word list")

    def set_ilm_weight(self, weight: float) -> None:
        self._refuse(weight, "an internal language-model estimate")

    def _refuse(self, value: float, what: str) -> None:
        if value:
            raise ValueError(f"{self.loaded.folder} is a Whisper model: it has no {what} to decode with")

    @property
    def beam_threshold(self) -> float | None:
        return self._beam_threshold

    def set_beam_threshold(self, threshold: float | None) -> None:
        self._beam_threshold = replace(DecodeOptions(), beam_threshold=threshold or None).beam_threshold

    @property
    def length_penalty(self) -> float:
        return self._length_penalty

    def set_length_penalty(self, penalty: float) -> None:
        self._length_penalty = replace(DecodeOptions(), length_penalty=penalty).length_penalty

    # -- decoding ------------------------------------------------------------------
    @property
    def options(self) -> DecodeOptions:
        """The search: the folder's beam, Whisper's start tokens and rules for the language and task set."""
        c = self.config
        start = [c.sot_id]
        if c.language_ids and self.language is not None:
            start.append(c.language_ids[self.language])
        if c.language_ids:
            start.append(c.translate_id if self.task == "translate" else c.transcribe_id)
        if not self.timestamps:
            start.append(c.no_timestamps_id)
        detect = tuple(c.language_ids.values()) if c.language_ids and self.language is None else ()
        return DecodeOptions(
            beam_size=max(1, self.loaded.config.beam_size),
            max_tokens=MAX_OUTPUT_TOKENS,
            beam_threshold=self._beam_threshold,
            length_penalty=self._length_penalty,
            start_ids=tuple(start),
            choose_after_start=detect,
            token_rules=WhisperRules(c, self.timestamps),
        )

    def decoding_summary(self, options: DecodeOptions | None = None) -> str:
        options = options or self.options
        search = "greedy search" if options.beam_size == 1 else f"beam {options.beam_size}{search_details(options)}"
        language = self.language or "detected language"
        return f"{search}, {self.task} ({language}{', timestamps' if self.timestamps else ''})"

    def features(self, audio: np.ndarray) -> np.ndarray:
        """16 kHz mono float32 (samples,) -> (3000, n_mels): one 30-second window, padded with silence."""
        Recognizer._check(audio)
        return whisper_log_mel(pad_or_trim(audio), self.config.n_mels)

    def stream(
        self, audio: np.ndarray, options: DecodeOptions | None = None
    ) -> Generator[Step, None, list[Hypothesis]]:
        """The steps of the first 30 s of `audio` (attention over all 1500 frames of the window)."""
        return decode(self.decoder, self.features(audio), options or self.options, self.tokenizer)

    def transcribe(
        self, audio: np.ndarray, options: DecodeOptions | None = None, stop: Callable[[], bool] | None = None
    ) -> Transcript:
        """stop: asked before each decoded token; once it returns True, DecodingStopped is raised."""
        Recognizer._check(audio)
        if not has_voice(audio):
            return self.no_speech(audio)
        windows = [self._window(audio[start:end], options, stop) for start, end in _windows(audio)]
        heard = [w for w in windows if not w.no_speech]
        if not heard:
            return self.no_speech(audio)
        return _joined(windows, audio.size / SAMPLE_RATE)

    def _window(self, audio: np.ndarray, options: DecodeOptions | None, stop) -> Transcript:
        features = self.features(audio)  # 3000 x n_mels
        with _threads(ENCODER_THREADS):
            memory = encode(self.model, features)  # encoded once: decoded, then aligned for the word times
        steps, nbest = run_to_end(decode(self.decoder, features, options or self.options, self.tokenizer, memory), stop)
        best = nbest[0]
        if _silent(best, self.config.no_speech_id):
            return self.no_speech(audio)
        transcript = self.transcript(steps, best, audio.size / SAMPLE_RATE, memory)
        if best.start_ids[1:2] and best.start_ids[1] in self.config.language_ids.values():
            transcript.language = self.tokenizer.special_name(best.start_ids[1]).strip("<|>")
        return transcript

    def no_speech(self, audio: np.ndarray) -> Transcript:
        return Transcript(
            "", [], [], np.zeros((0, 0), np.float32), [], audio.size / SAMPLE_RATE, FRAME_SECONDS, no_speech=True
        )

    def partial_text(self, audio: np.ndarray) -> str:
        """The text of `partial`."""
        return self.partial(audio).text

    def partial(self, audio: np.ndarray) -> PartialDecode:
        """A quick look at the text so far: greedy, on the last 30 s (no CTC head to ask), encoded over the audio's
        own length rather than a padded 30-s window. On the first 6 s of 12 real-dev utterances that is 3.2x
        faster, and its words agree with the full window's in 89% of cases (mostly spellings: favorably /
        favourably); the final result is always decoded from the full window.

        The same greedy decoding's steps give each piece's attention row, so the rows cost nothing more:
        attention (pieces, ceil(seconds / 0.02)) over the audio's frames (its silent tail cut off; audio beyond the
        last 30 s gets zero columns on the left, as the decoding never saw it)."""
        Recognizer._check(audio)
        if not has_voice(audio):
            return PartialDecode.text_only("", FRAME_SECONDS)
        heard = audio[-CHUNK_SECONDS * SAMPLE_RATE :]
        clip = np.concatenate([heard, np.zeros(PARTIAL_TAIL, np.float32)])
        features = whisper_log_mel(clip[: CHUNK_SECONDS * SAMPLE_RATE], self.config.n_mels)
        features = features[: len(features) // 2 * 2]  # whole encoder frames (the second convolution's stride is 2)
        steps, _ = run_to_end(decode(self.decoder, features, replace(self.options, beam_size=1), self.tokenizer))
        text = "".join(s.piece for s in steps).strip()
        kept = [s for s in steps if not self.tokenizer.is_special(s.token_id)]
        frames = math.ceil(audio.size / SAMPLE_RATE / FRAME_SECONDS)
        seen = min(math.ceil(heard.size / SAMPLE_RATE / FRAME_SECONDS), len(features) // 2)
        attention = np.zeros((len(kept), frames), np.float32)  # pieces x the audio's frames
        if kept:
            attention[:, frames - seen :] = np.stack([s.attention[:seen] for s in kept])
        return PartialDecode(text, self.tokenizer.pieces([s.token_id for s in kept]), attention, FRAME_SECONDS)

    def transcript(self, steps: list[Step], best: Hypothesis, duration: float, memory=None) -> Transcript:
        """Text pieces without Whisper's control tokens (timestamps), attention cut to the audio's frames.
        memory: the encoded window `best` was decoded from; with it the words are timed by
        dynamic time warping over the alignment heads (word_timing.py), without them by each token's
        attention peak."""
        frames = max(1, min(self.config.audio_positions, math.ceil(duration / FRAME_SECONDS)))
        kept = [i for i, token in enumerate(best.token_ids) if not self.tokenizer.is_special(token)]
        text_ids = [best.token_ids[i] for i in kept]
        pieces = self.tokenizer.pieces(text_ids)
        attention = best.attention[kept, :frames] if kept else np.zeros((0, frames), np.float32)
        text = "".join(s.piece for s in steps).strip()
        if memory is None:
            words = word_spans(pieces, attention, FRAME_SECONDS)
        else:
            words = word_timings(self.model, memory, best.start_ids, text_ids, pieces, frames, FRAME_SECONDS)
        return Transcript(text, steps, pieces, attention, words, duration, FRAME_SECONDS)

    @property
    def frame_seconds(self) -> float:
        return FRAME_SECONDS

    def warm_up(self) -> None:
        """Run the encoder and a few decoder steps once, so that the first words a person says do not wait."""
        quiet = np.random.default_rng(0).normal(0.0, 1e-3, SAMPLE_RATE // 2).astype(np.float32)
        run_to_end(self.stream(quiet, replace(self.options, max_tokens=2)))


@contextmanager
def _threads(count: int):
    """torch's intra-op threads set to `count` (at most the CPU count) for the block, then back."""
    before = torch.get_num_threads()
    torch.set_num_threads(max(1, min(count, os.cpu_count() or 1)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _silent(best: Hypothesis, no_speech_id: int) -> bool:
    """Whisper's rule: the model gives <|nospeech|> over 0.6 and the text it wrote is unsure."""
    if best.start_log_probs is None:
        return False
    mean_log_prob = sum(best.log_probs) / max(1, len(best.log_probs))
    return math.exp(best.start_log_probs[no_speech_id]) > NO_SPEECH_PROBABILITY and mean_log_prob < UNSURE_LOG_PROB


def _windows(audio: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) samples of the windows: 30 s at most, each cut at the quietest 100 ms between 20 and 30 s."""
    longest, shortest, hop = CHUNK_SECONDS * SAMPLE_RATE, int(MIN_WINDOW_SECONDS * SAMPLE_RATE), SAMPLE_RATE // 10
    windows, start = [], 0
    while audio.size - start > longest:
        search = audio[start + shortest : start + longest]
        energy = np.square(search[: search.size // hop * hop].reshape(-1, hop)).mean(axis=1)
        end = start + shortest + int(np.argmin(energy)) * hop + hop // 2
        windows.append((start, end))
        start = end
    windows.append((start, audio.size))
    return windows


def _joined(windows: list[Transcript], duration: float) -> Transcript:
    """One transcript of consecutive windows: texts joined, attention as a block matrix over all frames."""
    if len(windows) == 1:
        return windows[0]
    frames = [max(1, math.ceil(w.duration / FRAME_SECONDS)) for w in windows]
    attention = np.zeros((sum(len(w.pieces) for w in windows), sum(frames)), np.float32)
    words, row, column, offset = [], 0, 0, 0.0
    for window, width in zip(windows, frames, strict=True):
        block = window.attention[:, :width]
        attention[row : row + block.shape[0], column : column + block.shape[1]] = block
        words += [replace(w, start=w.start + offset, end=w.end + offset) for w in window.words]
        row, column, offset = row + block.shape[0], column + width, offset + window.duration
    text = " ".join(w.text for w in windows if w.text)
    steps = [s for w in windows for s in w.steps]
    return Transcript(text, steps, [p for w in windows for p in w.pieces], attention, words, duration, FRAME_SECONDS)
