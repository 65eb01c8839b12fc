"""Ablation of SSW-GAN's matching discriminator (the tutorial nbs/tutorials/matching_discriminator.ipynb).

Trains the tiny preset's stage 2 (16x16x8 -> 32x32x16 upsampler, windows of 8 output frames) twice, with the same
seeds, initial weights and batches: once with the default discriminator weights, once with the matching
discriminator's weight set to 0 (it then neither trains nor pushes the generator). Every `--every` steps it measures,
on a fixed held-out set of clips with fixed noise, the grounding error of the EMA generator (and of the raw one),
and the matching discriminator's scores of real, fake and mismatched pairs. Writes one small JSON file.

    python tools/ablate_matching.py --steps 150 --every 10 --threads 2

With --parallel (the default), the two runs train at the same time in two processes of threads/2 threads each
(on 2 cores: one core per run, as tools/train_pretrained.sh trains stages); --no-parallel runs them one after
the other with all threads. The runs are seeded independently of each other, so the results are the same.

The loop below is the one in the tutorial (same code, duplicated so that this script needs only ssw_gan).
"""
from __future__ import annotations
import argparse, json, platform, sys, tempfile, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
import torch
from ssw_gan.data import MovingSprites, stage_view
from ssw_gan.losses import DEFAULT_WEIGHTS
from ssw_gan.metrics import grounding_error
from dataclasses import replace
from ssw_gan.stages import presets, PipelineSpec
from ssw_gan.train import Trainer, TrainConfig
from ssw_gan.video import to_float, downsample, upsample

ROOT = Path(__file__).resolve().parents[1]

# ---- the same code as in the tutorial ---------------------------------------------------------------------------
LEARNED = PipelineSpec('tiny-learned', tuple(replace(s, model={**s.model, 'grounding': 'learned'}) if s.is_upsampler
                                             else s for s in presets['tiny'].stages), fps=presets['tiny'].fps)
NO_MATCHING = {'matching': 0.0, 'mismatch': 0.0}

def sprite_pool(n: int, seed: int) -> torch.Tensor:
    "`n` moving-sprites clips rendered once at stage 2's full size: float (n, 3, 16, 32, 32)."
    ds = MovingSprites(64, 32, length=n, seed=seed)
    return torch.cat([downsample(to_float(ds[i]['video']), 2, 2) for i in range(n)])

