"""bench/bench_upsamplers.py: learned against fixed upsampling on real lower-stage clips, per stage
and for the chain, with tiny n."""

import importlib.util
import json
from pathlib import Path
import pytest
import torch
from ssw_gan.data import MovingSprites, stage_pyramid
from ssw_gan.fvd import weights_available
from ssw_gan.generators import Upsampler
from ssw_gan.stages import get_preset, save_checkpoint
from ssw_gan.video import to_float, upsample

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    'bench_upsamplers', ROOT / 'bench' / 'bench_upsamplers.py'
)
bu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bu)


def test_a_fresh_upsampler_of_the_new_design_is_fixed_upsampling(tmp_path, capsys):
    # a snapshot as tools/train_budget.py writes it, of a stage that has not trained yet
    pipe = get_preset('tiny')
    torch.manual_seed(0)
    up = Upsampler(pipe.stage(2))
    snap = tmp_path / 'step0000000.pt'
    save_checkpoint(snap, up.spec, pipeline=pipe.to_dict(), stage=2, G_ema=up.state_dict())
    res = bu.main([str(snap), '--n', '2', '--no-fvd', '--json', str(tmp_path / 'r.json')])
    assert list(res['stages']) == [2] and 'chain' not in res  # one stage: no chain
    r = res['stages'][2]
    assert r['ratio_l1'] == pytest.approx(1.0, abs=1e-5)  # its output is the base
    assert r['learned']['noise_effect'] == 0.0 and r['fixed']['noise_effect'] == 0.0
    # the fixed row is `consistent` upsampling of the real stage-1 clips of the held-out seed
    top = pipe.top
    ds = MovingSprites((top.height, top.width), top.frames, length=2, seed=bu.PAIR_SEED)
    low, real = stage_pyramid(to_float(torch.stack([ds[i]['video'] for i in range(2)])), pipe)[:2]
    want = (upsample(low, 2, 2, 'consistent') - real).abs().mean().item()
    assert r['fixed']['l1'] == pytest.approx(want, rel=1e-6)
    assert json.loads((tmp_path / 'r.json').read_text())['stages']['2']['ratio_l1'] == r['ratio_l1']
    assert 'stage 2 |' in capsys.readouterr().out


@pytest.mark.skipif(not weights_available(), reason='FVD needs the I3D weights')
def test_the_shipped_pipeline_per_stage_and_chained_with_fvd():
    res = bu.run([bu.SHIPPED], n=2)
    assert list(res['stages']) == [2, 3] and 'chain' in res
    for r in [*res['stages'].values(), res['chain']]:
        assert {'fvd', 'l1', 'sharpness', 'noise_effect'} <= set(r['learned'])
        assert r['floor'] > 0 and r['ratio_fvd'] == r['learned']['fvd'] / r['fixed']['fvd']
        # the shipped stages draw on their noise (concatenated to their input)
        assert r['learned']['noise_effect'] > 1e-4
    # the chain goes from stage 1 to the top: its errors are larger than the top stage's alone
    assert res['chain']['fixed']['l1'] > res['stages'][3]['fixed']['l1']
    assert len(bu.table(res).splitlines()) == 4
