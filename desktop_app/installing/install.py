"""Installing a catalog model as a model folder in the user's models folder.

The conversion writes into <models>/.partial/<name>-XXXX and the finished folder is renamed into place, so a
folder named after the model is always complete: an install that fails or is interrupted leaves nothing that
looks installed (model listings look only one level down, where .partial holds no config.json).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from .sources import CatalogEntry, InstallError, Progress, catalog_entry, fetch
from .user_folder import cache_dir, user_models_dir

# (checkpoint, empty folder to fill, model name, progress=...) -> None; desktop_app.installing.whisper_convert
Converter = Callable[..., None]
PARTIAL = ".partial"


def installed_folder(name: str) -> Path | None:
    """The model folder `name` installed in the user's models folder, if it is there."""
    folder = user_models_dir() / name
    return folder if (folder / "config.json").is_file() else None


def install(name: str, force: bool = False, progress: Progress | None = None, convert: Converter | None = None) -> Path:
    """The installed folder of catalog model `name`, fetched and converted unless already there (or force)."""
    entry = catalog_entry(name)
    destination = user_models_dir() / name
    if not force and installed_folder(name):
        return destination
    convert = convert or _whisper_converter()  # before a download it could not use
    checkpoint = fetch(name, cache_dir(), progress)
    partial = user_models_dir() / PARTIAL
    try:
        partial.mkdir(parents=True, exist_ok=True)
        for leftover in partial.glob(f"{name}-*"):  # from an install that was killed outright
            shutil.rmtree(leftover, ignore_errors=True)
        scratch = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=partial))
    except OSError as error:
        raise InstallError(f"cannot write to {partial}: {error.strerror or error}") from None
    try:
        convert(checkpoint, scratch, name, progress=progress)
        _write_provenance(scratch, entry)
        scratch.chmod(0o755)  # mkdtemp's folders are private
        _move_into_place(scratch, destination, partial)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # gone already after a successful move
    return destination


def _write_provenance(folder: Path, entry: CatalogEntry) -> None:
    """The weights' license and origin travel with them (unless the conversion wrote its own)."""
    if not (folder / "LICENSE").exists():
        (folder / "LICENSE").write_text(entry.license_text, encoding="utf-8")
    if not (folder / "provenance.json").exists():
        (folder / "provenance.json").write_text(json.dumps(entry.provenance(), indent=2) + "\n", encoding="utf-8")


def _move_into_place(scratch: Path, destination: Path, partial: Path) -> None:
    """Rename scratch to destination; an older folder there is moved aside first and deleted after."""
    old = None
    try:
        if destination.exists():
            old = Path(tempfile.mkdtemp(prefix=f"{destination.name}-old-", dir=partial)) / destination.name
            destination.rename(old)
        scratch.rename(destination)
    except OSError as error:
        if old is not None and old.exists() and not destination.exists():
            old.rename(destination)  # the previous install stays usable
        raise InstallError(f"cannot move the converted model into {destination}: {error.strerror or error}") from None
    if old is not None:
        shutil.rmtree(old.parent, ignore_errors=True)


def _whisper_converter() -> Converter:
    try:
        from desktop_app.installing.whisper_convert import convert_whisper
    except ImportError as error:  # the module, or the function in it, is missing; not one of its own imports
        if error.name != "desktop_app.installing.whisper_convert":
            raise
        raise InstallError("this build of Attend cannot convert Whisper checkpoints yet") from None
    return convert_whisper
