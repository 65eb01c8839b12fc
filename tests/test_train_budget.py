"""tools/train_budget.py's `--init`: a stage continued from trained weights under new settings
(how the shipped stage 3 was continued with the reconstruction term)."""

import importlib.util
from pathlib import Path
import pytest
import torch
from ssw_gan.stages import PipelineSpec, SpecMismatch
from ssw_gan.train import Trainer, TrainConfig, make_dataset

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('train_budget', ROOT / 'tools' / 'train_budget.py')
train_budget = importlib.util.module_from_spec(spec)
spec.loader.exec_module(train_budget)
SHIPPED = ROOT / 'ssw_gan' / 'weights' / 'tiny'


def trainer(tmp_path, stage):
    # the shipped pipeline's spec (the old upsampler design: the preset has moved on since)
    ck = torch.load(SHIPPED / 'stage3.pt', weights_only=True)
    pipe = PipelineSpec.from_dict(ck['pipeline'])
    cfg = TrainConfig(steps=1, batch_size=2, sample_every=10**9, ckpt_every=10**9)
    return Trainer(pipe, stage, make_dataset('sprites', pipe), tmp_path, cfg, progress=False)


def test_init_starts_g_and_its_ema_from_the_checkpoint(tmp_path):
    tr = trainer(tmp_path, 3)
    train_budget.init_generator(tr, SHIPPED / 'stage3.pt')
    saved = torch.load(SHIPPED / 'stage3.pt', weights_only=True)['G_ema']
    for net in (tr.g_raw, tr.G_ema):
        for name, value in net.state_dict().items():
            assert torch.equal(value, saved[name]), name


def test_init_refuses_another_stage(tmp_path):
    tr = trainer(tmp_path, 3)
    with pytest.raises(SpecMismatch, match='another stage spec'):
        train_budget.init_generator(tr, SHIPPED / 'stage2.pt')
