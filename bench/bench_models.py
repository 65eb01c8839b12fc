"""Size and cost of every stage's networks. Prints a table.

For each stage of the tiny and paper presets: generator and discriminator parameters, and the FLOPs of one
training step per sample (generator step: G forward + D forward + backward through both; discriminator step:
G forward + D forward on real and fake + backward through D), counted by torch.utils.flop_counter.
With --time, also the wall time of one full training step (D step then G step) at --batch, on --device.
On CUDA it runs in bf16 autocast with channels_last_3d and reports model FLOP utilisation against the bf16
matmul rate measured in the same run.

Usage: python bench/bench_models.py [--presets tiny paper] [--time] [--batch 8] [--device cpu|cuda]
"""
import argparse, time
import torch
from torch.utils.flop_counter import FlopCounterMode
from ssw_gan.stages import presets
from ssw_gan.losses import build_stage, fake_batch, g_loss, d_loss, random_batch

def step(G, D, spec, real, oG, oD):
    fake = fake_batch(G, spec, real)
    ld, _ = d_loss(D, real, {**fake, 'video': fake['video'].detach()})
    oD.zero_grad(set_to_none=True); ld.backward(); oD.step()
    lg, _ = g_loss(D, fake_batch(G, spec, real))
    oG.zero_grad(set_to_none=True); lg.backward(); oG.step()

def matmul_rate(device, dtype=torch.bfloat16, n=8192, reps=20):
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    for _ in range(3): a @ b
    torch.cuda.synchronize(); t0 = time.perf_counter()
    for _ in range(reps): a @ b
    torch.cuda.synchronize()
    return 2 * n ** 3 * reps / (time.perf_counter() - t0)

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--presets', nargs='+', default=['tiny', 'paper']); ap.add_argument('--time', action='store_true')
    ap.add_argument('--batch', type=int, default=8); ap.add_argument('--steps', type=int, default=3)
    ap.add_argument('--device', default='cpu')
    a = ap.parse_args()
    dev, cuda = torch.device(a.device), a.device.startswith('cuda')
    peak = matmul_rate(dev) if cuda and a.time else None
    rows = []
    for name in a.presets:
        for k, spec in enumerate(presets[name].stages, 1):
            torch.manual_seed(0)
            G, D = build_stage(spec)
            pg, pd = sum(p.numel() for p in G.parameters()), sum(p.numel() for p in D.parameters())
            real = random_batch(spec, 1, 'cpu')
            with FlopCounterMode(display=False) as fc:
                fake = fake_batch(G, spec, real); lg, _ = g_loss(D, fake); lg.backward()
            g_flops = fc.get_total_flops()
            with FlopCounterMode(display=False) as fc:
                with torch.no_grad(): fake = fake_batch(G, spec, real)
                ld, _ = d_loss(D, real, fake); ld.backward()
            d_flops = fc.get_total_flops()
            row = [f'{name} {k}', f'{tuple(real["video"].shape[2:])}', f'{pg / 1e6:.2f}', f'{pd / 1e6:.2f}',
                   f'{g_flops / 1e9:.1f}', f'{d_flops / 1e9:.1f}']
            if a.time:
                G, D = G.to(dev), D.to(dev)
                if cuda: G, D = G.to(memory_format=torch.channels_last_3d), D.to(memory_format=torch.channels_last_3d)
                oG, oD = (torch.optim.Adam(m.parameters(), 1e-4, betas=(0.0, 0.999)) for m in (G, D))
                rb = random_batch(spec, a.batch, dev)
                ctx = torch.autocast('cuda', torch.bfloat16) if cuda else torch.autocast('cpu', enabled=False)
                with ctx:
                    step(G, D, spec, rb, oG, oD)                         # warm-up
                    if cuda: torch.cuda.synchronize()
                    t0 = time.perf_counter()
                    for _ in range(a.steps): step(G, D, spec, rb, oG, oD)
                    if cuda: torch.cuda.synchronize()
                dt = (time.perf_counter() - t0) / a.steps
                row += [f'{dt * 1000:.0f}', f'{1 / dt:.2f}']
                if peak: row.append(f'{100 * (g_flops + d_flops) * a.batch / dt / peak:.1f}%')
            rows.append(row)
    head = ['stage', 'train clip (T,H,W)', 'G Mparams', 'D Mparams', 'G step GFLOP/sample', 'D step GFLOP/sample']
    if a.time: head += [f'step ms (batch {a.batch}, {a.device})', 'steps/s'] + (['MFU vs bf16 matmul'] if peak else [])
    if peak: print(f'bf16 matmul rate measured: {peak / 1e12:.0f} TFLOP/s on {torch.cuda.get_device_name()}')
    print(f'torch {torch.__version__}, {torch.get_num_threads()} CPU threads\n')
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    print('  '.join(h.ljust(w) for h, w in zip(head, widths))); print('  '.join('-' * w for w in widths))
    for r in rows: print('  '.join(str(c).ljust(w) for c, w in zip(r, widths)))

if __name__ == '__main__': main()
