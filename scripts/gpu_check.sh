#!/bin/bash
# Does training run on a CUDA GPU, and how fast? train-asr from the bundled recognizer (80 s and 320 s batches),
# the batch pipeline alone, eval-asr of the exported model, and train-mt from scratch, each timed and under a
# time limit; logs, run records and summary.txt land in $OUT (default /tmp/gpu-check-out).
#
#   python scripts/gpu_check_data.py --out .devdata     # here: the ~30 MB sample and configs it trains from
#   bash scripts/gpu_check.sh [DATA=.devdata] [DEVICE=cuda] [quick]     # there (quick: 60 s per step)
#
# Runs from the repo root with PYTHON (default python3). A folder .whl of wheels, if present, is installed into
# /tmp/site first (for a machine that has torch but not librosa, soundfile, jiwer, ...).
data=${1:-.devdata}; device=${2:-cuda}; quick=$3
OUT=${OUT:-/tmp/gpu-check-out}; mkdir -p "$OUT"; : > "$OUT/summary.txt"
PY=${PYTHON:-python3}
if [ -d .whl ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    && export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; nproc
  $PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"; } > "$OUT/env.txt" 2>&1
if [ -n "$quick" ]; then limits=(60 60 60 60); else limits=(150 90 60 120); fi
run() {  # name, seconds, command...: the step's output in $OUT/name.log, its exit status and wall time in summary
  local name=$1 seconds=$2; shift 2
  local t0; t0=$(date +%s%N)
  timeout "$seconds" "$@" > "$OUT/$name.log" 2>&1
  echo "$name rc=$? wall=$(( ($(date +%s%N) - t0) / 1000000 ))ms" >> "$OUT/summary.txt"
}
A="$PY -m desktop_app"
rm -rf /tmp/gpu-check-asr80 /tmp/gpu-check-asr320 /tmp/gpu-check-mt
run asr80 "${limits[0]}" $A train-asr --config "$data/asr.yaml" --out /tmp/gpu-check-asr80 --device "$device" \
  --init-from models/asr-en --learning-rate 0.000125 --epochs 26      # epochs 25 and 26 of the bundled model
run asr320 "${limits[1]}" $A train-asr --config "$data/asr-320.yaml" --out /tmp/gpu-check-asr320 --device "$device" \
  --init-from models/asr-en --learning-rate 0.000125 --epochs 25
run batches 40 $PY scripts/batch_pipeline_rate.py --config "$data/asr.yaml"
model=$(ls -d /tmp/gpu-check-asr80/model /tmp/gpu-check-asr320/model 2>/dev/null | head -1)
[ -n "$model" ] && run eval "${limits[2]}" $A eval-asr --model "$model" --manifest "$data/speech/dev.tsv" \
  "$data/speech/dev-voices.tsv" --jobs 4 --json
run mt "${limits[3]}" $A train-mt --config "$data/mt.yaml" --out /tmp/gpu-check-mt --device "$device" --epochs 1
for name in asr80 asr320 mt; do cp "/tmp/gpu-check-$name/log.jsonl" "$OUT/$name.jsonl" 2>/dev/null; done
tail -c 2500 "$OUT"/*.log; cat "$OUT/env.txt" "$OUT/summary.txt"
