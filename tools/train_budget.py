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
can be chosen afterwards by a measurement (GAN quality is not monotonic in steps).
`--model` overrides the upsamplers' model settings (every upsampling stage, so the pipeline
spec stays one spec); `--weights` sets the loss weights (e.g. '{"recon": 1}'), and `--init`
starts the generator from a trained stage's EMA weights (a run folder or .pt of the same spec),
to continue it under new settings with new discriminators. Sample videos are not written (they
cost time in every snapshot, and a lent GPU machine may have no ffmpeg); the loss log and
losses.png are.
"""

import argparse, json, time
from dataclasses import replace
from multiprocessing import Pool
from pathlib import Path
import numpy as np
import torch
from torch.utils.data import Dataset
from ssw_gan.data import MovingSprites
from ssw_gan.inference import newest_checkpoint
from ssw_gan.stages import PipelineSpec, get_preset, load_checkpoint, save_checkpoint, with_length
from ssw_gan.train import Trainer, TrainConfig, make_dataset, plot_losses


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


def pipeline_with(model: dict) -> PipelineSpec:
    "The tiny preset with `model` settings applied to every upsampling stage."
    p = get_preset('tiny')
    stages = [p.stages[0]]
    stages += [replace(s, model={**s.model, **model}) for s in p.stages[1:]]
    return replace(p, stages=tuple(stages))


def snapshot(tr: Trainer):
    "RUN/snaps/stepNNNNNNN.pt: what `Pipeline.load` needs, nothing to resume from."
    save_checkpoint(
        tr.out / 'snaps' / f'step{tr.step:07d}.pt',
        tr.spec,
        pipeline=tr.pipeline.to_dict(),
        stage=tr.k,
        step=tr.step,
        config=tr.cfg.to_dict(),
        G_ema=tr.G_ema.state_dict(),
    )


def init_generator(tr: Trainer, source):
    """Start G (and its EMA) from the EMA generator of `source` (a run folder or a .pt file of
    the same stage and spec), to continue a trained stage under new settings; D starts fresh."""
    ck = load_checkpoint(newest_checkpoint(source), tr.spec)  # refuses another spec
    if ck['stage'] != tr.k:
        raise ValueError(f"{source} holds stage {ck['stage']}, expected stage {tr.k}")
    tr.g_raw.load_state_dict(ck['G_ema'])
    tr.G_ema.load_state_dict(ck['G_ema'])
    print(f'stage {tr.k}: G and its EMA start from {source}', flush=True)


def train(a):
    torch.backends.cudnn.benchmark = True
    if a.threads:
        torch.set_num_threads(a.threads)
    pipe = pipeline_with(json.loads(a.model))
    if a.pool:
        data = ClipPool(a.pool)
        frames = np.load(a.pool, mmap_mode='r').shape[1]
    else:
        frames = a.length or pipe.top.frames
        data = make_dataset(a.data, with_length(pipe, frames), a.seed)
    cfg = TrainConfig(
        steps=10**9,
        batch_size=a.batch_size,
        ema_start=a.ema_start,
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
    )
    # with_length checks the pool's clips fit the pipeline
    with_length(pipe, frames)
    tr = Trainer(pipe, a.stage, data, a.out, cfg, device=a.device, progress=False)
    if a.init:
        init_generator(tr, a.init)
    # no sample videos (see the module docstring): the loss plot only
    tr.write_samples = lambda: plot_losses(tr.out / 'log.jsonl', tr.out / 'losses.png')
    t0 = time.time()
    deadline, chunk = t0 + 60 * a.minutes, 0.0
    # stop before a chunk that would end past the deadline (the last chunk's time as its estimate)
    while time.time() + chunk < deadline and tr.step < a.steps:
        start = time.time()
        tr.fit(min(tr.step + a.snap_every, a.steps))
        snapshot(tr)
        chunk = time.time() - start
        rate = tr.step / (time.time() - t0)
        print(f'stage {a.stage} {a.out}: step {tr.step}, {rate:.1f} steps/s', flush=True)


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
    t.add_argument('--snap-every', type=int, default=250)
    t.add_argument('--ema-start', type=int, default=500)
    t.add_argument('--shift', action='store_true')
    t.add_argument('--num-workers', type=int, default=2)
    t.add_argument('--seed', type=int, default=0)
    t.add_argument('--lr-g', type=float, default=1e-4)
    t.add_argument('--lr-d', type=float, default=4e-4)
    t.add_argument('--device', default=None)
    t.add_argument('--weights', help='JSON: loss weights (default: losses.DEFAULT_WEIGHTS)')
    t.add_argument('--init', help="a run folder or .pt: G starts from its EMA generator")
    a = p.parse_args(argv)
    if a.cmd == 'render':
        render(a.out, a.clips, a.frames, a.size, a.workers, a.seed)
    else:
        train(a)


if __name__ == '__main__':
    main()
