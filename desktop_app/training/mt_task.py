"""The translation task for the training engine: parallel text, SentencePiece, BLEU/chrF on dev."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import torch
from torch import nn

from desktop_app.seq2seq import DecodeOptions, Tokenizer, Translator, save_folder
from desktop_app.seq2seq.architectures import build_model
from desktop_app.seq2seq.batch import Batch
from desktop_app.seq2seq.loss import label_smoothed_nll
from desktop_app.seq2seq.source_words import attach_source_words, count_words

from .config import CorpusPaths, TrainConfig
from .data import FileTask, concatenate, iterate_batches, read_parallel, token_batches, tokenize_pairs
from .evaluate import evaluate


class TranslationTask(FileTask):
    config: TrainConfig

    def _read(self, corpus: CorpusPaths):
        return read_parallel(self._path(corpus.src), self._path(corpus.tgt))

    def tokenizer_files(self, out: Path) -> tuple[Path, Path]:
        if self.config.tokenizer.joint:
            return out / "joint.model", out / "joint.model"
        return out / "source.model", out / "target.model"

    def prepare(self, out: Path, is_main: bool, barrier) -> None:
        self.out = out
        corpora = [(c, self._read(c)) for c in self.config.data.train]
        if any(c.repeat < 1 for c, _ in corpora):
            raise ValueError("data.train: repeat must be at least 1")
        once = concatenate([text for _, text in corpora])  # what the tokenizer learns from
        self.source_word_counts = count_words(once.sources)  # exported: unseen names are kept (protect.py)
        train = concatenate([text for c, text in corpora for _ in range(c.repeat)])
        dev = self._read(self.config.data.dev)
        limit = self.config.data.dev_limit or len(dev.sources)
        self.dev_sources, self.dev_references = dev.sources[:limit], dev.targets[:limit]
        source_file, target_file = self.tokenizer_files(out)
        if is_main and not target_file.exists():
            self._train_tokenizers(once, source_file, target_file)
        barrier()
        self.source_tokenizer, self.target_tokenizer = Tokenizer.load(source_file), Tokenizer.load(target_file)
        self.pairs = tokenize_pairs(train, self.source_tokenizer, self.target_tokenizer, self.config.data.max_length)
        self.log(f"{len(self.pairs):,} training pairs ({len(train.sources) - len(self.pairs):,} dropped as too long)")

    def _train_tokenizers(self, train, source_file: Path, target_file: Path) -> None:
        settings = self.config.tokenizer
        kwargs = dict(
            vocab_size=settings.vocab_size,
            model_type=settings.model_type,
            character_coverage=settings.character_coverage,
            byte_fallback=settings.byte_fallback,
        )
        if settings.joint:
            Tokenizer.train(train.sources + train.targets, source_file, **kwargs)
        else:
            Tokenizer.train(train.sources, source_file, **kwargs)
            Tokenizer.train(train.targets, target_file, **kwargs)

    def build_model(self) -> nn.Module:
        settings = dict(
            self.config.model_settings,
            src_vocab_size=self.source_tokenizer.vocab_size,
            tgt_vocab_size=self.target_tokenizer.vocab_size,
        )
        return build_model(self.config.architecture, settings)

    def batches(self, seed: int) -> list[list[int]]:
        return token_batches(self.pairs, self.config.training.batch_tokens, seed=seed)

    def iterate(self, batches: list[list[int]]) -> Iterator[Batch]:
        return iterate_batches(self.pairs, batches)

    def loss(self, model: nn.Module, batch: Batch) -> tuple[torch.Tensor, float, int]:
        logits, _ = model(batch.src, batch.src_mask, batch.tgt_in)
        loss, nll = label_smoothed_nll(logits, batch.tgt_out, self.config.training.label_smoothing)
        return loss, float(nll), batch.target_tokens

    def dev_score(self, model: nn.Module) -> dict[str, float]:
        translator = Translator(model, self.source_tokenizer, self.target_tokenizer)
        score, _ = evaluate(
            translator, self.dev_sources, self.dev_references, DecodeOptions(beam_size=self.config.training.dev_beam)
        )
        return {"bleu": round(score.bleu, 2), "chrf": round(score.chrf, 2), "score": score.bleu + score.chrf}

    def adopt_folder(self, folder: Path, out: Path) -> None:
        """Take a translation folder's tokenizer(s), so its weights read the same pieces; the config's own
        tokenizer settings are then unused."""
        source_file, target_file = self.tokenizer_files(out)
        files = {"source_tokenizer": source_file.name, "target_tokenizer": target_file.name}
        self._copy_from_folder(folder, out, "translation", "a translation model", files)

    def export(self, model: nn.Module, folder: Path, dtype: torch.dtype, metrics: dict, training: dict) -> Path:
        source_file, target_file = self.tokenizer_files(self.out)
        folder = save_folder(
            folder,
            model,
            source_file,
            target_file,
            self.config.source_language,
            self.config.target_language,
            dtype=dtype,
            metrics=metrics,
            training=training,
        )
        attach_source_words(folder, self.source_word_counts)
        return folder
