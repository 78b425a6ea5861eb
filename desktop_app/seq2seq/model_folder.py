"""Self-describing model folders.

    models/en-de-rnn/
        config.json        architecture, its settings, languages, tokenizer files, metrics
        model.safetensors  the weights (float16 or float32); never a pickle
        source.model       SentencePiece model(s); one file when the vocabulary is joint
        target.model
        README.md          the model card

`save_folder` writes one; `load_folder` validates it and rebuilds the model
from these files alone, raising a specific ModelFolderError for each fault.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn
from torch.overrides import TorchFunctionMode

from .architectures import architecture_of, build_model, parameter_count, value_fault
from .byte_bpe import ByteBPETokenizer
from .errors import ConfigError, CorruptFileError, MissingFileError, ShapeMismatchError
from .source_words import UNSEEN_BELOW
from .tokenizer import Tokenizer

FORMAT_VERSION = 1
CONFIG_FILE, WEIGHTS_FILE, CARD_FILE = "config.json", "model.safetensors", "README.md"
NAMED_FILES = ("source_tokenizer", "target_tokenizer", "feature_stats", "language_model", "source_words")  # config keys


@dataclass
class FolderConfig:
    """What config.json holds besides the architecture's own settings."""

    architecture: str
    model: dict[str, Any]  # the architecture's config dataclass as a dict
    task: str = "translation"
    source_language: str = ""
    target_language: str = ""
    source_tokenizer: str = "source.model"  # "" when the input is not text (speech)
    target_tokenizer: str = "target.model"
    feature_stats: str = ""  # speech: file with the feature normalisation statistics
    weights_dtype: str = "float32"
    int8_inference: bool = False  # set at bundling when int8 dynamic quantisation keeps dev BLEU within 0.5
    # speech: a language-model folder inside this one (e.g. "lm"), fused into decoding with lm_weight
    language_model: str = ""
    lm_weight: float = 0.0
    # speech: score lost per word outside the language-model folder's words.txt (see seq2seq/lexicon.py)
    lexicon_penalty: float = 0.0
    # speech: weight of the recognizer's internal language-model estimate, subtracted in decoding (see fusion.py)
    ilm_weight: float = 0.0
    # translation: the source words' training counts (source_words.py); a capitalised word seen fewer than
    # name_unseen_below times is a name to keep (protect.py)
    source_words: str = ""
    name_unseen_below: int = UNSEEN_BELOW
    beam_size: int = 1  # speech: the beam width decoding uses unless told otherwise (tuned at bundling)
    # speech: beam search drops hypotheses this far (summed log-probability) below the best (None: never)
    beam_threshold: float | None = None
    # speech: hypothesis score = summed log-probability / length ** this (1 = the mean per token; tuned at bundling)
    length_penalty: float = 1.0
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION


@dataclass
class LoadedModel:
    folder: Path
    config: FolderConfig
    model: nn.Module
    source_tokenizer: Tokenizer | None  # None for speech models
    target_tokenizer: Tokenizer

    @property
    def name(self) -> str:
        return self.folder.name


def unique_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """state_dict without the second name of tied tensors (safetensors stores each once)."""
    seen: set[int] = set()
    unique = {}
    for name, tensor in model.state_dict().items():
        if tensor.data_ptr() in seen:
            continue
        seen.add(tensor.data_ptr())
        unique[name] = tensor
    return unique


