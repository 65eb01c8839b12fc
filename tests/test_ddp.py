"""Data-parallel training with the standard engine: two CPU processes under torchrun (gloo) end with
identical weights, the weights one process makes with their two batches as one."""

import json, subprocess, sys
from pathlib import Path
import pytest
import torch
from ssw_gan.stages import presets
from ssw_gan.train import Trainer, TrainConfig, make_dataset

HERE = Path(__file__).parent


def _two_ranks(tmp_path, stage: int, settings: dict) -> list:
    "Run tests/ddp_worker.py under torchrun with 2 processes; what each rank saved."
    torchrun = [sys.executable, '-m', 'torch.distributed.run', '--standalone']
    worker = [str(HERE / 'ddp_worker.py'), str(tmp_path), str(stage), json.dumps(settings)]
    cmd = [*torchrun, '--nproc_per_node', '2', *worker]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    return [torch.load(tmp_path / f'rank{i}.pt', weights_only=True) for i in (0, 1)]


def _log(run: Path) -> list:
    return [json.loads(line) for line in (run / 'log.jsonl').read_text().splitlines()]


# stage 1 with gradient accumulation and two D updates a step (any precision: each rank computes
# the same, and DDP averages the same gradients on both): DDP's no_sync on the first
# micro-batch of each update, its gradient average on the second
@pytest.mark.precision
@pytest.mark.parametrize('stage, settings', [(1, {'accumulate': 2, 'd_steps': 2}), (2, {})])
def test_two_ranks_hold_identical_weights(tmp_path, stage, settings):
    a, b = _two_ranks(tmp_path, stage, settings)
    assert (a['rank'], b['rank'], a['world']) == (0, 1, 2)
    for key in ('G', 'D', 'G_ema'):
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), f'{key}.{name} differs between ranks'
    # rank 0 alone logs and checkpoints: one record per step, one checkpoint
    assert [rec['step'] for rec in _log(tmp_path / 'run')] == [1, 2, 3]
    assert [p.name for p in (tmp_path / 'run' / 'checkpoints').glob('*.pt')] == ['step0000003.pt']
    # a second run in the same folder: every rank raises, none is left waiting for the others
    assert a['refused'] and b['refused']


def _grad_gap(a: dict, b: dict) -> float:
    "Relative distance of gradient `a` from `b` ({name: tensor}), each as one vector."
    ga = torch.cat([a[n].flatten() for n in sorted(b)])
    gb = torch.cat([b[n].flatten() for n in sorted(b)])
    return ((ga - gb).norm() / gb.norm()).item()


# Gradients, each network's as one vector: a weight's gradient sums ~1e5 products (examples x
# positions), in another order here (across ranks, then averaged), so float32's 2^-24 rounding
# grows to ~sqrt(1e5) * 2^-24, about 2e-5 relative; bf16 rounds every layer's output and gradient
# at 2^-9, and a gradient crosses ~10 such layers, so a few 2^-8 (see the train chapter's
# accumulation check). A real mistake (a gradient not averaged) is 0.5 or more apart.
GRAD_GAP = {'fp32': 1e-4, 'bf16': 0.05}
LOSS_REL = {'fp32': 1e-5, 'bf16': 2**-8}


# with R1 (on every step): each rank's penalty of its own clips goes into D's gradients before
# DDP's average, which must then carry it, as one process's R1 of the batch of 4 (a mean of
# per-clip terms) carries it
@pytest.mark.parametrize(
    'precision, extra', [('fp32', {}), ('bf16', {}), ('fp32', {'r1': 1.0, 'r1_every': 1})]
)
def test_two_ranks_make_the_updates_of_one_process(tmp_path, precision, extra):
    """Two ranks with batches of 2 train as one process with batches of 4.

    The sampler deals one process's batch of 4 to the two ranks, each example draws its noise and
    frames from its place in that batch, and the hinge losses are means, so the average of the two
    ranks' gradients is the gradient of the batch of 4. Stage 2 has no batch norm, and mismatched
    pairs are off (a batch rolls its own clips: a batch of 4 pairs clip 0 with clip 3, each rank's
    batch of 2 pairs it with clip 1). Each precision is asked for explicitly, never through
    'auto', which picks bf16 on some CPUs and float32 on others. One step: its gradients are the
    well-conditioned comparison (after it, the weights differ by round-off, which later steps'
    gradients amplify through the GAN's kinks), and bf16 is emulated on a CPU without a fast bf16
    unit, where a step takes tens of seconds."""
    settings = {'mismatch': False, 'precision': precision, 'steps': 1, 'ckpt_every': 1, **extra}
    ddp, _ = _two_ranks(tmp_path, 2, settings)
    cfg = TrainConfig(batch_size=4, log_every=1, **settings)
    tiny = presets['tiny']
    one = Trainer(tiny, 2, make_dataset('sprites', tiny), tmp_path / 'one', cfg, progress=False)
    one.fit()
    # the update's gradients: the mean of the ranks' is the batch of 4's. Not the weights after
    # it: Adam's first step is about lr whatever a gradient's size, so a gradient that is
    # round-off in one run (as some are) moves its weight by up to lr, either way, in each run
    for key, net in (('G', one.g_raw), ('D', one.d_raw)):
        grads = {n: p.grad for n, p in net.named_parameters() if p.grad is not None}
        gap = _grad_gap(ddp[f'{key}_grad'], grads)
        assert gap < GRAD_GAP[precision], f'{key} gradients {gap:.1e} apart ({precision})'
    # the logged losses: the mean of the ranks' means is the mean over the batch of 4
    logged = _log(tmp_path / 'run')
    for rec, ref in zip(logged, one.history, strict=True):
        for k in ('d_loss', 'g_loss', 'd_spatial', 'g_matching') + (('d_r1',) if extra else ()):
            want = pytest.approx(ref[k], rel=LOSS_REL[precision], abs=1e-6)
            assert rec[k] == want, (rec['step'], k, precision)
