"""Run by tests/test_ddp.py under torchrun: train tiny stage 2 for a few steps with DDP (gloo on
CPU), then each rank saves the weights it holds, so the test can check that every rank holds the
same ones."""

import sys
from pathlib import Path
import torch
from ssw_gan.stages import presets
from ssw_gan.train import Trainer, TrainConfig, make_dataset

out, stage = Path(sys.argv[1]), int(sys.argv[2])
torch.set_num_threads(1)
tiny = presets['tiny']
data = make_dataset('sprites', tiny)
cfg = TrainConfig(steps=3, batch_size=2, log_every=1, ckpt_every=3, sample_every=3)
tr = Trainer(tiny, stage, data, out / 'run', cfg, progress=False)
tr.fit()
weights = {'G': tr.g_raw.state_dict(), 'D': tr.d_raw.state_dict(), 'G_ema': tr.G_ema.state_dict()}
torch.save({'rank': tr.rank, 'world': tr.world, **weights}, out / f'rank{tr.rank}.pt')
