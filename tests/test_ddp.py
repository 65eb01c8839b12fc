"""Data-parallel training with the standard engine: two CPU processes under torchrun (gloo) end with
identical weights."""

import json, subprocess, sys
from pathlib import Path
import pytest
import torch

HERE = Path(__file__).parent


@pytest.mark.parametrize('stage', [1, 2])
def test_two_ranks_hold_identical_weights(tmp_path, stage):
    torchrun = [sys.executable, '-m', 'torch.distributed.run', '--standalone']
    worker = [str(HERE / 'ddp_worker.py'), str(tmp_path), str(stage)]
    cmd = [*torchrun, '--nproc_per_node', '2', *worker]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    a, b = (torch.load(tmp_path / f'rank{i}.pt', weights_only=True) for i in (0, 1))
    assert (a['rank'], b['rank'], a['world']) == (0, 1, 2)
    for key in ('G', 'D', 'G_ema'):
        for name in a[key]:
            assert torch.equal(a[key][name], b[key][name]), f'{key}.{name} differs between ranks'
    # rank 0 alone logs and checkpoints: one record per step, one checkpoint
    log = [json.loads(l) for l in (tmp_path / 'run' / 'log.jsonl').read_text().splitlines()]
    assert [rec['step'] for rec in log] == [1, 2, 3]
    assert [p.name for p in (tmp_path / 'run' / 'checkpoints').glob('*.pt')] == ['step0000003.pt']
