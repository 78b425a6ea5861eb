"""Word times of Whisper transcripts by dynamic time warping over the alignment heads (speech/word_timing.py):
the path on made-up matrices, words from token pieces, and on the real whisper-tiny.en the same token times
as CTranslate2's `align` (tests/data/whisper-tiny.en-alignment.json, made by
scripts/whisper_alignment_reference.py; measured: every word start and end on the same 20-ms frame).
The real-model tests skip when whisper-tiny.en is not installed, or fail if ATTEND_REQUIRE_WHISPER=1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from torch import nn

from desktop_app.installing.install import installed_folder
from desktop_app.seq2seq.decoding import encode
from desktop_app.speech.features import SAMPLE_RATE, load_audio
from desktop_app.speech.recognizer import Recognizer, Transcript, WordSpan
from desktop_app.speech.whisper_recognizer import FRAME_SECONDS, _joined
from desktop_app.speech.word_timing import dtw_path, group_words, token_starts, word_timings

REFERENCE = Path(__file__).parent / "data" / "whisper-tiny.en-alignment.json"
LIBRISPEECH = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech" / "librispeech"
# Agreement with CTranslate2 over the reference's 159 words (318 starts and ends): measured every one on the same
# frame. The bounds leave room for a few near ties that float rounding on another machine could flip, and
# still catch a step left out: without the softmax over the audio's frames alone 69% agree (max 0.2 s),
# without the z-scores 32% (max 0.3 s), with a median filter 3 wide 77%, rows one token late 4% (max 2.5 s).
SAME_FRAME, MEDIAN_SECONDS, MAX_SECONDS = 0.9, 0.02, 0.1


def plain_dtw_cost(cost: np.ndarray) -> float:
    """The cheapest path's cost by the textbook cell-by-cell recurrence."""
    rows, columns = cost.shape
    total = np.full((rows + 1, columns + 1), np.inf)
    total[0, 0] = 0.0
    for i in range(1, rows + 1):
        for j in range(1, columns + 1):
            total[i, j] = cost[i - 1, j - 1] + min(total[i - 1, j - 1], total[i - 1, j], total[i, j - 1])
    return total[rows, columns]


def test_dtw_follows_a_made_up_diagonal():
    matrix = np.full((3, 5), -1.0)
    path = [(0, 0), (0, 1), (1, 2), (2, 3), (2, 4)]
    for cell in path:
        matrix[cell] = 1.0
    rows, columns = dtw_path(-matrix)
    assert list(zip(rows.tolist(), columns.tolist(), strict=True)) == path
    assert token_starts(matrix).tolist() == [0, 2, 3]

    # 6 tokens over 60 frames, token k strong on frames 10k..10k+9 and below average elsewhere (as z-scores are),
    # with noise: starts 10 apart
    noisy = np.random.default_rng(0).normal(-0.5, 0.3, (6, 60))
    for k in range(6):
        noisy[k, 10 * k : 10 * k + 10] += 2.5
    starts = token_starts(noisy)
    assert starts.tolist() == [0, 10, 20, 30, 40, 50]


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (7, 1), (5, 40), (40, 5), (12, 12)])
def test_dtw_path_is_monotonic_complete_and_cheapest(shape):
    cost = np.random.default_rng(sum(shape)).normal(size=shape)
    rows, columns = dtw_path(cost)
    assert (rows[0], columns[0]) == (0, 0) and (rows[-1], columns[-1]) == (shape[0] - 1, shape[1] - 1)
    steps = np.stack([np.diff(rows), np.diff(columns)], axis=1)
    assert all(tuple(step) in {(0, 1), (1, 0), (1, 1)} for step in steps.tolist())
    assert cost[rows, columns].sum() == pytest.approx(plain_dtw_cost(cost), abs=1e-9)
    assert np.all(np.diff(token_starts(-cost)) >= 0)


def test_pieces_become_words():
    assert group_words([" Hello", ",", " world", "."]) == [("Hello,", 0, 2), ("world.", 2, 4)]
    assert group_words(["As", " I", "'m", " told", "..."]) == [("As", 0, 1), ("I'm", 1, 3), ("told...", 3, 5)]
    # an opening quote after a space opens the next word; a spaced dash stays with the word before it
    assert [w for w, _, _ in group_words([" said", ' "', "Hi", '!"', " well", " -", " fine"])] == [
        "said",
        '"Hi!"',
        "well -",
        "fine",
    ]
    # a lone space and the first bytes of a split character (shown "") go with the piece after them
    assert group_words([" ", "日", "本", "", "語", " and"]) == [("日本語", 0, 5), ("and", 5, 6)]
    assert group_words(["", "é", " ok", " "]) == [("é", 0, 2), ("ok", 2, 4)]
    assert group_words([]) == [] and group_words([" "]) == []


class DiagonalWhisper(nn.Module):
    """Stands in for a WhisperModel: text token k (its row is the position before it) attends to frames
    10k..10k+9, every other position to all frames alike."""

    config = SimpleNamespace(no_timestamps_id=55, eot_id=50)

    def __init__(self):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(1))  # where the inputs go
        self.seen: list[list[int]] = []

    def alignment_weights(self, memory, tgt_in: torch.Tensor) -> torch.Tensor:
        assert memory == "the encoded window"
        self.seen.append(tgt_in[0].tolist())
        length = tgt_in.size(1)
        weights = torch.full((1, 2, length, 1500), 1.0 / 1500)
        # <|startoftranscript|> <|notimestamps|> text <|endoftext|>: the row writing text token 0 is position 1,
        # the one writing the end token is the one before last
        for k, position in enumerate(range(1, length - 1)):
            weights[0, :, position] = 0.0
            weights[0, :, position, 10 * k : 10 * k + 10] = 0.1
        return weights


