#!/usr/bin/env bash
# Issue #42's translation runs on this machine's 2 cores: two lanes side by side, one thread each (small
# Transformers do not use a second thread well, so two 1-thread runs train more per hour than one 2-thread
# run). Each run resumes where it stopped, so re-running this script after an interruption carries on; a
# finished run only re-exports its model.
#   nohup nice -n 19 scripts/mt_queue.sh > runs/mt_queue.log 2>&1 &
#   nohup nice -n 19 scripts/mt_queue.sh a > runs/mt_queue.log 2>&1 &   # one lane only (the other still runs)
# Lane logs: runs/mt_lane_a.log, runs/mt_lane_b.log (appended to).
set -euo pipefail
cd "$(dirname "$0")/.."
train() { .venv/bin/attend train-mt --threads 1 "$@"; }
# French first (issue 42's item 5: a language pair the app lacks); en-de and de-en carry on after it.
lane_a() {
  train --config configs/mt/en-fr-transformer.yaml --out runs/en-fr-transformer --epochs 8
  train --config configs/mt/en-de-transformer-finetune-all.yaml --out runs/en-de-ft --init-from models/en-de-transformer --epochs 8
}
lane_b() {
  train --config configs/mt/fr-en-transformer.yaml --out runs/fr-en-transformer --epochs 8
  train --config configs/mt/de-en-transformer-finetune-all.yaml --out runs/de-en-ft --init-from models/de-en --epochs 7
}
lanes="${1:-ab}"
[[ $lanes == *a* ]] && { lane_a >> runs/mt_lane_a.log 2>&1 & }
[[ $lanes == *b* ]] && { lane_b >> runs/mt_lane_b.log 2>&1 & }
wait
