"""The study of SSW-GAN's claims at laptop scale: experiments with seeds, error bars, JSON results.

    python tools/study.py list                      # the experiments, their budgets
    python tools/study.py run NAME [--root runs/study] [--jobs 2]
    python tools/study.py run NAME --dry-run        # print the commands only
    python tools/study.py table                     # the results as markdown (the Results page's)

Each experiment is a set of `ssw-gan train` jobs (one per arm and seed, `--resume` always, so a
killed study continues from each run's newest complete checkpoint), run `--jobs` at a time with
one CPU thread each, then an evaluation. Its result, with the settings, seeds, commands, each
job's wall time and peak memory, and the CPU-hours spent, goes to
nbs/tutorials/data/study_NAME.json (written atomically). A results file made with other settings
is refused, with the difference named; delete it (or change the settings back) to rerun.

An experiment is data: EXPERIMENTS holds its settings (its results file records them, and a
rerun compares them), RUNNERS its code (its jobs, its evaluation, its part of the Results page's
table); `run` is the one runner for all of them.

The experiments (the claims of the paper, issue 13, and one change beyond it):

- grounding: the tiny preset's stage 2 trained four ways (no matching discriminator; the matching
  discriminator with learned grounding; the same with time-shifted negatives; projection
  grounding). Grounding error, FVD of stage-2 windows against real ones, seam score.
- context: stage 2 with upsampler windows of 4 and 16 output frames, and windows of 4 trained
  twice as long (the CPU time of 16): FVD and seam score against the cost per step.
- long: the shipped pipeline unrolled to 1x, 2x, 4x and 8x its trained length: FVD of 16-frame
  segments against their position (drift), peak memory of streamed generation, and a long-clip
  FVD over whole 128-frame clips (StyleGAN-V's fvd2048_128f protocol, with fewer clips).
- budget: SSW-GAN (three stages, trained side by side) against a single-stage generator of the
  whole video with the same total CPU time, at 32 and 64 frames: FVD, peak training memory,
  time per step.
- recon: stage 2 (projection grounding) with an L1 reconstruction term of weight 1, 3, 10 and
  100 beside its adversarial losses, and with weight 1 and with no term trained three times as
  long; the grounding experiment's projection arm (the same runs without the term) is the
  control, measured again (run `grounding` first, under the same --root). FVD, L1 distance to
  the real clips and to the fixed base upsampling (whose FVD is measured too), in-between
  sharpness, grounding error, seam score.
"""

from __future__ import annotations
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import replace
from typing import Callable, NamedTuple
from pathlib import Path
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / 'nbs' / 'tutorials' / 'data'
VERSION = 1  # of the study's code: results of another version are refused like other settings
SSW_GAN = [sys.executable, '-m', 'ssw_gan']
FVD_FRAMES = 16


# ---------------------------------------------------------------------------------------------
# settings and jobs


def _study_tiny():
    """The tiny preset as the study measured it: its upsamplers in the design of the time (noise
    concatenated to the input, 4 channels; a scalar gain on the output), from before the recipe
    that adds noise to features behind a zero-initialised exit (the generators chapter). The saved
    results were made with these specs, and a rerun compares them."""
    from ssw_gan.stages import get_preset

    tiny = get_preset('tiny')
    old = [
        replace(
            s,
            model={
                **{k: v for k, v in s.model.items() if k not in ('noise', 'out')},
                'noise_ch': 4,
            },
        )
        for s in tiny.stages[1:]
    ]
    return replace(tiny, stages=(tiny.stages[0], *old))


def _tiny_with(stage: int, **model) -> dict:
    "The study's tiny spec (as a dict) with stage `stage`'s model settings changed."
    tiny = _study_tiny()
    stages = list(tiny.stages)
    stages[stage - 1] = replace(stages[stage - 1], model={**stages[stage - 1].model, **model})
    return replace(tiny, stages=tuple(stages)).to_dict()


def _tiny_window(stage: int, window: int) -> dict:
    "The study's tiny spec with stage `stage`'s window (output frames) set to `window`."
    tiny = _study_tiny()
    stages = list(tiny.stages)
    stages[stage - 1] = replace(stages[stage - 1], window=window)
    return replace(tiny, name=f'tiny-window{window}', stages=tuple(stages)).to_dict()


def _single(frames: int) -> dict:
    "A one-stage pipeline spec: a DVD-GAN-style generator of the tiny preset's whole video."
    from ssw_gan.stages import PipelineSpec, get_preset, single_stage, with_length

    tiny = with_length(get_preset('tiny'), frames)
    return PipelineSpec(f'single@{frames}', (single_stage(tiny),), fps=tiny.fps).to_dict()


