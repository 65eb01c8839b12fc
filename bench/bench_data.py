"""How fast the data pipeline feeds training, on this machine's CPUs. Prints a table.

- decode: frames/s that `prepare` decodes (and resizes) from mp4 files into a clip cache, for
  each number of worker processes in --processes;
- footage (with --footage NAME): the same for a real camera clip set (`ssw-gan footage NAME`):
  --footage-clips overlapping clips per video, spread over it;
- cache: clips/s that a prepared `ClipCache` delivers through a DataLoader (uint8 clips, as a
  training step reads them);
- views: examples/s of `StageViews` over the cache for each stage of the pipeline (float,
  downsampled).

Usage: python bench/bench_data.py [--size 128] [--frames 100] [--videos 24] [--batch 8]
                                  [--workers 0 2] [--processes 1 2] [--footage street]
"""

import argparse, tempfile, time, warnings
from pathlib import Path
import torch
from torch.utils.data import DataLoader
from ssw_gan.data import MovingSprites, prepare, StageViews, video_length
from ssw_gan.footage import sample_footage
from ssw_gan.stages import presets
from ssw_gan.video import write_video


def rate(loader, n_batches):
    it = iter(loader)
    next(it)  # the first batch pays for worker start-up
    t0, n = time.perf_counter(), 0
    for _ in range(n_batches):
        try:
            b = next(it)
        except StopIteration:
            it = iter(loader)
            b = next(it)
        n += len(b['label'])
    return n / (time.perf_counter() - t0)


def main():
    raw = argparse.RawDescriptionHelpFormatter
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    ap.add_argument('--size', type=int, default=128)
    ap.add_argument('--frames', type=int, default=100)
    ap.add_argument('--videos', type=int, default=24)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--batches', type=int, default=40)
    ap.add_argument('--workers', type=int, nargs='+', default=[0, 2])
    ap.add_argument('--preset', default='paper')
    ap.add_argument('--processes', type=int, nargs='+', default=[1, 2], help='prepare workers')
    ap.add_argument('--footage', help="also time prepare on a real clip set, e.g. 'street'")
    ap.add_argument('--footage-clips', type=int, default=200)
    ap.add_argument('--footage-frames', type=int, default=32, help="the tiny preset's clips")
    ap.add_argument('--footage-size', type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(max(1, torch.get_num_threads()))
    tmp = Path(tempfile.mkdtemp())
    ds = MovingSprites(a.size, a.frames, seed=0)
    for i in range(a.videos):
        write_video(tmp / 'src' / f'v{i:03d}.mp4', ds[i]['video'], fps=25)
    rows = []
    for n in a.processes:
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            out = tmp / f'cache{n}'
            settings = dict(frames=a.frames, size=a.size, progress=False, workers=n)
            cache = prepare(tmp / 'src', out, **settings)
        dt = time.perf_counter() - t0
        decoded = f'{a.videos * a.frames / dt:,.0f} frames/s'
        label = f'prepare: decode + resize + write, {n} processes'
        rows.append((label, decoded, f'{a.videos / dt:.1f} videos/s'))
    if a.footage:
        files = sample_footage(a.footage)
        frames = sum(video_length(f) for f in files)
        for n in a.processes:
            t0 = time.perf_counter()
            size, length = a.footage_size, a.footage_frames
            settings = dict(frames=length, size=size, progress=False, workers=n)
            settings['clips_per_video'] = a.footage_clips
            real = prepare(files[0].parent, tmp / f'{a.footage}{n}', **settings)
            dt = time.perf_counter() - t0
            mb = (real.path / 'clips.u8').stat().st_size / 2**20
            written = len(real) * length
            note = f'source frames decoded; {len(real)} clips of {length}x{size}x{size} '
            note += f'({written / dt:,.0f} clip frames/s written, {mb:.0f} MiB), {dt:.1f} s'
            label = f'prepare {a.footage} (real), {n} processes'
            rows.append((label, f'{frames / dt:,.0f} frames/s', note))

    def make_loader(ds, w, **kw):
        return DataLoader(ds, batch_size=a.batch, num_workers=w, persistent_workers=w > 0, **kw)

    clip = f'uint8 {a.frames}x{a.size}x{a.size}'
    for w in a.workers:
        loader = make_loader(cache, w, shuffle=True)
        per_s = f'{rate(loader, a.batches):,.0f} clips/s'
        rows.append((f'ClipCache -> DataLoader, {w} workers', per_s, clip))
    pipe = presets[a.preset]
    if (pipe.top.frames, pipe.top.height) == (a.frames, a.size):
        for k in range(1, len(pipe) + 1):
            for w in a.workers:
                loader = make_loader(StageViews(cache, pipe, k), w)
                label = f'StageViews stage {k} ({a.preset}), {w} workers'
                rows.append((label, f'{rate(loader, a.batches):,.0f} examples/s', 'float views'))
    print(
        f'data pipeline on {torch.get_num_threads()} CPU threads, '
        f'clips of {a.frames}x{a.size}x{a.size}, batch {a.batch}\n'
    )
    w0 = max(len(r[0]) for r in rows)
    print(f"{'what':<{w0}}  {'rate':>18}  note")
    print('-' * (w0 + 40))
    for r in rows:
        print(f'{r[0]:<{w0}}  {r[1]:>18}  {r[2]}')


if __name__ == '__main__':
    main()
