"""scripts/asr_feature_transforms.py: the test-time feature changes it compares."""

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "asr_feature_transforms.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("asr_feature_transforms", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def recognizer():
    return SimpleNamespace(normalizer=SimpleNamespace(mean=np.linspace(-8.0, -12.0, 80).astype(np.float32)))


def test_smooth_pulls_a_coloured_voice_back_to_the_training_means(script, recognizer):
    rng = np.random.default_rng(0)
    speech = rng.normal(0, 1, (120, 80)).astype(np.float32) + recognizer.normalizer.mean
    bands = np.arange(80)
    colour = 3.0 + 2.0 * np.cos(np.pi * (bands + 0.5) / 80)  # louder, and tilted towards the low bands
    restored = script.transformed(recognizer, speech + colour, "smooth:2")
    assert np.allclose(restored, script.transformed(recognizer, speech, "smooth:2"), atol=1e-4)
    assert np.abs(restored.mean(axis=0) - recognizer.normalizer.mean).mean() < 0.2


def test_none_and_warp_keep_the_shape(script, recognizer):
    speech = np.random.default_rng(1).normal(-10, 2, (50, 80)).astype(np.float32)
    assert script.transformed(recognizer, speech, "none") is speech
    warped = script.transformed(recognizer, speech, "warp:1.1")
    assert warped.shape == speech.shape and not np.allclose(warped, speech)
    with pytest.raises(ValueError, match="unknown transform"):
        script.transformed(recognizer, speech, "tilt:3")
