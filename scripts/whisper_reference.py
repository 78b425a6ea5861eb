"""Reference transcripts of a few real recordings from CTranslate2's own Whisper decoder, for
tests/test_whisper_reference.py: the converted folder, run by Attend's model library and decoding
generator, must produce the same tokens and no-speech probabilities.

    pip install --target /tmp/ct2ref ctranslate2==4.8.5    # not a dependency of Attend
    python scripts/whisper_reference.py --ct2 /tmp/ct2ref --checkpoint DIR_WITH_MODEL_BIN \
        --audio ../shared/data/speech/librispeech/226-122538-000{0,1,2}.ogg \
        --out tests/data/whisper-tiny.en-reference.json

Greedy search, Whisper's default suppressed tokens and blank suppression, with and without timestamps.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ct2_reference import features_view, load_reference, reference_arguments  # noqa: E402

from desktop_app.speech.features import load_audio  # noqa: E402
from desktop_app.speech.whisper_features import pad_or_trim, whisper_log_mel  # noqa: E402


def main() -> int:
    args = reference_arguments(__doc__)
    ctranslate2, model, ids = load_reference(args)
    rows = []
    for path in args.audio:
        features = whisper_log_mel(pad_or_trim(load_audio(path)))
        batch = features_view(ctranslate2, features)
        for timestamps in (False, True):
            prompt = [ids["<|startoftranscript|>"]] + ([] if timestamps else [ids["<|notimestamps|>"]])
            result = model.generate(batch, [prompt], beam_size=1, return_no_speech_prob=True, max_length=224)[0]
            rows.append(
                {
                    "audio": Path(path).name,
                    "timestamps": timestamps,
                    "token_ids": result.sequences_ids[0],
                    "no_speech_prob": round(float(result.no_speech_prob), 5),
                }
            )
    lines = ",\n".join("  " + json.dumps(row) for row in rows)  # one decoding per line
    Path(args.out).write_text(
        f'{{"ctranslate2": "{ctranslate2.__version__}", "greedy": true, "rows": [\n{lines}\n]}}\n'
    )
    print(f"{len(rows)} reference decodings written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
