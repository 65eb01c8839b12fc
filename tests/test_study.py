"""The study runner (tools/study.py): its jobs, its budgets and the inputs it refuses.

The experiments themselves run for hours (their results live in nbs/tutorials/data/study_*.json);
these checks run none of them."""

import importlib.util
import json
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('study', ROOT / 'tools' / 'study.py')
study = importlib.util.module_from_spec(spec)
spec.loader.exec_module(study)


def settings(name):
    return json.loads(json.dumps({'version': study.VERSION, **study.EXPERIMENTS[name]}))


def test_an_unknown_experiment_lists_the_real_ones(tmp_path):
    with pytest.raises(SystemExit, match='grounding, context, long, budget, recon'):
        study.run('nope', tmp_path, 1, results=tmp_path)


def test_results_of_other_settings_are_refused_with_the_difference_named(tmp_path):
    old = settings('grounding')
    old['steps'] = 599
    (tmp_path / 'study_grounding.json').write_text(json.dumps({'settings': old, 'results': {}}))
    with pytest.raises(SystemExit, match=r'steps: 599 -> 600'):
        study.run('grounding', tmp_path / 'runs', 1, dry_run=True, results=tmp_path)


def test_a_complete_result_of_the_same_settings_is_not_rerun(tmp_path, capsys):
    done = {'settings': settings('context'), 'results': {'window 4': {}}}
    (tmp_path / 'study_context.json').write_text(json.dumps(done))
    assert study.run('context', tmp_path / 'runs', 1, results=tmp_path) == done
    assert 'complete' in capsys.readouterr().out


def test_every_arm_trains_at_every_seed_and_resumes():
    s = settings('grounding')
    jobs = study._jobs('grounding', s)
    assert len(jobs) == len(s['arms']) * len(s['seeds']) == 12
    assert len({j['run'] for j in jobs}) == 12
    no_matching = [j for j in jobs if j['run'].startswith('no-matching/')]
    assert all(j['config']['weights'] == {'matching': 0.0} for j in no_matching)
    stage2 = [j['config']['pipeline']['stages'][1]['model']['grounding'] for j in jobs]
    assert stage2.count('projection') == 3 and stage2.count('learned') == 9


def test_the_recon_arms_are_the_grounding_control_plus_their_weight():
    control = settings('grounding')['arms']['projection']
    jobs = study._jobs('recon', settings('recon'))
    assert len(jobs) == 18
    for j in jobs:  # the same stage 2 as the control (grounding's projection arm)
        arm = j['run'].split('/')[0]
        assert j['config']['pipeline'] == control['pipeline']
        if arm.startswith('no recon'):  # the control itself, trained longer
            assert 'weights' not in j['config']
        else:
            assert j['config']['weights'] == {'recon': float(arm.split()[1].rstrip(','))}
        steps = 1800 if arm.endswith('3x steps') else 600
        assert j['args'][: j['args'].index('--seed')] == study._stage2_train(steps)


def test_the_longest_jobs_run_first(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(study, '_run_job', lambda job, out: started.append(job['run']) or {})
    jobs = study._jobs('recon', settings('recon'))
    state = {'done': {'recon 1/seed0': {}}, 'commands': {}}
    study._run_jobs(jobs, tmp_path, tmp_path / 'state.json', state, parallel=1)
    longest = [f'{arm}, 3x steps/seed{s}' for arm in ('recon 1', 'no recon') for s in (0, 1, 2)]
    assert started[:6] == longest
    assert len(started) == 17 and 'recon 1/seed0' not in started
    assert state['done']['recon 3/seed2']['steps'] == 600


def test_both_arms_of_the_budget_get_the_same_cpu_time():
    s = settings('budget')
    rates = {'ssw@32/stage1': 1.5, 'ssw@32/stage2': 1.1, 'ssw@32/stage3': 3.0}
    rates |= {'ssw@64/stage1': 2.5, 'ssw@64/stage2': 1.1, 'ssw@64/stage3': 3.0}
    rates |= {'single@32': 9.0, 'single@64': 17.0}
    jobs = study._jobs('budget', s, rates)
    spent = {}
    for j in jobs:
        steps = j['args'][j['args'].index('--steps') + 1]
        arm, seed = j['run'].split('/')[:2]
        spent[arm, seed] = spent.get((arm, seed), 0) + steps * rates[study._rate_key(j['run'])]
    budget = s['cpu_minutes'] * 60
    assert all(budget - 20 <= v <= budget for v in spent.values()), spent
    assert len(spent) == 2 * len(s['lengths']) * len(s['seeds'])


def test_the_results_page_table_is_in_step_with_the_saved_results():
    "nbs/results.ipynb renders `study.table()`; the site shows its saved output, kept current."
    nb = json.loads((ROOT / 'nbs' / 'results.ipynb').read_text())
    shown = [
        ''.join(out['data']['text/markdown'])
        for cell in nb['cells']
        if cell['cell_type'] == 'code' and 'study.table()' in ''.join(cell['source'])
        for out in cell['outputs']
        if 'text/markdown' in out.get('data', {})
    ]
    assert shown and study.table().strip('\n') in shown[0], (
        "nbs/results.ipynb shows an old study table: execute it again (its saved outputs are the "
        "site's), then nbdev_clean"
    )


def test_every_saved_result_was_made_with_the_current_settings():
    for path in sorted(study.DATA.glob('study_*.json')):
        name = path.stem.removeprefix('study_')
        assert name in study.EXPERIMENTS, f'{path.name}: no such experiment'
        done = study._check_settings(path, settings(name))  # raises, naming the difference
        assert 'results' in done and done['experiment'] == name


def test_the_cost_of_a_stage2_arm_comes_from_its_runs():
    runs = {
        'a/seed0': {'seconds': 10.0, 'steps': 5, 'max_rss_mb': 100},
        'a/seed1': {'seconds': 30.0, 'steps': 10, 'max_rss_mb': 120},
        'b/seed0': {'seconds': 99.0, 'steps': 1, 'max_rss_mb': 999},
    }
    cost = study.run_costs({'settings': {'seeds': [0, 1]}, 'runs': runs}, 'a')
    assert cost['sec_per_step']['per_seed'] == [2.0, 3.0]
    assert cost['sec_per_step']['mean'] == 2.5
    assert cost['peak_train_mb']['mean'] == 110


def test_an_arm_may_train_longer_than_its_experiment():
    jobs = study._jobs('context', settings('context'))
    steps = {j['run']: j['args'][j['args'].index('--steps') + 1] for j in jobs}
    assert steps['window 4, 2x steps/seed0'] == 2 * steps['window 4/seed0'] == 1200
    assert steps['window 16/seed2'] == 600
