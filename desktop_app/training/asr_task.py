"""The speech-recognition task for the training engine: manifests, cached log-mel features,
on-the-fly augmentation, joint attention + CTC loss, WER on dev."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm

from desktop_app.seq2seq import Tokenizer, save_folder
from desktop_app.seq2seq.architectures import build_model
from desktop_app.seq2seq.batch import pad
from desktop_app.seq2seq.las import CTC_BLANK
from desktop_app.seq2seq.loss import label_smoothed_nll
from desktop_app.seq2seq.tokenizer import BOS_ID, EOS_ID, PAD_ID
from desktop_app.speech.augment import Augmenter, spec_augment
from desktop_app.speech.features import FRAMES_PER_SECOND, FeatureNormalizer, load_audio, log_mel
from desktop_app.speech.manifest import Utterance, read_manifest

from .asr_config import ASRTrainConfig
from .data import FileTask


@dataclass
class SpeechBatch:
    src: torch.Tensor  # batch x frames x mels
    src_mask: torch.Tensor  # batch x frames
    tgt_in: torch.Tensor  # batch x tgt_len (BOS + target)
    tgt_out: torch.Tensor  # batch x tgt_len (target + EOS)

    @property
    def target_tokens(self) -> int:
        return int((self.tgt_out != PAD_ID).sum())

    def to(self, device) -> SpeechBatch:
        return SpeechBatch(*(t.to(device) for t in (self.src, self.src_mask, self.tgt_in, self.tgt_out)))


class FeatureCache:
    """Log-mel features of audio files, computed once and kept as float16 .npy files."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def path(self, audio: Path) -> Path:
        digest = hashlib.sha1(str(audio).encode()).hexdigest()
        return self.folder / digest[:2] / f"{digest}.npy"

    def get(self, audio: Path) -> np.ndarray:
        cached = self.path(audio)
        if cached.exists():
            return np.load(cached).astype(np.float32)
        features = log_mel(load_audio(audio))
        cached.parent.mkdir(exist_ok=True)
        temporary = cached.with_suffix(".tmp.npy")
        np.save(temporary, features.astype(np.float16))
        temporary.replace(cached)
        return features


def _exit_with_parent(parent: int) -> None:
    """A feature worker ends when the training process that started it is killed (no orphans left computing)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _cache_one(folder: Path, audio: Path) -> None:
    """Fill one file's cache entry (a worker process's job); a file that fails stops the run, named."""
    try:
        FeatureCache(folder).get(audio)
    except Exception as error:  # noqa: BLE001 - report the file, then stop
        raise RuntimeError(f"cannot compute features of {audio}: {error}") from error


def ctc_targets(tgt_out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Targets without EOS and padding: (concatenated ids, lengths)."""
    keep = (tgt_out != PAD_ID) & (tgt_out != EOS_ID)
    return tgt_out[keep], keep.sum(dim=1)


