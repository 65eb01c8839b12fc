"""Ablation of the matching discriminator (the tutorial nbs/tutorials/matching_discriminator.ipynb).

Trains the tiny preset's stage 2 (16x16x8 -> 32x32x16 upsampler, windows of 8 output frames) twice,
with the same seeds, initial weights and batches: once with the default discriminator weights, once
with the matching discriminator's weight set to 0 (it then neither trains nor pushes the generator).
Every `--every` steps it measures, on a fixed held-out set of clips with fixed noise, the grounding
error of the EMA generator (and of the raw one), and the matching discriminator's scores of real,
fake and mismatched pairs. Writes one small JSON file.

    python tools/ablate_matching.py --steps 150 --every 10 --threads 2

With --parallel (the default), the two runs train at the same time in two processes of threads/2
threads each (on 2 cores: one core per run, as tools/train_pretrained.sh trains stages);
--no-parallel runs them one after the other with all threads. The runs are seeded independently of
each other, so the results are the same.

The training loop is `ssw_gan.ablation` (nbs/15_ablation.ipynb), the one the tutorial runs too.
"""

from __future__ import annotations
import argparse, json, platform, sys, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
import torch
from ssw_gan.ablation import RUNS, ablation_run, held_out, sprite_pool
from ssw_gan.losses import DEFAULT_WEIGHTS
from ssw_gan.metrics import grounding_error
from ssw_gan.video import upsample

ROOT = Path(__file__).resolve().parents[1]


def one_run(i: int, a: argparse.Namespace, threads: int) -> dict:
    "Run RUNS[i] with the settings `a` (in a worker process or in this one)."
    torch.set_num_threads(threads)
    name, weights = RUNS[i]
    pool, held = sprite_pool(a.train_clips, seed=a.seed), held_out(a.held_clips, a.seed)
    _, log = ablation_run(weights, pool, held, a.steps, a.every, a.seed, a.batch_size, a.ema_decay)
    log['weights'] = {**DEFAULT_WEIGHTS, **(weights or {})}
    ge = log['ge_ema']
    print(
        f"{name}: grounding error (EMA) {ge[0]:.4f} -> {ge[-1]:.4f} in {log['sec']:.0f} s",
        flush=True,
    )
    return log


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--steps', type=int, default=150)
    p.add_argument('--every', type=int, default=10)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--train-clips', type=int, default=256)
    p.add_argument('--held-clips', type=int, default=16)
    p.add_argument('--ema-decay', type=float, default=0.95)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=2, help='CPU threads in all')
    p.add_argument(
        '--parallel',
        action=argparse.BooleanOptionalAction,
        default=True,
        help='both runs at once, threads/2 each',
    )
    p.add_argument(
        '--out', default=str(ROOT / 'nbs' / 'tutorials' / 'data' / 'ablation_matching.json')
    )
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    if a.parallel:
        with ProcessPoolExecutor(2, mp_context=get_context('spawn')) as ex:
            logs = list(ex.map(one_run, range(2), [a, a], [max(1, a.threads // 2)] * 2))
    else:
        logs = [one_run(i, a, a.threads) for i in range(2)]
    torch.set_num_threads(a.threads)
    held = held_out(a.held_clips, a.seed)
    res = {
        'command': 'python tools/ablate_matching.py '
        + ' '.join(argv if argv is not None else sys.argv[1:]),
        'settings': {k: v for k, v in vars(a).items() if k != 'out'}
        | {
            'preset': 'tiny',
            'stage': 2,
            'mismatch': True,
            'held_window_start': 4,
            'torch': torch.__version__,
            'machine': platform.processor() or platform.machine(),
        },
        'trilinear_ge': grounding_error(held['low'], upsample(held['low'])).mean().item(),
        'wall_s': round(time.perf_counter() - t0, 1),
        'runs': {name: log for (name, _), log in zip(RUNS, logs)},
    }
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, separators=(',', ':')))
    print(f"wrote {a.out} ({Path(a.out).stat().st_size / 1024:.0f} KB) in {res['wall_s']:.0f} s")


if __name__ == '__main__':
    main()
