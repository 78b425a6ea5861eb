"""Where dictated audio comes from: the microphone (sounddevice) or an array (files, tests).

A source calls `on_chunk(samples)` with float32 16 kHz mono chunks from its own thread and
`on_end()` when it has nothing more. The recorder never knows which kind it has, so tests
pass a fake source instead of a microphone.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SAMPLE_RATE = 16000
CHUNK = SAMPLE_RATE // 10  # 100 ms
PORTAUDIO_HELP = (
    "The microphone is unavailable: the PortAudio library is not installed. "
    "Install it with: sudo apt-get install libportaudio2 (then restart Attend). "
    "Translation and opening audio files still work."
)


NO_DEVICE_HELP = (
    "No microphone is connected or selected. Plug one in (or start the sound server), then choose "
    "Dictate ▸ Refresh microphones. You can still open audio files."
)


def explain(error: Exception, doing: str) -> str:
    """A PortAudio error as one line that says what to do: "Error querying device -1" means no device at all."""
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "querying device" in text or "Invalid device" in text or "No Default" in text or "-1" in text.split():
        return NO_DEVICE_HELP
    if "Device unavailable" in text or "busy" in text.lower():
        return f"The microphone is in use by another program ({text}). Close it, or choose another microphone."
    return f"{doing} ({text}). Choose another microphone, or check that it is plugged in."


class MicrophoneUnavailable(RuntimeError):
    """No usable microphone; the message says why and what to do."""


@dataclass(frozen=True)
class InputDevice:
    index: int
    name: str
    default: bool


def _sounddevice():
    try:
        import sounddevice
    except OSError as error:  # PortAudio missing
        raise MicrophoneUnavailable(PORTAUDIO_HELP) from error
    return sounddevice


def input_devices(rescan: bool = False) -> list[InputDevice]:
    """Devices that can record; raises MicrophoneUnavailable without PortAudio.

    PortAudio lists devices once, when it starts; `rescan` restarts it so that a microphone
    plugged in (or a sound server started) since then shows up. Never rescan while recording."""
    sd = _sounddevice()
    try:
        if rescan:
            sd._terminate()
            sd._initialize()
        default_input = sd.default.device[0]
        devices = sd.query_devices()
    except sd.PortAudioError as error:
        raise MicrophoneUnavailable(explain(error, "The audio system could not be asked for microphones")) from error
    return [InputDevice(i, d["name"], i == default_input) for i, d in enumerate(devices) if d["max_input_channels"] > 0]


class MicrophoneSource:
    """Records from an input device at 16 kHz mono in 100 ms chunks (PortAudio resamples)."""

    def __init__(self, device: int | None = None):
        self.device = device
        self._stream = None

    def start(self, on_chunk: Callable[[np.ndarray], None], on_end: Callable[[], None]) -> None:
        sd = _sounddevice()
        self._on_end = on_end

        def callback(indata, frames, time_info, status):
            on_chunk(indata[:, 0].astype(np.float32, copy=True))

        try:
            self._stream = sd.InputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="float32",
                blocksize=CHUNK,
                device=self.device,
                callback=callback,
            )
            self._stream.start()
        except (sd.PortAudioError, ValueError) as error:
            self._stream = None
            raise MicrophoneUnavailable(explain(error, "The microphone could not be opened")) from error

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None
            self._on_end()


class ArraySource:
    """Delivers a recording chunk by chunk from a thread, in real time or as fast as possible."""

    def __init__(self, audio: np.ndarray, realtime: bool = False):
        self.audio = np.asarray(audio, dtype=np.float32)
        self.realtime = realtime
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, on_chunk: Callable[[np.ndarray], None], on_end: Callable[[], None]) -> None:
        def play():
            for start in range(0, self.audio.size, CHUNK):
                if self._stop.is_set():
                    break
                on_chunk(self.audio[start : start + CHUNK])
                if self.realtime:
                    self._stop.wait(CHUNK / SAMPLE_RATE)
            on_end()

        self._thread = threading.Thread(target=play, name="array-source", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
