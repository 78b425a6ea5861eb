"""The language-model task for the training engine: text in the recognizer's units, perplexity on dev.

The model folder it exports (task "language-model") joins a speech model folder as its `lm/`
subfolder; the recognizer then decodes with shallow fusion (see seq2seq/fusion.py).
"""

from __future__ import annotations

import dataclasses
import math
import random
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from desktop_app.seq2seq import Tokenizer, save_folder
from desktop_app.seq2seq.architectures import build_model, parameter_count
from desktop_app.seq2seq.batch import pad
from desktop_app.seq2seq.lexicon import LEXICON_FILE, Lexicon
from desktop_app.seq2seq.loss import label_smoothed_nll
from desktop_app.seq2seq.tokenizer import BOS_ID, EOS_ID, PAD_ID
from desktop_app.speech.manifest import read_manifest
from desktop_app.speech.text import normalize_transcript

from .data import FileTask, length_batches
from .lm_config import LMTrainConfig

UNITS_FILE = "units.model"
DEV_BATCH = 64


@dataclass
class TextBatch:
    tokens_in: torch.Tensor  # batch x len: BOS + units
    tokens_out: torch.Tensor  # batch x len: units + EOS, PAD after

    @property
    def target_tokens(self) -> int:
        return int((self.tokens_out != PAD_ID).sum())

    def to(self, device) -> TextBatch:
        return TextBatch(self.tokens_in.to(device), self.tokens_out.to(device))


def text_batch(sequences: list[list[int]]) -> TextBatch:
    return TextBatch(pad([[BOS_ID, *s] for s in sequences]), pad([[*s, EOS_ID] for s in sequences]))


def read_sentences(path: Path) -> list[str]:
    """A manifest's transcripts as they stand, or a text file's lines in transcript form."""
    if path.suffix == ".tsv":
        return [u.text for u in read_manifest(path)]
    lines = path.read_text(encoding="utf-8").splitlines()
    return [normalize_transcript(line) for line in lines if line.strip()]


class LanguageModelTask(FileTask):
    config: LMTrainConfig

    def _sentences(self, names: list[str]) -> list[str]:
        return [s for name in names for s in read_sentences(self._path(name))]

    def prepare(self, out: Path, is_main: bool, barrier) -> None:
        self.out = out
        if is_main and not (out / UNITS_FILE).exists():
            shutil.copyfile(self._path(self.config.tokenizer), out / UNITS_FILE)
        barrier()
        self.tokenizer = Tokenizer.load(out / UNITS_FILE)
        data = self.config.data
        train, excluded = self.training_text()
        self.lexicon = Lexicon.from_sentences(train)
        self.train = [ids for ids in self.tokenizer.encode_batch(train) if 0 < len(ids) <= data.max_length]
        self.dev = [ids for ids in self.tokenizer.encode_batch(self._sentences(data.dev)) if ids]
        units = sum(len(s) for s in self.train)
        self.log(
            f"{len(self.train):,} distinct training sentences ({units:,} units, {len(self.lexicon):,} words), "
            f"{len(self.dev):,} dev; {excluded:,} dev/test sentences kept out"
        )

    def adopt_folder(self, folder: Path, out: Path) -> None:
        """Take a language-model folder's units, so its weights read the same text."""
        self._copy_from_folder(folder, out, "language-model", "a language model", {"target_tokenizer": UNITS_FILE})

    def training_text(self) -> tuple[list[str], int]:
        """-> (the distinct training sentences, none of them a dev or test sentence; how many
        dev/test sentences were kept out)"""
        data = self.config.data
        excluded = {normalize_transcript(s) for s in self._sentences(data.exclude + data.dev)}
        train = sorted({s for s in self._sentences(data.train) if s and normalize_transcript(s) not in excluded})
        return train, len(excluded)

    def build_model(self) -> nn.Module:
        settings = dict(self.config.model_settings, tgt_vocab_size=self.tokenizer.vocab_size)
        return build_model("lstm-lm", settings)

    def batches(self, seed: int) -> list[list[int]]:
        rng = random.Random(seed)
        keys = [len(s) + rng.random() for s in self.train]
        return length_batches(keys, [len(s) + 1 for s in self.train], self.config.training.batch_tokens, rng)

    def iterate(self, batches: list[list[int]]) -> Iterator[TextBatch]:
        for indices in batches:
            yield text_batch([self.train[i] for i in indices])

    def loss(self, model: nn.Module, batch: TextBatch) -> tuple[torch.Tensor, float, int]:
        logits = model(batch.tokens_in)
        loss, nll = label_smoothed_nll(logits, batch.tokens_out, self.config.training.label_smoothing)
        return loss, float(nll), batch.target_tokens

    def dev_score(self, model: nn.Module) -> dict[str, float]:
        nll = tokens = 0.0
        device = next(model.parameters()).device
        ordered = sorted(self.dev, key=len)
        with torch.inference_mode():
            for start in range(0, len(ordered), DEV_BATCH):
                batch = text_batch(ordered[start : start + DEV_BATCH]).to(device)
                _, batch_nll = label_smoothed_nll(model(batch.tokens_in), batch.tokens_out)
                nll, tokens = nll + float(batch_nll), tokens + batch.target_tokens
        per_unit = nll / max(tokens, 1)
        return {
            "perplexity": round(math.exp(per_unit), 3),
            "bits_per_unit": round(per_unit / math.log(2), 4),
            "score": -per_unit,
        }

    def export(self, model: nn.Module, folder: Path, dtype: torch.dtype, metrics: dict, training: dict) -> Path:
        metrics = {"dev": {k: v for k, v in metrics["dev"].items() if k != "beam"}}
        save_folder(
            folder,
            model,
            None,
            self.out / UNITS_FILE,
            self.config.language,
            "",
            dtype=dtype,
            metrics=metrics,
            training=training,
            task="language-model",
            card=language_model_card(model, metrics, training, len(self.lexicon)),
        )
        self.lexicon.save(folder / LEXICON_FILE)
        return folder


def language_model_card(model: nn.Module, metrics: dict, training: dict, words: int) -> str:
    """The model card of an exported language-model folder: what it read, what it never read, how well."""
    data = training["config"]["data"]
    settings = ", ".join(f"{k}={v}" for k, v in dataclasses.asdict(model.config).items())
    dev = metrics["dev"]
    return f"""# Character language model (lstm-lm) for shallow fusion

{parameter_count(model):,} parameters ({settings}), over the speech recognizer's own units
(`target.model`). The recognizer adds its log-probabilities to each token's score in beam search.

Dev perplexity **{dev["perplexity"]}** per unit ({dev["bits_per_unit"]} bits), on {", ".join(data["dev"])}.

Trained on text only: {", ".join(data["train"])} (plain text is put into transcript form:
numbers spelled out, lower case, no punctuation). Never trained on a sentence of
{", ".join(data["exclude"] + data["dev"])}: a line whose normalised form matches one is dropped.

    {training["command"]}

`{LEXICON_FILE}` lists the {words:,} distinct words of that training text; a recognizer can
steer its beam search toward them (a lexicon penalty, see `desktop_app/seq2seq/lexicon.py`).

Selected: {training["selected"]}; {training["epochs"]} epochs, {training["train_hours"]} h on {training["device"]}.

Credits: Tatoeba (tatoeba.org) English sentences as packaged by manythings.org/anki, CC-BY 2.0;
the speech transcripts' sources are credited in the speech model's card.
"""
