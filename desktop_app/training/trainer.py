"""The training engine shared by `attend train-mt` and `attend train-asr`.

Run folder (e.g. runs/en-de-transformer):
    config.yaml           the configuration this run was started with
    *.model               SentencePiece model(s) the task trained
    checkpoint.pt         the latest resumable state (model, optimizer, position, history)
    epochs/epoch-NNN.safetensors   weights after each epoch (the last few are kept)
    best.safetensors      weights with the best dev score so far
    log.jsonl             one record per epoch (loss, learning rate, dev scores, time)
    model/                the exported model folder

The run can be killed at any moment: starting the same command again resumes from
checkpoint.pt at the batch where it stopped (checkpoints are written every epoch and
every `checkpoint_minutes`). Under torchrun, each process trains on its share of the
batches with DistributedDataParallel (gloo on CPU, NCCL on CUDA); process 0 evaluates,
checkpoints and logs.

What is trained is a `Task` (translation, speech): it prepares data and tokenizers,
builds the model, cuts batches, computes the loss, scores dev and writes the model folder.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import torch
import torch.distributed as dist
import yaml
from safetensors.torch import load_file, save_file
from torch import nn
from tqdm import tqdm

from desktop_app.seq2seq.architectures import parameter_count
from desktop_app.seq2seq.model_folder import unique_state_dict

from .config import OptimConfig


@dataclass
class Progress:
    """Everything besides tensors that a resumed run needs."""

    epoch: int = 1  # the epoch in progress (1-based)
    batches_done: int = 0  # batches of this epoch already trained (per process)
    step: int = 0  # optimizer updates so far
    lr_scale: float = 1.0  # plateau schedule multiplier
    best_score: float = -1e9
    best_epoch: int = 0
    epochs_without_improvement: int = 0
    train_seconds: float = 0.0
    history: list[dict] = field(default_factory=list)
    finished: bool = False  # stopped early (no dev improvement, or the rate decayed away)
    warmup_start: int = 0  # the step the learning-rate warm-up counts from (a continued run warms up again)
    started_from: dict | None = None  # the model folder a continued run began with (see --init-from)


@dataclass
class Distributed:
    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


class Task(Protocol):
    """What the engine needs from a kind of model."""

    def prepare(self, out: Path, is_main: bool, barrier) -> None:
        """Read data, train or load tokenizers (process 0 writes files, then `barrier()`)."""

    def build_model(self) -> nn.Module: ...

    def batches(self, seed: int) -> list[list[int]]:
        """The epoch's batches as lists of example indices; the same seed gives the same list."""

    def iterate(self, batches: list[list[int]]) -> Iterator[Any]:
        """Batch objects with a `.to(device)` method."""

    def loss(self, model: nn.Module, batch: Any) -> tuple[torch.Tensor, float, int]:
        """(loss sum to backpropagate, nll sum for reporting, target tokens)."""

    def dev_score(self, model: nn.Module) -> dict[str, float]:
        """Dev metrics; the key "score" is what is maximised."""

    def export(self, model: nn.Module, folder: Path, dtype: torch.dtype, metrics: dict, training: dict) -> Path: ...

    def adopt_folder(self, folder: Path, out: Path) -> None:
        """Optional: copy an exported model folder's tokenizer (and feature statistics) into the run
        folder, so a run that starts from its weights reads the same units (see Trainer init_from)."""


def start_distributed(device: torch.device) -> Distributed:
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return Distributed()
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return Distributed(dist.get_rank(), world_size)


