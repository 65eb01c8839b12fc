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


def test_pretrain_minutes_end_the_reconstruction_phase_and_the_trainer_switches_adam(
    tmp_path, monkeypatch
):
    """`--pretrain-minutes`: reconstruction (G's Adam at --lr-pretrain, betas (0.9, 0.999)) until
    the minutes are up, then adversarial at --lr-g with the config's betas; the switch is the
    Trainer's. A fake clock moves a minute per chunk: the phase ends after the second step."""
    clock, seen = [0.0], []

    def snapshot(tr, raw=False):  # after each chunk: what the chunk's last step ran with
        g = tr.opt_g.param_groups[0]
        seen.append((tr.step, tr.cfg.pretrain_steps, g['lr'], tuple(g['betas'])))
        clock[0] += 60.0

    monkeypatch.setattr(train_budget, 'time', type('Clock', (), {'time': lambda: clock[0]}))
    monkeypatch.setattr(train_budget, 'snapshot', snapshot)
    argv = ['train', '--stage', '2', '--out', str(tmp_path), '--steps', '3', '--batch-size', '2']
    argv += ['--snap-every', '1', '--num-workers', '0', '--threads', '1']
    train_budget.main(argv + ['--pretrain-minutes', '1.5', '--lr-pretrain', '1e-3'])
    assert seen == [
        (1, 10**9, 1e-3, (0.9, 0.999)),
        (2, 10**9, 1e-3, (0.9, 0.999)),
        (3, 2, 1e-4, (0.0, 0.999)),
    ]


def test_raw_snapshots_hold_the_raw_generator_beside_its_ema(tmp_path):
    """`--raw`: RUN/raw/snaps/ holds the raw G in the EMA's place, so that the tools that measure
    snapshots measure it too; with the EMA averaging from step 0, the two differ."""
    argv = ['train', '--stage', '1', '--out', str(tmp_path), '--steps', '2', '--batch-size', '2']
    argv += ['--snap-every', '2', '--num-workers', '0', '--threads', '1', '--ema-start', '0']
    train_budget.main(argv + ['--raw', '--ema-decay', '0.9'])
    ema = torch.load(tmp_path / 'snaps' / 'step0000002.pt', weights_only=True)
    raw = torch.load(tmp_path / 'raw' / 'snaps' / 'step0000002.pt', weights_only=True)
    assert (raw['stage'], raw['step'], raw['spec']) == (1, 2, ema['spec'])
    assert ema['config']['ema_decay'] == 0.9
    diff = [k for k in ema['G_ema'] if not torch.equal(ema['G_ema'][k], raw['G_ema'][k])]
    assert any('weight' in k for k in diff), diff  # the weights, not only statistics


def test_resume_continues_from_the_newest_checkpoint(tmp_path, capsys):
    """`--resume`: a run stopped at step 2 goes on to step 4 as one run would (the same flags),
    from its checkpoint; its snapshots are those of steps 2 and 4."""
    argv = ['train', '--stage', '1', '--out', str(tmp_path / 'a'), '--batch-size', '2']
    argv += ['--snap-every', '2', '--num-workers', '0', '--threads', '1', '--ema-start', '0']
    train_budget.main(argv + ['--steps', '2'])
    capsys.readouterr()
    train_budget.main(argv + ['--steps', '4', '--resume'])
    said = capsys.readouterr().out
    assert 'resumed at step 2' in said and 'step 4,' in said and 'step 2,' not in said, said
    whole = [*argv[:4], str(tmp_path / 'b'), *argv[5:], '--steps', '4']
    train_budget.main(whole)
    snaps = sorted(p.name for p in (tmp_path / 'a' / 'snaps').iterdir())
    assert snaps == ['step0000002.pt', 'step0000004.pt']
    resumed = torch.load(tmp_path / 'a' / 'snaps' / 'step0000004.pt', weights_only=True)
    once = torch.load(tmp_path / 'b' / 'snaps' / 'step0000004.pt', weights_only=True)
    for k, v in once['G_ema'].items():
        assert torch.equal(resumed['G_ema'][k], v), k