def save_folder(
    folder: str | Path,
    model: nn.Module,
    source_tokenizer_file: str | Path | None,
    target_tokenizer_file: str | Path,
    source_language: str = "",
    target_language: str = "",
    dtype: torch.dtype = torch.float32,
    metrics: dict[str, Any] | None = None,
    training: dict[str, Any] | None = None,
    card: str | None = None,
    task: str = "translation",
    feature_stats_file: str | Path | None = None,
) -> Path:
    """Write a complete model folder; a generated model card unless `card` is given.

    Speech models pass source_tokenizer_file=None and their feature statistics file.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    joint = source_tokenizer_file is not None and (
        Path(source_tokenizer_file).resolve() == Path(target_tokenizer_file).resolve()
    )
    source_name = "" if source_tokenizer_file is None else ("joint.model" if joint else "source.model")
    target_name = "joint.model" if joint else "target.model"
    if source_tokenizer_file is not None:
        _copy_if_needed(source_tokenizer_file, folder / source_name)
    _copy_if_needed(target_tokenizer_file, folder / target_name)
    stats_name = ""
    if feature_stats_file is not None:
        stats_name = "features.json"
        _copy_if_needed(feature_stats_file, folder / stats_name)
    architecture = architecture_of(model)
    tensors = {
        k: v.detach().to("cpu", dtype if v.is_floating_point() else v.dtype).contiguous()
        for k, v in unique_state_dict(model).items()
    }
    save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"architecture": architecture})
    config = FolderConfig(
        architecture=architecture,
        model=dataclasses.asdict(model.config),
        task=task,
        source_language=source_language,
        target_language=target_language,
        source_tokenizer=source_name,
        target_tokenizer=target_name,
        feature_stats=stats_name,
        weights_dtype=str(dtype).removeprefix("torch."),
        metrics=metrics or {},
        training=training or {},
    )
    write_folder_config(folder, config)
    (folder / CARD_FILE).write_text(card if card is not None else default_card(config, model))
    return folder


def write_folder_config(folder: Path, config: FolderConfig) -> None:
    (folder / CONFIG_FILE).write_text(json.dumps(dataclasses.asdict(config), indent=2, ensure_ascii=False) + "\n")


def attach_language_model(folder: str | Path, lm_folder: str | Path, weight: float, name: str = "lm") -> Path:
    """Copy a language-model folder into a speech model folder as `name`/ and decode with it at
    `weight` (written to config.json). Returns the copy."""
    folder, lm_folder = Path(folder), Path(lm_folder)
    if read_folder_config(lm_folder).task != "language-model":
        raise ConfigError(f"{lm_folder} is not a language-model folder")
    config = read_folder_config(folder)
    destination = folder / name
    if destination.exists():
        shutil.rmtree(destination)
    shutil.copytree(lm_folder, destination)
    config.language_model, config.lm_weight = name, weight
    write_folder_config(folder, config)
    return destination


def _copy_if_needed(source: str | Path, destination: Path) -> None:
    if Path(source).resolve() != destination.resolve():
        shutil.copyfile(source, destination)


def default_card(config: FolderConfig, model: nn.Module) -> str:
    settings = "\n".join(f"- `{k}`: {v}" for k, v in config.model.items())
    metrics = "\n".join(f"- {k}: {v}" for k, v in config.metrics.items()) or "- none recorded"
    titles = {
        "speech": f"{config.source_language or '?'} speech recognition",
        "language-model": f"{config.source_language or '?'} language model",
    }
    title = titles.get(config.task, f"{config.source_language or '?'} → {config.target_language or '?'}")
    return (
        f"# {title} ({config.architecture})\n\n"
        f"Parameters: {parameter_count(model):,}\n\n## Architecture\n{settings}\n\n## Metrics\n{metrics}\n"
    )


def read_folder_config(folder: str | Path) -> FolderConfig:
    """Parse and check config.json alone (cheap: used to list models without loading them)."""
    folder = Path(folder)
    if folder.is_file():
        raise MissingFileError(f"{folder} is a file, not a model folder")
    if not folder.is_dir():
        raise MissingFileError(f"model folder {folder} does not exist")
    path = _require(folder, CONFIG_FILE)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path} is not valid JSON: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a JSON object")
    known = {f.name for f in dataclasses.fields(FolderConfig)}
    missing = sorted({"architecture", "model"} - set(raw))
    if missing:
        raise ConfigError(f"{path} lacks the key(s): {', '.join(missing)}")
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(f"{path} has unknown key(s): {', '.join(unknown)}")
    fault = value_fault(FolderConfig, raw)
    if fault:
        raise ConfigError(f"{path}: {fault}")
    config = FolderConfig(**raw)
    for key in NAMED_FILES:
        name = getattr(config, key)
        if name and not _inside(folder, name):
            raise ConfigError(f"{path}: {key} {name!r} must name a file inside the folder")
    if config.format_version > FORMAT_VERSION:
        raise ConfigError(f"{path} uses format version {config.format_version}; this app reads up to {FORMAT_VERSION}")
    return config


def _inside(folder: Path, name: str) -> bool:
    """Whether folder/name is inside `folder` once every link on the way is followed: not an absolute
    path, no "..", and no symbolic link out of it. Both sides are resolved, so a folder that is itself
    a link (to a model folder elsewhere) still holds its own files."""
    if Path(name).is_absolute() or ".." in Path(name).parts:
        return False
    try:
        return (folder / name).resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):  # a loop of links (RuntimeError before Python 3.13)
        return False


def load_folder(folder: str | Path, device: str | torch.device = "cpu", task: str | None = None) -> LoadedModel:
    """Validate a model folder and rebuild its model (float32, eval mode) and tokenizers.

    task: refuse a folder made for another task ("translation", "speech", "language-model")."""
    folder = Path(folder)
    config = read_folder_config(folder)
    if task is not None and config.task != task:
        raise ConfigError(f"{folder} is a {config.task} model folder, not a {task} model")
    weights_path = _require(folder, WEIGHTS_FILE)
    source_path = _require(folder, config.source_tokenizer) if config.source_tokenizer else None
    target_path = _require(folder, config.target_tokenizer)
    for optional in (config.feature_stats, config.source_words):
        if optional:
            _require(folder, optional)
    try:
        with _NoInitialValues():
            model = build_model(config.architecture, config.model)
    except ConfigError as error:
        raise type(error)(f"{folder / CONFIG_FILE}: {error}") from error
    except RuntimeError as error:  # e.g. DefaultCPUAllocator: can't allocate memory
        raise ConfigError(f"{folder / CONFIG_FILE} describes a model that cannot be built: {error}") from error
    _check_header(weights_path, model)  # before any tensor is read
    load_weights(model, weights_path)
    source_tokenizer = _load_tokenizer(source_path) if source_path else None
    target_tokenizer = _load_tokenizer(target_path)
    _check_vocab(model, source_tokenizer, target_tokenizer, folder)
    return LoadedModel(folder, config, model.to(device).eval(), source_tokenizer, target_tokenizer)


def _require(folder: Path, name: str) -> Path:
    path = folder / name
    if not path.is_file():
        raise MissingFileError(f"model folder {folder} has no {name}")
    return path


def _load_tokenizer(path: Path) -> Tokenizer | ByteBPETokenizer:
    """A SentencePiece model (.model), or a byte-level BPE tokenizer.json (converted checkpoints)."""
    kind, load = (
        ("tokenizer.json", ByteBPETokenizer.load) if path.suffix == ".json" else ("SentencePiece model", Tokenizer.load)
    )
    try:
        return load(path)
    except (OSError, RuntimeError, ValueError) as error:
        raise CorruptFileError(f"{path} is not a valid {kind}: {error}") from error


class _NoInitialValues(TorchFunctionMode):
    """Skips the random initialisation of a model about to be loaded: every tensor it fills is
    overwritten from the file, and until then the memory of a layer that a damaged config makes
    huge stays untouched (virtual) while its shapes are checked against the file's header."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__module__", None) == "torch.nn.init" or func in _FILLS:
            return args[0] if args else kwargs["tensor"]
        return func(*args, **(kwargs or {}))


