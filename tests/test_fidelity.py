"""Bad input and compatibility around the fidelity changes: bf16 where it would crawl, checkpoints
saved before the upsamplers had a 'base' and a 'grounding', and clips too short for a training
window."""

import warnings
import pytest
import torch
from ssw_gan.data import MovingSprites
from ssw_gan.generators import Upsampler
from ssw_gan.inference import apply_chunked
from ssw_gan.layers import PRECISION_ENV, fast_bf16_cpu, resolve_precision
from ssw_gan.stages import PipelineSpec, load_checkpoint, presets
from ssw_gan.train import Trainer, TrainConfig
from ssw_gan.video import upsample
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def test_bf16_on_a_cpu_without_fast_bf16_warns(tmp_path, monkeypatch):
    if fast_bf16_cpu():
        pytest.skip(
            'this CPU has a fast bf16 unit (amx_bf16 or avx512_bf16): nothing to warn about'
        )
    with pytest.warns(UserWarning, match='without a fast bf16 unit.*hundreds of times slower'):
        data = MovingSprites(64, 32, length=8)
        cfg = TrainConfig(batch_size=2, precision='bf16')
        tr = Trainer(presets['tiny'], 2, data, tmp_path / 'run', cfg, progress=False)
    assert tr.precision == 'bf16'  # warned, not refused: the user asked for it
    monkeypatch.delenv(PRECISION_ENV, raising=False)  # what 'auto' picks when nothing forces it
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        # auto never picks the slow path, and says nothing
        assert resolve_precision('auto', 'cpu') == 'fp32'


def test_a_checkpoint_from_before_grounding_loads_and_behaves_as_trained():
    """The shipped stage 2 of the earlier release: no 'base'/'grounding' in its spec, a trilinear
    base, no projection."""
    ck = load_checkpoint(DATA / 'legacy_tiny_stage2.pt')
    assert 'base' not in ck['spec']['model'] and 'grounding' not in ck['spec']['model']
    spec = PipelineSpec.from_dict(ck['pipeline']).stage(2)
    up = Upsampler(spec)
    up.load_state_dict(ck['G_ema'])
    up.eval()
    assert (up.base, up.grounding) == ('trilinear', 'learned')
    low = torch.rand(2, 3, 12, 16, 16) * 2 - 1
    noise = up.draw_noise(low, torch.Generator().manual_seed(0))
    with torch.no_grad():
        out = up(low, noise)
        x = up.inp(torch.cat([low, noise], 1))  # the earlier forward, written out
        for b in up.low_blocks:
            x = b(x)
        delta = up.out(torch.relu(up.out_norm(up.up_block(x))))
        assert torch.allclose(out, upsample(low, 2, 2, 'trilinear') + up.gain * delta, atol=1e-6)
        assert torch.allclose(apply_chunked(up, low, noise, window=4), out, atol=1e-5)


def test_clips_shorter_than_a_training_window_are_refused_with_both_lengths(tmp_path):
    tiny = presets['tiny']
    with pytest.raises(ValueError, match='shorter than its training window of 8 frames'):
        clips_of_4 = MovingSprites(64, 4, length=8)
        cfg = TrainConfig(batch_size=2, length=4)
        Trainer(tiny, 3, clips_of_4, tmp_path / 'a', cfg, progress=False)
    with pytest.raises(ValueError, match='trains on clips of 32 frames.*have 16'):
        clips_of_16 = MovingSprites(64, 16, length=8)
        Trainer(tiny, 3, clips_of_16, tmp_path / 'b', TrainConfig(batch_size=2), progress=False)


def test_a_clip_as_short_as_the_window_still_trains_with_its_halo_clamped(tmp_path):
    """Top clips of 16 frames: stage 2 videos of 8 frames, one window position, the halo zero-padded
    at both ends."""
    clips_of_16 = MovingSprites(64, 16, length=8)
    cfg = TrainConfig(batch_size=2, length=16, steps=1, sample_every=1, ckpt_every=1)
    tr = Trainer(presets['tiny'], 2, clips_of_16, tmp_path / 'c', cfg, progress=False)
    ex = tr.views[0]
    assert ex['context'].shape[1] == tr.spec.low_window + 2 * tr.halo and not ex['valid'].all()
    rec = tr.fit()[-1]
    assert torch.isfinite(torch.tensor(rec['d_loss']))
