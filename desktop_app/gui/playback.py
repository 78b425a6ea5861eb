"""Play a short stretch of audio on the default output device (a clicked word's span)."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE = 16000  # the dictated audio's rate
NO_DEVICE = "No sound output device: cannot play the word"


def play(samples: np.ndarray, sample_rate: int) -> str | None:
    """Start playing mono float samples without waiting; returns a one-line error, or None."""
    try:
        import sounddevice
    except OSError:  # PortAudio missing
        return NO_DEVICE
    try:
        sounddevice.play(samples, sample_rate)
    except sounddevice.PortAudioError as error:
        return f"{NO_DEVICE} ({str(error).splitlines()[0] if str(error) else 'PortAudio error'})"
    except ValueError:  # no default output device
        return NO_DEVICE
    return None
