"""Size and cost of every stage's networks. Prints a table.

For each stage of the tiny and paper presets: generator and discriminator parameters, and the FLOPs
of one training step per sample (generator step: G forward + D forward + backward through both;
discriminator step: G forward + D forward on real and fake + backward through D), counted by
torch.utils.flop_counter. Upsamplers are counted as they train: on their window plus the
receptive-field halo, cropped to the window. With --time, also the wall time of one full training
step (D step then G step) at --batch, on --device, in float32 and in bf16 autocast, with the float32
and bf16 matmul rates measured in the same run. bf16 is timed only where it is fast (CUDA, or a CPU
with AMX or AVX512-BF16: see ssw_gan.layers.fast_bf16_cpu); elsewhere the table says why it is not.
On CUDA, weights are channels_last(_3d), and model FLOP utilisation is reported against the measured
bf16 matmul rate. With --compile, also the step time with torch.compile'd generator and
discriminators (as `ssw-gan train --compile`), in bf16 where it is fast, else float32; the
compilation itself is not timed (two warm-up steps).

Usage: python bench/bench_models.py [--presets tiny paper] [--time] [--batch 8]
                                    [--device cpu|cuda] [--compile]
"""

import argparse, time
import torch
from torch.utils.flop_counter import FlopCounterMode
from ssw_gan.stages import presets
from ssw_gan.losses import build_stage, fake_batch, g_loss, d_loss, random_batch
from ssw_gan.layers import autocast, fast_bf16_cpu
from ssw_gan.train import _channels_last


def step(G, D, spec, real, oG, oD):
    fake = fake_batch(G, spec, real)
    ld, _ = d_loss(D, real, {**fake, 'video': fake['video'].detach()})
    oD.zero_grad(set_to_none=True)
    ld.backward()
    oD.step()
    lg, _ = g_loss(D, fake_batch(G, spec, real))
    oG.zero_grad(set_to_none=True)
    lg.backward()
    oG.step()


def _sync(device):
    if torch.device(device).type == 'cuda':
        torch.cuda.synchronize()


def matmul_rate(device, dtype=torch.bfloat16, n=None, seconds=1.0):
    "FLOP/s of an n x n matmul in `dtype` on `device` (n: 8192 on CUDA, 2048 on a CPU)."
    n = n or (8192 if torch.device(device).type == 'cuda' else 2048)
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    _sync(device)
    t0, reps = time.perf_counter(), 0
    while time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
        _sync(device)
    return 2 * n**3 * reps / (time.perf_counter() - t0)


def step_time(G, D, spec, batch, steps, device, precision, warmup: int = 1) -> float:
    "Seconds per training step (D step then G step) in `precision`, after `warmup` steps."
    oG, oD = (torch.optim.Adam(m.parameters(), 1e-4, betas=(0.0, 0.999)) for m in (G, D))
    with autocast(device, precision):
        for _ in range(warmup):
            step(G, D, spec, batch, oG, oD)
        _sync(device)
        t0 = time.perf_counter()
        for _ in range(steps):
            step(G, D, spec, batch, oG, oD)
        _sync(device)
    return (time.perf_counter() - t0) / steps


def main():
    raw = argparse.RawDescriptionHelpFormatter
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    ap.add_argument('--presets', nargs='+', default=['tiny', 'paper'])
    ap.add_argument('--time', action='store_true')
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--steps', type=int, default=3)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--compile', action='store_true', help='also time torch.compile (with --time)')
    a = ap.parse_args()
    dev = torch.device(a.device)
    cuda = dev.type == 'cuda'
    fast_bf16 = cuda or fast_bf16_cpu()
    rates = {}
    if a.time:
        dtypes = {'fp32': torch.float32, 'bf16': torch.bfloat16}
        rates = {p: matmul_rate(dev, dt) for p, dt in dtypes.items()}
    rows = []
    for name in a.presets:
        for k, spec in enumerate(presets[name].stages, 1):
            torch.manual_seed(0)
            G, D = build_stage(spec)
            pg, pd = sum(p.numel() for p in G.parameters()), sum(p.numel() for p in D.parameters())
            real = random_batch(spec, 1, 'cpu', G.receptive_field if spec.is_upsampler else 0)
            with FlopCounterMode(display=False) as fc:
                lg, _ = g_loss(D, fake_batch(G, spec, real))
                lg.backward()
            g_flops = fc.get_total_flops()
            with FlopCounterMode(display=False) as fc:
                with torch.no_grad():
                    fake = fake_batch(G, spec, real)
                ld, _ = d_loss(D, real, fake)
                ld.backward()
            d_flops = fc.get_total_flops()
            clip = f'{tuple(real["video"].shape[2:])}'
            params = [f'{pg / 1e6:.2f}', f'{pd / 1e6:.2f}']
            row = [f'{name} {k}', clip, *params, f'{g_flops / 1e9:.1f}', f'{d_flops / 1e9:.1f}']
            if a.time:
                G, D = G.to(dev), D.to(dev)
                if cuda:
                    G, D = _channels_last(G), _channels_last(D)
                halo = G.receptive_field if spec.is_upsampler else 0
                rb = random_batch(spec, a.batch, dev, halo)
                flops = (g_flops + d_flops) * a.batch
                for precision in ('fp32', 'bf16'):
                    if precision == 'bf16' and not fast_bf16:
                        row += ['not timed', '']
                        continue
                    dt = step_time(G, D, spec, rb, a.steps, dev, precision)
                    row += [f'{1 / dt:.2f}', f'{100 * flops / dt / rates[precision]:.1f}%']
                if a.compile:
                    fast = 'bf16' if fast_bf16 else 'fp32'
                    cG, cD = torch.compile(G), torch.compile(D)
                    dt = step_time(cG, cD, spec, rb, a.steps, dev, fast, warmup=2)
                    row += [f'{1 / dt:.2f}', f'{100 * flops / dt / rates[fast]:.1f}%']
            rows.append(row)
    head = ['stage', 'train clip (T,H,W)', 'G Mparams', 'D Mparams']
    head += ['G step GFLOP/sample', 'D step GFLOP/sample']
    if a.time:
        head += [f'fp32 steps/s (batch {a.batch})', 'of fp32 matmul']
        head += ['bf16 steps/s', 'of bf16 matmul']
        if a.compile:
            fast = 'bf16' if fast_bf16 else 'fp32'
            head += [f'compiled {fast} steps/s', f'of {fast} matmul']
    where = torch.cuda.get_device_name() if cuda else f'cpu, {torch.get_num_threads()} threads'
    print(f'torch {torch.__version__}, {where}')
    if rates:
        print(
            f"matmul measured in this run: fp32 {rates['fp32'] / 1e9:.0f} GFLOP/s, "
            f"bf16 {rates['bf16'] / 1e9:.1f} GFLOP/s"
        )
        if not fast_bf16:
            print(
                'bf16 not timed: this CPU has no fast bf16 unit (no amx_bf16 or avx512_bf16 flag), '
                'so bf16 is emulated and a training step would crawl'
            )
    print()
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    print('  '.join(h.ljust(w) for h, w in zip(head, widths)))
    print('  '.join('-' * w for w in widths))
    for r in rows:
        print('  '.join(str(c).ljust(w) for c, w in zip(r, widths)))


if __name__ == '__main__':
    main()
