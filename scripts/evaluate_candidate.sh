#!/usr/bin/env bash
# How a candidate default model is judged (MODEL_CARD.md): its int8 scales, then rule 2's figure
# (the engine's zero-shot top-1 on the val packages), then with "full" rule 3's figures and the
# reported ones (test set, ten animals, band-limited copies).
#   bash scripts/evaluate_candidate.sh MODEL.safetensors NAME [full]    (JSON and text to evals/)
set -euo pipefail
cd "$(dirname "$0")/.."
M=$1; N=$2; PY=${PYTHON:-.venv/bin/python}; C=${CORPUS:-data/corpus}; E=${EVALS:-evals}
mkdir -p "$E"
[ -f "${M%.safetensors}.int8.json" ] || $PY scripts/calibrate_int8.py --model "$M" --manifest "$C/manifest.jsonl"
$PY scripts/evaluate_model.py --corpus "$C" --model "$M" --zero-shot-set val_zeroshot.jsonl --val-limit 0 --json-out "$E/$N-val.json"
[ "${3:-}" = full ] || exit 0
$PY scripts/evaluate_model.py --corpus "$C" --model "$M" --retrieval-split test --json-out "$E/$N-test.json"
$PY scripts/evaluate_animals.py --model "$M" | tee "$E/$N-animals.txt"
for r in 22050 16000 11025; do
  $PY scripts/evaluate_model.py --corpus "$C" --model "$M" --band-limit $r --val-limit 0 --json-out "$E/$N-band$r.json"
done