def _stage2_train(steps: int) -> list:
    return ['--stage', 2, '--data', 'sprites', '--steps', steps, '--batch-size', 8]


COMMON = ['--threads', 1, '--ckpt-every', 50, '--sample-every', 10**9, '--log-every', 25]

EXPERIMENTS = {
    'grounding': {
        'claim': 'the matching discriminator keeps upsampled videos grounded in their input',
        'seeds': [0, 1, 2],
        'steps': 600,
        'eval_clips': 64,
        'eval_frames': 32,  # top frames of the held-out clips: 16 at stage 2, two windows
        'arms': {
            'no-matching': {
                'pipeline': _tiny_with(2, grounding='learned'),
                'weights': {'matching': 0.0},
            },
            'matching': {'pipeline': _tiny_with(2, grounding='learned')},
            'matching+shift': {'pipeline': _tiny_with(2, grounding='learned'), 'shift': True},
            'projection': {'pipeline': _tiny_with(2, grounding='projection')},
        },
        'budget': 'about 1.7 h of both cores (12 runs of 600 steps at ~1.2 s, then FVD)',
    },
    'context': {
        'claim': 'more temporal context costs compute and buys consistency',
        'seeds': [0, 1, 2],
        'steps': 600,
        'eval_clips': 64,
        'eval_frames': 64,  # 32 frames at stage 2: two windows of 16
        'arms': {
            'window 4': {'pipeline': _tiny_window(2, 4)},
            'window 16': {'pipeline': _tiny_window(2, 16)},
            # window 4 with the CPU time of window 16 (which costs twice as much per step)
            'window 4, 2x steps': {'pipeline': _tiny_window(2, 4), 'steps': 1200},
        },
        'budget': 'about 2 h of both cores (9 runs of 600 or 1200 steps, then FVD)',
    },
    'long': {
        'claim': 'stages trained on windows generate videos far longer than any training example',
        'seeds': [0, 1, 2],
        'factors': [1, 2, 4, 8],
        'positions': [0, 64, 128, 240],
        'segment_clips': 32,
        'long_clips': 24,
        'long_frames': 128,
        'budget': 'about 35 min of both cores (no training: generation and I3D features)',
    },
    'budget': {
        'claim': 'stage-wise training matches a single stage at a fraction of memory and compute',
        'seeds': [0, 1, 2],
        'lengths': [32, 64],
        'cpu_minutes': 12,  # per arm, length and seed: SSW's three stages share it
        'eval_clips': 128,
        'budget': 'about 2.4 h of both cores (12 budgets of 12 CPU-minutes, then FVD)',
    },
    'recon': {
        'claim': (
            "whether an L1 reconstruction term (pix2pix's, not the paper's) helps upsamplers "
            'that adversarial losses alone leave worse than fixed upsampling'
        ),
        'seeds': [0, 1, 2],
        'steps': 600,
        'eval_clips': 64,
        'eval_frames': 32,  # as the grounding experiment's, whose projection arm is the control
        'control': 'grounding/projection',  # the same stage 2 without the term (measured too)
        'arms': {
            **{
                f'recon {w:g}': {
                    'pipeline': _tiny_with(2, grounding='projection'),
                    'weights': {'recon': w},
                }
                for w in (1.0, 3.0, 10.0, 100.0)
            },
            # whether the weight that lands between the base and the control improves with
            # training: three times the steps
            'recon 1, 3x steps': {
                'pipeline': _tiny_with(2, grounding='projection'),
                'weights': {'recon': 1.0},
                'steps': 1800,
            },
            # the control trained as long: is it the term or the steps?
            'no recon, 3x steps': {
                'pipeline': _tiny_with(2, grounding='projection'),
                'steps': 1800,
            },
        },
        'budget': 'about 3.5 h of both cores (12 runs of 600 steps, 6 of 1800, then FVD)',
    },
}


def _stage2_jobs(s: dict, rates: dict | None = None) -> list[dict]:
    "Every arm of a stage-2 experiment at every seed: [{'run', 'args', 'config'}]."
    jobs = []
    for arm, cfg in s['arms'].items():
        steps = cfg.get('steps', s['steps'])  # an arm may train longer (a config key too)
        for seed in s['seeds']:
            args = _stage2_train(steps) + ['--seed', seed, '--ema-start', 200]
            jobs.append({'run': f'{arm}/seed{seed}', 'args': args + COMMON, 'config': cfg})
    return jobs


