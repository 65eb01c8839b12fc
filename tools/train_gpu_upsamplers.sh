#!/usr/bin/env bash
# The upsampler recipe (issue 29) on one GPU: the tiny preset's stages 2 and 3 (the presets' new
# design: noise added to features, a zero-initialised exit), trained side by side for MIN minutes
# each with tools/train_budget.py on a rendered pool: reconstruction first (L1 alone, no
# discriminator, lr 1e-3) for PRE_FRAC of the time, then adversarial fine-tuning with the
# reconstruction kept (recon 1, GAN weight 0.1, lr_g 1e-4); and two variants: the GAN weight 0.01
# at both stages, and stage 2 without spectral norm in G. Each run writes EMA snapshots every SNAP
# steps to OUT/<run>/snaps and, at each, its held-out L1 against fixed upsampling's and the noise's
# effect to OUT/<run>.log (which also says at which step the reconstruction phase ended: that
# snapshot is the reconstruction-only model); bench/bench_upsamplers.py then measures snapshots, e.g.
#   python bench/bench_upsamplers.py OUT/s2/snaps/stepNNNNNNN.pt OUT/s3/snaps/stepMMMMMMM.pt
# Usage: bash tools/train_gpu_upsamplers.sh OUT [MIN]     (about MIN + 2 minutes)
# A check on a CPU: CLIPS=64 WORKERS=1 BATCH=4 SNAP=5 HELD=8 bash tools/train_gpu_upsamplers.sh OUT 1
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1
min=${2:-10}
py=${PY:-python}
pre=$("$py" -c "print($min * ${PRE_FRAC:-0.5})")
mkdir -p "$out"
# CLIPS, WORKERS, BATCH, SNAP, HELD, THREADS: smaller for a check on a CPU
# POOL: an existing pool from `train_budget.py render` (e.g. tools/train_gpu_stage1.sh's), else one is
# rendered into OUT
pool=${POOL:-$out/pool.npy}
if [ ! -f "$pool" ]; then
    "$py" tools/train_budget.py render "$pool" --clips "${CLIPS:-6000}" --frames 64 \
        --workers "${WORKERS:-16}"
fi
run() {
    name=$1
    shift
    "$py" tools/train_budget.py train --pool "$pool" --minutes "$min" \
        --pretrain-minutes "$pre" --lr-pretrain 1e-3 --batch-size "${BATCH:-32}" \
        --snap-every "${SNAP:-250}" --held-out "${HELD:-64}" --threads "${THREADS:-2}" --shift \
        --out "$out/$name" "$@" >"$out/$name.log" 2>&1 &
}
gan='{"recon": 1, "gan": 0.1}'
small='{"recon": 1, "gan": 0.01}'
run s2 --stage 2 --weights "$gan" --num-workers "${LOADERS:-2}"
run s3 --stage 3 --weights "$gan" --num-workers "${LOADERS:-3}"
run s2-gan001 --stage 2 --weights "$small" --num-workers "${LOADERS:-2}"
run s3-gan001 --stage 3 --weights "$small" --num-workers "${LOADERS:-3}"
run s2-nosn --stage 2 --weights "$gan" --model '{"sn": false}' --num-workers "${LOADERS:-2}"
wait
tail -n 2 "$out"/*.log
