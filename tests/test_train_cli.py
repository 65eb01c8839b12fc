"""Training as users run it: `ssw-gan train` processes killed with SIGKILL and resumed (to the
same weights, bit for bit, as runs never stopped), three stages trained as three concurrent jobs and
assembled by `ssw-gan sample`, and the errors bad input gets."""

import json, random, signal, subprocess, time
import numpy as np
import pytest
import torch
from ssw_gan.stages import load_checkpoint
from test_cli import EXE, run

TRAIN = 'train --preset tiny --data sprites --batch-size 2 --threads 1 --sample-every 1000'.split()


def test_sigkill_then_resume(tmp_path):
    out = tmp_path / 'run'
    cmd = [EXE, *TRAIN, '--stage', '2', '--steps', '40', '--ckpt-every', '1', '--keep', '2']
    cmd += ['--log-every', '1', '--out', str(out)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and len(list((out / 'checkpoints').glob('step*.pt'))) < 2:
        time.sleep(0.05)
    time.sleep(0.37)  # at an arbitrary moment: it writes a checkpoint every step
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    done = sorted((out / 'checkpoints').glob('step*.pt'))
    assert done, 'no checkpoint survived'
    last = load_checkpoint(done[-1])['step']  # the newest complete checkpoint is readable
    # a write torn by the kill leaves at most a hidden .partial file, which resume ignores
    (out / 'checkpoints' / '.step0009999.pt.partial').write_bytes(b'torn')
    every_step = ['--ckpt-every', '1', '--log-every', '1']
    r = run(*TRAIN, '--stage', '2', '--steps', str(last + 3), *every_step, '--out', out, '--resume')
    assert r.returncode == 0, r.stderr
    final = load_checkpoint(sorted((out / 'checkpoints').glob('step*.pt'))[-1])
    assert final['step'] == last + 3
    steps = [json.loads(l)['step'] for l in (out / 'log.jsonl').read_text().splitlines()]
    assert steps[-3:] == [last + 1, last + 2, last + 3]
    # resuming a run with another stage's spec is refused, naming the difference
    r = run(*TRAIN, '--stage', '3', '--steps', '1', '--out', out, '--resume')
    assert r.returncode == 2 and 'another stage spec' in r.stderr


def _newest(out):
    "The step and the G, D and G_ema state dicts of the newest checkpoint in run folder `out`."
    ck = load_checkpoint(sorted((out / 'checkpoints').glob('step*.pt'))[-1])
    return ck['step'], {net: ck[net] for net in ('G', 'D', 'G_ema')}


@pytest.mark.precision  # bit-exact in either precision: CI runs it under both
@pytest.mark.parametrize('workers', [0, 2])
@pytest.mark.parametrize('stage', [1, 2])
def test_sigkill_then_resume_is_exact(tmp_path, stage, workers):
    """A run SIGKILLed at an arbitrary moment and resumed to N steps ends with the weights of a run
    of N steps never stopped, bit for bit, with or without DataLoader workers."""
    args = [*TRAIN, '--stage', str(stage), '--num-workers', str(workers), '--ckpt-every', '1']
    args += ['--shift'] if stage > 1 else []  # windows and shifts: every draw an example makes
    killed, straight = tmp_path / 'killed', tmp_path / 'straight'
    cmd = [EXE, *[str(a) for a in args], '--steps', '1000', '--out', str(killed)]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and not list((killed / 'checkpoints').glob('step*.pt')):
        time.sleep(0.05)
    delay = random.uniform(0, 0.5)  # an arbitrary moment: mid-step, mid-write or mid-load
    time.sleep(delay)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL
    n = _newest(killed)[0] + 2  # its newest checkpoint, then two steps more
    r = run(*args, '--steps', n, '--out', killed, '--resume')  # another --steps: accepted
    assert r.returncode == 0, r.stderr
    r = run(*args, '--steps', n, '--out', straight)
    assert r.returncode == 0, r.stderr
    (step_a, a), (step_b, b) = _newest(killed), _newest(straight)
    assert step_a == step_b == n
    for net in a:
        same = all(torch.equal(a[net][k], b[net][k]) for k in b[net])
        assert a[net].keys() == b[net].keys() and same, f'{net} differs (killed after {delay:.2f}s)'


def test_resume_with_other_settings(tmp_path):
    out = tmp_path / 'run'
    r = run(*TRAIN, '--stage', '2', '--steps', '1', '--out', out)
    assert r.returncode == 0, r.stderr
    # another batch size: other batches, so another run, refused with what differs
    r = run(*TRAIN, '--stage', '2', '--steps', '2', '--batch-size', '4', '--out', out, '--resume')
    assert r.returncode == 2 and 'batch_size was 2, now 4' in r.stderr, r.stderr
    assert 'start fresh in another folder (--out)' in r.stderr
    # another learning rate: goes on, with a warning naming it
    r = run(*TRAIN, '--stage', '2', '--steps', '2', '--lr-g', '2e-4', '--out', out, '--resume')
    assert r.returncode == 0 and 'lr_g was 0.0001, now 0.0002' in r.stderr, r.stderr


def test_three_stages_as_concurrent_jobs_then_sample(tmp_path):
    def train(k):
        cmd = [EXE, *TRAIN, '--stage', str(k), '--steps', '2', '--ckpt-every', '2']
        cmd += ['--out', str(tmp_path / f'stage{k}')]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    procs = [train(k) for k in (1, 2, 3)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
    dirs = [tmp_path / f'stage{k}' for k in (1, 2, 3)]
    # each job wrote its own folder
    assert all((d / 'checkpoints' / 'step0000002.pt').is_file() for d in dirs)
    sample = tmp_path / 'sample.mp4'
    r = run('sample', '--stages', *dirs, '--n', '2', '--out', sample, '--all-stages')
    assert r.returncode == 0, r.stderr
    v = np.load(tmp_path / 'sample.npy')
    assert v.shape == (2, 32, 64, 64, 3) and v.dtype == np.uint8
    r = run('sample', '--stages', dirs[1], dirs[0], dirs[2], '--out', tmp_path / 'x.mp4')
    assert r.returncode == 2 and 'list the stages in order' in r.stderr
    r = run('sample', '--stages', dirs[0], dirs[1], '--out', tmp_path / 'x.mp4')
    assert r.returncode == 2 and 'has 3 stages' in r.stderr


def test_train_bad_input(tmp_path):
    nothing = tmp_path / 'nothing'
    r = run(*TRAIN, '--stage', '2', '--data', nothing, '--steps', '1', '--out', tmp_path / 'r')
    assert (
        r.returncode == 2
        and "expected 'sprites', 'scene' or the folder of a prepared clip cache" in r.stderr
    )
    r = run(*TRAIN, '--stage', '4', '--steps', '1', '--out', tmp_path / 'r')
    assert r.returncode == 2 and 'has stages 1..3, not 4' in r.stderr
    r = run('train', '--stage', '1', '--preset', 'huge')
    assert r.returncode == 2 and "invalid choice: 'huge'" in r.stderr
    # a cache of clips shorter than the pipeline needs
    from helpers import write_videos

    write_videos(tmp_path / 'src', {'a': 20, 'b': 20})
    cache = tmp_path / 'cache'
    assert run('prepare', tmp_path / 'src', cache, '--frames', '16', '--size', '64').returncode == 0
    r = run(*TRAIN, '--stage', '3', '--data', cache, '--steps', '1', '--out', tmp_path / 'r2')
    assert (
        r.returncode == 2 and 'trains on clips of 32 frames' in r.stderr and 'have 16' in r.stderr
    )
    # a truncated checkpoint given to sample
    (tmp_path / 'torn.pt').write_bytes(b'\x80\x02garbage')
    r = run('sample', '--stages', tmp_path / 'torn.pt', tmp_path / 'torn.pt', tmp_path / 'torn.pt')
    assert r.returncode == 2 and 'truncated or corrupt' in r.stderr


def test_stage1_recipe_length_on_a_cache_of_the_pipelines_length(tmp_path):
    """The tiny recipe trains stage 1 on 64-frame clips; a cache `prepare` made at the pipeline's
    own length (32) trains stage 1 on its clips, saying so; a typed --length it lacks: an error."""
    from helpers import write_videos

    write_videos(tmp_path / 'src', {'a': 40, 'b': 40})
    cache = tmp_path / 'cache'
    assert run('prepare', tmp_path / 'src', cache).returncode == 0
    r = run(*TRAIN, '--stage', '1', '--data', cache, '--steps', '1', '--out', tmp_path / 'r')
    assert r.returncode == 0, r.stderr
    assert 'trains stage 1 on clips of 64 frames' in r.stdout and '--frames 64' in r.stdout
    assert json.loads((tmp_path / 'r' / 'config.json').read_text())['length'] is None
    typed = ['--stage', '1', '--data', cache, '--steps', '1', '--length', '64']
    r = run(*TRAIN, *typed, '--out', tmp_path / 'r2')
    assert r.returncode == 2 and 'trains on clips of 64 frames' in r.stderr, r.stderr
    assert 'have 32 frames' in r.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason='this machine has a CUDA GPU')
def test_train_device_not_here(tmp_path):
    "A GPU the machine does not have: a clear error (exit 2), before any step."
    r = run(*TRAIN, '--stage', '2', '--steps', '1', '--device', 'cuda', '--out', tmp_path / 'r')
    assert r.returncode == 2 and 'no CUDA GPU is visible' in r.stderr, r.stderr
    assert not (tmp_path / 'r' / 'checkpoints').exists()


def test_train_says_what_it_will_cost(tmp_path):
    "The plan first, then after 10 steps (the first not counted) the pace and the time left."
    out = tmp_path / 'run'
    r = run(*TRAIN, '--stage', '1', '--steps', '14', '--ckpt-every', '1000', '--out', out)
    assert r.returncode == 0, r.stderr
    assert 'stage 1 of tiny: 14 steps at batch 2' in r.stdout, r.stdout
    said = [line for line in r.stdout.splitlines() if 's/step over 10 steps' in line]
    assert len(said) == 1 and said[0].endswith('for the 3 steps left'), r.stdout
    pace = float(said[0].split(': ')[1].split(' s/step')[0])
    assert 0 < pace < 60
