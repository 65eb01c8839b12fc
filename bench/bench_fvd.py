"""I3D speed for FVD: clips/s of 16-frame 224x224 clips, and the time of a full fvd2048_16f
evaluation (2 x 2048 clips) extrapolated from it. On CUDA, fp32 and TF32. Prints a table.

Usage: python bench/bench_fvd.py [--device cpu|cuda] [--clips 8] [--batch 4]
"""

import argparse, time
import torch
from ssw_gan.fvd import I3D, load_i3d, weights_available, resize_tf1


def main():
    raw = argparse.RawDescriptionHelpFormatter
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--clips', type=int, default=8)
    ap.add_argument('--batch', type=int, default=4)
    a = ap.parse_args()
    dev = torch.device(a.device)
    net = (load_i3d() if weights_available() else I3D()).eval().to(dev)
    modes = ['fp32'] + (['tf32'] if dev.type == 'cuda' else [])
    rows = []
    for mode in modes:
        if dev.type == 'cuda':
            torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = mode == 'tf32'
        x = torch.rand(a.batch, 3, 16, 64, 64, device=dev) * 2 - 1
        with torch.no_grad():
            net(resize_tf1(x))  # warm-up
            if dev.type == 'cuda':
                torch.cuda.synchronize()
            t0, n = time.perf_counter(), 0
            while n < a.clips:
                net(resize_tf1(x))
                n += a.batch
            if dev.type == 'cuda':
                torch.cuda.synchronize()
        rate = n / (time.perf_counter() - t0)
        rows.append((mode, f'{rate:.2f}', f'{2 * 2048 / rate / 60:.1f}'))
    if dev.type == 'cuda':
        name = torch.cuda.get_device_name()
    else:
        name = f'cpu, {torch.get_num_threads()} threads'
    weights = 'real' if weights_available() else 'random'
    print(
        f'I3D on {name} ({weights} weights), batch {a.batch}, 16-frame clips resized to 224x224\n'
    )
    print(f"{'precision':<10}{'clips/s':>10}{'fvd2048_16f, minutes':>24}")
    for r in rows:
        print(f'{r[0]:<10}{r[1]:>10}{r[2]:>24}')


if __name__ == '__main__':
    main()
