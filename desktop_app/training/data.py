"""What training tasks share: paths under a data root, files taken from a model folder; parallel text:
reading, tokenising, and token-count batches with length bucketing."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop_app.seq2seq.batch import Batch, make_batch
from desktop_app.seq2seq.tokenizer import Tokenizer


@dataclass
class ParallelText:
    sources: list[str]
    targets: list[str]


def read_parallel(source_path: str | Path, target_path: str | Path) -> ParallelText:
    """Line-aligned files; a line-count mismatch is an error, empty pairs are dropped."""
    sources = Path(source_path).read_text(encoding="utf-8").splitlines()
    targets = Path(target_path).read_text(encoding="utf-8").splitlines()
    if len(sources) != len(targets):
        raise ValueError(f"{source_path} has {len(sources)} lines but {target_path} has {len(targets)}")
    pairs = [(s.strip(), t.strip()) for s, t in zip(sources, targets, strict=True) if s.strip() and t.strip()]
    return ParallelText([s for s, _ in pairs], [t for _, t in pairs])


def concatenate(parts: Sequence[ParallelText]) -> ParallelText:
    return ParallelText([s for p in parts for s in p.sources], [t for p in parts for t in p.targets])


class FileTask:
    """What every training task starts with: its config, a log, and paths that resolve against
    the data root (the config's `data_root`, or --data-root)."""

    def __init__(self, config, data_root: str | None = None, log=print):
        self.config = config
        self.data_root = Path(data_root or config.data_root)
        self.log = log

    def _path(self, name: str) -> Path:
        path = Path(name)
        return path if path.is_absolute() else self.data_root / path

    @staticmethod
    def _copy_from_folder(folder: Path, out: Path, task: str, kind: str, files: dict[str, str]) -> None:
        """Copy an exported model folder's files (config field -> name in `out`) into a run folder, after
        checking it holds a `task` model (`kind`, for the error) that names each of them (see Trainer init_from)."""
        from desktop_app.seq2seq.errors import ConfigError
        from desktop_app.seq2seq.model_folder import read_folder_config

        config = read_folder_config(folder)
        if config.task != task or not all(getattr(config, field) for field in files):
            raise ConfigError(f"cannot start from {folder}: it holds a {config.task} model, not {kind}")
        out.mkdir(parents=True, exist_ok=True)
        for field, name in files.items():
            shutil.copyfile(folder / getattr(config, field), out / name)


TokenPair = tuple[list[int], list[int]]


def tokenize_pairs(text: ParallelText, source: Tokenizer, target: Tokenizer, max_length: int) -> list[TokenPair]:
    """Ids of each pair; pairs with a side longer than max_length pieces are dropped."""
    pairs = []
    for s, t in zip(source.encode_batch(text.sources), target.encode_batch(text.targets), strict=True):
        if 0 < len(s) <= max_length and 0 < len(t) <= max_length:
            pairs.append((s, t))
    return pairs


def token_batches(pairs: Sequence[TokenPair], max_tokens: int, seed: int) -> list[list[int]]:
    """Indices of pairs grouped into batches of at most max_tokens padded source+target tokens.

    Pairs are sorted by target length (with a little seeded noise so batches differ between
    epochs), then source length. The same seed always gives the same batches.
    """
    rng = random.Random(seed)
    keys = [(len(t) + rng.random(), len(s)) for s, t in pairs]
    return length_batches(keys, [2 * (max(len(s), len(t)) + 1) for s, t in pairs], max_tokens, rng)


def length_batches(sort_keys: Sequence, sizes: Sequence[int], max_tokens: int, rng: random.Random) -> list[list[int]]:
    """Indices sorted by `sort_keys`, cut into batches whose padded size (longest size x count)
    stays under max_tokens, in shuffled order. sizes: padded tokens one example adds per position."""
    order = sorted(range(len(sizes)), key=lambda i: sort_keys[i])
    batches, current, longest = [], [], 0
    for index in order:
        if current and max(longest, sizes[index]) * (len(current) + 1) > max_tokens:
            batches.append(current)
            current, longest = [], 0
        current.append(index)
        longest = max(longest, sizes[index])
    if current:
        batches.append(current)
    rng.shuffle(batches)
    return batches


def iterate_batches(pairs: Sequence[TokenPair], batch_indices: Sequence[list[int]]) -> Iterator[Batch]:
    for indices in batch_indices:
        yield make_batch([pairs[i] for i in indices])
