#!/usr/bin/env bash
# Issue #42's translation runs, one after another on this machine's 2 cores (each resumes where it stopped, so
# re-running this script after an interruption carries on; a finished run only re-exports its model).
#   nohup nice -n 19 scripts/mt_queue.sh > runs/mt_queue.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
train() { .venv/bin/attend train-mt --threads 2 "$@"; }
# French first (issue 42's item 5: a language pair the app lacks); en-de and de-en carry on after it.
train --config configs/mt/en-fr-transformer.yaml --out runs/en-fr-transformer --epochs 8
train --config configs/mt/fr-en-transformer.yaml --out runs/fr-en-transformer --epochs 8
train --config configs/mt/en-de-transformer-finetune-all.yaml --out runs/en-de-ft --init-from models/en-de-transformer --epochs 8
train --config configs/mt/de-en-transformer-finetune-all.yaml --out runs/de-en-ft --init-from models/de-en --epochs 7
