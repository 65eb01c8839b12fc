#!/usr/bin/env bash
# One GPU check: what the paper preset costs on this card. Prints tables:
#   1. the fp32 and bf16 matmul rates measured in this run, and for each paper-preset stage the
#      training steps/s (batch 8, channels-last weights) in fp32 and bf16 autocast, and in bf16
#      with torch.compile, with the model FLOP utilisation (MFU) against the measured matmul rate
#      (bench/bench_models.py --compile);
#   2. peak GPU memory and frames/s of generating 100 and 400 top frames at 128x128 with the
#      streaming pipeline (bench/bench_inference.py);
#   3. a `torchrun --nproc_per_node 1` nccl run of 20 training steps (DDP on one GPU);
#   4. I3D clips/s for FVD in fp32 and TF32 (bench/bench_fvd.py; random weights where the real
#      ones are not installed: the same cost).
# Without a GPU it stops at once with a message (exit status 2). About 5 minutes on an H100/H200.
# Usage: bash bench/gpu_check.sh [OUT_DIR]
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-$(mktemp -d)}
mkdir -p "$out"
python - <<'EOF' || exit 2
import sys, torch
if not torch.cuda.is_available():
    sys.exit("gpu_check: no CUDA GPU visible to torch (torch.cuda.is_available() is False); "
             "run it on a machine with an NVIDIA GPU and a CUDA build of torch")
p = torch.cuda.get_device_properties(0)
print(f"# {p.name}, {p.total_memory / 2**30:.0f} GiB, torch {torch.__version__}")
EOF
status=0
echo "## 1. training steps/s and MFU, paper preset"
timeout 420 python bench/bench_models.py --presets paper --time --device cuda --batch 8 --steps 10 \
    --compile || { echo "bench_models failed ($?)"; status=1; }
echo
echo "## 2. generation memory vs length, paper preset (random weights: cost, not quality)"
timeout 240 python bench/bench_inference.py --preset paper --device cuda --lengths 100 400 \
    --skip-train || { echo "bench_inference failed ($?)"; status=1; }
echo
echo "## 3. torchrun, 1 process, nccl: 20 training steps of tiny stage 2"
t0=$(date +%s)
if timeout 180 torchrun --standalone --nproc_per_node 1 -m ssw_gan train --stage 2 \
    --preset tiny --data sprites --out "$out/ddp" --steps 20 --batch-size 8 --log-every 10 \
    --sample-every 20 --ckpt-every 20 >"$out/ddp.log" 2>&1; then
    echo "ok: 20 steps in $(($(date +%s) - t0)) s (start-up included); $(ls "$out/ddp/checkpoints")"
else
    echo "torchrun failed; its log:"
    tail -20 "$out/ddp.log"
    status=1
fi
echo
echo "## 4. I3D speed for FVD"
timeout 120 python bench/bench_fvd.py --device cuda --clips 64 --batch 16 \
    || { echo "bench_fvd failed ($?)"; status=1; }
exit $status
