#!/usr/bin/env bash
# The CPU recipe of the pipeline shipped in ssw_gan/weights/tiny: the three stages of the tiny preset
# trained on moving sprites, one CPU thread per job: stage 1 in the background, stages 2 then 3
# beside it (stage 1's 10000 steps take 2 to 4 hours of a core: 0.75 s/step in bf16 on a CPU with
# AVX-512 BF16, about 1.3 in float32), then bundled. Stage 1 trains with edge padding in space (the
# model setting 'pad': 'replicate', a --config file holding the tiny spec with that one change) on
# clips of 64 top frames (16 of its own), twice the preset's length, so that it keeps moving when
# unrolled. The upsamplers train with the preset's recipe (`recommended_training`: reconstruction
# alone, L1 at lr 1e-3; a longer --steps adds the GAN terms at lr 1e-4 with the reconstruction
# kept, which made the shipped pipeline worse; steps and batch sizes typed here are the recipe's)
# and with time-shifted negatives for the matching discriminator (used by that GAN phase).
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
ssw-gan train --stage 1 --config "$runs/tiny-stage1.json" --data sprites --out "$runs/tiny-stage1" --steps 10000 --batch-size 8 --length 64 --ema-start 500 --sample-every 1000 --ckpt-every 250 --threads 1 &
s1=$!
ssw-gan train --stage 2 --preset tiny --data sprites --out "$runs/tiny-stage2" --steps 500 --batch-size 16 --shift --sample-every 250 --ckpt-every 100 --threads 1
ssw-gan train --stage 3 --preset tiny --data sprites --out "$runs/tiny-stage3" --steps 600 --batch-size 8 --shift --sample-every 250 --ckpt-every 50 --threads 1
wait $s1
python tools/bundle_pretrained.py tiny "$runs/tiny-stage1" "$runs/tiny-stage2" "$runs/tiny-stage3"
