"""Reading CTranslate2's model.bin (binary version 6) into numpy arrays, without ctranslate2.

Layout, little-endian: u32 version; spec name; u32 revision; u32 variable count; per variable:
name, u8 rank, u32 x rank shape, u8 dtype, u32 byte count, raw bytes; then u32 alias count and
(alias, target) name pairs. A name is a u16 length (counting a final NUL) and then its bytes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BINARY_VERSION = 6
# CTranslate2's dtype codes; bfloat16 has no numpy type and is read as its raw 16 bits.
_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: np.uint16}
_BFLOAT16 = 5


class Ct2FormatError(ValueError):
    """A model.bin that is not a CTranslate2 version-6 file, or is cut short."""


@dataclass
class Ct2Checkpoint:
    spec: str  # e.g. "WhisperSpec"
    revision: int
    variables: dict[str, np.ndarray]  # name -> array with the file's shape; bfloat16 comes as float32
    aliases: dict[str, str] = field(default_factory=dict)  # alias -> the variable name it stands for

    def resolve(self, name: str) -> np.ndarray:
        """The array called `name`, following aliases (a KeyError names the missing variable)."""
        seen = []
        while name in self.aliases and name not in self.variables:
            if name in seen:
                raise KeyError(f"alias loop: {' -> '.join(seen + [name])}")
            seen.append(name)
            name = self.aliases[name]
        if name not in self.variables:
            raise KeyError(f"no variable {name!r} in the checkpoint")
        return self.variables[name]

    def __contains__(self, name: str) -> bool:
        return name in self.variables or name in self.aliases


class _Reader:
    """A cursor over the file's bytes; every read checks that the bytes are there."""

    def __init__(self, data: memoryview | bytes, path: Path):
        self.data, self.path, self.offset = data, path, 0

    def take(self, count: int, what: str) -> memoryview:
        if self.offset + count > len(self.data):
            raise Ct2FormatError(f"{self.path}: the file is cut short (reading {what} at byte {self.offset})")
        chunk = memoryview(self.data)[self.offset : self.offset + count]
        self.offset += count
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))

    def name(self, what: str) -> str:
        (length,) = self.unpack("H", what)
        raw = bytes(self.take(length, what))
        try:
            return raw.rstrip(b"\0").decode("utf-8")
        except UnicodeDecodeError:
            raise Ct2FormatError(f"{self.path}: {what} is not UTF-8 text (byte {self.offset - length})") from None


def read_model_bin(path: str | Path) -> Ct2Checkpoint:
    """Every variable of a CTranslate2 model.bin. Arrays share one memory map of the file (read-only)."""
    path = Path(path)
    try:
        data = np.memmap(path, dtype=np.uint8, mode="r") if path.stat().st_size else b""
    except OSError as error:
        raise Ct2FormatError(f"{path}: cannot read the file ({error.strerror or error})") from None
    reader = _Reader(data, path)
    (version,) = reader.unpack("I", "the version")
    if version != BINARY_VERSION:
        raise Ct2FormatError(
            f"{path}: CTranslate2 binary version {version}, but only version {BINARY_VERSION} can be read"
        )
    spec = reader.name("the spec name")
    (revision,) = reader.unpack("I", "the revision")
    (count,) = reader.unpack("I", "the variable count")
    variables = {}
    for index in range(count):
        name = reader.name(f"the name of variable {index + 1}")
        variables[name] = _variable(reader, name)
    aliases = {}
    (alias_count,) = reader.unpack("I", "the alias count")
    for _ in range(alias_count):
        alias = reader.name("an alias name")
        aliases[alias] = reader.name(f"the target of alias {alias}")
    if reader.offset != len(data):
        raise Ct2FormatError(f"{path}: {len(data) - reader.offset} unexpected bytes after the last alias")
    return Ct2Checkpoint(spec, revision, variables, aliases)


def _variable(reader: _Reader, name: str) -> np.ndarray:
    (rank,) = reader.unpack("B", f"the rank of {name}")
    shape = reader.unpack(f"{rank}I", f"the shape of {name}") if rank else ()
    (code,) = reader.unpack("B", f"the dtype of {name}")
    if code not in _DTYPES:
        raise Ct2FormatError(f"{reader.path}: variable {name} has unknown dtype code {code}")
    dtype = np.dtype(_DTYPES[code])
    (size,) = reader.unpack("I", f"the byte count of {name}")
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if size != expected:
        raise Ct2FormatError(
            f"{reader.path}: variable {name} holds {size} bytes, but shape {list(shape)} of "
            f"{dtype.name} needs {expected}"
        )
    array = np.frombuffer(reader.take(size, f"the data of {name}"), dtype=dtype).reshape(shape)
    if code == _BFLOAT16:  # the upper half of a float32
        array = (array.astype(np.uint32) << 16).view(np.float32)
    return array