_FILLS = (torch.Tensor.normal_, torch.Tensor.uniform_)


def _check_header(path: Path, model: nn.Module) -> None:
    """Compare the tensor names and shapes in the safetensors header with `model`'s, reading no tensor."""
    try:
        with safe_open(str(path), framework="pt") as weights:
            shapes = {name: tuple(weights.get_slice(name).get_shape()) for name in weights.keys()}
    except (SafetensorError, OSError, ValueError) as error:
        raise CorruptFileError(f"{path} is corrupt or truncated: {error}") from error
    _compare(path, shapes, {name: tuple(tensor.shape) for name, tensor in unique_state_dict(model).items()})


def _compare(path: Path, shapes: dict[str, tuple], expected: dict[str, tuple]) -> None:
    missing = sorted(set(expected) - set(shapes))
    unexpected = sorted(set(shapes) - set(expected))
    if missing or unexpected:
        raise ShapeMismatchError(
            f"{path} does not match config.json: "
            + "; ".join(filter(None, [_listing("missing", missing), _listing("unexpected", unexpected)]))
        )
    for name, shape in shapes.items():
        if shape != expected[name]:
            raise ShapeMismatchError(
                f"{path}: tensor {name} has shape {shape}, but config.json implies {expected[name]}"
            )


def load_weights(model: nn.Module, path: Path) -> None:
    """Copy a safetensors file into `model`, refusing missing, unexpected or mis-shaped tensors.

    One tensor at a time: the file's tensors (float16 for most folders) are never all in memory beside the
    model's float32 ones (Whisper tiny.en: 71 MB less at the peak of a load)."""
    expected = unique_state_dict(model)
    try:
        with safe_open(str(path), framework="pt") as weights:
            shapes = {name: tuple(weights.get_slice(name).get_shape()) for name in weights.keys()}
            _compare(path, shapes, {k: tuple(v.shape) for k, v in expected.items()})
            with torch.no_grad():
                for name in shapes:
                    expected[name].copy_(weights.get_tensor(name).to(expected[name].dtype))
    except (SafetensorError, OSError, ValueError) as error:
        raise CorruptFileError(f"{path} is corrupt or truncated: {error}") from error


def _listing(label: str, names: list[str]) -> str:
    if not names:
        return ""
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"{label} tensor(s) {shown}"


def _check_vocab(model: nn.Module, source: Tokenizer | None, target: Tokenizer, folder: Path) -> None:
    sides = [("target", target, model.config.tgt_vocab_size)]
    if source is not None:
        sides.append(("source", source, model.config.src_vocab_size))
    for side, tokenizer, size in sides:
        if tokenizer.vocab_size != size:
            raise ShapeMismatchError(
                f"{folder}: the {side} tokenizer has {tokenizer.vocab_size} pieces but the model expects {size}"
            )