def _budget_jobs(s: dict, rates: dict | None = None) -> list[dict]:
    """SSW's three stages and the single stage at every length and seed, each with the steps
    that fill its CPU time at its measured seconds per step (`rates`; 1 step where unmeasured)."""
    jobs = []
    for frames in s['lengths']:
        for seed in s['seeds']:
            for k in (1, 2, 3):
                run = f'ssw@{frames}/seed{seed}/stage{k}'
                args = ['--stage', k, '--data', 'sprites', '--batch-size', 8, '--seed', seed]
                args += ['--length', frames] if k == 1 else []
                jobs.append({'run': run, 'args': args + COMMON, 'config': {'pipeline': 'tiny'}})
            args = ['--stage', 1, '--data', 'sprites', '--batch-size', 8, '--seed', seed]
            config = {'pipeline': _single(frames)}
            jobs.append(
                {'run': f'single@{frames}/seed{seed}', 'args': args + COMMON, 'config': config}
            )
    for j in jobs:  # the same CPU time for both arms: SSW's stages share theirs in three
        share = 3 if j['run'].startswith('ssw') else 1
        rate = (rates or {}).get(_rate_key(j['run']))
        steps = 1 if rate is None else max(1, int(s['cpu_minutes'] * 60 / share / rate))
        j['args'] += ['--steps', steps]
    return jobs


def _no_jobs(s: dict, rates: dict | None = None) -> list[dict]:
    "No training: an experiment that only measures the shipped pipeline."
    return []


def _jobs(name: str, s: dict, rates: dict | None = None) -> list[dict]:
    "The training jobs of experiment `name`: [{'run', 'args', 'config'}]."
    return RUNNERS[name].jobs(s, rates)


def _rate_key(run: str) -> str:
    "A budget job's name without its seed: the jobs whose steps cost the same."
    return '/'.join(p for p in run.split('/') if not p.startswith('seed'))


# ---------------------------------------------------------------------------------------------
# running


def _atomic_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + '.partial')
    tmp.write_text(json.dumps(obj, indent=1))
    tmp.replace(path)


def _diff(old, new, prefix='') -> list[str]:
    "The settings that differ between two (nested) dicts, as 'key: old -> new'."
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in sorted(set(old) | set(new), key=str):
            out += _diff(old.get(k), new.get(k), f'{prefix}{k}.')
        return out
    return [] if old == new else [f'{prefix[:-1]}: {old!r} -> {new!r}']


def _check_settings(path: Path, settings: dict) -> dict | None:
    "The results or state in `path`, refused if made with other settings."
    if not path.is_file():
        return None
    old = json.loads(path.read_text())
    diff = _diff(old.get('settings'), settings)
    if diff:
        raise SystemExit(
            f"study: {path} was made with other settings ({'; '.join(diff)}); delete it to "
            "start over, or put the settings back"
        )
    return old


def _run_job(job: dict, out: Path) -> dict:
    "Run one `ssw-gan train` job to completion (resuming); its wall time and peak memory."
    out.mkdir(parents=True, exist_ok=True)
    cfg = out / 'study_config.json'
    cfg.write_text(json.dumps(job['config']))
    argv = SSW_GAN + ['train', '--config', cfg, '--out', out, '--resume']
    argv = [str(a) for a in argv + job['args']]
    env = {**os.environ, 'OMP_NUM_THREADS': '1', 'MPLBACKEND': 'Agg'}
    t0 = time.time()
    with open(out / 'study.log', 'ab') as log:
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(p.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"study: job {job['run']} failed; see {out / 'study.log'}")
    return {'seconds': round(time.time() - t0, 1), 'max_rss_mb': round(usage.ru_maxrss / 1024)}


def _steps(job: dict) -> int:
    "The training steps of a job (its --steps argument)."
    return next(int(a) for k, a in zip(job['args'], job['args'][1:]) if k == '--steps')


def _run_jobs(jobs: list[dict], root: Path, state_path: Path, state: dict, parallel: int) -> None:
    "Run the jobs not yet done, `parallel` at a time, recording each as it ends."
    from concurrent.futures import ThreadPoolExecutor

    todo = [j for j in jobs if j['run'] not in state['done']]
    todo.sort(key=_steps, reverse=True)  # the longest first: the cores end closer together
    print(f'{len(jobs) - len(todo)} of {len(jobs)} jobs done; running {len(todo)}', flush=True)

    def one(job):
        rec = _run_job(job, root / job['run'])
        state['done'][job['run']] = {**rec, 'steps': _steps(job)}
        state['commands'][job['run']] = ' '.join(['ssw-gan train'] + [str(a) for a in job['args']])
        _atomic_json(state_path, state)
        print(f"done {job['run']}: {rec}", flush=True)

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(one, todo))


