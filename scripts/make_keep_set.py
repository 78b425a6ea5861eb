"""Test sets of sentences with spans a translation must keep, made from the test splits.

    python scripts/make_keep_set.py OUT_DIR [--data ../shared/data/mt] [--seed 13] [--split dev]

Writes three TSV files (columns: set, en, de, kinds, names) into OUT_DIR, outside the repository (the
corpora's licenses: /work/shared/data/README.md):
- keep-real.tsv: test pairs whose either side holds a name (a capitalised word, not at a sentence start,
  found unchanged on the other side), a digit group, a URL, an e-mail address or a placeholder;
- keep-synthetic.tsv: test pairs with a time, date, number, URL, e-mail address or placeholder put into
  both sides by templates (such spans are rare in the test sets);
- long.tsv: pairs whose source has more than 25 words, in either direction: the test sets' own and
  chains of consecutive Tatoeba test pairs (joined by ", and " / ", und ", as benchmarks/long_sentences.py).
`kinds` lists the span kinds in the pair ("name", "number", "url", "email", "placeholder", "long"); `names`
the names, space-separated.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt"
# (set name, path stem under DATA): every English-German test split there is
TEST_SETS = (
    ("tatoeba", "tatoeba-deu-en/test"),
    ("ding", "debian-de-en/ding_examples/test"),
    ("multi30k", "multi30k/test_2016_flickr"),
)
# The same from the dev splits, for choosing settings (--split dev); the test sets only report.
DEV_SETS = (
    ("tatoeba", "tatoeba-deu-en/dev"),
    ("ding", "debian-de-en/ding_examples/dev"),
    ("multi30k", "multi30k/val"),
)
DIGITS = re.compile(r"\d+(?:[.,:/-]\d+)*")
URL = re.compile(r"(?:https?://|www\.)\S+")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PLACEHOLDER = re.compile(r"#[A-Z][A-Z0-9_]*#|\{[^{}\s]*\}|%[sd]")
WORD = re.compile(r"[^\W\d_][\w'’-]*")
LONG_WORDS = 25

# Filled into both sides; each template keeps the sentence and adds one span the way real text does.
TIMES = ("11:35", "7:05", "23:59", "9:30")
DATES = ("2024-03-05", "12.05.2019", "1/4/2023")
NUMBERS = ("12,345", "3.75", "1999", "42", "604", "0.5")
URLS = ("https://example.org/x?y=1", "www.tatoeba.org", "http://de.wikipedia.org/wiki/Berlin", "https://a.io/b/c.html")
EMAILS = ("anna@example.com", "k.schmidt@uni-bonn.de", "info+news@mail.example.org")
PLACEHOLDERS = ("#PRS_ORG#", "#NAME#", "{name}", "{0}", "%s", "#URL#")
TEMPLATES = (  # (kind, values, English, German); {s}/{t}: the sentence without its end mark, {p}: the mark
    ("number", TIMES, "{s} at {x}{p}", "{t} um {x}{p}"),
    ("number", DATES, "{x}: {s}{p}", "{x}: {t}{p}"),
    ("number", NUMBERS, "{s} ({x}){p}", "{t} ({x}){p}"),
    ("url", URLS, "{s}: {x}", "{t}: {x}"),
    ("url", URLS, "See {x}. {s}{p}", "Siehe {x}. {t}{p}"),
    ("email", EMAILS, "Write to {x}. {s}{p}", "Schreib an {x}. {t}{p}"),
    ("placeholder", PLACEHOLDERS, "{x}: {s}{p}", "{x}: {t}{p}"),
    ("placeholder", PLACEHOLDERS, "{s}, {x}{p}", "{t}, {x}{p}"),
)


def names(sentence: str, other: str) -> list[str]:
    """Capitalised words of `sentence`, not at a sentence start, that `other` holds unchanged."""
    found = []
    others = set(WORD.findall(other))
    for match in WORD.finditer(sentence):
        word = match.group()
        before = sentence[: match.start()].rstrip(" \"'“‘([«„")
        if len(word) > 1 and word[0].isupper() and not word.isupper() and before and before[-1] not in ".!?:":
            if word in others and word not in found:
                found.append(word)
    return found


def kinds(en: str, de: str) -> tuple[list[str], list[str]]:
    """The span kinds a pair holds, and its names (from either side)."""
    found = sorted(set(names(en, de) + names(de, en)), key=lambda w: (en + de).index(w))
    kinds = ["name"] if found else []
    for kind, pattern in (("url", URL), ("email", EMAIL), ("placeholder", PLACEHOLDER), ("number", DIGITS)):
        if pattern.search(en) or pattern.search(de):
            kinds.append(kind)
    return kinds, found


def read_pairs(data: Path, stem: str) -> list[tuple[str, str]]:
    en = (data / f"{stem}.en").read_text(encoding="utf-8").splitlines()
    de = (data / f"{stem}.de").read_text(encoding="utf-8").splitlines()
    return list(zip(en, de, strict=True))


def synthetic(pairs: list[tuple[str, str]], rng: random.Random, count: int) -> list[tuple[str, str, str]]:
    """(en, de, kind) for `count` pairs drawn from `pairs`, each given one span by a template."""
    out = []
    for en, de in rng.sample(pairs, count):
        kind, values, en_template, de_template = rng.choice(TEMPLATES)
        x = rng.choice(values)
        s, p = _split_end(en)
        t, _ = _split_end(de)
        out.append((en_template.format(s=s, t=t, x=x, p=p), de_template.format(s=s, t=t, x=x, p=p), kind))
    return out


def _split_end(sentence: str) -> tuple[str, str]:
    match = re.search(r"[.!?]+$", sentence)
    return (sentence[: match.start()], match.group()) if match else (sentence, ".")


def chained(pairs: list[tuple[str, str]], start: int = 0) -> list[tuple[str, str]]:
    """Consecutive pairs joined until both sides have more than LONG_WORDS words."""
    out, i = [], start
    while i < len(pairs):
        en, de = [], []
        while i < len(pairs) and (
            sum(len(e.split()) for e in en) <= LONG_WORDS or len(" ".join(de).split()) <= LONG_WORDS
        ):
            en.append(pairs[i][0])
            de.append(pairs[i][1])
            i += 1
        if len(" ".join(en).split()) > LONG_WORDS and len(" ".join(de).split()) > LONG_WORDS:
            out.append((_chain(en, ", and "), _chain(de, ", und ")))
    return out


def _chain(sentences: list[str], joiner: str) -> str:
    inner = [re.sub(r"[.!?]+$", "", s) for s in sentences[:-1]] + sentences[-1:]
    return joiner.join(inner)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path, help="folder for the TSV files (outside the repository)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--synthetic", type=int, default=400, help="pairs in keep-synthetic.tsv")
    parser.add_argument("--chains", type=int, default=200, help="chained Tatoeba pairs in long.tsv")
    parser.add_argument("--split", choices=["test", "dev"], default="test", help="which splits to make them from")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sets = {name: read_pairs(args.data, stem) for name, stem in (DEV_SETS if args.split == "dev" else TEST_SETS)}
    real, long = [], []
    for name, pairs in sets.items():
        for en, de in pairs:
            found, pair_names = kinds(en, de)
            if found:
                real.append((name, en, de, ",".join(found), " ".join(pair_names)))
            if len(en.split()) > LONG_WORDS or len(de.split()) > LONG_WORDS:
                long.append((name, en, de, "long", ""))
    made = [("synthetic-" + kind, en, de, kind, "") for en, de, kind in synthetic(sets["tatoeba"], rng, args.synthetic)]
    long += [("tatoeba-chained", en, de, "long", "") for en, de in chained(sets["tatoeba"])[: args.chains]]
    args.out.mkdir(parents=True, exist_ok=True)
    for file, rows in (("keep-real.tsv", real), ("keep-synthetic.tsv", made), ("long.tsv", long)):
        lines = ["\t".join(row) for row in [("set", "en", "de", "kinds", "names"), *rows]]  # no tabs in the corpora
        (args.out / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{args.out / file}: {len(rows)} pairs")


if __name__ == "__main__":
    main()
