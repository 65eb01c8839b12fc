"""Memory and speed of generating long videos, and of training, measured side by side. Prints
tables.

1. memory vs length: peak memory of generating 100, 200, 400 and 800 top-stage frames with the
   streaming, chunked pipeline (every stage streams; frames are consumed as they finish) and with a
   monolithic baseline that runs each upsampler on the whole video at once. CPU: peak RSS of a fresh
   process per run, from after loading and warming up the models (Linux VmHWM reset), and its growth
   over the resident memory at that point; CUDA: torch.cuda.max_memory_allocated.
2. training memory vs final length: one training step of the top stage (fixed window) against one
   step of a single-stage, DVD-GAN-style generator (built from the same blocks) that makes the
   full-length, full-resolution video directly, at --train-frames frames.
3. throughput: top-stage frames/s of full-pipeline generation.

Usage: python bench/bench_inference.py [--preset tiny] [--device cpu] [--lengths 100 200 400 800]
                                       [--train-frames 100 200] [--skip-train]
"""

import argparse, json, resource, subprocess, sys, time
import torch


def _status_mb(field):
    import re

    m = re.search(rf'{field}:\s+(\d+) kB', open('/proc/self/status').read())
    return int(m.group(1)) / 1024


def reset_peak_rss():
    """Start a new peak-RSS window: Linux resets VmHWM when 5 is written to clear_refs. Without it,
    the peak would include the one-time spikes of importing and warming up the libraries, which
    differ from machine to machine. Returns the resident memory now (the base that growth is
    measured from)."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return _status_mb('VmRSS')
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb():
    """Peak RSS since the last `reset_peak_rss` (since the process started where the reset is
    unavailable)."""
    try:
        return _status_mb('VmHWM')
    except (OSError, AttributeError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def random_pipeline(preset, device):
    from ssw_gan.stages import presets
    from ssw_gan.generators import Stage1Generator, Upsampler
    from ssw_gan.inference import Pipeline

    spec = presets[preset]
    torch.manual_seed(0)
    gens = [Stage1Generator(spec.stage(1))] + [Upsampler(s) for s in spec.stages[1:]]
    return Pipeline(spec, [g.to(device) for g in gens])


def child_generate(a):
    "One generation run in this (fresh) process; prints a JSON line."
    from ssw_gan.inference import FrameNoise

    dev = torch.device(a.device)
    cuda = dev.type == 'cuda'
    pipe = random_pipeline(a.preset, dev)
    t1 = a.length // pipe.spec.factors_to_top(1)[1]
    with torch.no_grad():  # warm-up: one-time allocations of the libraries, the same in both modes
        for _ in pipe.stream(n=1, seed=1, frames=16, chunk=8, window_batch=a.window_batch):
            pass
    base = reset_peak_rss()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    t0 = time.perf_counter()
    frames = 0
    with torch.no_grad():
        if a.mode == 'chunked':
            for piece in pipe.stream(n=1, seed=0, frames=t1, chunk=8, window_batch=a.window_batch):
                frames += piece.shape[2]
        else:  # monolithic: every upsampler on the whole video at once
            g1, *ups = pipe.generators
            with pipe._autocast():
                v = g1(g1.sample_latent(1).to(dev), frames=t1)
                for k, up in enumerate(ups, 2):
                    v = up(v, FrameNoise(up.noise_ch, 0, k)(0, v.shape[2], v))
            frames = v.shape[2]
    if cuda:
        torch.cuda.synchronize()
    dt = time.perf_counter() - t0
    peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else rss_mb()
    base_mb, growth_mb = (None, None) if cuda else (base, peak - base)
    record = dict(frames=frames, peak_mb=peak, base_mb=base_mb, growth_mb=growth_mb, sec=dt)
    print(json.dumps(record))


def child_train(a):
    """One training step (G and D) of the top stage or of a single-stage full-length generator;
    prints a JSON line."""
    from dataclasses import replace
    from ssw_gan.stages import presets, single_stage
    from ssw_gan.losses import build_stage, fake_batch, g_loss, d_loss, random_batch

    dev = torch.device(a.device)
    cuda = dev.type == 'cuda'
    pipe = presets[a.preset]
    # the top stage (its fixed window), or a DVD-GAN-style single stage making the full-length
    # top-resolution video
    spec = pipe.top if a.mode == 'top' else replace(single_stage(pipe), frames=a.length)
    torch.manual_seed(0)
    G, D = (x.to(dev) for x in build_stage(spec))
    real = random_batch(spec, 1, dev)
    base = reset_peak_rss()
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    ctx = torch.autocast('cuda', torch.bfloat16) if cuda else torch.autocast('cpu', enabled=False)
    t0 = time.perf_counter()
    with ctx:
        fake = fake_batch(G, spec, real)
        ld, _ = d_loss(D, real, {**fake, 'video': fake['video'].detach()})
        ld.backward()
        lg, _ = g_loss(D, fake)
        lg.backward()
    if cuda:
        torch.cuda.synchronize()
    peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else rss_mb()
    growth_mb = None if cuda else peak - base
    frames = real['video'].shape[2]
    record = dict(frames=frames, peak_mb=peak, growth_mb=growth_mb, sec=time.perf_counter() - t0)
    print(json.dumps(record))


def run_child(args):
    r = subprocess.run([sys.executable, __file__, *map(str, args)], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


def _growth(run):
    "A run's growth in MiB as a table cell, blank where it is not measured (CUDA)."
    return '' if run['growth_mb'] is None else f"{run['growth_mb']:.0f}"


def table(title, head, rows):
    print(f'\n{title}')
    w = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    print('  '.join(h.ljust(x) for h, x in zip(head, w)))
    print('  '.join('-' * x for x in w))
    for r in rows:
        print('  '.join(str(c).ljust(x) for c, x in zip(r, w)))


def main():
    raw = argparse.RawDescriptionHelpFormatter
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    ap.add_argument('--preset', default='tiny')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--lengths', type=int, nargs='+', default=[100, 200, 400, 800])
    ap.add_argument('--train-frames', type=int, nargs='+', default=[100, 200])
    ap.add_argument('--skip-train', action='store_true')
    ap.add_argument('--window-batch', type=int, default=1)
    ap.add_argument('--child', choices=['generate', 'train'])
    ap.add_argument('--mode')
    ap.add_argument('--length', type=int)
    a = ap.parse_args()
    if a.child == 'generate':
        return child_generate(a)
    if a.child == 'train':
        return child_train(a)
    if a.device.startswith('cuda'):
        dev = f'{a.device} ({torch.cuda.get_device_name()})'
    else:
        dev = f'cpu, {torch.get_num_threads()} threads'
    print(f'preset {a.preset}, device {dev}, torch {torch.__version__}')
    common = ['--preset', a.preset, '--device', a.device, '--window-batch', a.window_batch]
    res = {
        (m, L): run_child(['--child', 'generate', '--mode', m, '--length', L, *common])
        for L in a.lengths
        for m in ('chunked', 'monolithic')
    }
    unit = 'CUDA max allocated' if a.device.startswith('cuda') else 'peak RSS'
    shortest = res['chunked', a.lengths[0]]
    rows = []
    for L in a.lengths:
        c, m = res['chunked', L], res['monolithic', L]
        chunked = [f"{c['peak_mb']:.0f}", _growth(c)]
        monolithic = [f"{m['peak_mb']:.0f}", _growth(m)]
        relative = f"{c['peak_mb'] / shortest['peak_mb']:.3f}"
        rows.append([L, *chunked, *monolithic, relative, f"{c['frames'] / c['sec']:.1f}"])
    title = (
        f'1. generation memory vs length ({unit}, MiB; '
        '"growth" = above the process after loading the models)'
    )
    head = ['top frames', 'chunked peak', 'chunked growth', 'monolithic peak', 'monolithic growth']
    head += [f'chunked peak / at {a.lengths[0]}', 'chunked frames/s']
    table(title, head, rows)
    if not a.skip_train:
        top = run_child(['--child', 'train', '--mode', 'top', '--length', 0, *common])
        rows = []
        for L in a.train_frames:
            s = run_child(['--child', 'train', '--mode', 'single', '--length', L, *common])
            ratio = f"{s['peak_mb'] / top['peak_mb']:.1f}x"
            peaks = [f"{top['peak_mb']:.0f}", f"{s['peak_mb']:.0f}", ratio]
            rows.append([L, *peaks, f"{top['sec']:.2f}", f"{s['sec']:.2f}"])
        title = (
            f'2. one training step: top stage (window {top["frames"]} frames) '
            f'vs a single-stage generator of the whole video ({unit}, MiB)'
        )
        head = ['final frames', 'top stage peak', 'single-stage peak', 'ratio']
        head += ['top step s', 'single step s']
        table(title, head, rows)


if __name__ == '__main__':
    main()
