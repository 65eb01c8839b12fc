#!/usr/bin/env bash
# Stage-1 candidates for the tiny pipeline (issue 32), trained side by side on one GPU for MIN
# minutes each by tools/train_budget.py on one rendered pool of moving-sprite clips (64 top frames:
# 16 at stage 1, as the shipped stage 1 was trained), EMA snapshots every SNAP steps in
# OUT/<run>/snaps; then bench/bench_stage1.py measures the newest EVAL_LAST snapshots of each run
# (FVD through fixed upsampling, edge stripe, sprite shape and colour), beside the shipped stage 1
# and real stage-1 clips, into OUT/stage1_bench.json.
#
#   base      the preset as shipped (zero padding, 1 D step, lr D 4e-4, G 1e-4): the control
#   edge      edge padding in space (model 'pad': 'replicate')
#   edge-dvd  edge padding + DVD-GAN's balance: 2 D steps per G step, lr D 5e-4, G 1e-4
#   edge-aug  edge padding + DiffAugment (translation, cutout) of every clip D judges
#   edge-wide edge padding + twice the channels in G and D
#
# Usage: bash tools/train_gpu_stage1.sh OUT [MIN]     (about MIN + 1.5 minutes on an H200)
# Env (defaults in brackets):
#   RUNS        the runs above to train [all five]
#   SEEDS       training seeds ["0"]; "0 1" trains each run twice, the second as NAME-s1
#   POOL        an existing pool from `train_budget.py render` (e.g. tools/train_gpu.sh's
#               OUT/pool.npy) [render one into OUT/pool.npy: CLIPS 6000 clips, WORKERS 16]
#   BATCH [32], SNAP [250], EMA_START [500], STEPS [no step budget besides MIN]
#   NUM_WORKERS loader workers per run [1]; THREADS torch threads per run [2]
#   EVAL_LAST   snapshots of each run measured at the end [2]; 0: no evaluation
#   BENCH_ARGS  more bench_stage1.py options
# A check on a CPU:
#   CLIPS=64 WORKERS=1 BATCH=4 SNAP=2 NUM_WORKERS=0 THREADS=1 EVAL_LAST=1 \
#       BENCH_ARGS='--no-fvd --measure-n 16' bash tools/train_gpu_stage1.sh OUT 0.3
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
min=${2:-5}
mkdir -p "$out"
pool=${POOL:-$out/pool.npy}
if [ ! -f "$pool" ]; then
    python tools/train_budget.py render "$pool" --clips "${CLIPS:-6000}" --frames 64 \
        --workers "${WORKERS:-16}"
fi

run() {  # run NAME S1_MODEL D_STEPS LR_D LR_G: once per seed in SEEDS (NAME-sK for seed K > 0)
    local name=$1 seed run
    case " ${RUNS:-base edge edge-dvd edge-aug edge-wide} " in *" $name "*) ;; *) return 0 ;; esac
    for seed in ${SEEDS:-0}; do
        run=$name
        [ "$seed" = 0 ] || run=$name-s$seed
        # shellcheck disable=SC2086  # $6: extra options, split into words on purpose
        python tools/train_budget.py train --stage 1 --stage1-model "$2" --d-steps "$3" \
            --pool "$pool" --minutes "$min" \
            --batch-size "${BATCH:-32}" --snap-every "${SNAP:-250}" --seed "$seed" \
            --lr-d "$4" --lr-g "$5" --num-workers "${NUM_WORKERS:-1}" \
            --ema-start "${EMA_START:-500}" --threads "${THREADS:-2}" ${STEPS:+--steps "$STEPS"} \
            --out "$out/$run" ${6:-} >"$out/$run.log" 2>&1 &
    done
}
edge='"pad": "replicate"'
run base '{}' 1 4e-4 1e-4
run edge "{$edge}" 1 4e-4 1e-4
run edge-dvd "{$edge}" 2 5e-4 1e-4
run edge-aug "{$edge}" 1 4e-4 1e-4 "--diffaug translation,cutout"
run edge-wide "{$edge, \"g_ch\": [128, 64, 64], \"d_ch\": [64, 128, 128]}" 1 4e-4 1e-4
wait
tail -n 1 "$out"/*.log
if [ "${EVAL_LAST:-2}" -gt 0 ]; then
    snaps=$(ls -d "$out"/*/snaps)
    # shellcheck disable=SC2086
    python bench/bench_stage1.py --stage1 shipped $snaps --last "${EVAL_LAST:-2}" \
        --features-cache "$out/fvd_cache" --json "$out/stage1_bench.json" ${BENCH_ARGS:-}
fi
