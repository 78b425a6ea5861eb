"""Dictation on a worker thread: audio chunks in; level, spectrogram frames, partial and final text out, and the
attention rows of each partial decoding that has them (Whisper's), so the view fills in while someone speaks.

The recording is written to disk as it arrives, with a WAV header that is kept true and flushed
at least every second, so nothing is lost if the app dies (or is killed) mid-sentence.
"""

from __future__ import annotations

import logging
import queue
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal, Slot

from .workers import Worker

CHUNK = 1600  # 100 ms at 16 kHz
_END = object()


log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DictateRequest:
    job: int
    model_folder: str
    record_to: str = ""  # write the microphone audio here while it is captured
    audio_file: str = ""  # transcribe this file instead of listening
    speed: str = "accurate"  # search effort, one of desktop_app.speech.speed.SPEEDS
    language: str = ""  # a multilingual model: the language spoken, "" = detect it (ignored by other models)
    task: str = "transcribe"  # a multilingual model: "transcribe", or "translate" into English


@dataclass
class FinalResult:
    """A finished segment, as plain data for the window."""

    segment: int
    text: str
    start: float  # seconds since recording (or the file) began
    end: float
    pieces: list[str]
    attention: np.ndarray  # (tokens, encoder frames)
    frame_seconds: float  # seconds per encoder frame
    words: list[tuple[str, float, float]]  # (word, start, end) relative to the segment start
    mel: np.ndarray = field(repr=False)  # (frames, 80) log-mel of the segment, for display
    language: str = ""  # the language a multilingual model detected ("" when it was told or knows only one)
    audio: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32), repr=False)  # 16 kHz samples
    warnings: list = field(default_factory=list)  # transcript_warnings.TranscriptWarning: what looks wrong


@dataclass
class PartialRows:
    """The rows of a segment still being spoken, as plain data for the view, which draws them as it draws a
    FinalResult (the same fields): replaced by the next partial's rows or by the segment's final."""

    segment: int
    start: float  # seconds since recording began
    text: str  # what the partial decoding read (its words may still change)
    pieces: list[str]
    attention: np.ndarray  # (len(pieces), encoder frames of the audio so far)
    frame_seconds: float  # seconds per encoder frame
    words: list[tuple[str, float, float]]  # (word, start, end) relative to the segment start, from the rows' peaks
    mel: np.ndarray = field(repr=False)  # (frames, 80) log-mel of the segment so far, for display
    audio: np.ndarray = field(repr=False)  # the segment so far, 16 kHz samples


