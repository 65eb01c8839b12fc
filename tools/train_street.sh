#!/usr/bin/env bash
# The CPU recipe of the pipeline shipped in ssw_gan/weights/street: the tiny preset (64x64, colour)
# trained on real camera footage, OpenCV's vtest.avi (`ssw-gan footage street`: a campus road with
# people walking, 795 frames at 10 fps). The first 80% of the video trains, the last 20% is held
# out for FVD (bench/bench_footage.py, which also compares with the `objects` footage prepared
# here). One CPU thread per job: stage 1 in the background, stages 2 then 3 beside it.
# Then bundled. Stage 1 trains on clips of 64 top frames,
# twice the preset's length, so that it keeps moving when unrolled; the upsamplers train with
# time-shifted negatives for the matching discriminator. Resumable: run it again after a kill and
# every job continues from its newest checkpoint (a finished job does nothing).
# Usage: bash tools/train_street.sh [RUNS]     (default runs/street)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-runs/street}
mkdir -p "$runs"
street=$(dirname "$(ssw-gan footage street | tail -1)")
objects=$(dirname "$(ssw-gan footage objects | tail -1)")
# stage 1 learns 64-frame videos; the upsamplers and FVD read clips of the top stage's 32 frames
prep() { ssw-gan prepare "$1" "$2" --preset tiny "${@:3}"; }  # a done cache decodes nothing
prep "$street" "$runs/train64" --frames 64 --clips-per-video 200 --time-range 0 0.8
prep "$street" "$runs/train32" --frames 32 --clips-per-video 400 --time-range 0 0.8
prep "$street" "$runs/held32" --frames 32 --clips-per-video 128 --time-range 0.8 1
prep "$objects" "$runs/objects16" --frames 16 --clips-per-video 65
python - "$runs/street-stage1.json" <<'PY'
import json, sys
from ssw_gan.stages import get_preset

spec = get_preset('tiny').to_dict()
spec['stages'][0]['model']['pad'] = 'replicate'  # edge padding: no stripe along the edges
open(sys.argv[1], 'w').write(json.dumps({'pipeline': spec}, indent=1))
PY
common=(--threads 1 --ckpt-every 50 --resume)
ssw-gan train --stage 1 --config "$runs/street-stage1.json" "${common[@]}" --data "$runs/train64" \
  --out "$runs/stage1" --steps 6000 --batch-size 8 --length 64 --ema-start 500 --sample-every 500 &
s1=$!
# the preset's upsampler recipe (reconstruction 500 / 600 steps), then 150 adversarial steps
ssw-gan train --stage 2 --preset tiny "${common[@]}" --data "$runs/train32" --out "$runs/stage2" \
  --steps 650 --batch-size 16 --shift --sample-every 250
ssw-gan train --stage 3 --preset tiny "${common[@]}" --data "$runs/train32" --out "$runs/stage3" \
  --steps 750 --batch-size 8 --shift --sample-every 250
wait $s1
python tools/bundle_pretrained.py street "$runs/stage1" "$runs/stage2" "$runs/stage3"
