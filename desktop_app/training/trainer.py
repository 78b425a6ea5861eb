"""`attend train-mt`: tokenizer, model, training loop with resumable checkpoints, export.

Run folder (e.g. runs/en-de-transformer):
    config.yaml           the configuration this run was started with
    joint.model           SentencePiece model(s) (or source.model / target.model)
    checkpoint.pt         the latest resumable state (model, optimizer, position, history)
    epochs/epoch-NNN.safetensors   weights after each epoch (the last few are kept)
    best.safetensors      weights with the best dev score so far
    log.jsonl             one record per epoch (loss, learning rate, dev BLEU/chrF, time)
    model/                the exported model folder

The run can be killed at any moment: starting the same command again resumes from
checkpoint.pt at the batch where it stopped (checkpoints are written every epoch and
every `checkpoint_minutes`). Under torchrun, each process trains on its share of the
batches with DistributedDataParallel (gloo on CPU, NCCL on CUDA); process 0 evaluates,
checkpoints and logs.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import sys
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.distributed as dist
import yaml
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm import tqdm

from desktop_app.seq2seq import DecodeOptions, Tokenizer, Translator, save_folder
from desktop_app.seq2seq.architectures import build_model, parameter_count
from desktop_app.seq2seq.loss import label_smoothed_nll
from desktop_app.seq2seq.model_folder import unique_state_dict

from .config import CorpusPaths, TrainConfig, to_dict
from .data import concatenate, iterate_batches, read_parallel, token_batches, tokenize_pairs
from .evaluate import evaluate


@dataclass
class Progress:
    """Everything besides tensors that a resumed run needs."""

    epoch: int = 1  # the epoch in progress (1-based)
    batches_done: int = 0  # batches of this epoch already trained (per process)
    step: int = 0  # optimizer updates so far
    lr_scale: float = 1.0  # plateau schedule multiplier
    best_score: float = -1.0
    best_epoch: int = 0
    epochs_without_improvement: int = 0
    train_seconds: float = 0.0
    history: list[dict] = field(default_factory=list)
    finished: bool = False  # stopped early (no dev improvement, or the rate decayed away)


@dataclass
class Distributed:
    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def start_distributed(device: torch.device) -> Distributed:
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Distributed()
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Distributed(dist.get_rank(), world_size)


class Trainer:
    def __init__(self, config: TrainConfig, out: Path, device: str = "cpu", data_root: str | None = None,
                 log=print):
        self.config, self.out = config, Path(out)
        self.device = torch.device(device)
        self.data_root = Path(data_root or config.data_root)
        self.log = log
        self.dist = start_distributed(self.device)
        if self.device.type == "cuda" and self.dist.world_size > 1:
            self.device = torch.device("cuda", self.dist.rank % torch.cuda.device_count())
        self.options = config.training

    # -- set-up -------------------------------------------------------------------
    def _path(self, corpus_file: str) -> Path:
        path = Path(corpus_file)
        return path if path.is_absolute() else self.data_root / path

    def _read(self, corpus: CorpusPaths):
        return read_parallel(self._path(corpus.src), self._path(corpus.tgt))

    def prepare(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        if self.dist.is_main:
            (self.out / "config.yaml").write_text(yaml.safe_dump(to_dict(self.config), sort_keys=False))
        train = concatenate([self._read(c) for c in self.config.data.train])
        dev = self._read(self.config.data.dev)
        limit = self.config.data.dev_limit or len(dev.sources)
        self.dev_sources, self.dev_references = dev.sources[:limit], dev.targets[:limit]
        self.source_tokenizer, self.target_tokenizer = self._tokenizers(train)
        self.pairs = tokenize_pairs(train, self.source_tokenizer, self.target_tokenizer, self.config.data.max_length)
        self.log(f"{len(self.pairs):,} training pairs ({len(train.sources) - len(self.pairs):,} dropped as too long)")
        torch.manual_seed(self.options.seed)
        settings = dict(self.config.model_settings, src_vocab_size=self.source_tokenizer.vocab_size,
                        tgt_vocab_size=self.target_tokenizer.vocab_size)
        self.model = build_model(self.config.architecture, settings).to(self.device)
        self.log(f"{self.config.architecture} model with {parameter_count(self.model):,} parameters")
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=self.options.learning_rate,
                                           betas=tuple(self.options.adam_betas),
                                           weight_decay=self.options.weight_decay)
        self.progress = Progress()
        self._resume()
        self.wrapped = (nn.parallel.DistributedDataParallel(self.model) if self.dist.world_size > 1 else self.model)

    def _tokenizer_files(self) -> tuple[Path, Path]:
        if self.config.tokenizer.joint:
            return self.out / "joint.model", self.out / "joint.model"
        return self.out / "source.model", self.out / "target.model"

    def _tokenizers(self, train) -> tuple[Tokenizer, Tokenizer]:
        source_file, target_file = self._tokenizer_files()
        if self.dist.is_main and not target_file.exists():
            settings = self.config.tokenizer
            kwargs = dict(vocab_size=settings.vocab_size, model_type=settings.model_type,
                          character_coverage=settings.character_coverage)
            if settings.joint:
                Tokenizer.train(train.sources + train.targets, source_file, **kwargs)
            else:
                Tokenizer.train(train.sources, source_file, **kwargs)
                Tokenizer.train(train.targets, target_file, **kwargs)
        self._barrier()
        return Tokenizer.load(source_file), Tokenizer.load(target_file)

    def _barrier(self) -> None:
        if self.dist.world_size > 1:
            dist.barrier()

    # -- checkpoints ----------------------------------------------------------------
    def _resume(self) -> None:
        path = self.out / "checkpoint.pt"
        if not path.exists():
            return
        state = torch.load(path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.progress = Progress(**json.loads(state["progress"]))
        if "rng" in state:
            torch.set_rng_state(state["rng"].cpu())
        self.log(f"resumed from {path}: epoch {self.progress.epoch}, batch {self.progress.batches_done}, "
                 f"step {self.progress.step}")

    def save_checkpoint(self) -> None:
        if not self.dist.is_main:
            return
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "progress": json.dumps(self.progress.__dict__), "rng": torch.get_rng_state()}
        temporary = self.out / "checkpoint.pt.tmp"
        torch.save(state, temporary)
        os.replace(temporary, self.out / "checkpoint.pt")

    def _save_weights(self, path: Path) -> None:
        tensors = {k: v.detach().cpu().contiguous() for k, v in unique_state_dict(self.model).items()}
        temporary = path.with_suffix(".tmp")
        save_file(tensors, str(temporary))
        os.replace(temporary, path)

    # -- schedule -----------------------------------------------------------------
    def learning_rate(self, step: int) -> float:
        o = self.options
        warm = min(1.0, step / max(1, o.warmup_steps))
        if o.schedule == "inverse_sqrt":
            decay = math.sqrt(o.warmup_steps / step) if step > o.warmup_steps else 1.0
            return o.learning_rate * warm * decay
        return o.learning_rate * warm * self.progress.lr_scale

    # -- the loop -------------------------------------------------------------------
    def train(self) -> None:
        self.prepare()
        while not self.progress.finished and self.progress.epoch <= self.options.epochs:
            self._train_epoch()
            self._end_epoch()

    def _my_batches(self) -> list[list[int]]:
        seed = self.options.seed * 1000 + self.progress.epoch
        batches = token_batches(self.pairs, self.options.batch_tokens, seed=seed)
        usable = len(batches) // self.dist.world_size * self.dist.world_size
        return batches[self.dist.rank : usable : self.dist.world_size]

    def _autocast(self):
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return nullcontext()

    def _train_epoch(self) -> None:
        batches = self._my_batches()
        p = self.progress
        bar = tqdm(total=len(batches), initial=p.batches_done, desc=f"epoch {p.epoch}", unit="batch",
                   disable=not self.dist.is_main, mininterval=1 if sys.stderr.isatty() else 60, file=sys.stderr)
        tokens = nll_sum = 0.0
        lr = self.learning_rate(max(1, p.step))
        started = last_checkpoint = time.time()
        for batch in iterate_batches(self.pairs, batches[p.batches_done :]):
            p.step += 1
            lr = self.learning_rate(p.step)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            batch_nll, batch_tokens = self._update(batch.to(self.device))
            nll_sum += batch_nll
            tokens += batch_tokens
            p.batches_done += 1
            bar.update(1)
            bar.set_postfix(nll=f"{nll_sum / max(tokens, 1):.3f}", lr=f"{lr:.2e}",
                            tok_s=f"{tokens / (time.time() - started):.0f}", refresh=False)
            if time.time() - last_checkpoint > 60 * self.options.checkpoint_minutes:
                p.train_seconds += time.time() - last_checkpoint
                last_checkpoint = time.time()
                self.save_checkpoint()
        bar.close()
        p.train_seconds += time.time() - last_checkpoint
        self._epoch_stats = {"train_nll": nll_sum / max(tokens, 1), "train_tokens": int(tokens), "lr": lr}

    def _update(self, batch) -> tuple[float, int]:
        self.wrapped.train()
        self.optimizer.zero_grad(set_to_none=True)
        with self._autocast():
            logits, _ = self.wrapped(batch.src, batch.src_mask, batch.tgt_in)
        loss, nll = label_smoothed_nll(logits, batch.tgt_out, self.options.label_smoothing)
        tokens = batch.target_tokens
        (loss / tokens).backward()
        if self.options.clip_norm:
            nn.utils.clip_grad_norm_(self.model.parameters(), self.options.clip_norm)
        self.optimizer.step()
        return float(nll), tokens

    def _end_epoch(self) -> None:
        p = self.progress
        control = torch.zeros(2)
        if self.dist.is_main:
            score = self.dev_score()
            improved = score["chrf"] + score["bleu"] > p.best_score
            epoch_file = self.out / "epochs" / f"epoch-{p.epoch:03d}.safetensors"
            epoch_file.parent.mkdir(exist_ok=True)
            self._save_weights(epoch_file)
            self._prune_epoch_files()
            if improved:
                p.best_score, p.best_epoch, p.epochs_without_improvement = score["chrf"] + score["bleu"], p.epoch, 0
                shutil.copyfile(epoch_file, self.out / "best.safetensors")
            else:
                p.epochs_without_improvement += 1
                patience = self.options.plateau_patience
                if self.options.schedule == "plateau" and p.epochs_without_improvement % patience == 0:
                    p.lr_scale *= self.options.plateau_factor
            record = {"epoch": p.epoch, "step": p.step, **self._epoch_stats, "dev_bleu": score["bleu"],
                      "dev_chrf": score["chrf"], "best_epoch": p.best_epoch, "train_seconds": round(p.train_seconds)}
            p.history.append(record)
            with (self.out / "log.jsonl").open("a") as log_file:
                log_file.write(json.dumps(record) + "\n")
            self.log(json.dumps(record))
            control = torch.tensor([p.lr_scale, float(self._should_stop())])
        if self.dist.world_size > 1:
            dist.broadcast(control, src=0)
        p.lr_scale, stop = float(control[0]), bool(control[1])
        p.epoch += 1
        p.batches_done = 0
        p.finished = stop
        self.save_checkpoint()

    def _should_stop(self) -> bool:
        p, o = self.progress, self.options
        if o.early_stop_patience and p.epochs_without_improvement >= o.early_stop_patience:
            self.log(f"stopping: no dev improvement for {p.epochs_without_improvement} epochs")
            return True
        if o.schedule == "plateau" and o.learning_rate * p.lr_scale < o.min_learning_rate:
            self.log("stopping: the learning rate fell below min_learning_rate")
            return True
        return False

    def _prune_epoch_files(self) -> None:
        keep = max(1, self.options.average_last)
        files = sorted((self.out / "epochs").glob("epoch-*.safetensors"))
        for old in files[:-keep]:
            old.unlink()

    def dev_score(self, model: nn.Module | None = None) -> dict:
        model = model or self.model
        model.eval()
        translator = Translator(model, self.source_tokenizer, self.target_tokenizer)
        score, _ = evaluate(translator, self.dev_sources, self.dev_references,
                            DecodeOptions(beam_size=self.options.dev_beam))
        return {"bleu": round(score.bleu, 2), "chrf": round(score.chrf, 2)}

    # -- export -------------------------------------------------------------------
    def export(self, command: str) -> Path:
        """Pick the best of (best epoch, average of the last epochs) on dev and write runs/NAME/model."""
        if not hasattr(self, "model"):
            self.prepare()
        candidates = {"best epoch": self.out / "best.safetensors"}
        averaged = self._average_last_epochs()
        if averaged is not None:
            candidates[f"average of last {self.options.average_last} epochs"] = averaged
        scored = {}
        for label, path in candidates.items():
            self._load_weights(path)
            scored[label] = self.dev_score()
            self.log(f"dev {label}: {scored[label]}")
        winner = max(scored, key=lambda k: scored[k]["bleu"] + scored[k]["chrf"])
        self._load_weights(candidates[winner])
        dtype = getattr(torch, self.options.export_dtype)
        source_file, target_file = self._tokenizer_files()
        training = {
            "command": command, "selected": winner, "epochs": self.progress.epoch - 1, "steps": self.progress.step,
            "train_hours": round(self.progress.train_seconds / 3600, 2), "device": describe_device(self.device),
            "processes": self.dist.world_size, "config": to_dict(self.config), "history": self.progress.history,
        }
        metrics = {"dev": {**scored[winner], "beam": self.options.dev_beam}}
        folder = save_folder(self.out / "model", self.model, source_file, target_file, self.config.source_language,
                             self.config.target_language, dtype=dtype, metrics=metrics, training=training)
        self.log(f"exported {folder} ({winner})")
        return folder

    def _load_weights(self, path: Path) -> None:
        tensors = load_file(str(path))
        own = unique_state_dict(self.model)
        with torch.no_grad():
            for name, tensor in tensors.items():
                own[name].copy_(tensor)

    def _average_last_epochs(self) -> Path | None:
        files = sorted((self.out / "epochs").glob("epoch-*.safetensors"))[-self.options.average_last :]
        if len(files) < 2:
            return None
        total = {k: v.double() for k, v in load_file(str(files[0])).items()}
        for path in files[1:]:
            for k, v in load_file(str(path)).items():
                total[k] += v.double()
        averaged = {k: (v / len(files)).float() for k, v in total.items()}
        path = self.out / "averaged.safetensors"
        save_file(averaged, str(path))
        return path


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"
