#!/usr/bin/env bash
# Reproduce the pipeline shipped in ssw_gan/weights/tiny: the three stages of the tiny preset trained on moving
# sprites (one CPU thread per job: stage 1 in the background, stages 2 then 3 beside it; about an hour on 2 cores), then bundled.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs}
ssw-gan train --stage 1 --preset tiny --data sprites --out "$runs/tiny-stage1" --steps 6000 --batch-size 8 --sample-every 500 --ckpt-every 500 --threads 1 &
s1=$!
ssw-gan train --stage 2 --preset tiny --data sprites --out "$runs/tiny-stage2" --steps 1000 --batch-size 8 --sample-every 250 --ckpt-every 250 --threads 1
ssw-gan train --stage 3 --preset tiny --data sprites --out "$runs/tiny-stage3" --steps 800 --batch-size 8 --sample-every 200 --ckpt-every 200 --threads 1
wait $s1
python tools/bundle_pretrained.py tiny "$runs/tiny-stage1" "$runs/tiny-stage2" "$runs/tiny-stage3"
