"""Finding model folders: the bundled ones in models/, the installed ones, and any the user opened (Qt-free).

The model library (and so torch) is imported only when a folder is read, not with this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from desktop_app.installing.sources import CATALOG
from desktop_app.installing.user_folder import user_models_dir

BUNDLED_MODELS = Path(__file__).resolve().parent.parent / "models"


@dataclass(frozen=True)
class ModelEntry:
    folder: Path
    task: str  # "translation" or "speech"
    source_language: str
    target_language: str
    architecture: str
    error: str = ""  # non-empty when config.json could not be read
    dev_bleu: float = 0.0  # translation: greedy dev BLEU recorded by training (0 when unknown)
    scores: str = ""  # one line of the measured scores, e.g. "Tatoeba test BLEU 38.6 (beam 5)"

    @property
    def label(self) -> str:
        if self.error:
            return f"{self.folder.name} (damaged)"
        direction = f"{self.source_language}→{self.target_language}" if self.target_language else self.source_language
        return f"{self.folder.name}  ({direction}, {self.architecture})"

    @property
    def card(self) -> Path:
        return self.folder / "README.md"


def describe(folder: Path) -> ModelEntry:
    from desktop_app.seq2seq import ModelFolderError, read_folder_config

    try:
        config = read_folder_config(folder)
    except ModelFolderError as error:
        return ModelEntry(folder, "unknown", "", "", "", error=str(error))
    dev = config.metrics.get("dev")
    dev_bleu = float(dev.get("bleu") or 0.0) if isinstance(dev, dict) else 0.0
    scores = score_summary(config.metrics)
    if scores and config.language_model:
        words = " and word list" if config.lexicon_penalty else ""
        scores += f" (beam {config.beam_size} with its language model{words})"
    return ModelEntry(
        folder,
        config.task,
        config.source_language,
        config.target_language,
        config.architecture,
        dev_bleu=dev_bleu,
        scores=scores,
    )


def score_summary(metrics: dict) -> str:
    """The test scores a model card reports, in one line (the best beam per test set), else dev BLEU."""
    test = metrics.get("test")
    parts = []
    if isinstance(test, list):  # translation: [{"set", "beam", "bleu", ...}]
        best: dict[str, dict] = {}
        for row in test:
            if isinstance(row, dict) and "set" in row and "bleu" in row:
                if row["set"] not in best or row["bleu"] > best[row["set"]]["bleu"]:
                    best[row["set"]] = row
        parts = [f"{name} BLEU {row['bleu']:.1f} (beam {row.get('beam', 1)})" for name, row in best.items()]
    elif isinstance(test, dict):  # speech: {manifest path: {"wer", "cer", ...}}
        parts = [
            f"{Path(str(name)).stem} WER {row['wer']:.1f}%"
            for name, row in test.items()
            if isinstance(row, dict) and "wer" in row
        ]
    dev = metrics.get("dev")
    if not parts and isinstance(dev, dict) and dev.get("bleu"):
        parts = [f"dev BLEU {float(dev['bleu']):.1f}"]
    return "; ".join(parts)


def find_models(*roots: Path, task: str | None = None) -> list[ModelEntry]:
    """Model folders directly under each root (folders holding a config.json), sorted by name."""
    entries = []
    for root in roots:
        for folder in find_folders(root):
            entry = describe(folder)
            if task is None or entry.task == task or entry.error:
                entries.append(entry)
    return entries


# Target languages to offer first where the user's own languages do not decide: German, the pair the app was
# built around. Dev BLEU is measured on each pair's own dev set, so it only ranks models of one direction.
FIRST_TARGETS = ("de", "fr")


def default_entry(entries: list[ModelEntry], languages: list[str]) -> int:
    """Index of the model to offer before the user has chosen one: the first usable model whose source
    language comes earliest in `languages` (the user's, then English), into one of the user's other languages
    if there is one, else into the first of FIRST_TARGETS; the higher dev BLEU among those."""

    def rank(index: int) -> tuple[bool, int, int, float]:  # min() keeps the first of equals
        entry = entries[index]
        source, target = entry.source_language, entry.target_language
        language = languages.index(source) if source in languages else len(languages)
        others = [code for code in languages if code != source] + [t for t in FIRST_TARGETS if t not in languages]
        into = others.index(target) if target in others else len(others)
        return (bool(entry.error), language, into, -entry.dev_bleu)

    return min(range(len(entries)), key=rank) if entries else -1


def reverse_of(entry: ModelEntry, candidates: list[ModelEntry]) -> ModelEntry | None:
    """A model translating the other way, preferring the same architecture."""
    matches = [
        c
        for c in candidates
        if not c.error and c.source_language == entry.target_language and c.target_language == entry.source_language
    ]
    matches.sort(key=lambda c: c.architecture != entry.architecture)
    return matches[0] if matches else None


TASK_PLACES = {"translation": "the Translate tab", "speech": "the Dictate tab"}


def wrong_task_message(entry: ModelEntry, task: str) -> str:
    """One line when `entry` (a readable folder) is a model for another task than `task`, saying where it is
    used instead; "" when it is for `task`, or cannot be read (the picker lists it as damaged)."""
    if entry.error or entry.task == task:
        return ""
    name = entry.folder.name
    wanted = "a translation model" if task == "translation" else f"a {task} model"
    if entry.task in TASK_PLACES:
        return f"{name} is a {entry.task} model, not {wanted}: open it in {TASK_PLACES[entry.task]}."
    return f"{name} is a {entry.task} model, not {wanted}: it cannot be used on its own."


def installed_folders() -> list[Path]:
    """Model folders in the user's models folder (`attend models install`), sorted by name."""
    return find_folders(user_models_dir())


def find_model(name_or_path: str | Path) -> Path:
    """A model folder from a path to it, else the name of a bundled model (models/NAME), else of an installed one.

    Raises MissingFileError (one line, listing the models there are) when it is none of these."""
    from desktop_app.seq2seq.errors import MissingFileError

    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    name = str(name_or_path)
    if not _is_bare_name(name):
        raise MissingFileError(f"model folder {name} does not exist")
    for root in (BUNDLED_MODELS, user_models_dir()):
        if (root / name).is_dir():
            return root / name
    if name in CATALOG:
        raise MissingFileError(f"{name} is not installed; install it with: attend models install {name}")
    known = dict.fromkeys(p.name for p in [*find_folders(BUNDLED_MODELS), *installed_folders()])
    raise MissingFileError(f"no model folder or model called {name!r}; there are: {', '.join(known) or 'none'}")


def model_for_direction(source: str, target: str) -> Path:
    """The bundled or installed translation model from `source` into `target` (language codes): the one with
    the higher dev BLEU where there are several. Raises MissingFileError (one line, naming the directions
    there are) when none is installed."""
    from desktop_app.seq2seq.errors import MissingFileError

    entries = [e for e in find_models(BUNDLED_MODELS, user_models_dir(), task="translation") if not e.error]
    matches = [e for e in entries if (e.source_language, e.target_language) == (source, target)]
    if matches:
        return max(matches, key=lambda e: e.dev_bleu).folder
    there = dict.fromkeys(f"{e.source_language}→{e.target_language}" for e in entries)
    raise MissingFileError(
        f"no installed model translates {source}→{target}; the directions there are: {', '.join(there) or 'none'}"
    )


def find_folders(root: Path) -> list[Path]:
    """Folders directly under root that hold a config.json, sorted by name."""
    return sorted(p for p in root.iterdir() if (p / "config.json").exists()) if root.is_dir() else []


def _is_bare_name(text: str) -> bool:
    """ "asr-en" or "whisper-tiny.en", not "models/asr-en", "./asr-en" or "~/x"."""
    return bool(text) and Path(text).name == text and text not in (".", "..") and not text.startswith("~")