def _probe_rates(s: dict, root: Path) -> dict:
    "Seconds per training step of each budget arm (10 steps after 2 of warm-up), measured here."
    rates = {}
    probe = {'seeds': [0], 'lengths': s['lengths'], 'cpu_minutes': 0}
    for j in _budget_jobs(probe):
        j['args'] = j['args'][:-2] + ['--steps', 12, '--log-every', 1]
        out = root / 'probe' / j['run']
        if not (out / 'log.jsonl').is_file():
            _run_job(j, out)
        recs = [json.loads(x) for x in (out / 'log.jsonl').read_text().splitlines()]
        rate = (recs[-1]['sec'] - recs[1]['sec']) / (recs[-1]['step'] - recs[1]['step'])
        rates[_rate_key(j['run'])] = rate
    return rates


# ---------------------------------------------------------------------------------------------
# evaluation


def _mean_std(values) -> dict:
    "Values per seed (6 significant digits), their mean and sample standard deviation."
    v = np.array(values, dtype=float)
    std = float(v.std(ddof=1)) if len(v) > 1 else None
    return {'per_seed': [float(f'{x:.6g}') for x in v], 'mean': float(v.mean()), 'std': std}


def _held_out(n: int, frames: int = 32, seed: int = 7):
    "`n` held-out moving-sprites clips (float), of a seed no run trains on."
    from ssw_gan.data import MovingSprites
    from ssw_gan.video import to_float

    ds = MovingSprites(64, frames, length=n, seed=seed)
    return to_float(torch.stack([ds[i]['video'] for i in range(n)]))


def _load_upsampler(run: Path):
    from ssw_gan.generators import Upsampler
    from ssw_gan.inference import newest_checkpoint
    from ssw_gan.stages import PipelineSpec, load_checkpoint

    ck = load_checkpoint(newest_checkpoint(run))
    up = Upsampler(PipelineSpec.from_dict(ck['pipeline']).stage(ck['stage']))
    up.load_state_dict(ck['G_ema'])
    return up.eval()


def _batches(x, batch: int = 16):
    for i in range(0, len(x), batch):
        yield x[i : i + batch]


@torch.no_grad()
def _eval_stage2(s: dict, root: Path, state: dict | None = None) -> dict:
    """Per arm: grounding error, seam score, FVD (stage-2 outputs of held-out low-res clips
    against real stage-2 clips of another seed), the mean L1 distance of the outputs to the
    real clips and to the fixed base upsampling, and the in-between frames' sharpness, mean and
    std over seeds; the FVD floor, and the FVD, L1 and sharpness of the fixed base upsampling
    itself (what no learning scores), and the real clips' sharpness. Runs of
    another experiment named in `s['control']` are measured too, as arm 'control', where they
    are on this machine (under the same --root)."""
    from ssw_gan.data import stage_pyramid
    from ssw_gan.fvd import FVD
    from ssw_gan.metrics import inbetween_sharpness
    from ssw_gan.stages import get_preset, with_length
    from ssw_gan.video import upsample

    n, frames, fvd = s['eval_clips'], s['eval_frames'], FVD(batch_size=8)
    spec = with_length(get_preset('tiny'), frames)
    held, other = _held_out(n, frames), _held_out(n, frames, seed=0)
    low, real = stage_pyramid(held, spec)[:2]
    ref = fvd.features(_batches(stage_pyramid(other, spec)[1][:, :, :FVD_FRAMES]))
    res = {'floor': fvd.score(ref, fvd.features(_batches(real[:, :, :FVD_FRAMES])))}
    res['protocol'] = f'{FVD.protocol(n, FVD_FRAMES)} at stage 2 (32x32)'
    # what no learning at all scores: the fixed upsampling every learned stage 2 starts from
    up = _load_upsampler(root / next(iter(s['arms'])) / f"seed{s['seeds'][0]}")
    fixed = upsample(low, up.space, up.time, up.base)
    res['base_fvd'] = fvd.score(ref, fvd.features(_batches(fixed[:, :, :FVD_FRAMES])))
    res['base_l1'] = (fixed - real).abs().mean().item()
    # in-between frames over key frames (Laplacian energy): real video about 1, blends lower
    res['real_sharpness'] = inbetween_sharpness(real, up.time)
    res['base_sharpness'] = inbetween_sharpness(fixed, up.time)
    for arm, folder in _stage2_folders(s, root).items():
        rows = []
        for seed in s['seeds']:
            up = _load_upsampler(folder / f'seed{seed}')
            rows.append(_measure_stage2(up, low, real, fixed, fvd, ref))
        res[arm] = {k: _mean_std([r[k] for r in rows]) for k in rows[0]}
    return res


