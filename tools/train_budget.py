"""Train stages of the tiny preset for a fixed wall-clock budget, for a lent GPU's few minutes.

Two commands:

    python tools/train_budget.py render POOL.npy --clips 8000 --frames 64 --workers 16
    python tools/train_budget.py train --stage 2 --pool POOL.npy --out RUN --minutes 6 \
        --batch-size 32 --model '{"pad": "replicate"}' --snap-every 250
    python tools/train_budget.py train --stage 2 --data sprites --steps 1000 --batch-size 8 ...

`render` draws moving-sprite clips once, in parallel, into one uint8 array (N, T, H, W, C):
rendering a 64-frame clip costs about 50 ms of one core, too slow to feed a GPU on the fly.
`train` trains one stage on that pool (or on `--data`, as `ssw-gan train` does) until the budget
(`--minutes`, `--steps`) is spent, and every `--snap-every`
steps writes a small snapshot (specs and EMA generator only) to RUN/snaps/, so the best step
can be chosen afterwards by a measurement (GAN quality is not monotonic in steps); with `--raw`,
RUN/raw/snaps/ holds the raw generator's beside them (its EMA's lag measured by the same tools;
`--ema-decay` sets the average).
`--model` overrides the upsamplers' model settings (every upsampling stage, so the pipeline
spec stays one spec); `--weights` sets the loss weights (e.g. '{"recon": 1}'), and `--init`
starts the generator from a trained stage's EMA weights (a run folder or .pt of the same spec),
to continue it under new settings with new discriminators. `--pretrain-steps N` (or
`--pretrain-minutes M`) trains an upsampler by reconstruction first (L1 alone, no discriminator,
at `--lr-pretrain` with Adam's usual betas (0.9, 0.999)), then adversarially at `--lr-g` with
the `--weights` (e.g. '{"recon": 1, "gan": 0.1}': the reconstruction kept, the GAN terms
small). `--held-out N` measures the EMA generator at every snapshot on N clips of another seed
(sprites): L1 to the real clips against the fixed base upsampling's, and the noise's effect.
Sample videos are not written (they cost time in every snapshot, and a lent GPU machine may have
no ffmpeg); the loss log and
losses.png are.
"""

import argparse, json, time
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path
import numpy as np
import torch
from torch.utils.data import Dataset
from ssw_gan.data import MovingSprites, stage_pyramid
from ssw_gan.inference import newest_checkpoint
from ssw_gan.stages import PipelineSpec, get_preset, load_checkpoint, save_checkpoint, with_length
from ssw_gan.train import Trainer, TrainConfig, make_dataset, plot_losses
from ssw_gan.video import upsample


def _render(args):
    size, frames, seed, index = args
    item = MovingSprites(size=size, frames=frames, length=index + 1, seed=seed)[index]
    return item['video'].numpy(), item['label']


def render(out, clips: int, frames: int, size: int, workers: int, seed: int):
    "Render `clips` sprite clips (the same ones `MovingSprites(seed=seed)` gives) into `out`."
    jobs = [(size, frames, seed, i) for i in range(clips)]
    with Pool(workers) as pool:
        items = pool.map(_render, jobs, chunksize=64)
    videos = np.stack([v for v, _ in items])
    labels = np.array([y for _, y in items])
    tmp = Path(str(out) + '.partial.npy')
    np.save(tmp, videos)
    tmp.rename(out)
    np.save(Path(out).with_suffix('.labels.npy'), labels)
    print(f'{out}: {videos.shape} uint8, {videos.nbytes / 1e9:.2f} GB')


class ClipPool(Dataset):
    "The rendered clips, read from a memory map: items like `MovingSprites`'s."

    def __init__(self, path):
        self.path = Path(path)
        self.labels = np.load(self.path.with_suffix('.labels.npy'))
        self._mm = None

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        if self._mm is None:  # each DataLoader worker maps the file itself
            self._mm = np.load(self.path, mmap_mode='r')
        return {'video': torch.from_numpy(np.array(self._mm[i])), 'label': int(self.labels[i])}

    def __getstate__(self):
        return {**self.__dict__, '_mm': None}


def pipeline_with(model: dict, stage1: dict | None = None) -> PipelineSpec:
    """The tiny preset with `model` settings applied to every upsampling stage, and `stage1`'s to
    stage 1."""
    p = get_preset('tiny')
    stages = [replace(p.stages[0], model={**p.stages[0].model, **(stage1 or {})})]
    stages += [replace(s, model={**s.model, **model}) for s in p.stages[1:]]
    return replace(p, stages=tuple(stages))


