"""Run by tests/test_ddp.py under torchrun: train tiny stage N with DDP (gloo on CPU), 3 steps
unless the TrainConfig settings given as JSON say otherwise. Then each rank saves the weights and
the last update's gradients it holds, and whether it refused to start a second run in the same
folder, so the test can check that the ranks agree."""

import json, sys
from pathlib import Path
import torch
from ssw_gan.stages import presets
from ssw_gan.train import Trainer, TrainConfig, make_dataset

out, stage = Path(sys.argv[1]), int(sys.argv[2])
settings = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
torch.set_num_threads(1)
tiny = presets['tiny']
data = make_dataset('sprites', tiny)
defaults = dict(steps=3, batch_size=2, log_every=1, ckpt_every=3, sample_every=3)
cfg = TrainConfig(**{**defaults, **settings})
tr = Trainer(tiny, stage, data, out / 'run', cfg, progress=False)
tr.fit()
weights = {'G': tr.g_raw.state_dict(), 'D': tr.d_raw.state_dict(), 'G_ema': tr.G_ema.state_dict()}
grads = {
    f'{key}_grad': {n: p.grad for n, p in net.named_parameters() if p.grad is not None}
    for key, net in (('G', tr.g_raw), ('D', tr.d_raw))
}
try:  # the folder holds a checkpoint now: every rank must refuse, not rank 0 alone
    Trainer(tiny, stage, data, out / 'run', cfg, progress=False)
    refused = False
except FileExistsError:
    refused = True
record = {'rank': tr.rank, 'world': tr.world, 'refused': refused, **weights, **grads}
torch.save(record, out / f'rank{tr.rank}.pt')