def _stage2_folders(s: dict, root: Path) -> dict:
    "Each arm's run folder, and the control's (another experiment's arm) where it has run."
    folders = {arm: root / arm for arm in s['arms']}
    control = root.parent / s['control'] if s.get('control') else None
    if control is not None and (control / f"seed{s['seeds'][-1]}").is_dir():
        folders['control'] = control
    elif control is not None:
        print(f'study: no control runs in {control}; its arm is left out')
    return folders


def _measure_stage2(up, low, real, fixed, fvd, ref) -> dict:
    "One trained stage 2 run over the held-out low-res clips `low`: `_eval_stage2`'s metrics."
    from ssw_gan.inference import FrameNoise, apply_chunked
    from ssw_gan.metrics import grounding_error, inbetween_sharpness, seam_score

    noise = FrameNoise(up.noise_ch, 0, 2)(0, low.shape[2], low)
    out = apply_chunked(up, low, noise, window=up.spec.low_window)
    return {
        'grounding': grounding_error(low, out, up.space, up.time).mean().item(),
        'seam': seam_score(out, up.spec.window, phase=up.time),
        'fvd': fvd.score(ref, fvd.features(_batches(out[:, :, :FVD_FRAMES]))),
        'l1': (out - real).abs().mean().item(),
        'from_base': (out - fixed).abs().mean().item(),
        'sharpness': inbetween_sharpness(out, up.time),
    }


def _sprites(count: int, frames: int, seed: int):
    "`count` moving-sprites clips (float) of `frames` frames, in batches of 8."
    from ssw_gan.data import MovingSprites
    from ssw_gan.video import to_float

    ds = MovingSprites(64, frames, length=count, seed=seed)
    for i in range(0, count, 8):
        yield to_float(torch.stack([ds[j]['video'] for j in range(i, min(i + 8, count))]))