def snapshot(tr: Trainer, raw: bool = False):
    """RUN/snaps/stepNNNNNNN.pt: what `Pipeline.load` needs, nothing to resume from; with `raw`,
    also RUN/raw/snaps/stepNNNNNNN.pt, the same with the raw generator (not its EMA) in the EMA's
    place, so that both can be measured by the same tools."""
    kw = dict(pipeline=tr.pipeline.to_dict(), stage=tr.k, step=tr.step, config=tr.cfg.to_dict())
    name = f'step{tr.step:07d}.pt'
    save_checkpoint(tr.out / 'snaps' / name, tr.spec, **kw, G_ema=tr.G_ema.state_dict())
    if raw:
        save_checkpoint(tr.out / 'raw' / 'snaps' / name, tr.spec, **kw, G_ema=tr.g_raw.state_dict())


def init_generator(tr: Trainer, source):
    """Start G (and its EMA) from the EMA generator of `source` (a run folder or a .pt file of
    the same stage and spec), to continue a trained stage under new settings; D starts fresh."""
    ck = load_checkpoint(newest_checkpoint(source), tr.spec)  # refuses another spec
    if ck['stage'] != tr.k:
        raise ValueError(f"{source} holds stage {ck['stage']}, expected stage {tr.k}")
    tr.g_raw.load_state_dict(ck['G_ema'])
    tr.G_ema.load_state_dict(ck['G_ema'])
    print(f'stage {tr.k}: G and its EMA start from {source}', flush=True)


def held_out_pairs(pipe: PipelineSpec, stage: int, n: int, seed: int = 500) -> dict:
    """`n` sprite clips of another seed than training's, at stage `stage` ('high') and the stage
    below ('low'), whole (the pipeline's length), with two fixed draws of noise."""
    top = pipe.top
    ds = MovingSprites(size=(top.height, top.width), frames=top.frames, length=n, seed=seed)
    pyr = [stage_pyramid(ds[i]['video'], pipe) for i in range(n)]
    low = torch.cat([p[stage - 2] for p in pyr])
    high = torch.cat([p[stage - 1] for p in pyr])
    return {'low': low, 'high': high}


@torch.no_grad()
def measure(G, held: dict, batch: int = 16) -> dict:
    """L1 of `G`'s output (eval mode, noise drawn from a fixed seed) to the real clips, the fixed
    base upsampling's L1, their ratio, and the noise's effect: mean |G(low, n1) - G(low, n2)|."""
    was, dev = G.training, next(G.parameters()).device
    G.eval()
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(2)
    l1 = base = effect = 0.0
    n = held['low'].shape[0]
    for i in range(0, n, batch):
        low, high = held['low'][i : i + batch], held['high'][i : i + batch]
        n1, n2 = G.draw_noise(low, g1), G.draw_noise(low, g2)
        o1 = G(low.to(dev), n1.to(dev)).float().cpu()
        o2 = G(low.to(dev), n2.to(dev)).float().cpu()
        w = low.shape[0] / n
        l1 += w * (o1 - high).abs().mean().item()
        base += w * (upsample(low, G.space, G.time, G.base) - high).abs().mean().item()
        effect += w * (o1 - o2).abs().mean().item()
    G.train(was)
    return {'l1': l1, 'base_l1': base, 'l1_ratio': l1 / base, 'noise_effect': effect}


