"""The upsampler recipe (issue 29): noise added to features with strengths that start at zero, an
exit that starts at zero, old checkpoints as trained, and two-phase training (reconstruction,
then adversarial with a small GAN weight)."""

from dataclasses import replace
from pathlib import Path
import pytest
import torch
from ssw_gan.generators import Upsampler, influence
from ssw_gan.inference import apply_chunked
from ssw_gan.losses import fake_batch, random_batch
from ssw_gan.stages import StageSpec, get_preset, load_checkpoint
from ssw_gan.train import Trainer, TrainConfig, make_dataset
from ssw_gan.video import upsample

ROOT = Path(__file__).resolve().parents[1]
TINY = get_preset('tiny')


def woken(spec, seed=0) -> Upsampler:
    "An upsampler whose zero-initialised exit and noise strengths hold random values."
    torch.manual_seed(seed)
    up = Upsampler(spec).eval()
    with torch.no_grad():
        for name, p in up.named_parameters():
            if name.startswith(('out.weight', 'noise_')):
                p.normal_(0, 0.1)
    return up


def test_old_design_stage2_output_is_bit_identical_to_before_the_change():
    # tests/data/shipped_stage2_output.pt: the shipped stage 2's output on fixed input and noise,
    # saved by the code of main at 1cde413, before the new design existed (fp32, one thread);
    # tests/data/old_design_tiny_stage2.pt: that stage 2, shipped until the recipe's replaced it
    torch.set_num_threads(1)
    ck = load_checkpoint(ROOT / 'tests' / 'data' / 'old_design_tiny_stage2.pt')
    up = Upsampler(StageSpec.from_dict(ck['spec'])).eval()
    up.load_state_dict(ck['G_ema'])
    assert (up.noise_mode, up.out_mode) == ('input', 'gain')
    ref = torch.load(ROOT / 'tests' / 'data' / 'shipped_stage2_output.pt', weights_only=True)
    with torch.no_grad():
        assert torch.equal(up(ref['low'], ref['noise']), ref['out'])


def test_presets_use_the_new_design_and_a_fresh_one_is_its_base():
    for name in ('tiny', 'paper'):
        for spec in get_preset(name).stages[1:]:
            assert (spec.model['noise'], spec.model['out']) == ('features', 'zero')
    up = Upsampler(TINY.stage(2)).eval()
    low = torch.rand(2, 3, 6, 16, 16) * 2 - 1
    with torch.no_grad():
        a, b = up(low), up(low)  # noise drawn twice
    assert torch.equal(a, b)
    assert (a - upsample(low, 2, 2, 'consistent')).abs().max() < 1e-5
    assert 'gain' not in dict(up.named_parameters())


@pytest.mark.parametrize('stage', [2, 3])
def test_chunked_equals_whole_and_noise_matters(stage):
    up = woken(TINY.stage(stage))
    low = torch.rand(1, 3, 13, 16 * 2 ** (stage - 2), 16 * 2 ** (stage - 2)) * 2 - 1
    noise = up.draw_noise(low, torch.Generator().manual_seed(0))
    with torch.no_grad():
        whole = up(low, noise)
        chunked = apply_chunked(up, low, noise, window=4)
        # equal to float precision (convolutions of other lengths add in another order)
        torch.testing.assert_close(chunked, whole, atol=1e-5, rtol=0)
        other = up(low, up.draw_noise(low, torch.Generator().manual_seed(1)))
    assert (whole - other).abs().mean() > 1e-3


def test_training_context_crop_and_valid_frames_equal_the_whole_video():
    # the trainer's path: a window with its halo, frames past the end invalid, cropped output
    up = woken(TINY.stage(2))
    spec, halo = up.spec, up.receptive_field
    real = random_batch(spec, 2, halo=halo)
    real['valid'][:, -2:] = False  # the clip ends two frames before the context does
    noise = up.draw_noise(real['context'], torch.Generator().manual_seed(0))
    with torch.no_grad():
        fake = fake_batch(up, spec, real, noise=noise)['video']
        n_valid = real['context'].shape[2] - 2
        alone = up(real['context'][:, :, :n_valid], noise[:, :, :n_valid])
    t = up.time
    w0, w1 = halo * t, (halo + spec.low_window) * t
    keep = min(w1, n_valid * t) - w0
    torch.testing.assert_close(fake[:, :, :keep], alone[:, :, w0 : w0 + keep], atol=1e-5, rtol=0)


