"""Speech in, text out: features around the one decoding generator, plus CTC partials.

A transcript carries each token's attention row over encoder frames (40 ms each), so the
app can draw the alignment over the spectrogram, and each word's time span.

Noise gives no text: audio without a voice is not decoded, and a transcript that the model's own
CTC head does not bear out is dropped (see no_speech.py; not with a CTC decoding weight of 0).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from scipy.ndimage import median_filter

from desktop_app.seq2seq import DecodeOptions, Hypothesis, LoadedModel, Step, load_folder, run_to_end
from desktop_app.seq2seq.decoding import decode
from desktop_app.seq2seq.errors import ConfigError, CorruptFileError, ShapeMismatchError
from desktop_app.seq2seq.fusion import InternalLMSubtraction, ShallowFusion
from desktop_app.seq2seq.las import CTC_BLANK
from desktop_app.seq2seq.lexicon import LEXICON_FILE, Lexicon, LexiconPenalty
from desktop_app.seq2seq.quantize import model_for_inference

from .features import FRAMES_PER_SECOND, SAMPLE_RATE, AudioError, FeatureNormalizer, log_mel
from .no_speech import has_voice, heads_agree

if TYPE_CHECKING:
    from .whisper_recognizer import WhisperRecognizer

MIN_SECONDS = 0.1
SPEECH_DECODE = DecodeOptions(beam_size=1, max_length_ratio=1.2, max_length_extra=5)  # per encoder frame


@dataclass
class WordSpan:
    word: str
    start: float  # seconds from the start of the audio given to the recognizer
    end: float


@dataclass
class Transcript:
    text: str
    steps: list[Step]
    pieces: list[str]  # SentencePiece pieces of the output tokens
    attention: np.ndarray  # (tokens, encoder frames)
    words: list[WordSpan]
    duration: float  # seconds of audio
    frame_seconds: float  # seconds of audio per attention column
    no_speech: bool = False  # the audio held no speech (noise, silence): no text, by no_speech.py's checks
    language: str = ""  # the language a multilingual model detected ("" when it was told or knows one)


@dataclass
class PartialDecode:
    """A quick look at the text of a segment still being spoken, with the rows that decoding gave for free.

    pieces: the output pieces, when the partial decoding has them (Whisper's greedy decoding does; a CTC
    transcript has no attention: then none, and `attention` is (0, 0)).
    attention: (len(pieces), encoder frames of the audio): each piece's cross-attention row, the same kind of row
    a final transcript carries, over the audio given (not beyond it)."""

    text: str
    pieces: list[str]
    attention: np.ndarray
    frame_seconds: float  # seconds of audio per attention column

    @classmethod
    def text_only(cls, text: str, frame_seconds: float) -> PartialDecode:
        return cls(text, [], np.zeros((0, 0), np.float32), frame_seconds)


class Recognizer:
    def __init__(self, loaded: LoadedModel, precision: str = "auto"):
        """precision: "float32", "int8" (dynamic quantisation), or "auto" = what the folder says."""
        if loaded.config.task != "speech":
            raise ConfigError(f"{loaded.folder} is a {loaded.config.task} model, not a speech model")
        self.model = model_for_inference(loaded.model, precision, loaded.config.int8_inference)
        self.loaded = replace(loaded, model=self.model)  # not the float original too: a second copy in memory
        self.tokenizer = loaded.target_tokenizer
        self.language_model = _language_model(loaded, precision) if loaded.config.language_model else None
        self.lexicon: Lexicon | None = None  # the language model's word list, read when a penalty first needs it
        self._lm_weight = self._lexicon_penalty = self._ilm_weight = 0.0
        self._beam_threshold: float | None = None
        self._length_penalty = SPEECH_DECODE.length_penalty
        for name, setter in (
            ("lm_weight", self.set_lm_weight),
            ("lexicon_penalty", self.set_lexicon_penalty),
            ("ilm_weight", self.set_ilm_weight),
            ("beam_threshold", self.set_beam_threshold),
            ("length_penalty", self.set_length_penalty),
        ):
            try:
                setter(getattr(loaded.config, name))
            except (TypeError, ValueError) as error:
                raise ConfigError(f"{loaded.folder / 'config.json'}: {name}: {error}") from error
        try:
            self.normalizer = FeatureNormalizer.load(loaded.folder / loaded.config.feature_stats)
        except (ValueError, KeyError, OSError) as error:
            raise CorruptFileError(f"{loaded.folder / loaded.config.feature_stats} is damaged: {error}") from error

    @property
    def ctc_decode_weight(self) -> float:
        """Weight of the CTC prefix scores against the attention decoder (0 = attention alone)."""
        return getattr(self.model.config, "ctc_decode_weight", 0.0)

    def set_ctc_decode_weight(self, weight: float) -> None:
        if not hasattr(self.model.config, "ctc_decode_weight"):
            raise ValueError(f"{self.loaded.folder} has no CTC head to decode with")
        if not 0.0 <= weight <= 1.0:
            raise ValueError(f"the CTC weight must be between 0 and 1, got {weight}")
        self.model.config.ctc_decode_weight = weight

    @property
    def lm_weight(self) -> float:
        """Weight of the language model's log-probabilities in decoding (0 = not used)."""
        return self._lm_weight

    def set_lm_weight(self, weight: float) -> None:
        if weight and self.language_model is None:
            raise ValueError(f"{self.loaded.folder} has no language model to decode with")
        self._set_decoder(weight, self._lexicon_penalty, self._ilm_weight)

    @property
    def lexicon_penalty(self) -> float:
        """Score a hypothesis loses per word outside the language model's word list (0 = not used)."""
        return self._lexicon_penalty

    def set_lexicon_penalty(self, penalty: float) -> None:
        if penalty and self.lexicon is None:
            self.lexicon = _lexicon(self.loaded)
        if penalty and self.lexicon is None:
            raise ValueError(
                f"{self.loaded.folder} has no word list to decode with (a language-model folder with {LEXICON_FILE})"
            )
        self._set_decoder(self._lm_weight, penalty, self._ilm_weight)

    @property
    def ilm_weight(self) -> float:
        """Weight of the recognizer's internal language-model estimate, subtracted in decoding (0 = not)."""
        return self._ilm_weight

    def set_ilm_weight(self, weight: float) -> None:
        self._set_decoder(self._lm_weight, self._lexicon_penalty, weight)

    @property
    def beam_threshold(self) -> float | None:
        """Beam search drops hypotheses this far below the best live one (None: never)."""
        return self._beam_threshold

    def set_beam_threshold(self, threshold: float | None) -> None:
        """threshold: positive, or None or 0 for none."""
        options = replace(SPEECH_DECODE, beam_threshold=threshold or None)  # checks it
        self._beam_threshold = options.beam_threshold

    @property
    def length_penalty(self) -> float:
        """Hypotheses are ranked by summed log-probability / length ** this (1 = the mean per token)."""
        return self._length_penalty

    def set_length_penalty(self, penalty: float) -> None:
        self._length_penalty = replace(SPEECH_DECODE, length_penalty=penalty).length_penalty  # checks it

    def _set_decoder(self, lm_weight: float, lexicon_penalty: float, ilm_weight: float) -> None:
        """The model decoding runs: the recognizer less its internal language model, fused with its language
        model, steered by its word list."""
        decoder = InternalLMSubtraction(self.model, ilm_weight) if ilm_weight else self.model  # checks it
        decoder = ShallowFusion(decoder, self.language_model, lm_weight) if lm_weight else decoder  # checks it
        if lexicon_penalty:
            decoder = LexiconPenalty(decoder, self.lexicon, self.tokenizer, lexicon_penalty)  # checks it
        self.decoder, self._lm_weight, self._lexicon_penalty, self._ilm_weight = (
            decoder,
            lm_weight,
            lexicon_penalty,
            ilm_weight,
        )

    @classmethod
    def from_folder(cls, folder: str | Path, precision: str = "auto") -> Recognizer | WhisperRecognizer:
        """The recognizer the folder's architecture needs: this class, or a WhisperRecognizer (which offers
        the same methods) for a converted Whisper checkpoint."""
        loaded = load_folder(folder)
        if loaded.config.architecture == "whisper":
            from .whisper_recognizer import WhisperRecognizer  # it builds on this module

            return WhisperRecognizer(loaded, precision)
        return cls(loaded, precision)

    def features(self, audio: np.ndarray) -> np.ndarray:
        """16 kHz mono float32 (samples,) -> normalised (frames, 80)."""
        self._check(audio)
        return self.normalizer(log_mel(audio))

    @staticmethod
    def _check(audio: np.ndarray) -> None:
        if audio.ndim != 1:
            raise AudioError(f"expected mono audio, got shape {audio.shape}")
        if audio.size < MIN_SECONDS * SAMPLE_RATE:
            raise AudioError(f"the audio is too short to transcribe ({audio.size / SAMPLE_RATE:.2f} s)")
        if not np.all(np.isfinite(audio)):
            raise AudioError("the audio contains invalid samples (NaN or infinity)")

    @property
    def options(self) -> DecodeOptions:
        """The folder's own search settings: SPEECH_DECODE with the beam width, threshold and length penalty
        chosen at bundling."""
        return replace(
            SPEECH_DECODE,
            beam_size=max(1, self.loaded.config.beam_size),
            beam_threshold=self._beam_threshold,
            length_penalty=self._length_penalty,
        )

    def decoding_summary(self, options: DecodeOptions | None = None) -> str:
        """How the folder decodes (with `options`, or its own search), for people: e.g. "beam 4 with its
        language model (weight 0.5)"."""
        options = options or self.options
        search = "greedy search" if options.beam_size == 1 else f"beam {options.beam_size}{search_details(options)}"
        if self.lm_weight:
            search += f" with its language model (weight {self.lm_weight:g})"
        if self.lexicon_penalty:
            search += f"{' and' if self.lm_weight else ' with'} its word list (penalty {self.lexicon_penalty:g})"
        if self.ilm_weight:
            search += f", less its internal language model (weight {self.ilm_weight:g})"
        return search

    def stream(
        self, audio: np.ndarray, options: DecodeOptions | None = None
    ) -> Generator[Step, None, list[Hypothesis]]:
        """options: None = the folder's own (`self.options`)."""
        return decode(self.decoder, self.features(audio), options or self.options, self.tokenizer)

    def transcribe(
        self, audio: np.ndarray, options: DecodeOptions | None = None, stop: Callable[[], bool] | None = None
    ) -> Transcript:
        """stop: asked before each decoded token; once it returns True, DecodingStopped is raised.
        Audio without a voice gives an empty transcript marked `no_speech`, and so does a transcript the CTC
        head does not bear out while it has a say in decoding (ctc_decode_weight > 0; see no_speech.py)."""
        features = self.features(audio)
        if not has_voice(audio):
            return self.no_speech(audio)
        steps, nbest = run_to_end(decode(self.decoder, features, options or self.options, self.tokenizer), stop)
        transcript = self.transcript(steps, nbest[0], audio.size / SAMPLE_RATE)
        if self.ctc_decode_weight > 0 and not heads_agree(self._ctc_text(features), transcript.text):
            return self.no_speech(audio)
        return transcript

    def no_speech(self, audio: np.ndarray) -> Transcript:
        return Transcript(
            "", [], [], np.zeros((0, 0), np.float32), [], audio.size / SAMPLE_RATE, self.frame_seconds, no_speech=True
        )

    def partial_text(self, audio: np.ndarray) -> str:
        """A partial result: the fast CTC transcript (`ctc_text`), or "" for audio without a voice."""
        return self.partial(audio).text

    def partial(self, audio: np.ndarray) -> PartialDecode:
        """The partial result of `partial_text`; CTC gives no attention rows (pieces and attention are empty)."""
        self._check(audio)
        return PartialDecode.text_only(self.ctc_text(audio) if has_voice(audio) else "", self.frame_seconds)

    def transcript(self, steps: list[Step], best: Hypothesis, duration: float) -> Transcript:
        pieces = self.tokenizer.pieces(best.token_ids)
        text = "".join(s.piece for s in steps)
        frame_seconds = self.frame_seconds
        return Transcript(
            text,
            steps,
            pieces,
            best.attention,
            word_spans(pieces, best.attention, frame_seconds),
            duration,
            frame_seconds,
        )

    @property
    def frame_seconds(self) -> float:
        """Seconds of audio per encoder frame (per column of the attention matrix)."""
        return self.model.config.time_reduction / FRAMES_PER_SECOND

    def warm_up(self) -> None:
        """Run the whole pipeline once on half a second of faint noise, so that the first audio a person gives
        does not wait for the one-time costs (librosa's first spectrogram alone takes ~3 s: it imports scipy.signal
        and more on first use)."""
        quiet = np.random.default_rng(0).normal(0.0, 1e-3, SAMPLE_RATE // 2).astype(np.float32)
        self.ctc_text(quiet)
        run_to_end(self.stream(quiet, replace(self.options, max_length_extra=1, max_length_ratio=0.1)))

    def ctc_text(self, audio: np.ndarray) -> str:
        """Fast greedy CTC transcript from the encoder alone (used for partial results)."""
        return self._ctc_text(self.features(audio))

    def _ctc_text(self, features: np.ndarray) -> str:
        """features: normalised (frames, 80)."""
        features = torch.as_tensor(features).unsqueeze(0)
        with torch.inference_mode():
            memory = self.model.encode(features, torch.ones(features.shape[:2], dtype=torch.bool))
            best = self.model.ctc_log_probs(memory)[0].argmax(dim=-1).tolist()
        ids = [t for i, t in enumerate(best) if t != CTC_BLANK and (i == 0 or t != best[i - 1])]
        return self.tokenizer.decode(ids)


def search_details(options: DecodeOptions) -> str:
    """What a beam search does beyond its width, e.g. " (threshold 8, length penalty 0.7)"; "" for nothing more."""
    details = [f"threshold {options.beam_threshold:g}"] if options.beam_threshold else []
    details += [f"length penalty {options.length_penalty:g}"] if options.length_penalty != 1 else []
    return f" ({', '.join(details)})" if details else ""


def _language_model(loaded: LoadedModel, precision: str):
    """The speech folder's language-model subfolder, checked and prepared like the recognizer."""
    lm = load_folder(loaded.folder / loaded.config.language_model)
    if lm.config.task != "language-model":
        raise ConfigError(f"{lm.folder} is a {lm.config.task} model, not a language model")
    if lm.model.config.tgt_vocab_size != loaded.model.config.tgt_vocab_size:
        raise ShapeMismatchError(
            f"{lm.folder} has {lm.model.config.tgt_vocab_size} units but "
            f"{loaded.folder} has {loaded.model.config.tgt_vocab_size}"
        )
    return model_for_inference(lm.model, precision, loaded.config.int8_inference)


def _lexicon(loaded: LoadedModel) -> Lexicon | None:
    """The word list of the speech folder's language model, if it has one."""
    path = loaded.folder / loaded.config.language_model / LEXICON_FILE
    return Lexicon.load(path) if loaded.config.language_model and path.exists() else None


def decode_features(model, features: np.ndarray, tokenizer, options: DecodeOptions = SPEECH_DECODE) -> str:
    """Text of normalised features through the decoding generator (used by evaluation and training)."""
    steps, _ = run_to_end(decode(model, features, options, tokenizer))
    return "".join(step.piece for step in steps)


def word_spans(pieces: list[str], attention: np.ndarray, frame_seconds: float) -> list[WordSpan]:
    """Group pieces into words ('▁' starts one) and time each word by where its tokens attend.

    attention: (pieces, frames). Each token is placed at its row's peak, kept in order along the
    audio (see `token_frames`); a word spans its tokens' frames.
    """
    words: list[WordSpan] = []
    starts_word = True
    for piece, (first, last) in zip(pieces, token_frames(attention), strict=True):
        text = piece.replace("\u2581", " ")
        starts_word = starts_word or text.startswith(" ")
        if not text.strip():
            continue  # a bare word boundary (character units): it attends to the gap, not to a word
        start, end = first * frame_seconds, (last + 1) * frame_seconds
        if starts_word:
            words.append(WordSpan(text.strip(), start, end))
        else:
            previous = words[-1]
            words[-1] = WordSpan(previous.word + text.rstrip(), min(previous.start, start), max(previous.end, end))
        starts_word = False
    return words


def token_frames(attention: np.ndarray) -> list[tuple[int, int]]:
    """(pieces, frames) attention -> each token's first and last frame.

    Speech is read in order, so a token's peak frame never precedes the one before it: peaks are
    median-filtered over 3 tokens (one unsure, diffuse row cannot throw its word across the
    utterance) and then made non-decreasing. A token covers the run of frames around its peak
    that hold at least half the row's top weight.
    """
    if attention.size == 0:
        return [(0, 0)] * len(attention)
    peaks = np.maximum.accumulate(median_filter(attention.argmax(axis=1), size=3, mode="nearest"))
    spans = []
    for row, peak in zip(attention, peaks, strict=True):
        strong = row >= 0.5 * row.max()
        first = last = int(peak)
        if strong[peak]:
            while first > 0 and strong[first - 1]:
                first -= 1
            while last + 1 < row.size and strong[last + 1]:
                last += 1
        spans.append((first, last))
    return spans