def window_batch(pool, g: torch.Generator, B: int = 8, window: int = 8) -> dict:
    "A batch as `StageViews` makes it: random clips, random windows (starts at even frames), low = downsample(high)."
    idx = torch.randint(len(pool), (B,), generator=g)
    start = torch.randint(0, (pool.shape[2] - window) // 2 + 1, (B,), generator=g) * 2
    high = torch.stack([pool[i, :, s:s + window] for i, s in zip(idx.tolist(), start.tolist())])
    return {'high': high, 'low': downsample(high, 2, 2), 'label': torch.full((B,), -1)}

@torch.no_grad()
def evaluate(tr: Trainer, held: dict) -> dict:
    "Grounding error (EMA and raw G) and the matching D's mean scores on the held-out windows."
    low, high, noise = held['low'], held['high'], held['noise']
    G = tr.g_raw.eval(); D = tr.d_raw.eval()
    out = tr.G_ema(low, noise)
    m = D.matching
    rec = {'ge_ema': grounding_error(low, out).mean().item(), 'ge_raw': grounding_error(low, G(low, noise)).mean().item(),
           'score_real': m(low, high).mean().item(), 'score_fake': m(low, out).mean().item(),
           'score_mismatch': m(low.roll(1, 0), high).mean().item()}
    G.train(); D.train()
    return rec

def ablation_run(weights, pool, held, steps: int, every: int, seed: int = 0, batch_size: int = 8, ema_decay: float = 0.95):
    "Train tiny stage 2 for `steps` steps with discriminator `weights`; evaluate every `every` steps (and at step 0)."
    cfg = TrainConfig(steps=steps, batch_size=batch_size, weights=weights, ema_decay=ema_decay, seed=seed)
    tr = Trainer(LEARNED, 2, MovingSprites(64, 32, length=len(pool), seed=seed), tempfile.mkdtemp(), cfg, progress=False)
    g = torch.Generator().manual_seed(seed)
    log = {'step': [0], **{k: [v] for k, v in evaluate(tr, held).items()}, 'losses': []}
    t0 = time.perf_counter()
    for step in range(1, steps + 1):
        torch.manual_seed(seed * 1_000_003 + step)              # as Trainer.fit: every step draws from its own seed
        rec = tr.train_step(window_batch(pool, g, batch_size))
        log['losses'].append({k: round(float(v), 4) for k, v in rec.items() if k != 'step'})
        if step % every == 0:
            log['step'].append(step)
            for k, v in evaluate(tr, held).items(): log[k].append(v)
    log['sec'] = time.perf_counter() - t0
    return tr, log
# -----------------------------------------------------------------------------------------------------------------

RUNS = (('with matching D', None), ('without matching D', NO_MATCHING))

def held_out(n: int, seed: int) -> dict:
    "Fixed held-out windows (frames 4..11 of clips never trained on) with fixed noise."
    high = sprite_pool(n, seed=1000 + seed)[:, :, 4:12]
    low = downsample(high, 2, 2)
    noise = torch.randn(n, presets['tiny'].stage(2).model['noise_ch'], *low.shape[2:], generator=torch.Generator().manual_seed(1234))
    return {'high': high, 'low': low, 'noise': noise}

def one_run(i: int, a: argparse.Namespace, threads: int) -> dict:
    "Run RUNS[i] with the settings `a` (in a worker process or in this one)."
    torch.set_num_threads(threads)
    name, weights = RUNS[i]
    pool, held = sprite_pool(a.train_clips, seed=a.seed), held_out(a.held_clips, a.seed)
    _, log = ablation_run(weights, pool, held, a.steps, a.every, a.seed, a.batch_size, a.ema_decay)
    log['weights'] = {**DEFAULT_WEIGHTS, **(weights or {})}
    print(f"{name}: grounding error (EMA) {log['ge_ema'][0]:.4f} -> {log['ge_ema'][-1]:.4f} in {log['sec']:.0f} s", flush=True)
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
    p.add_argument('--parallel', action=argparse.BooleanOptionalAction, default=True, help='both runs at once, threads/2 each')
    p.add_argument('--out', default=str(ROOT / 'nbs' / 'tutorials' / 'data' / 'ablation_matching.json'))
    a = p.parse_args(argv)
    t0 = time.perf_counter()
    if a.parallel:
        with ProcessPoolExecutor(2, mp_context=get_context('spawn')) as ex:
            logs = list(ex.map(one_run, range(2), [a, a], [max(1, a.threads // 2)] * 2))
    else: logs = [one_run(i, a, a.threads) for i in range(2)]
    torch.set_num_threads(a.threads)
    held = held_out(a.held_clips, a.seed)
    res = {'command': 'python tools/ablate_matching.py ' + ' '.join(argv if argv is not None else sys.argv[1:]),
           'settings': {k: v for k, v in vars(a).items() if k != 'out'} | {'preset': 'tiny', 'stage': 2, 'mismatch': True,
                        'held_window_start': 4, 'torch': torch.__version__, 'machine': platform.processor() or platform.machine()},
           'trilinear_ge': grounding_error(held['low'], upsample(held['low'])).mean().item(),
           'wall_s': round(time.perf_counter() - t0, 1), 'runs': {name: log for (name, _), log in zip(RUNS, logs)}}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(res, separators=(',', ':')))
    print(f"wrote {a.out} ({Path(a.out).stat().st_size / 1024:.0f} KB) in {res['wall_s']:.0f} s")

if __name__ == '__main__':
    main()