def test_receptive_field_is_measured_for_the_new_design():
    up = woken(TINY.stage(2))
    inf = influence(up, torch.rand(1, 3, 16, 16, 16) * 2 - 1)
    r, t = up.receptive_field, up.time
    band = torch.tensor(
        [[t * (j - r) <= i < t * (j + r + 1) for i in range(inf.shape[1])] for j in range(16)]
    )
    assert not (inf & ~band).any()
    assert max(abs(j - o // t) for j in range(4, 12) for o in inf[j].nonzero().flatten()) == r


def test_bad_design_settings_are_refused():
    m = TINY.stage(2).model
    with pytest.raises(ValueError, match=r'multiple of time\*space\^2 = 8'):
        Upsampler(replace(TINY.stage(2), model={**m, 'noise_ch': 4}))
    with pytest.raises(ValueError, match='noise must be one of'):
        Upsampler(replace(TINY.stage(2), model={**m, 'noise': 'latent'}))
    up = Upsampler(replace(TINY.stage(2), model={**m, 'sn': False}))
    from torch.nn.utils import parametrize

    assert not any(parametrize.is_parametrized(mod) for mod in up.modules())


def test_config_refuses_impossible_phases_and_weights():
    with pytest.raises(ValueError, match='pretrain_steps must be within 0..steps = 10'):
        TrainConfig(steps=10, pretrain_steps=11)
    with pytest.raises(ValueError, match='pretrain_steps must be within'):
        TrainConfig(pretrain_steps=-1)
    with pytest.raises(ValueError, match='finite number >= 0'):
        TrainConfig(weights={'gan': -0.1})
    with pytest.raises(ValueError, match='finite number >= 0'):
        TrainConfig(weights={'recon': float('inf')})
    with pytest.raises(ValueError, match='unknown loss weight'):
        TrainConfig(weights={'adversarial': 0.1})
    cfg = TrainConfig(steps=10, pretrain_steps=10, weights={'recon': 1, 'gan': 0.1})
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_stage1_has_no_reconstruction_phase(tmp_path):
    cfg = TrainConfig(steps=2, batch_size=2, pretrain_steps=1)
    with pytest.raises(ValueError, match='stage 1 has no reconstruction phase'):
        Trainer(TINY, 1, make_dataset('sprites', TINY), tmp_path, cfg, progress=False)


def test_two_phases_reconstruction_without_d_then_adversarial(tmp_path):
    torch.manual_seed(0)
    cfg = TrainConfig(
        steps=3,
        batch_size=2,
        pretrain_steps=2,
        weights={'recon': 1.0, 'gan': 0.1},
        sample_every=10**9,
        ckpt_every=10**9,
        log_every=1,
        precision='fp32',
    )
    tr = Trainer(TINY, 2, make_dataset('sprites', TINY), tmp_path, cfg, progress=False)
    d0 = [p.detach().clone() for p in tr.d_raw.parameters()]
    g0 = [p.detach().clone() for p in tr.g_raw.parameters()]
    tr.fit(2)
    assert all(torch.equal(a, b) for a, b in zip(d0, tr.d_raw.parameters()))  # no D update
    assert any(not torch.equal(a, b) for a, b in zip(g0, tr.g_raw.parameters()))
    assert set(tr.history[-1]) == {'step', 'd_loss', 'g_loss', 'g_recon', 'sec'}
    assert tr.history[-1]['g_loss'] == tr.history[-1]['g_recon']
    tr.fit(3)  # the adversarial phase: D trains, G keeps the reconstruction
    assert any(not torch.equal(a, b) for a, b in zip(d0, tr.d_raw.parameters()))
    rec = tr.history[-1]
    assert {'g_matching', 'g_recon', 'd_matching'} <= set(rec)
    adv = sum(rec[f'g_{k}'] for k in ('spatial', 'temporal', 'matching'))
    assert rec['g_loss'] == pytest.approx(0.1 * adv + rec['g_recon'], abs=1e-4)


def test_train_budget_trains_both_phases_and_measures_held_out_clips(tmp_path, capsys):
    import importlib.util
    import json

    path = ROOT / 'tools' / 'train_budget.py'
    spec = importlib.util.spec_from_file_location('train_budget', path)
    tb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tb)
    args = ['train', '--stage', '2', '--data', 'sprites', '--steps', '4', '--batch-size', '2']
    args += ['--pretrain-steps', '2', '--lr-pretrain', '1e-3', '--snap-every', '3']
    args += ['--weights', '{"recon": 1, "gan": 0.1}', '--held-out', '2', '--num-workers', '0']
    tb.main(args + ['--out', str(tmp_path), '--threads', '1'])
    # a chunk ends where the reconstruction phase does: snapshots at steps 2 and 4
    assert sorted(p.name for p in (tmp_path / 'snaps').iterdir()) == [
        'step0000002.pt',
        'step0000004.pt',
    ]
    log = [json.loads(line) for line in (tmp_path / 'log.jsonl').read_text().splitlines()]
    assert [r['d_loss'] == 0 for r in log] == [True, False]
    lines = capsys.readouterr().out.splitlines()
    held = [json.loads(line[line.index('{') :]) for line in lines if '{' in line]
    assert len(held) == 3  # steps 0, 2 and 4
    # step 0: the fresh upsampler is its base, its noise unused; then it has learned something
    assert held[0]['l1_ratio'] == pytest.approx(1.0, abs=1e-5) and held[0]['noise_effect'] == 0
    assert held[-1]['l1_ratio'] != held[0]['l1_ratio']
