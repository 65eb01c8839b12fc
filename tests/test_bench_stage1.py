"""bench/bench_stage1.py: stage 1 measured on its own, with a few clips."""

import importlib.util
import json
import sys
from dataclasses import replace
from pathlib import Path
import pytest
import torch
from ssw_gan.fvd import sample_batches, weights_available
from ssw_gan.generators import Stage1Generator, border_coverage, edge_gap, edge_steps
from ssw_gan.inference import Pipeline
from ssw_gan.stages import save_checkpoint

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'bench'))  # bench_stage1 imports bench_quality beside it
spec = importlib.util.spec_from_file_location('bench_stage1', ROOT / 'bench' / 'bench_stage1.py')
bs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bs)


def test_samples_are_the_stage_1_of_the_pipelines_fvd_set():
    pipe = Pipeline.pretrained()
    ours = next(bs.stage1_samples(pipe.generators[0], 2, 8))
    theirs = next(sample_batches(pipe, 2, 16, 16, 0))[0]
    assert torch.equal(ours, theirs)
    up = bs.fixed_up(pipe, ours)
    assert up.shape == (2, 3, 32, 64, 64)


def _snapshot(path, g, pipe, step):
    "A stage-1 snapshot as tools/train_budget.py writes it."
    save_checkpoint(
        path / f'step{step:07d}.pt',
        g.spec,
        pipeline=pipe.spec.to_dict(),
        stage=1,
        step=step,
        G_ema=g.state_dict(),
    )


def test_candidates_measured_against_real_clips(tmp_path, capsys):
    pipe = Pipeline.pretrained()
    shipped = pipe.generators[0]
    edge = Stage1Generator(replace(shipped.spec, model={**shipped.spec.model, 'pad': 'replicate'}))
    edge.load_state_dict(shipped.state_dict())
    snaps = tmp_path / 'run' / 'snaps'
    for step in (1, 2, 3):
        _snapshot(snaps, edge, pipe, step)
    out = tmp_path / 'res.json'
    argv = ['--stage1', 'shipped', str(snaps), '--last', '2', '--no-fvd', '--measure-n', '8']
    res = bs.main(argv + ['--json', str(out), '--threads', '1'])
    assert list(res['candidates']) == ['shipped', 'run/step0000002', 'run/step0000003']
    assert json.loads(out.read_text())['candidates'].keys() == res['candidates'].keys()
    c, real = res['candidates']['run/step0000003'], res['real']
    assert c['spec_model']['pad'] == 'replicate'
    # the real measures are those of real stage-1 clips; a candidate's gap is from them
    clips = bs.real_stage1(pipe, 8)
    assert real['edge'] == edge_steps(clips)
    gap = sum(abs(c['edge'][s] - real['edge'][s]) for s in real['edge']) / 4
    assert c['edge_gap'] == pytest.approx(gap)
    assert 0 < real['area'] < 0.5 and real['empty_frames'] == 0
    printed = capsys.readouterr().out
    assert 'real stage-1 clips' in printed and 'run/step0000003' in printed


def test_default_is_the_shipped_stage_1_and_bad_paths_say_so(tmp_path):
    res = bs.run(None, measure_n=4, fvd_on=False)
    assert list(res['candidates']) == ['shipped']
    with pytest.raises(FileNotFoundError, match='No checkpoint'):
        bs.run([str(tmp_path / 'nothing')], measure_n=4, fvd_on=False)
    pipe = Pipeline.pretrained()
    stage2 = tmp_path / 'stage2.pt'
    g = pipe.generators[1]
    save_checkpoint(stage2, g.spec, pipeline=pipe.spec.to_dict(), stage=2, G_ema=g.state_dict())
    with pytest.raises(ValueError, match='expected a stage-1 checkpoint'):
        bs.load_stage1(stage2)


@pytest.mark.skipif(not weights_available(), reason='FVD needs the I3D weights')
def test_fvd_of_samples_and_real_stage_1_clips_in_one_run(tmp_path):
    res = bs.run(None, n=2, measure_n=4, cache=tmp_path, in_pipeline=True)
    for key in ('floor', 'real_stage1'):
        assert res[key] > 0
    c = res['candidates']['shipped']
    assert c['fvd'] > 0 and c['fvd_over_real_stage1'] == pytest.approx(
        c['fvd'] / res['real_stage1']
    )
    assert res['protocol'] == 'fvd2_16f' and res['real']['fvd'] == res['real_stage1']
    assert len(list(tmp_path.glob('sprites*_fvd2_16f.pt'))) == 2  # the real sets, kept
    assert c['pipeline_fvd'] > 0 and c['pipeline_fvd'] != c['fvd']


def test_a_candidate_in_the_pipeline_is_its_stage_1_under_the_pipelines_upsamplers():
    pipe = Pipeline.pretrained()
    same = bs.with_stage1(pipe, pipe.generators[0])
    a, b = pipe.generate(2, seed=3), same.generate(2, seed=3)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    shipped = pipe.generators[0]
    other = Stage1Generator(replace(shipped.spec, model={**shipped.spec.model, 'pad': 'zeros'}))
    other.load_state_dict(shipped.state_dict())
    mixed = bs.with_stage1(pipe, other)
    assert mixed.spec.stage(1) == other.spec and mixed.generators[1:] == pipe.generators[1:]
    out = mixed.generate(2, seed=3)
    assert torch.equal(out[0], other(other.sample_latent(2, torch.Generator().manual_seed(3))))
    assert not torch.equal(out[-1], a[-1])  # another stage 1 under the same upsamplers


def test_border_coverage_and_the_edge_gap_on_other_seeds(capsys):
    pipe = Pipeline.pretrained()
    res = bs.main(['--no-fvd', '--measure-n', '8', '--measure-seeds', '11', '12', '--threads', '1'])
    real, c = res['real'], res['candidates']['shipped']
    assert real['border'] == border_coverage(bs.real_stage1(pipe, 8))
    assert bs.edge_cover(real, real) == 1 and bs.edge_cover(c, real) > 0
    assert res['measure_seeds'] == [11, 12] and len(c['edge_gaps']) == 2
    # each is the gap against that seed's real clips, from samples of the seed after it
    g = pipe.generators[0]
    fake = torch.cat(list(bs.stage1_samples(g, 8, pipe.spec.stage(1).frames, seed=13)))
    want = edge_gap(edge_steps(fake), edge_steps(bs.real_stage1(pipe, 8, seed=12)))
    assert c['edge_gaps'][1] == pytest.approx(want)
    printed = capsys.readouterr().out
    assert 'edge cover' in printed and 'measure seeds 11, 12' in printed