def train(a):
    torch.backends.cudnn.benchmark = True
    if a.threads:
        torch.set_num_threads(a.threads)
    pipe = pipeline_with(json.loads(a.model), json.loads(a.stage1_model))
    if a.pool:
        data = ClipPool(a.pool)
        frames = np.load(a.pool, mmap_mode='r').shape[1]
    else:
        frames = a.length or pipe.top.frames
        data = make_dataset(a.data, with_length(pipe, frames), a.seed)
    cfg = TrainConfig(
        steps=10**9,
        batch_size=a.batch_size,
        d_steps=a.d_steps,
        ema_start=a.ema_start,
        ema_decay=a.ema_decay,
        shift=a.shift,
        length=frames,
        sample_every=10**9,
        ckpt_every=10**9,
        keep=1,
        num_workers=a.num_workers,
        seed=a.seed,
        lr_g=a.lr_g,
        lr_d=a.lr_d,
        weights=json.loads(a.weights) if a.weights else None,
        pretrain_steps=min(a.pretrain_steps, 10**9),
        lr_pretrain=a.lr_pretrain,
        cond_blur=a.cond_blur,
        cond_noise=a.cond_noise,
        diffaug=a.diffaug,
        r1=a.r1,
        r1_every=a.r1_every,
    )
    # with_length checks the pool's clips fit the pipeline
    with_length(pipe, frames)
    tr = Trainer(pipe, a.stage, data, a.out, cfg, device=a.device, progress=False, resume=a.resume)
    if a.resume and tr.step:
        print(f'stage {a.stage} {a.out}: resumed at step {tr.step}', flush=True)
    if a.init:
        init_generator(tr, a.init)
    held = held_out_pairs(pipe, a.stage, a.held_out) if a.held_out and a.stage > 1 else None
    if held is not None:
        print(f'stage {a.stage} {a.out}: step 0 {json.dumps(measure(tr.G_ema, held))}', flush=True)
    # no sample videos (see the module docstring): the loss plot only
    tr.write_samples = lambda: plot_losses(tr.out / 'log.jsonl', tr.out / 'losses.png')
    t0, step0 = time.time(), tr.step
    deadline, chunk = t0 + 60 * a.minutes, 0.0
    # stop before a chunk that would end past the deadline (the last chunk's time as its estimate)
    while time.time() + chunk < deadline and tr.step < a.steps:
        start = time.time()
        if a.pretrain_minutes is not None and time.time() - t0 >= 60 * a.pretrain_minutes:
            if tr.step < tr.cfg.pretrain_steps:  # the phase's time is up
                tr.cfg.pretrain_steps = tr.step
                print(f'stage {a.stage} {a.out}: reconstruction ends at step {tr.step}', flush=True)
        pre = tr.step < tr.cfg.pretrain_steps  # the Trainer sets G's Adam for the phase
        # a chunk ends at the phase's end too
        end = min(tr.step + a.snap_every, a.steps, tr.cfg.pretrain_steps if pre else a.steps)
        tr.fit(end)
        snapshot(tr, a.raw)
        chunk = time.time() - start
        rate = (tr.step - step0) / (time.time() - t0)
        got = f' {json.dumps(measure(tr.G_ema, held))}' if held is not None else ''
        print(f'stage {a.stage} {a.out}: step {tr.step}, {rate:.1f} steps/s{got}', flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='cmd', required=True)
    r = sub.add_parser('render')
    r.add_argument('out')
    r.add_argument('--clips', type=int, default=8000)
    r.add_argument('--frames', type=int, default=64)
    r.add_argument('--size', type=int, default=64)
    r.add_argument('--workers', type=int, default=4)
    r.add_argument('--seed', type=int, default=0)
    t = sub.add_parser('train')
    t.add_argument('--stage', type=int, required=True)
    t.add_argument('--pool', help='a pool made by `render`')
    t.add_argument('--data', default='sprites', help="without --pool: as `ssw-gan train --data`")
    t.add_argument('--length', type=int, help='without --pool: top frames of the clips')
    t.add_argument('--steps', type=int, default=10**9)
    t.add_argument('--threads', type=int, help='CPU threads for torch')
    t.add_argument('--out', required=True)
    t.add_argument('--minutes', type=float, default=10**6)
    t.add_argument('--batch-size', type=int, default=32)
    t.add_argument('--model', default='{}', help='JSON: upsampler model settings to override')
    t.add_argument('--stage1-model', default='{}', help="JSON: stage 1's model settings")
    t.add_argument('--d-steps', type=int, default=1, help='D updates per G update')
    t.add_argument('--snap-every', type=int, default=250)
    t.add_argument('--resume', action='store_true', help="from OUT's newest checkpoint")
    t.add_argument('--raw', action='store_true', help="snapshots of the raw G too (RUN/raw)")
    t.add_argument('--ema-decay', type=float, default=0.999)
    t.add_argument('--ema-start', type=int, default=500)
    t.add_argument('--shift', action='store_true')
    t.add_argument('--num-workers', type=int, default=2)
    t.add_argument('--seed', type=int, default=0)
    t.add_argument('--lr-g', type=float, default=1e-4)
    t.add_argument('--lr-d', type=float, default=4e-4)
    t.add_argument('--device', default=None)
    t.add_argument('--weights', help='JSON: loss weights (default: losses.DEFAULT_WEIGHTS)')
    t.add_argument('--init', help="a run folder or .pt: G starts from its EMA generator")
    t.add_argument('--pretrain-steps', type=int, default=0, help='reconstruction steps first')
    t.add_argument('--pretrain-minutes', type=float, help='or: reconstruction for this long')
    t.add_argument('--lr-pretrain', type=float, help="G's lr then (default: --lr-g)")
    t.add_argument('--held-out', type=int, default=0, help='clips measured at every snapshot')
    t.add_argument('--diffaug', default='', help="stage 1: DiffAugment ops, e.g. color,translation")
    t.add_argument('--r1', type=float, default=0.0, help="R1's gamma in D's loss (0: none)")
    t.add_argument('--r1-every', type=int, default=4, help='steps between R1 terms (lazy)')
    t.add_argument('--cond-blur', type=float, default=0.0, help="upsamplers: G's input's blur")
    t.add_argument('--cond-noise', type=float, default=0.0, help="upsamplers: its noise std")
    a = p.parse_args(argv)
    if a.cmd == 'train' and a.pretrain_minutes is not None:
        a.pretrain_steps = 10**9  # until the minutes are up (`train` ends the phase then)
    if a.cmd == 'render':
        render(a.out, a.clips, a.frames, a.size, a.workers, a.seed)
    else:
        train(a)


if __name__ == '__main__':
    main()
