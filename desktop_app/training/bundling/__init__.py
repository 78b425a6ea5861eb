"""Bundling a trained model: score it, decide whether it replaces the bundled one, write its card (torch-free).

`scripts/bundle_asr.py` wires these together for the speech model; each module has one job:

    scores.py         run `attend eval-asr/eval-mt --json` in a subprocess; NoScore when it gives no score
    error_tables.py   read `eval-asr --errors` tables; a WER change with its paired-bootstrap interval
    asr_scores.py     the test and dev sets, and the speech model's scores on them (each dev setting once)
    asr_tuning.py     choose the decoding on dev (CTC and LM weights, precision, beam, lexicon), or keep it
    asr_gate.py       the rule that lets a candidate replace the bundled model
    speed.py          `benchmarks/asr_speed.py`: run it, read its printout, rewrite a card's Speed section
    asr_decoding_text.py  the card's prose on how the folder decodes and how that was chosen
    asr_card.py       the short model card (models/NAME/README.md)
    asr_record.py     the long training record (docs/experiments/DAY-NAME-training-record.md)
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # the repository: attend, benchmarks/ and git run here
