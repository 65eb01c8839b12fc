#!/usr/bin/env bash
# The CPU recipe of the pipeline shipped in ssw_gan/weights/tiny: the three stages of the tiny preset
# trained on moving sprites, one CPU thread per job: stage 1 in the background, stages 2 then 3
# beside it (about 2 hours on 2 cores), then bundled. Stage 1 trains on clips of 64 top frames (16
# of its own), twice the preset's length, so that it keeps moving when unrolled; the upsamplers
# train with time-shifted negatives for the matching discriminator. The shipped stage 1 is this
# script's; the shipped stages 2 and 3 were trained longer on a GPU with tools/train_gpu.sh
# (runs s2-preset and s3-preset, last snapshots; see the train chapter).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs}
ssw-gan train --stage 1 --preset tiny --data sprites --out "$runs/tiny-stage1" --steps 2750 --batch-size 8 --length 64 --ema-start 500 --sample-every 500 --ckpt-every 250 --threads 1 &
s1=$!
ssw-gan train --stage 2 --preset tiny --data sprites --out "$runs/tiny-stage2" --steps 1000 --batch-size 8 --shift --ema-start 200 --sample-every 250 --ckpt-every 100 --threads 1
ssw-gan train --stage 3 --preset tiny --data sprites --out "$runs/tiny-stage3" --steps 600 --batch-size 8 --shift --ema-start 200 --sample-every 250 --ckpt-every 50 --threads 1
wait $s1
python tools/bundle_pretrained.py tiny "$runs/tiny-stage1" "$runs/tiny-stage2" "$runs/tiny-stage3"