class DictateWorker(Worker):
    modelReady = Signal(int, str, str)  # job, model folder, how this job decodes (after its speed setting)
    level = Signal(int, float)  # job, dBFS of the latest chunk
    frames = Signal(int, object)  # job, (frames, 80) log-mel of the latest chunk
    partial = Signal(int, int, str, str)  # job, segment, text so far, its words that will stay (see Partial.stable)
    partialRows = Signal(int, object)  # job, PartialRows: after `partial`, when its decoding gave attention rows
    final = Signal(int, object)  # job, FinalResult
    progress = Signal(int, float)  # job, seconds of audio processed (files)
    fileDuration = Signal(int, float)  # job, seconds of the file being transcribed (0: not known)
    loading = Signal(str)  # a model folder that is being loaded (followed by prepared, modelReady or failed)
    prepared = Signal(str)  # a model folder now loaded and warmed up

    def __init__(self) -> None:
        super().__init__()
        self._queue: queue.Queue = queue.Queue()
        self._recognizers: dict[str, object] = {}

    # -- called from any thread -------------------------------------------------------
    def begin(self) -> int:
        """GUI thread: a new job with an empty input queue."""
        self._queue = queue.Queue()
        return self.next_job()

    def feed(self, chunk: np.ndarray) -> None:
        self._queue.put(chunk)

    def end_of_input(self) -> None:
        self._queue.put(_END)

    # -- the job ----------------------------------------------------------------------
    @Slot(object)
    def run(self, request: DictateRequest) -> None:
        self.run_job(request.job, lambda: self._run(request), _describe)

    @Slot(str)
    def prepare(self, folder: str) -> None:
        """Load the folder's recognizer and warm it up before the first recording needs it. Not a job: a failure
        here is left for the recording (or file) that uses the folder to report."""
        if folder in self._recognizers:
            return
        try:
            self._recognizer(folder)
        except Exception:  # noqa: BLE001, S110 - the first job on this folder meets the same error and reports it
            return
        self.prepared.emit(folder)

    def _recognizer(self, folder: str):
        """The folder's recognizer, loaded and warmed up on first use (one folder is kept)."""
        if folder not in self._recognizers:
            from desktop_app.speech.recognizer import Recognizer

            self.loading.emit(folder)
            recognizer = Recognizer.from_folder(folder)
            if not self.closing:  # the window is closing: nobody will record with it
                recognizer.warm_up()
            self._recognizers = {folder: recognizer}
        return self._recognizers[folder]

    def _run(self, request: DictateRequest) -> bool:
        from desktop_app.speech.speed import search_options
        from desktop_app.speech.streaming import StreamingRecognizer

        if request.audio_file:
            self.fileDuration.emit(request.job, _file_seconds(request.audio_file))
        recognizer = self._recognizer(request.model_folder)
        _choose_language_and_task(recognizer, request)
        options = search_options(recognizer.options, request.speed)
        self.modelReady.emit(request.job, request.model_folder, recognizer.decoding_summary(options))
        # Finals are decoded on a thread of their own: partials, the level and the spectrogram keep coming
        # while the beam search works on the segment before.
        stream = StreamingRecognizer(
            recognizer, options=options, finals_in_background=True, should_stop=lambda: not self.is_wanted(request.job)
        )
        chunks = self._file_chunks(request) if request.audio_file else self._queued_chunks(request.job)
        writer = _open_recording(request.record_to)
        try:
            seen = 0
            for chunk in chunks:
                if not self.is_wanted(request.job):
                    return False
                if chunk is not None:
                    if writer is not None:
                        writer.write(chunk)
                    seen += chunk.size
                    self._chunk_signals(request.job, chunk, seen, bool(request.audio_file))
                for event in stream.poll() if chunk is None else stream.push(chunk):
                    self._emit(request.job, event)
            for event in stream.flush():
                self._emit(request.job, event)
            return self.is_wanted(request.job)
        finally:
            stream.cancel()  # after a flush nothing is left to stop
            if writer is not None:
                writer.close()

    def _queued_chunks(self, job: int):
        """The microphone's chunks; None whenever none came for 50 ms (time to look for decoded finals)."""
        while self.is_wanted(job):
            try:
                item = self._queue.get(timeout=0.05)
            except queue.Empty:
                yield None
                continue
            if item is _END:
                return
            yield item

    def _file_chunks(self, request: DictateRequest):
        """The file in CHUNK-sized pieces, as a microphone would give them; read a block at a time, so a long
        file costs no more memory than a short one and closing never waits for a whole file to load."""
        from desktop_app.speech.features import stream_audio

        pending = np.zeros(0, np.float32)
        for block in stream_audio(request.audio_file):
            pending = np.concatenate([pending, block])
            whole = pending.size - pending.size % CHUNK
            for start in range(0, whole, CHUNK):
                yield pending[start : start + CHUNK]
            pending = pending[whole:]
        if pending.size:
            yield pending

    def _chunk_signals(self, job: int, chunk: np.ndarray, seen: int, from_file: bool) -> None:
        from desktop_app.speech.features import log_mel

        rms = float(np.sqrt(np.mean(np.square(chunk)))) if chunk.size else 0.0
        self.level.emit(job, 20 * np.log10(max(rms, 1e-5)))
        if chunk.size >= 512:  # one FFT window
            self.frames.emit(job, log_mel(chunk))
        if from_file:
            self.progress.emit(job, seen / 16000)

    def _emit(self, job: int, event) -> None:
        from desktop_app.speech.features import log_mel
        from desktop_app.speech.streaming import Final
        from desktop_app.speech.transcript_warnings import transcript_warnings

        if not isinstance(event, Final):
            self.partial.emit(job, event.segment, event.text, event.stable)
            if event.pieces:
                self.partialRows.emit(job, _partial_rows(event))
            return
        t = event.transcript
        self.final.emit(
            job,
            FinalResult(
                event.segment,
                event.text,
                event.start,
                event.end,
                t.pieces,
                t.attention,
                t.frame_seconds,
                [(w.word, w.start, w.end) for w in t.words],
                log_mel(event.audio),
                t.language or "",
                event.audio,
                transcript_warnings(event.audio, t.attention, t.frame_seconds, t.pieces),
            ),
        )


