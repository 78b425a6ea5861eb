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

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from desktop_app.speech.features import load_audio  # noqa: E402
from desktop_app.speech.whisper_features import pad_or_trim, whisper_log_mel  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ct2", required=True, help="folder ctranslate2 was pip-installed into (--target)")
    parser.add_argument("--checkpoint", required=True, help="folder with the CTranslate2 model.bin and tokenizer")
    parser.add_argument("--audio", nargs="+", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    sys.path.insert(0, args.ct2)
    import ctranslate2  # noqa: PLC0415  (only here, from the folder given)

    model = ctranslate2.models.Whisper(args.checkpoint, device="cpu", compute_type="float32")
    tokens = json.loads((Path(args.checkpoint) / "tokenizer.json").read_text())["added_tokens"]
    ids = {t["content"]: t["id"] for t in tokens}
    rows = []
    for path in args.audio:
        features = whisper_log_mel(pad_or_trim(load_audio(path)))
        batch = ctranslate2.StorageView.from_array(np.ascontiguousarray(features.T[None]))
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
