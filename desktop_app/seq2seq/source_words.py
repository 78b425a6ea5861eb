"""How often a translation model saw each source word in training.

A capitalised word the model hardly ever saw is a name it cannot have learned to translate: protect.py keeps
it (with the piece-count rule, which only catches words the tokenizer must spell out of many pieces). The
counts travel in the model folder as a TSV file (word TAB count, most frequent first), named by config.json's
"source_words"; `scripts/source_words.py FOLDER` makes it from the corpora the folder's training used.
Measured in docs/experiments/2026-12-06-keep-spans.md ("Names by how often the model saw them").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# A word as protect.py finds names: letters first, then letters, digits, apostrophes, hyphens.
WORD = re.compile(r"[^\W\d_][\w'’-]*")
FILE = "source_words.tsv"
# Chosen on the keep sets and test sets (docs/experiments/2026-12-06-keep-spans.md): a capitalised word seen
# fewer than 10 times in training is a name (5: 1.3 points fewer names copied on dev, the same BLEU).
UNSEEN_BELOW = 10
# A word seen at least this often was learned, however many pieces the tokenizer spells it with (French
# "T-shirt", 1,140 times in fr-en's training, is T + - + shirt: the piece rule kept it, and "shirt" came out
# dropped or misplaced). Chosen on the dev keep sets (docs/experiments/2026-12-06-keep-spans.md, session 5).
LEARNED_FROM = 100


def count_words(lines: Iterable[str]) -> Counter:
    """Source sentences -> how often each word (as written, case kept) occurs."""
    counts: Counter = Counter()
    for line in lines:
        counts.update(WORD.findall(line))
    return counts


@dataclass(frozen=True)
class SourceWords:
    counts: dict[str, int]
    unseen_below: int  # a word seen fewer times than this (as written or in lower case) counts as unseen

    def seen(self, word: str) -> int:
        """How often training showed `word` (as written or in lower case, whichever is more)."""
        return max(self.counts.get(word, 0), self.counts.get(word.lower(), 0))

    def unseen(self, word: str) -> bool:
        return self.seen(word) < self.unseen_below

    def learned(self, word: str) -> bool:
        return self.seen(word) >= LEARNED_FROM

    @classmethod
    def read(cls, path: Path, unseen_below: int) -> SourceWords:
        """Raises ValueError naming the file and line when it is not word TAB count lines."""
        counts = {}
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line:
                continue  # no word was seen often enough (a tiny corpus)
            word, _, count = line.partition("\t")
            if not word or not count.isdigit():
                raise ValueError(f"{path}, line {number}: expected a word, a tab and a count")
            counts[word] = int(count)
        return cls(counts, unseen_below)


def write_counts(counts: Counter, path: Path, min_count: int = 1) -> int:
    """Write the words seen at least min_count times, most frequent first; -> how many."""
    rows = [f"{word}\t{count}" for word, count in counts.most_common() if count >= min_count and "\t" not in word]
    path.write_text("".join(row + "\n" for row in rows), encoding="utf-8")
    return len(rows)


def attach_source_words(folder: Path, counts: Counter, unseen_below: int = UNSEEN_BELOW) -> int:
    """Write `counts` (the words seen at least unseen_below times) into a translation model folder and name
    them in its config.json; -> how many words."""
    from .model_folder import read_folder_config, write_folder_config

    written = write_counts(counts, folder / FILE, max(unseen_below, 1))
    config = read_folder_config(folder)
    config.source_words, config.name_unseen_below = FILE, unseen_below
    write_folder_config(folder, config)
    return written
