#!/usr/bin/env bash
# Bundle a running speech-recognizer run once it has finished epoch N, then let it train on.
#
#   nohup bash scripts/bundle_after_epoch.sh N TRAIN-ASR-ARGUMENTS... > runs/bundleN.log 2>&1 &
#
# TRAIN-ASR-ARGUMENTS are the running training command's own (e.g. --config configs/asr/asr-en.yaml
# --out runs/asr-en --threads 2 --init-from models/asr-en --precision bfloat16), so the exported model
# records the command that trained it. The script waits for epoch N's record in OUT/log.jsonl, pauses
# the training processes (SIGSTOP: bundling needs both cores), exports the run (best epoch or the
# average of the last epochs, whichever scores better on dev), runs scripts/bundle_asr.py (which
# replaces models/NAME only with a model of lower held-out-voice WER) and resumes training, also when
# a step fails. Settings: PYTHON (default .venv/bin/python), LM (default runs/lm-en-large/model),
# NAME (default asr-en), RUN_NOTES (default docs/experiments/NAME-run-notes.md).
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 EPOCH TRAIN-ASR-ARGUMENTS... (at least --config and --out)" >&2
  exit 2
fi
epoch=$1
shift
python=${PYTHON:-.venv/bin/python}
name=${NAME:-asr-en}
lm=${LM:-runs/lm-en-large/model}
run_notes=${RUN_NOTES:-docs/experiments/$name-run-notes.md}

out=""
previous=""
for argument in "$@"; do
  [ "$previous" = "--out" ] && out=$argument
  previous=$argument
done
[ -n "$out" ] || { echo "$0: the training arguments need --out RUN_FOLDER" >&2; exit 2; }
for path in "$lm/config.json" "$run_notes"; do
  [ -e "$path" ] || { echo "$0: $path is missing" >&2; exit 2; }
done

echo "$(date -u +%FT%TZ) waiting for epoch $epoch in $out/log.jsonl"
until grep -q "\"epoch\": $epoch," "$out/log.jsonl" 2>/dev/null; do
  sleep 60
done
sleep 30  # the trainer writes its checkpoint right after the record

training=$(pgrep -f "desktop_app train-asr .*--out $out( |$)" || true)
resume() {
  [ -n "$training" ] && kill -CONT $training 2>/dev/null || true
  echo "$(date -u +%FT%TZ) training resumed"
}
trap resume EXIT
if [ -n "$training" ]; then
  kill -STOP $training
  echo "$(date -u +%FT%TZ) paused training (pid $training)"
fi

"$python" -m desktop_app train-asr "$@" --export-only
"$python" scripts/bundle_asr.py --run "$out" --lm "$lm" --name "$name" --run-notes "$run_notes"
echo "$(date -u +%FT%TZ) bundled"