class SpeechTask(FileTask):
    config: ASRTrainConfig

    def __init__(self, config: ASRTrainConfig, data_root: str | None = None, log=print):
        super().__init__(config, data_root, log)
        self.rng = np.random.default_rng(config.training.seed)

    # -- data ---------------------------------------------------------------------
    def prepare(self, out: Path, is_main: bool, barrier) -> None:
        self.out = out
        data = self.config.data
        self.train_items: list[Utterance] = []
        for source in data.train:
            items = [u for u in read_manifest(self._path(source.path)) if u.duration <= data.max_seconds]
            self.train_items += items * source.repeat
        self.dev_sets = {Path(m).stem: read_manifest(self._path(m))[: data.dev_limit or None] for m in data.dev}
        cache = FeatureCache(Path(data.feature_cache))
        unique = sorted({u.path for u in self.train_items} | {u.path for d in self.dev_sets.values() for u in d})
        if is_main:
            self._fill_cache(cache, unique)
        barrier()
        self.features = {path: cache.get(path) for path in unique}
        self.noises = [log_mel(load_audio(p)) for p in sorted(self._path(data.noise_dir).glob("*.ogg"))]
        tokenizer_file, stats_file = out / "units.model", out / "features.json"
        if is_main and not tokenizer_file.exists():
            texts = sorted({u.text for u in self.train_items})
            Tokenizer.train(
                texts,
                tokenizer_file,
                vocab_size=self.config.tokenizer.vocab_size,
                model_type=self.config.tokenizer.model_type,
            )
        if is_main and not stats_file.exists():
            sample = random.Random(0).sample(self.train_items, min(3000, len(self.train_items)))
            FeatureNormalizer.fit(self.features[u.path] for u in sample).save(stats_file)
        barrier()
        self.tokenizer = Tokenizer.load(tokenizer_file)
        self.normalizer = FeatureNormalizer.load(stats_file)
        self.targets = [self.tokenizer.encode(u.text) for u in self.train_items]
        self.augmenter = Augmenter(self.config.augment, self.noises, self.rng)
        hours = sum(u.duration for u in self.train_items) / 3600
        self.log(
            f"{len(self.train_items):,} training utterances ({hours:.1f} h with repeats), "
            f"{len(unique):,} audio files, {len(self.noises)} noise recordings"
        )

    def adopt_folder(self, folder: Path, out: Path) -> None:
        """Take a speech model folder's units and feature statistics, so its weights read the same input."""
        self._copy_from_folder(
            folder,
            out,
            "speech",
            "a speech recognizer",
            {"target_tokenizer": "units.model", "feature_stats": "features.json"},
        )

    def _fill_cache(self, cache: FeatureCache, paths: list[Path]) -> None:
        """Compute the missing features, in as many processes as training has threads."""
        missing = [p for p in paths if not cache.path(p).exists()]
        workers = min(torch.get_num_threads(), max(1, len(missing) // 200))
        bar = tqdm(total=len(missing), desc="log-mel features", unit="file", mininterval=10, disable=not missing)
        if workers == 1:
            for path in missing:
                _cache_one(cache.folder, path)
                bar.update(1)
        else:
            with ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_exit_with_parent,
                initargs=(os.getpid(),),
            ) as pool:
                for _ in pool.map(_cache_one, [cache.folder] * len(missing), missing, chunksize=64):
                    bar.update(1)
        bar.close()

    # -- model and batches --------------------------------------------------------
    def build_model(self) -> nn.Module:
        settings = dict(self.config.model_settings, tgt_vocab_size=self.tokenizer.vocab_size)
        return build_model("las", settings)

    def batches(self, seed: int) -> list[list[int]]:
        rng = random.Random(seed)
        frames = [u.duration * FRAMES_PER_SECOND for u in self.train_items]
        order = sorted(range(len(frames)), key=lambda i: frames[i] * rng.uniform(0.9, 1.1))
        budget = self.config.data.batch_seconds * FRAMES_PER_SECOND
        batches, current, longest = [], [], 0.0
        for index in order:
            if current and max(longest, frames[index]) * (len(current) + 1) > budget:
                batches.append(current)
                current, longest = [], 0.0
            current.append(index)
            longest = max(longest, frames[index])
        if current:
            batches.append(current)
        rng.shuffle(batches)
        return batches

    def iterate(self, batches: list[list[int]]) -> Iterator[SpeechBatch]:
        for indices in batches:
            yield self._batch(indices)

    def _batch(self, indices: list[int]) -> SpeechBatch:
        raw = [self.features[self.train_items[i].path] for i in indices]
        features = []
        for position, item in enumerate(raw):
            others = [r for j, r in enumerate(raw) if j != position]
            augmented = self.augmenter(item, others)
            features.append(spec_augment(self.normalizer(augmented), self.config.augment, self.rng))
        targets = [self.targets[i] for i in indices]
        return speech_batch(features, targets)

    # -- loss, dev, export ----------------------------------------------------------
    def loss(self, model: nn.Module, batch: SpeechBatch) -> tuple[torch.Tensor, float, int]:
        return joint_loss(model, batch, self.config.model.get("ctc_weight", 0.3), self.config.training.label_smoothing)

    def dev_score(self, model: nn.Module) -> dict[str, float]:
        from desktop_app.speech.evaluate import word_error_rates
        from desktop_app.speech.recognizer import SPEECH_DECODE, decode_features

        scores = {}
        for name, items in self.dev_sets.items():
            hypotheses = [
                decode_features(model, self.normalizer(self.features[u.path]), self.tokenizer, SPEECH_DECODE)
                for u in items
            ]
            rates = word_error_rates([u.text for u in items], hypotheses)
            scores[f"{name}_wer"] = round(100 * rates["wer"], 2)
        scores["score"] = -float(np.mean([v for k, v in scores.items()]))
        return scores

    def export(self, model: nn.Module, folder: Path, dtype: torch.dtype, metrics: dict, training: dict) -> Path:
        return save_folder(
            folder,
            model,
            None,
            self.out / "units.model",
            self.config.language,
            "",
            dtype=dtype,
            metrics=metrics,
            training=training,
            task="speech",
            feature_stats_file=self.out / "features.json",
        )


def joint_loss(
    model: nn.Module, batch: SpeechBatch, ctc_weight: float, smoothing: float
) -> tuple[torch.Tensor, float, int]:
    """LAS training loss: (1 - w) x label-smoothed attention CE + w x CTC, summed. -> (loss, nll sum, tokens)"""
    logits, _, ctc_log_probs, frame_lengths = model(batch.src, batch.src_mask, batch.tgt_in, with_ctc=True)
    attention_loss, nll = label_smoothed_nll(logits, batch.tgt_out, smoothing)
    targets, target_lengths = ctc_targets(batch.tgt_out)
    ctc = F.ctc_loss(
        ctc_log_probs.transpose(0, 1),
        targets,
        frame_lengths,
        target_lengths,
        blank=CTC_BLANK,
        reduction="sum",
        zero_infinity=True,
    )
    return (1 - ctc_weight) * attention_loss + ctc_weight * ctc, float(nll), batch.target_tokens


def speech_batch(features: list[np.ndarray], targets: list[list[int]]) -> SpeechBatch:
    frames = max(f.shape[0] for f in features)
    src = torch.zeros(len(features), frames, features[0].shape[1])
    mask = torch.zeros(len(features), frames, dtype=torch.bool)
    for row, f in enumerate(features):
        src[row, : f.shape[0]] = torch.from_numpy(f)
        mask[row, : f.shape[0]] = True
    return SpeechBatch(src, mask, pad([[BOS_ID, *t] for t in targets]), pad([[*t, EOS_ID] for t in targets]))
