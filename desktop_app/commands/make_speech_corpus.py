"""attend make-speech-corpus --out FOLDER: build the synthetic English speech corpus (seeded, resumable)."""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TextIO

from desktop_app.training.speech_corpus import (
    DEFAULT_ADDED_VOICES,
    DEFAULT_EXTRA_DEV_TEXT_FILE,
    DEFAULT_HELD_OUT_VOICES,
    DEFAULT_REAL_SPEECH,
    DEFAULT_TEXT_FILE,
    ENGINES,
    SPLITS,
    CorpusConfig,
    CorpusError,
    Voice,
    check_engines,
    describe_plan,
    import_real_speech,
    make_plan,
    matches,
    pending_utterances,
    synthesize,
    write_manifests,
    write_plan,
    write_recipe,
)

PROG = "attend make-speech-corpus"


def _names(value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


def add_parser(subparsers, name: str) -> None:
    parser = subparsers.add_parser(
        name,
        help="build the synthetic English speech corpus with offline TTS engines",
        description="Plan (from --seed) and synthesize a speech corpus: 16 kHz mono FLAC under OUT/audio/ and "
        "the manifests train.tsv, dev.tsv, test-sentences.tsv (training voices, held-out sentences) and "
        "test-voices.tsv (held-out voices, held-out sentences), dev-voices.tsv (held-out voices, dev sentences: for "
        "tuning decoding towards unseen voices, never for training), train-added.tsv (further training items spoken "
        "by the voices that joined later, so the other splits stay as they were), train-variants.tsv (further training "
        "items spoken by espeak-ng's other voice variants on the training accents), dev-voices-extra.tsv (held-out "
        "voices on further sentences, from --extra-dev-text-file, that no other split speaks and the language "
        "model never reads: more items to choose checkpoints by), plus plan.tsv and corpus.json. "
        "Audio that exists is kept, so an interrupted run continues where it stopped.",
    )
    parser.add_argument("--out", type=Path, default=Path("data/speech"), help="corpus folder (default data/speech)")
    parser.add_argument(
        "--text-file",
        type=Path,
        default=DEFAULT_TEXT_FILE,
        help=f"English sentences, one per line (default {DEFAULT_TEXT_FILE})",
    )
    parser.add_argument("--seed", type=int, default=1, help="decides every choice of the plan (default 1)")
    parser.add_argument("--train-utterances", type=int, default=30_000, metavar="N", help="default 30000")
    parser.add_argument("--dev-utterances", type=int, default=400, metavar="N", help="default 400")
    parser.add_argument(
        "--test-utterances",
        type=int,
        default=400,
        metavar="N",
        help="utterances in each of test-sentences.tsv and test-voices.tsv (default 400)",
    )
    parser.add_argument(
        "--held-out-sentences",
        type=int,
        default=300,
        metavar="N",
        help="sentences kept for the test sets, never trained on (default 300)",
    )
    parser.add_argument(
        "--dev-sentences", type=int, default=300, metavar="N", help="further sentences kept for dev (default 300)"
    )
    parser.add_argument(
        "--generated-share",
        type=float,
        default=0.25,
        metavar="F",
        help="share of dictation items: numbers, years, dates, times, digit strings, spoken punctuation (default 0.25)",
    )
    parser.add_argument(
        "--engines",
        type=_names,
        default=tuple(ENGINES),
        metavar="LIST",
        help=f"comma-separated TTS engines (default {','.join(ENGINES)})",
    )
    parser.add_argument(
        "--held-out-voices",
        type=_names,
        default=DEFAULT_HELD_OUT_VOICES,
        metavar="LIST",
        help="comma-separated voices for test-voices.tsv and dev-voices.tsv only: an engine, a voice "
        f"id or a glob (default {','.join(DEFAULT_HELD_OUT_VOICES)})",
    )
    parser.add_argument(
        "--added-voices",
        type=_names,
        default=DEFAULT_ADDED_VOICES,
        metavar="LIST",
        help="comma-separated training voices that speak train-added.tsv only, never the other "
        f"splits (default {','.join(DEFAULT_ADDED_VOICES)})",
    )
    parser.add_argument(
        "--added-utterances",
        type=int,
        default=6_000,
        metavar="N",
        help="utterances in train-added.tsv (default 6000; 0 = none)",
    )
    parser.add_argument(
        "--variant-utterances",
        type=int,
        default=6_000,
        metavar="N",
        help="utterances in train-variants.tsv (default 6000; 0 = none)",
    )
    parser.add_argument(
        "--extra-dev-voice-utterances",
        type=int,
        default=1_200,
        metavar="N",
        help="utterances in dev-voices-extra.tsv (default 1200; 0 = none)",
    )
    parser.add_argument(
        "--extra-dev-text-file",
        type=Path,
        default=DEFAULT_EXTRA_DEV_TEXT_FILE,
        metavar="FILE",
        help="English sentences for dev-voices-extra.tsv, none of them in --text-file or the "
        f"language model's training text (default {DEFAULT_EXTRA_DEV_TEXT_FILE})",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=max(1, (os.cpu_count() or 2) // 2),
        metavar="N",
        help="worker processes (default: half the CPU cores)",
    )
    parser.add_argument(
        "--real-speech",
        type=Path,
        default=DEFAULT_REAL_SPEECH,
        metavar="DIR",
        help=f"real recordings to list as real-train.tsv/real-dev.tsv (default {DEFAULT_REAL_SPEECH}; "
        "skipped when the folder is missing)",
    )
    parser.add_argument("--no-real-speech", action="store_true", help="do not write real-train.tsv/real-dev.tsv")
    parser.add_argument("--dry-run", action="store_true", help="print the plan and what is missing; write nothing")
    parser.add_argument(
        "--list-voices",
        action="store_true",
        help="list every voice, whether it is installed and whether it is held out, then stop",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    stdout, stderr = stdout or sys.stdout, stderr or sys.stderr
    config = CorpusConfig(
        out=args.out,
        text_file=args.text_file,
        seed=args.seed,
        train_utterances=args.train_utterances,
        dev_utterances=args.dev_utterances,
        test_utterances=args.test_utterances,
        held_out_sentences=args.held_out_sentences,
        dev_sentences=args.dev_sentences,
        generated_share=args.generated_share,
        engines=args.engines,
        held_out_voices=args.held_out_voices,
        added_voices=args.added_voices,
        added_utterances=args.added_utterances,
        variant_utterances=args.variant_utterances,
        extra_dev_voice_utterances=args.extra_dev_voice_utterances,
        extra_dev_text_file=args.extra_dev_text_file,
    )
    try:
        if args.jobs < 1:
            raise CorpusError(f"--jobs must be 1 or more, not {args.jobs}")
        if args.list_voices:
            return _list_voices(config, stdout)
        config.validate()
        availability, versions = check_engines(config.engines)
        _warn_missing({name: found.problem for name, found in availability.items() if found.problem}, stderr)
        plan = make_plan(config, availability, versions)
    except CorpusError as error:
        print(f"{PROG}: error: {error}", file=stderr)
        return 2
    out = config.out
    pending = pending_utterances(plan, out)
    print(describe_plan(plan), file=stdout)
    print(
        f"{len(plan.utterances) - len(pending)} of {len(plan.utterances)} utterances already exist in {out}; "
        f"{len(pending)} to synthesize",
        file=stdout,
    )
    if args.dry_run:
        return 0

    write_plan(plan, out)
    try:
        report = synthesize(
            plan,
            out,
            jobs=args.jobs,
            progress=not args.no_progress,
            log=lambda message: print(f"{PROG}: {message}", file=stderr),
        )
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; run the same command again to continue", file=stderr)
        return 130
    except BrokenProcessPool as error:
        print(f"{PROG}: a worker process died ({error}); run the same command again to continue", file=stderr)
        return 1
    splits = write_manifests(plan, out)
    real = {}
    if not args.no_real_speech and (args.real_speech / "train.tsv").exists():
        real = import_real_speech(args.real_speech, out)
    elif not args.no_real_speech:
        print(f"{PROG}: no real speech at {args.real_speech}; real-train.tsv/real-dev.tsv not written", file=stderr)
    write_recipe(plan, out, report, splits, real)
    for split in SPLITS:
        summary = splits[split]
        print(
            f"{out / (split + '.tsv')}: {summary['written']} of {summary['planned']} utterances, {summary['hours']} h",
            file=stdout,
        )
    for name, count in real.items():
        print(f"{out / (name + '.tsv')}: {count} utterances", file=stdout)
    if report.failed:
        print(
            f"{PROG}: {report.failed} utterances failed (listed in {out / 'synthesis-errors.tsv'}); "
            "run again to retry them",
            file=stderr,
        )
    _warn_missing(plan.problems, stderr)
    return 0


def _warn_missing(problems: dict[str, str], stderr: TextIO) -> None:
    if not problems:
        return
    rule = "!" * 78
    print(rule, file=stderr)
    for problem in problems.values():
        print(f"{PROG}: WARNING: {problem}; those voices are left out of this corpus", file=stderr)
    print(
        f"{PROG}: WARNING: the corpus differs from the default recipe (see engines_left_out in corpus.json)",
        file=stderr,
    )
    print(rule, file=stderr)


def _list_voices(config: CorpusConfig, stdout: TextIO) -> int:
    availability, versions = check_engines(config.engines)
    for name in config.engines:
        found = availability[name]
        print(
            f"{name} ({versions.get(name, 'not installed')})" + (f": {found.problem}" if found.problem else ""),
            file=stdout,
        )
        listed = [(v, v in found.voices, False) for v in ENGINES[name].voices]
        listed += [(v, v in found.extra_voices, True) for v in ENGINES[name].extra_voices]
        for voice_name, installed, extra in listed:
            voice = Voice(name, voice_name)
            role = (
                "held out"
                if any(matches(voice, p) for p in config.held_out_voices)
                else "variants"
                if extra
                else "added"
                if any(matches(voice, p) for p in config.added_voices)
                else "training"
            )
            print(f"  {voice.id:36} {role:9} {'installed' if installed else 'missing'}", file=stdout)
    return 0
