"""bench/bench_quality.py's stage-by-stage parts: the top upsampler alone on real clips of the
stage below it, and the pipeline with its top stage replaced by fixed base upsampling."""

import importlib.util
from pathlib import Path
import torch
from ssw_gan.data import MovingSprites, stage_pyramid
from ssw_gan.fvd import clip_batches
from ssw_gan.inference import Pipeline
from ssw_gan.video import downsample, to_float, upsample

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('bench_quality', ROOT / 'bench' / 'bench_quality.py')
bq = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bq)


def test_top_alone_starts_from_the_real_clips_of_the_stage_below():
    pipe = Pipeline.pretrained()
    top = pipe.spec.top
    ds = MovingSprites((top.height, top.width), top.frames, length=2, seed=bq.SPLIT_SEED)
    clips = to_float(torch.stack([ds[i]['video'] for i in range(2)]))
    below = stage_pyramid(clips, pipe.spec)[1]
    up = pipe.generators[-1]
    fixed = next(bq.upsampled_real(pipe, 2, learned=False, from_stage=2))
    assert torch.allclose(fixed, upsample(below, up.space, up.time, up.base)[:, :, :16])
    learned = next(bq.upsampled_real(pipe, 2, learned=True, from_stage=2))
    # projection grounding: the learned top stage brings back exactly the real clips below it
    err = (downsample(learned, up.space, up.time) - below[:, :, :8]).abs().max()
    assert err < 1e-5, err
    assert (learned - fixed).abs().mean() > 1e-3  # and it is not the fixed upsampling


def test_fixed_top_samples_share_the_pipelines_stage_below():
    pipe = Pipeline.pretrained()
    up = pipe.generators[-1]
    fixed = next(bq.fixed_top_samples(pipe, 2, seed=0))
    learned = next(iter(clip_batches('pretrained:0', 2)))
    assert fixed.shape == learned.shape
    same = downsample(fixed, up.space, up.time) - downsample(learned, up.space, up.time)
    assert same.abs().max() < 1e-5
    assert (fixed - learned).abs().mean() > 1e-3