@torch.no_grad()
def _eval_long(s: dict, root: Path | None = None, state: dict | None = None) -> dict:
    "Drift of FVD along unrolled videos, peak memory vs length, and a long-clip FVD."
    from ssw_gan.fvd import FVD
    from ssw_gan.inference import Pipeline

    pipe, fvd = Pipeline.pretrained(), FVD(batch_size=4)
    n, n_long, long_t = s['segment_clips'], s['long_clips'], s['long_frames']
    ref = fvd.features(_sprites(n, FVD_FRAMES, 0))
    res = {'protocol': f'{FVD.protocol(n, FVD_FRAMES)} per segment; fvd{n_long}_{long_t}f long'}
    res['floor'] = fvd.score(ref, fvd.features(_sprites(n, FVD_FRAMES, 1)))
    res['stream_peak_growth_mb'] = _stream_memory(pipe, s['factors'])
    res['segment_fvd'] = _segment_drift(pipe, s, fvd, ref)
    ref_long = fvd.features(_sprites(n_long, long_t, 0))
    res['long_floor'] = fvd.score(ref_long, fvd.features(_sprites(n_long, long_t, 1)))
    long_scores = []
    for seed in s['seeds']:
        gen = (
            pipe.generate(n=min(4, n_long - i), seed=1000 * seed + i, frames=long_t // 4)[-1]
            for i in range(0, n_long, 4)
        )
        long_scores.append(fvd.score(ref_long, fvd.features(gen)))
    res['long_fvd'] = _mean_std(long_scores)
    return res


def _stream_memory(pipe, factors: list[int]) -> dict:
    "Peak memory growth (MiB) of streamed generation, by top frames, at each multiple `factors`."
    sys.path.insert(0, str(ROOT / 'bench'))
    from bench_inference import reset_peak_rss, rss_mb

    top_t, t1 = pipe.spec.top.frames, pipe.spec.stage(1).frames
    memory = {}
    for _ in pipe.stream(n=1, seed=1, frames=t1, chunk=4):  # warm-up: the libraries' one-time
        pass  # allocations, the same at every length
    for f in factors:
        reset_peak_rss()
        base = rss_mb()
        for _ in pipe.stream(n=1, seed=0, frames=f * t1, chunk=4):
            pass
        memory[f * top_t] = round(rss_mb() - base, 1)
    return memory


def _segment_drift(pipe, s: dict, fvd, ref) -> dict:
    """FVD of the segments at each of `s['positions']` of videos unrolled to the longest factor,
    mean and std over seeds."""
    n, longest = s['segment_clips'], max(s['factors']) * pipe.spec.stage(1).frames
    drift = {p: [] for p in s['positions']}
    for seed in s['seeds']:
        segs = {p: [] for p in s['positions']}
        for i in range(0, n, 8):
            top = pipe.generate(n=min(8, n - i), seed=1000 * seed + i, frames=longest)[-1]
            for p in s['positions']:
                segs[p].append(top[:, :, p : p + FVD_FRAMES])
        for p in s['positions']:
            drift[p].append(fvd.score(ref, fvd.features(iter(segs[p]))))
    return {p: _mean_std(v) for p, v in drift.items()}


@torch.no_grad()
def _eval_budget(s: dict, root: Path, state: dict) -> dict:
    "Per length and arm: FVD against sprites (with the floor), peak training memory, s/step."
    from ssw_gan.fvd import FVD
    from ssw_gan.inference import Pipeline

    n, fvd = s['eval_clips'], FVD(batch_size=8)
    sys.path.insert(0, str(ROOT / 'bench'))
    from bench_quality import sprite_features

    ref = sprite_features(fvd, 0, n)
    res = {
        'protocol': FVD.protocol(n, FVD_FRAMES),
        'floor': fvd.score(ref, sprite_features(fvd, 1, n)),
    }
    for frames in s['lengths']:
        for arm in ('ssw', 'single'):
            rows = []
            for seed in s['seeds']:
                base = root / f'{arm}@{frames}' / f'seed{seed}'
                runs = [base / f'stage{k}' for k in (1, 2, 3)] if arm == 'ssw' else [base]
                pipe = Pipeline.load(runs)
                gen = (
                    pipe.generate(n=min(8, n - i), seed=i)[-1][:, :, :FVD_FRAMES]
                    for i in range(0, n, 8)
                )
                recs = [state['done'][str(r.relative_to(root))] for r in runs]
                rows.append(
                    {
                        'fvd': fvd.score(ref, fvd.features(gen)),
                        'peak_train_mb': max(r['max_rss_mb'] for r in recs),
                        'sec_per_step': sum(r['seconds'] / r['steps'] for r in recs),
                    }
                )
            res[f'{arm}@{frames}'] = {k: _mean_std([r[k] for r in rows]) for k in rows[0]}
    return res


# ---------------------------------------------------------------------------------------------
# the Results page's table


def _num(x: float, digits: int) -> str:
    "`x` with `digits` significant digits, but whole numbers from 100 up (no 1.6e+03)."
    return f'{x:.0f}' if abs(x) >= 100 else f'{x:.{digits}g}'


def _pm(r: dict) -> str:
    "A mean ± std entry of a results file, as text."
    std = '' if r['std'] is None else f" ± {_num(r['std'], 2)}"
    return f"{_num(r['mean'], 3)}{std}"


def run_costs(res: dict, arm: str) -> dict:
    """The training cost of a stage-2 arm, from its runs' records: seconds per step (each job's
    wall time over its steps, one core each) and peak memory (MiB), mean ± std over seeds."""
    recs = [res['runs'][f'{arm}/seed{seed}'] for seed in res['settings']['seeds']]
    return {
        'sec_per_step': _mean_std([r['seconds'] / r['steps'] for r in recs]),
        'peak_train_mb': _mean_std([r['max_rss_mb'] for r in recs]),
    }


def _table_stage2(res: dict, metrics: list[tuple[str, str]], costs: bool = False) -> list[str]:
    "A markdown table of a stage-2 experiment: one row per arm (a measured control first)."
    rows = ['| arm | ' + ' | '.join(label for _, label in metrics) + ' |']
    rows.append('|---' * (len(metrics) + 1) + '|')
    arms = ['control'] if 'control' in res['results'] else []
    for arm in arms + list(res['settings']['arms']):
        r = res['results'][arm] | (run_costs(res, arm) if costs else {})
        name = f"control ({res['settings']['control']})" if arm == 'control' else arm
        rows.append(f'| {name} | ' + ' | '.join(_pm(r[k]) for k, _ in metrics) + ' |')
    return rows


def _budget_steps(runs: dict, arm: str) -> str:
    "The steps each job of a budget arm trained (SSW's per stage: 1 / 2 / 3), as in every seed."
    steps = {}
    for run, rec in runs.items():
        parts = run.split('/')  # ARM/seedS or ARM/seedS/stageK
        if parts[0] == arm:
            steps.setdefault('/'.join(parts[2:]), set()).add(rec['steps'])
    return ' / '.join('-'.join(str(n) for n in sorted(v)) for _, v in sorted(steps.items()))


def _table_grounding(head: str, res: dict, s: dict) -> list[str]:
    r = res['results']
    metrics = [('grounding', 'grounding error'), ('fvd', 'FVD'), ('seam', 'seam score')]
    out = [f"{head}; FVD {r['protocol']}, real against real {r['floor']:.0f}.", '']
    return out + _table_stage2(res, metrics)


def _table_recon(head: str, res: dict, s: dict) -> list[str]:
    r = res['results']
    out = [
        f"{head}; FVD {r['protocol']}, real against real {r['floor']:.0f}; the fixed base "
        f"upsampling of the same clips: FVD {r['base_fvd']:.0f}, L1 {r['base_l1']:.4f}, "
        f"in-between sharpness {r['base_sharpness']:.2f} (real clips "
        f"{r['real_sharpness']:.2f}).",
        '',
    ]
    metrics = [('fvd', 'FVD'), ('l1', 'L1 to the real clips')]
    metrics += [('from_base', 'L1 to the base upsampling')]
    metrics += [('sharpness', 'in-between sharpness'), ('seam', 'seam score')]
    return out + _table_stage2(res, metrics)


def _table_context(head: str, res: dict, s: dict) -> list[str]:
    r = res['results']
    out = [f"{head}; FVD {r['protocol']}, real against real {r['floor']:.0f}.", '']
    metrics = [('fvd', 'FVD'), ('seam', 'seam score'), ('sec_per_step', 'seconds per step')]
    metrics.append(('peak_train_mb', 'peak training memory (MiB)'))
    out += _table_stage2(res, metrics, costs=True)
    out.append('')
    out.append(
        "Seconds per step: each run's wall time over its steps, on one core, beside "
        "another run while one was left. 'window 4, 2x steps' trains twice the steps: "
        'about the CPU time of window 16.'
    )
    return out


def _table_long(head: str, res: dict, s: dict) -> list[str]:
    r = res['results']
    out = [f"{head} (of generation); FVD {r['protocol']}.", '']
    frames = {int(k): v for k, v in r['stream_peak_growth_mb'].items()}
    out.append('| segment starts at frame | ' + ' | '.join(r['segment_fvd']) + ' |')
    out.append('|---' * (len(r['segment_fvd']) + 1) + '|')
    seg = ' | '.join(_pm(v) for v in r['segment_fvd'].values())
    out.append(f"| FVD (real against real {r['floor']:.0f}) | {seg} |")
    out.append('')
    mem = ', '.join(f'{f} frames {mb:.0f} MiB' for f, mb in sorted(frames.items()))
    out.append(f'Streaming memory growth: {mem}.')
    out.append(
        f"Whole {s['long_frames']}-frame clips: FVD {_pm(r['long_fvd'])} "
        f"(real against real {r['long_floor']:.0f})."
    )
    return out


def _table_budget(head: str, res: dict, s: dict) -> list[str]:
    r = res['results']
    out = [f"{head}; FVD {r['protocol']}, real against real {r['floor']:.0f}.", '']
    out.append('| arm | FVD | peak training memory (MiB) | seconds per step | training steps |')
    out.append('|---|---|---|---|---|')
    for arm in (k for k in r if '@' in k):
        x = r[arm]
        row = [_pm(x['fvd']), _pm(x['peak_train_mb']), _pm(x['sec_per_step'])]
        row.append(_budget_steps(res['runs'], arm))
        out.append(f'| {arm} | ' + ' | '.join(row) + ' |')
    out.append('')
    out.append(
        "SSW's seconds per step are one step of each of its stages; its training steps are "
        'per stage (1 / 2 / 3), from the same CPU time as the single stage.'
    )
    return out


def table(results=DATA) -> str:
    """The study's results as markdown, one table per experiment that has run (the Results page,
    nbs/results.ipynb, holds this text: a test checks that it is in step with the JSON files)."""
    out = []
    for name, s in EXPERIMENTS.items():
        path = Path(results) / f'study_{name}.json'
        cmd = f'`python tools/study.py run {name}`'
        if not path.is_file():
            out += [f'**{name}**: {s["claim"]}. Not run yet: {cmd}, {s["budget"]}.', '']
            continue
        res = json.loads(path.read_text())
        seeds = len(res['settings']['seeds'])
        head = f'**{name}**: {s["claim"]}. {cmd}: {res["cpu_hours"]} CPU-hours, {seeds} seeds'
        out += RUNNERS[name].table(head, res, s)
        out.append('')
    return '\n'.join(out).rstrip('\n') + '\n'


# ---------------------------------------------------------------------------------------------
# one runner


class Runner(NamedTuple):
    """The code of an experiment (EXPERIMENTS holds its settings): its training jobs, its
    evaluation and its part of the Results page's table; `probe`, if any, measures something once
    before the jobs are made (the budget's seconds per step)."""

    jobs: Callable[[dict, dict | None], list[dict]]
    evaluate: Callable[[dict, Path, dict], dict]
    table: Callable[[str, dict, dict], list[str]]
    probe: Callable[[dict, Path], dict] | None = None


RUNNERS = {
    'grounding': Runner(_stage2_jobs, _eval_stage2, _table_grounding),
    'context': Runner(_stage2_jobs, _eval_stage2, _table_context),
    'long': Runner(_no_jobs, _eval_long, _table_long),
    'budget': Runner(_budget_jobs, _eval_budget, _table_budget, probe=_probe_rates),
    'recon': Runner(_stage2_jobs, _eval_stage2, _table_recon),
}
assert RUNNERS.keys() == EXPERIMENTS.keys()


def run(name: str, root: Path, parallel: int, dry_run: bool = False, results=DATA) -> dict:
    """Run (or continue) experiment `name`: its jobs under `root`/NAME, its results in
    `results`/study_NAME.json."""
    if name not in EXPERIMENTS:
        raise SystemExit(
            f"study: no experiment {name!r}; the experiments: {', '.join(EXPERIMENTS)}"
        )
    # through JSON, as a results file holds them: tuples become lists
    settings = json.loads(json.dumps({'version': VERSION, **EXPERIMENTS[name]}))
    result_path = Path(results) / f'study_{name}.json'
    done = _check_settings(result_path, settings)
    if done is not None and 'results' in done:
        print(f'{result_path} is complete')
        return done
    how, root = RUNNERS[name], root / name
    state_path = root / 'state.json'
    state = _check_settings(state_path, settings) or {
        'settings': settings,
        'done': {},
        'commands': {},
        'rates': None,
    }
    if how.probe is not None and state['rates'] is None and not dry_run:
        state['rates'] = how.probe(settings, root)
        _atomic_json(state_path, state)
    jobs = how.jobs(settings, state['rates'])
    if dry_run:
        for j in jobs:
            print(j['run'], ' '.join(str(a) for a in j['args']), json.dumps(j['config'])[:80])
        return {}
    _run_jobs(jobs, root, state_path, state, parallel)
    t0 = time.time()  # the evaluation's start: the jobs' own times are in state['done']
    torch.set_num_threads(parallel)
    results = how.evaluate(settings, root, state)
    eval_s = (time.time() - t0) * parallel  # both cores, roughly, while evaluating
    out = _record(name, settings, state, results, eval_s)
    _atomic_json(result_path, out)
    print(json.dumps(results, indent=1)[:3000])
    return out


def _record(name: str, settings: dict, state: dict, results: dict, eval_s: float) -> dict:
    "An experiment's results file: its settings, commands, runs, cost, machine and results."
    train_s = sum(r['seconds'] for r in state['done'].values())
    return {
        'experiment': name,
        'settings': settings,
        'commands': state['commands'],
        'runs': state['done'],
        'cpu_hours': round((train_s + eval_s) / 3600, 2),
        'machine': f'{platform.processor() or platform.machine()}, {os.cpu_count()} cores',
        'torch': torch.__version__,
        'results': results,
    }


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = ap.add_subparsers(dest='command', required=True)
    sub.add_parser('list', help='the experiments and their budgets')
    sub.add_parser('table', help="the results as markdown (the Results page's table)")
    r = sub.add_parser('run', help='run (or continue) one experiment')
    r.add_argument('name')
    r.add_argument('--root', type=Path, default=ROOT / 'runs' / 'study')
    r.add_argument('--jobs', type=int, default=2, help='training jobs at a time (one core each)')
    r.add_argument('--dry-run', action='store_true')
    r.add_argument('--results', type=Path, default=DATA, help='folder of the results JSON')
    a = ap.parse_args()
    if a.command == 'list':
        for name, s in EXPERIMENTS.items():
            print(f"{name}: {s['claim']}; {len(s['seeds'])} seeds; {s['budget']}")
        return
    if a.command == 'table':
        print(table(), end='')
        return
    run(a.name, a.root, a.jobs, a.dry_run, a.results)


if __name__ == '__main__':
    main()
