"""Reference token times of a few real recordings from CTranslate2's Whisper `align`, for
tests/test_word_timing.py: Attend's dynamic time warping over the converted folder's alignment
heads (desktop_app/speech/word_timing.py) must place the same tokens at (nearly) the same frames.

    pip install --target /tmp/ct2ref ctranslate2==4.8.5    # not a dependency of Attend
    python scripts/whisper_alignment_reference.py --ct2 /tmp/ct2ref --checkpoint DIR_WITH_MODEL_BIN \
        --audio ../shared/data/speech/librispeech/{1088-134315-0000,226-122538-000{0,1,2}}.ogg \
        --out tests/data/whisper-tiny.en-alignment.json

Per recording: the text tokens of CTranslate2's greedy decoding without timestamps, the encoder
frames that hold the audio (20 ms each; the rest of the 30-s window is padding and is left out of
the alignment), and the frame where the alignment path enters each token's row, one more at the end
for the end token (where the last word ends). `align` is given only <|startoftranscript|>: it adds
<|notimestamps|> itself.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ct2_reference import features_view, load_reference, reference_arguments  # noqa: E402

from desktop_app.speech.features import SAMPLE_RATE, load_audio  # noqa: E402
from desktop_app.speech.whisper_features import HOP_LENGTH, pad_or_trim, whisper_log_mel  # noqa: E402

MEDIAN_WIDTH = 7


def main() -> int:
    args = reference_arguments(__doc__)
    ctranslate2, model, ids = load_reference(args)
    start = [ids["<|startoftranscript|>"]]
    rows = []
    for path in args.audio:
        audio = load_audio(path)
        features = whisper_log_mel(pad_or_trim(audio))
        batch = features_view(ctranslate2, features)
        text = model.generate(batch, [[*start, ids["<|notimestamps|>"]]], beam_size=1, max_length=224)[0]
        frames = math.ceil(audio.size / (2 * HOP_LENGTH))  # encoder frames, as the recognizer counts them
        aligned = model.align(batch, start, [text.sequences_ids[0]], [2 * frames], median_filter_width=MEDIAN_WIDTH)[0]
        token_rows, columns = np.array(aligned.alignments).T  # the path's cells, in order
        entered = np.concatenate([[True], np.diff(token_rows) > 0])
        rows.append(
            {
                "audio": Path(path).name,
                "seconds": round(audio.size / SAMPLE_RATE, 3),
                "frames": frames,
                "token_ids": text.sequences_ids[0],
                "start_frames": columns[entered].tolist(),
            }
        )
    lines = ",\n".join("  " + json.dumps(row) for row in rows)  # one recording per line
    Path(args.out).write_text(
        f'{{"ctranslate2": "{ctranslate2.__version__}", "median_filter_width": {MEDIAN_WIDTH}, '
        f'"frame_seconds": 0.02, "rows": [\n{lines}\n]}}\n'
    )
    print(f"{len(rows)} reference alignments written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
