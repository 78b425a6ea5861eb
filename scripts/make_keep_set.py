"""Test sets of sentences with spans a translation must keep, made from the test splits.

    python scripts/make_keep_set.py OUT_DIR [--data ../shared/data/mt] [--seed 13] [--split dev] [--other fr]

Writes three TSV files (columns: set, en, de, kinds, names; with --other fr: set, en, fr, ...) into OUT_DIR,
outside the repository (the corpora's licenses: /work/shared/data/README.md):
- keep-real.tsv: test pairs whose either side holds a name (a capitalised word, not at a sentence start,
  found unchanged on the other side), a digit group, a URL, an e-mail address or a placeholder;
- keep-synthetic.tsv: test pairs with a time, date, number, URL, e-mail address or placeholder put into
  both sides by templates (such spans are rare in the test sets);
- long.tsv: pairs whose source has more than 25 words, in either direction: the test sets' own and
  chains of consecutive Tatoeba test pairs (joined by ", and " / ", und " / ", et ", as
  benchmarks/long_sentences.py).
`kinds` lists the span kinds in the pair ("name", "number", "url", "email", "placeholder", "long"); `names`
the names, space-separated.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "mt"
# Per language paired with English: (set name, path stem under DATA) for every test split there is, and the
# same from the dev splits, for choosing settings (--split dev); the test sets only report.
TEST_SETS = {
    "de": (
        ("tatoeba", "tatoeba-deu-en/test"),
        ("ding", "debian-de-en/ding_examples/test"),
        ("multi30k", "multi30k/test_2016_flickr"),
    ),
    "fr": (("tatoeba", "tatoeba-fra-en/test"), ("multi30k", "multi30k/test_2016_flickr")),
}
DEV_SETS = {
    "de": (
        ("tatoeba", "tatoeba-deu-en/dev"),
        ("ding", "debian-de-en/ding_examples/dev"),
        ("multi30k", "multi30k/val"),
    ),
    "fr": (("tatoeba", "tatoeba-fra-en/dev"), ("multi30k", "multi30k/val")),
}
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
TEMPLATES = (  # (kind, values, English, {other language: its side}); {s}/{t}: the sentence without its end mark
    ("number", TIMES, "{s} at {x}{p}", {"de": "{t} um {x}{p}", "fr": "{t} à {x}{p}"}),
    ("number", DATES, "{x}: {s}{p}", {"de": "{x}: {t}{p}", "fr": "{x} : {t}{p}"}),
    ("number", NUMBERS, "{s} ({x}){p}", {"de": "{t} ({x}){p}", "fr": "{t} ({x}){p}"}),
    ("url", URLS, "{s}: {x}", {"de": "{t}: {x}", "fr": "{t} : {x}"}),
    ("url", URLS, "See {x}. {s}{p}", {"de": "Siehe {x}. {t}{p}", "fr": "Voir {x}. {t}{p}"}),
    ("email", EMAILS, "Write to {x}. {s}{p}", {"de": "Schreib an {x}. {t}{p}", "fr": "Écris à {x}. {t}{p}"}),
    ("placeholder", PLACEHOLDERS, "{x}: {s}{p}", {"de": "{x}: {t}{p}", "fr": "{x} : {t}{p}"}),
    ("placeholder", PLACEHOLDERS, "{s}, {x}{p}", {"de": "{t}, {x}{p}", "fr": "{t}, {x}{p}"}),
)
AND = {"en": ", and ", "de": ", und ", "fr": ", et "}  # joins the sentences of a chain


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


def read_pairs(data: Path, stem: str, other: str = "de") -> list[tuple[str, str]]:
    """(English, other language) pairs of a split."""
    en = (data / f"{stem}.en").read_text(encoding="utf-8").splitlines()
    de = (data / f"{stem}.{other}").read_text(encoding="utf-8").splitlines()
    return list(zip(en, de, strict=True))


def synthetic(
    pairs: list[tuple[str, str]], rng: random.Random, count: int, other: str = "de"
) -> list[tuple[str, str, str]]:
    """(en, other, kind) for `count` pairs drawn from `pairs`, each given one span by a template."""
    out = []
    for en, de in rng.sample(pairs, count):
        kind, values, en_template, other_templates = rng.choice(TEMPLATES)
        de_template = other_templates[other]
        x = rng.choice(values)
        s, p = _split_end(en)
        t, _ = _split_end(de)
        out.append((en_template.format(s=s, t=t, x=x, p=p), de_template.format(s=s, t=t, x=x, p=p), kind))
    return out


def _split_end(sentence: str) -> tuple[str, str]:
    match = re.search(r"\s*[.!?]+$", sentence)  # French puts a space before "?" and "!"
    return (sentence[: match.start()], match.group().strip()) if match else (sentence, ".")


def chained(pairs: list[tuple[str, str]], start: int = 0, other: str = "de") -> list[tuple[str, str]]:
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
            out.append((_chain(en, AND["en"]), _chain(de, AND[other])))
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
    parser.add_argument("--other", choices=sorted(TEST_SETS), default="de", help="the language paired with English")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    stems = (DEV_SETS if args.split == "dev" else TEST_SETS)[args.other]
    sets = {name: read_pairs(args.data, stem, args.other) for name, stem in stems}
    real, long = [], []
    for name, pairs in sets.items():
        for en, de in pairs:
            found, pair_names = kinds(en, de)
            if found:
                real.append((name, en, de, ",".join(found), " ".join(pair_names)))
            if len(en.split()) > LONG_WORDS or len(de.split()) > LONG_WORDS:
                long.append((name, en, de, "long", ""))
    drawn = synthetic(sets["tatoeba"], rng, args.synthetic, args.other)
    made = [("synthetic-" + kind, en, de, kind, "") for en, de, kind in drawn]
    chains = chained(sets["tatoeba"], other=args.other)[: args.chains]
    long += [("tatoeba-chained", en, de, "long", "") for en, de in chains]
    args.out.mkdir(parents=True, exist_ok=True)
    for file, rows in (("keep-real.tsv", real), ("keep-synthetic.tsv", made), ("long.tsv", long)):
        header = ("set", "en", args.other, "kinds", "names")
        lines = ["\t".join(row) for row in [header, *rows]]  # no tabs in the corpora
        (args.out / file).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{args.out / file}: {len(rows)} pairs")


if __name__ == "__main__":
    main()