class Trainer:
    def __init__(
        self,
        task: Task,
        options: OptimConfig,
        config_dict: dict,
        out: Path,
        device: str = "cpu",
        log=print,
        precision: str = "auto",
        init_from: str | Path | None = None,
    ):
        self.task, self.options, self.config_dict = task, options, config_dict
        self.init_from = Path(init_from) if init_from else None  # a model folder a new run starts from
        self.precision = precision  # auto (bfloat16 autocast on CUDA only), bfloat16 or float32
        self.out = Path(out)
        self.device = torch.device(device)
        self.log = log
        self.dist = start_distributed(self.device)
        if self.device.type == "cuda" and self.dist.world_size > 1:
            self.device = torch.device("cuda", self.dist.rank % torch.cuda.device_count())

    # -- set-up -------------------------------------------------------------------
    def prepare(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        if self.dist.is_main:
            (self.out / "config.yaml").write_text(yaml.safe_dump(self.config_dict, sort_keys=False))
        starting_from_folder = self.init_from is not None and not (self.out / "checkpoint.pt").exists()
        if starting_from_folder and self.dist.is_main:
            self.task.adopt_folder(self.init_from, self.out)
        self.task.prepare(self.out, self.dist.is_main, self._barrier)
        torch.manual_seed(self.options.seed)
        self.model = self.task.build_model().to(self.device)
        self.log(
            f"{type(self.model).__name__} with {parameter_count(self.model):,} parameters, "
            f"training in {self._precision_name} on {describe_device(self.device)}"
        )
        self.optimizer = torch.optim.AdamW(
            self.model.parameters(),
            lr=self.options.learning_rate,
            betas=tuple(self.options.adam_betas),
            weight_decay=self.options.weight_decay,
        )
        self.progress = Progress()
        self._resume()
        if starting_from_folder:
            self._start_from_folder(self.init_from)
        self.wrapped = nn.parallel.DistributedDataParallel(self.model) if self.dist.world_size > 1 else self.model

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
        self.log(
            f"resumed from {path}: epoch {self.progress.epoch}, batch {self.progress.batches_done}, "
            f"step {self.progress.step}"
        )
        trained_at = float(state.get("learning_rate", self.options.learning_rate))  # absent in older checkpoints
        if trained_at != self.options.learning_rate:
            self.log(
                f"warning: this run trained at peak learning rate {trained_at:g} and goes on at "
                f"{self.options.learning_rate:g}; to keep the rate, resume with --learning-rate {trained_at:g}"
            )

    def _start_from_folder(self, folder: Path) -> None:
        """Begin with an exported model's weights and carry on its epoch count, steps and history.

        The optimizer starts fresh, so the learning rate warms up again from this step."""
        from desktop_app.seq2seq.errors import ModelFolderError
        from desktop_app.seq2seq.model_folder import WEIGHTS_FILE, load_weights, read_folder_config

        training = read_folder_config(folder).training
        try:
            load_weights(self.model, folder / WEIGHTS_FILE)
        except ModelFolderError as error:
            raise ModelFolderError(
                f"cannot start from {folder}: its weights do not fit this config's model ({error})"
            ) from error
        epochs, steps = int(training.get("epochs", 0)), int(training.get("steps", 0))
        self.progress = Progress(
            epoch=epochs + 1,
            step=steps,
            warmup_start=steps,
            train_seconds=3600 * float(training.get("train_hours", 0.0)),
            history=list(training.get("history", [])),
            started_from={"folder": str(folder), "epochs": epochs, "selected": training.get("selected", "")},
        )
        self.log(
            f"starting from {folder} ({training.get('selected') or 'its weights'}, {epochs} epochs, "
            f"{steps} steps): epoch {epochs + 1} is next; the learning rate warms up again"
        )

    def save_checkpoint(self) -> None:
        if not self.dist.is_main:
            return
        state = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "progress": json.dumps(self.progress.__dict__),
            "rng": torch.get_rng_state(),
            "learning_rate": self.options.learning_rate,
        }
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
        warm = min(1.0, (step - self.progress.warmup_start) / max(1, o.warmup_steps))
        if o.schedule == "inverse_sqrt":
            decay = math.sqrt(o.warmup_steps / step) if step > o.warmup_steps else 1.0
            return o.learning_rate * warm * decay
        return o.learning_rate * warm * self.progress.lr_scale

    # -- the loop -------------------------------------------------------------------
    def train(self) -> None:
        self.prepare()
        while not self.progress.finished and self.progress.epoch <= self.options.epochs:
            self.train_epoch()
            self._end_epoch()

    def _my_batches(self) -> list[list[int]]:
        batches = self.task.batches(seed=self.options.seed * 1000 + self.progress.epoch)
        usable = len(batches) // self.dist.world_size * self.dist.world_size
        return batches[self.dist.rank : usable : self.dist.world_size]

    @property
    def _bfloat16(self) -> bool:
        return self.precision == "bfloat16" or (self.precision == "auto" and self.device.type == "cuda")

    @property
    def _precision_name(self) -> str:
        return "bfloat16 autocast" if self._bfloat16 else "float32"

    def _autocast(self):
        return torch.autocast(self.device.type, dtype=torch.bfloat16) if self._bfloat16 else nullcontext()

    def train_epoch(self) -> None:
        batches = self._my_batches()
        p = self.progress
        bar = tqdm(
            total=len(batches),
            initial=p.batches_done,
            desc=f"epoch {p.epoch}",
            unit="batch",
            disable=not self.dist.is_main,
            mininterval=1 if sys.stderr.isatty() else 60,
            file=sys.stderr,
        )
        tokens = nll_sum = 0.0
        lr = self.learning_rate(max(1, p.step))
        started = last_checkpoint = time.time()
        for batch in self.task.iterate(batches[p.batches_done :]):
            p.step += 1
            lr = self.learning_rate(p.step)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            batch_nll, batch_tokens = self._update(batch.to(self.device))
            nll_sum += batch_nll
            tokens += batch_tokens
            p.batches_done += 1
            bar.update(1)
            bar.set_postfix(
                nll=f"{nll_sum / max(tokens, 1):.3f}",
                lr=f"{lr:.2e}",
                tok_s=f"{tokens / (time.time() - started):.0f}",
                refresh=False,
            )
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
            loss, nll, tokens = self.task.loss(self.wrapped, batch)
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
            improved = score["score"] > p.best_score
            epoch_file = self.out / "epochs" / f"epoch-{p.epoch:03d}.safetensors"
            epoch_file.parent.mkdir(exist_ok=True)
            self._save_weights(epoch_file)
            self._prune_epoch_files()
            if improved:
                p.best_score, p.best_epoch, p.epochs_without_improvement = score["score"], p.epoch, 0
                shutil.copyfile(epoch_file, self.out / "best.safetensors")
            else:
                p.epochs_without_improvement += 1
                patience = self.options.plateau_patience
                if self.options.schedule == "plateau" and p.epochs_without_improvement % patience == 0:
                    p.lr_scale *= self.options.plateau_factor
            dev = {f"dev_{k}": v for k, v in score.items() if k != "score"}
            record = {
                "epoch": p.epoch,
                "step": p.step,
                **self._epoch_stats,
                **dev,
                "best_epoch": p.best_epoch,
                "train_seconds": round(p.train_seconds),
                "precision": self._precision_name,
            }
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

    def dev_score(self) -> dict[str, float]:
        self.model.eval()
        return self.task.dev_score(self.model)

    # -- export -------------------------------------------------------------------
    def trained_epochs(self) -> int:
        """How many epochs the run has finished (read from its checkpoint when nothing was trained here)."""
        if not hasattr(self, "model"):
            self.prepare()
        return self.progress.epoch - 1

    def export(self, command: str) -> Path:
        """Pick the best of (best epoch, average of the last epochs) on dev and write runs/NAME/model."""
        if not hasattr(self, "model"):
            self.prepare()
        candidates = {f"best epoch ({self.progress.best_epoch})": self.out / "best.safetensors"}
        averaged = self._average_last_epochs()
        if averaged is not None:
            path, epochs = averaged
            candidates[f"average of epochs {', '.join(map(str, epochs))}"] = path
        scored = {}
        for label, path in candidates.items():
            self._load_weights(path)
            scored[label] = self.dev_score()
            self.log(f"dev {label}: {scored[label]}")
        winner = max(scored, key=lambda k: scored[k]["score"])
        self._load_weights(candidates[winner])
        training = {
            "command": command,
            "selected": winner,
            "epochs": self.trained_epochs(),
            "steps": self.progress.step,
            "train_hours": round(self.progress.train_seconds / 3600, 2),
            "device": describe_device(self.device),
            "processes": self.dist.world_size,
            "precision": self._precision_name,
            "config": self.config_dict,
            "history": self.progress.history,
        }
        if self.progress.started_from:
            training["started_from"] = self.progress.started_from
        dev = {k: v for k, v in scored[winner].items() if k != "score"}
        metrics = {"dev": {**dev, "beam": self.options.dev_beam}}
        folder = self.task.export(
            self.model.eval(), self.out / "model", getattr(torch, self.options.export_dtype), metrics, training
        )
        self.log(f"exported {folder} ({winner})")
        return folder

    def _load_weights(self, path: Path) -> None:
        tensors = load_file(str(path))
        own = unique_state_dict(self.model)
        with torch.no_grad():
            for name, tensor in tensors.items():
                own[name].copy_(tensor)

    def _average_last_epochs(self) -> tuple[Path, list[int]] | None:
        """The mean of the last `average_last` epoch files kept -> (weights file, epoch numbers)."""
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
        return path, [int(f.stem.split("-")[1]) for f in files]


def describe_device(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads"
