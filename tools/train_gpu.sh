#!/usr/bin/env bash
# Candidates for the shipped tiny pipeline, trained side by side on one GPU for MIN minutes each
# (tools/train_budget.py): stage 1, and stages 2 and 3 with the preset's upsampler settings and
# with the variants named below. Each run writes EMA snapshots every 250 steps to OUT/<run>/snaps;
# bench/bench_quality.py then picks the best by FVD on this machine or another.
# Usage: bash tools/train_gpu.sh OUT [MIN]     (about MIN + 1 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
min=${2:-5}
mkdir -p "$out"
# CLIPS, WORKERS, BATCH, SNAP: smaller for a check on a CPU
python tools/train_budget.py render "$out/pool.npy" --clips "${CLIPS:-6000}" --frames 64 \
    --workers "${WORKERS:-16}"
run() {
    name=$1
    shift
    python tools/train_budget.py train --pool "$out/pool.npy" --minutes "$min" \
        --batch-size "${BATCH:-32}" \
        --snap-every "${SNAP:-250}" --out "$out/$name" "$@" >"$out/$name.log" 2>&1 &
}
edge='{"pad": "replicate", "match_res": "high"}'
wide='{"pad": "replicate", "match_res": "high", "d_ch": [32, 64, 128]}'
# stage 1 ignores upsampler settings, and Pipeline.load composes stages of one pipeline shape
run s1 --stage 1 --num-workers 3
run s2-preset --stage 2 --shift --num-workers 2
run s2-edge --stage 2 --shift --num-workers 2 --model "$edge"
run s2-wide --stage 2 --shift --num-workers 1 --model "$wide"
run s3-preset --stage 3 --shift --num-workers 2
run s3-edge --stage 3 --shift --num-workers 2 --model "$edge"
wait
tail -n 2 "$out"/*.log
