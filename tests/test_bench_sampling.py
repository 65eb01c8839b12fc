"""bench/bench_sampling.py: its settings on the command line, and the FVD sets it samples."""

import argparse
import importlib.util
import sys
from pathlib import Path
import pytest
import torch
from ssw_gan.fvd import clip_batches
from ssw_gan.inference import Pipeline

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'bench'))  # bench_sampling imports bench_quality beside it
spec = importlib.util.spec_from_file_location(
    'bench_sampling', ROOT / 'bench' / 'bench_sampling.py'
)
bs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bs)


def test_settings_parse_and_bad_ones_say_what_is_expected():
    assert bs.parse_setting('none,1') == (None, 1.0)
    assert bs.parse_setting('0.5,0') == (0.5, 0.0)
    for bad in ('0.5', 'half,1', '1,loud'):
        with pytest.raises(argparse.ArgumentTypeError, match='TRUNCATION,NOISE_SCALE|e.g. none,1'):
            bs.parse_setting(bad)


def test_sets_are_the_fvd_sets_sampled_with_the_knobs():
    pipe = Pipeline.pretrained()
    as_trained = next(bs.top_clips(pipe, 2, 0, None, 1.0))
    assert torch.equal(as_trained, next(iter(clip_batches('pretrained:0', 2))))
    knobs = next(bs.top_clips(pipe, 2, 0, 0.5, 0.0))
    want = pipe.generate(n=2, seed=0, truncation=0.5, noise_scale=0.0)[-1][:, :, :16]
    assert torch.equal(knobs, want)
    assert (knobs - as_trained).abs().mean() > 1e-3