def test_word_times_come_from_the_rows_before_each_token():
    model = DiagonalWhisper()
    words = word_timings(
        model, "the encoded window", (51, 55), [7, 8, 9], [" Hi", ",", " you"], frames=40, frame_seconds=0.02
    )
    assert model.seen == [[51, 55, 7, 8, 9, 50]]  # <|notimestamps|> once, the end token last
    assert words == [WordSpan("Hi,", 0.0, pytest.approx(0.4)), WordSpan("you", pytest.approx(0.4), pytest.approx(0.6))]
    # decoded with timestamps: the alignment is still made after <|notimestamps|>, as Whisper's is
    word_timings(model, "the encoded window", (51,), [7], [" Hi"], frames=40, frame_seconds=0.02)
    assert model.seen[-1] == [51, 55, 7, 50]
    assert word_timings(model, "the encoded window", (51,), [], [], 40, 0.02) == []


def test_long_audio_offsets_each_windows_words():
    def window(words: list[WordSpan], duration: float) -> Transcript:
        return Transcript(
            " ".join(w.word for w in words),
            [],
            [w.word for w in words],
            np.zeros((len(words), 5), np.float32),
            words,
            duration,
            FRAME_SECONDS,
        )

    joined = _joined([window([WordSpan("one", 0.1, 0.5)], 24.0), window([WordSpan("two", 0.3, 0.9)], 6.0)], 30.0)
    assert joined.words == [WordSpan("one", 0.1, 0.5), WordSpan("two", pytest.approx(24.3), pytest.approx(24.9))]


# -- the real whisper-tiny.en ----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_en():
    folder = installed_folder("whisper-tiny.en")
    if folder is None:
        message = "whisper-tiny.en is not installed (attend models install whisper-tiny.en)"
        if os.environ.get("ATTEND_REQUIRE_WHISPER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return Recognizer.from_folder(folder)


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    rows = json.loads(REFERENCE.read_text(encoding="utf-8"))["rows"]
    if not all((LIBRISPEECH / row["audio"]).is_file() for row in rows):
        pytest.skip(f"the LibriSpeech recordings are not in {LIBRISPEECH}")
    return rows


def reference_words(tokenizer, row: dict) -> list[WordSpan]:
    """CTranslate2's token times grouped into words as word_timing.py groups them."""
    times = np.array(row["start_frames"]) * FRAME_SECONDS
    return [
        WordSpan(word, times[first], times[stop])
        for word, first, stop in group_words(tokenizer.pieces(row["token_ids"]))
    ]


def test_word_times_agree_with_ctranslate2(tiny_en, reference):
    differences = []
    for row in reference:
        audio = load_audio(LIBRISPEECH / row["audio"])
        memory = encode(tiny_en.model, tiny_en.features(audio))
        words = word_timings(
            tiny_en.model,
            memory,
            (tiny_en.config.sot_id,),
            row["token_ids"],
            tiny_en.tokenizer.pieces(row["token_ids"]),
            row["frames"],
            FRAME_SECONDS,
        )
        expected = reference_words(tiny_en.tokenizer, row)
        assert [w.word for w in words] == [w.word for w in expected]
        starts = [w.start for w in words]
        assert starts == sorted(starts) and 0 <= starts[0] and words[-1].end <= audio.size / SAMPLE_RATE
        assert all(w.start <= w.end for w in words)
        differences += [abs(a.start - b.start) for a, b in zip(words, expected, strict=True)]
        differences += [abs(a.end - b.end) for a, b in zip(words, expected, strict=True)]
    same = np.mean(np.array(differences) < FRAME_SECONDS / 2)
    summary = f"{same:.0%} on the same frame, median {np.median(differences):.3f} s, max {max(differences):.3f} s"
    assert same >= SAME_FRAME and np.median(differences) <= MEDIAN_SECONDS and max(differences) <= MAX_SECONDS, (
        f"{summary} over {len(differences)} times"
    )


def test_transcripts_carry_the_aligned_word_times(tiny_en, reference):
    row = reference[0]
    audio = load_audio(LIBRISPEECH / row["audio"])
    transcript = tiny_en.transcribe(audio)
    expected = reference_words(tiny_en.tokenizer, row)  # greedy search gives CTranslate2's tokens
    assert [w.word for w in transcript.words] == [w.word for w in expected]
    assert " ".join(w.word for w in transcript.words) == transcript.text
    for word, reference_word in zip(transcript.words, expected, strict=True):
        assert abs(word.start - reference_word.start) <= MAX_SECONDS
        assert abs(word.end - reference_word.end) <= MAX_SECONDS

    # over 30 s: two windows, the second's words shifted by the first's length, all in order within the audio
    second = load_audio(LIBRISPEECH / reference[1]["audio"])
    long = tiny_en.transcribe(np.concatenate([audio, second]))
    starts = [w.start for w in long.words]
    assert starts == sorted(starts) and long.words[-1].end <= long.duration
    assert len(long.words) >= len(transcript.words) + 20 and long.words[-1].start > audio.size / SAMPLE_RATE
