#!/usr/bin/env bash
# The CPU recipe of the pipeline shipped in ssw_gan/weights/tiny: the three stages of the tiny preset
# trained on moving sprites, one CPU thread per job: stage 1 in the background, stages 2 then 3
# beside it (about 2 hours on 2 cores), then bundled. Stage 1 trains with edge padding in space (the
# model setting 'pad': 'replicate', a --config file holding the tiny spec with that one change) on
# clips of 64 top frames (16 of its own), twice the preset's length, so that it keeps moving when
# unrolled. The upsamplers train with the preset's recipe (`recommended_training`: a reconstruction
# phase first, L1 alone at lr 1e-3, then the GAN terms at lr 1e-4 with the reconstruction kept;
# steps and batch sizes typed here are the recipe's) and with time-shifted negatives for the
# matching discriminator.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs}
mkdir -p "$runs"
python - "$runs/tiny-stage1.json" <<'PY'
import json, sys
from ssw_gan.stages import get_preset

spec = get_preset('tiny').to_dict()
spec['stages'][0]['model']['pad'] = 'replicate'
open(sys.argv[1], 'w').write(json.dumps({'pipeline': spec}, indent=1))
PY
ssw-gan train --stage 1 --config "$runs/tiny-stage1.json" --data sprites --out "$runs/tiny-stage1" --steps 2750 --batch-size 8 --length 64 --ema-start 500 --sample-every 500 --ckpt-every 250 --threads 1 &
s1=$!
ssw-gan train --stage 2 --preset tiny --data sprites --out "$runs/tiny-stage2" --steps 650 --batch-size 16 --shift --sample-every 250 --ckpt-every 100 --threads 1
ssw-gan train --stage 3 --preset tiny --data sprites --out "$runs/tiny-stage3" --steps 750 --batch-size 8 --shift --sample-every 250 --ckpt-every 50 --threads 1
wait $s1
python tools/bundle_pretrained.py tiny "$runs/tiny-stage1" "$runs/tiny-stage2" "$runs/tiny-stage3"