def _partial_rows(event) -> PartialRows:
    """A streaming.Partial with attention rows -> what the view draws of it."""
    from desktop_app.speech.features import log_mel
    from desktop_app.speech.recognizer import word_spans

    words = word_spans(event.pieces, event.attention, event.frame_seconds)
    return PartialRows(
        event.segment,
        event.start,
        event.text,
        list(event.pieces),
        event.attention,
        event.frame_seconds,
        [(w.word, w.start, w.end) for w in words],
        log_mel(event.audio),
        event.audio,
    )


class _RecordingWriter:
    """16-bit mono WAV written as it arrives, its header kept true on disk, so that the file is whole and
    playable even when the app is killed mid-recording (all but at most the last second is there).

    libsndfile writes the sizes into the header only when the file is closed (its flush() does not), so
    a crash left a header saying "0 bytes" that `wave` and sox read as empty. Python's `wave` rewrites the
    sizes after every write; the file object is flushed to the operating system at least once a second."""

    FLUSH_SECONDS = 1.0

    def __init__(self, path: str):
        import wave

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, "wb")  # noqa: SIM115 - closed in close(), after the wave writer
        self._wave = wave.open(self._file, "wb")
        self._wave.setnchannels(1)
        self._wave.setsampwidth(2)
        self._wave.setframerate(16000)
        self._wave.writeframes(b"")  # the header, with its sizes, goes out now
        self._file.flush()
        self._last_flush = time.monotonic()

    def write(self, chunk: np.ndarray) -> None:
        """chunk: (samples,) float32 in [-1, 1] at 16 kHz."""
        pcm = (np.clip(chunk, -1.0, 1.0) * 32767.0).round().astype("<i2")
        self._wave.writeframes(pcm.tobytes())  # data, then the sizes in the header patched to match
        if time.monotonic() - self._last_flush >= self.FLUSH_SECONDS:
            self._file.flush()
            self._last_flush = time.monotonic()

    def close(self) -> None:
        self._wave.close()
        self._file.close()


class UnsupportedChoice(Exception):
    """The request asks for a language or task the folder's model cannot do."""


def _choose_language_and_task(recognizer, request: DictateRequest) -> None:
    """A multilingual model (Whisper) decodes in the language and for the task asked (its recognizer says no
    with a ValueError); a model that knows one language has nothing to choose."""
    try:
        if len(getattr(recognizer, "languages", ())) > 1:
            recognizer.set_language(request.language or None)
            recognizer.set_task(request.task)
        elif request.task != "transcribe" or request.language not in ("", "en"):
            raise ValueError(f"{Path(request.model_folder).name} only transcribes English")
    except ValueError as error:
        raise UnsupportedChoice(str(error)) from None


def _file_seconds(path: str) -> float:
    """The file's length in seconds from its header, or 0 when the header does not say (the job reports errors)."""
    import soundfile

    try:
        info = soundfile.info(path)
    except Exception:  # noqa: BLE001 - a file soundfile cannot read fails in the job itself, with its message
        return 0.0
    return info.frames / info.samplerate if info.samplerate and info.frames > 0 else 0.0


def _open_recording(path: str) -> _RecordingWriter | None:
    return _RecordingWriter(path) if path else None


def _describe(error: Exception) -> str:
    from desktop_app.seq2seq import ModelFolderError
    from desktop_app.speech.features import AudioError

    if isinstance(error, ModelFolderError):
        return f"The speech model folder cannot be used: {error}"
    if isinstance(error, AudioError):
        return f"This audio cannot be transcribed: {error}"
    if isinstance(error, UnsupportedChoice):
        return f"This speech model cannot do that: {error}"
    log.error("Transcription failed", exc_info=error)
    lines = str(error).strip().splitlines()
    what = f": {lines[0].rstrip('.')[:120]}" if lines else ""
    return f"Transcription failed unexpectedly{what}. Try another model or file; the details are in the log."
