"The `ssw-gan` console script, run as a user runs it: a separate process."

import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest
from ssw_gan.data import ClipCache
from ssw_gan.fvd import weights_available, INSTALL_HINT
from ssw_gan.video import read_video
from helpers import write_videos

# the venv's own bin folder first, where `pip install -e .` puts the script
SEARCH_PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get('PATH', '')])
EXE = shutil.which('ssw-gan', path=SEARCH_PATH)
ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=None):
    assert EXE, "the ssw-gan console script is not installed: pip install -e ."
    cmd = [EXE, *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=300)


def test_help_lists_commands():
    r = run('--help')
    commands = ('demo', 'sample', 'train', 'prepare', 'fvd')
    assert r.returncode == 0 and all(c in r.stdout for c in commands)
    r = run('prepare', '--help')
    assert r.returncode == 0 and '--clips-per-video' in r.stdout and 'Resumable' in r.stdout


def test_demo_default_writes_mp4_and_png(tmp_path):
    r = run('demo', cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    v = read_video(tmp_path / 'ssw_gan_demo.mp4')
    assert v.shape == (32, 192, 3 * 192 + 4, 3)
    assert (tmp_path / 'ssw_gan_demo.png').stat().st_size > 10_000
    assert v[:, :, :192].std(axis=0).mean() > 1  # stage 1's column moves


def test_demo_of_the_street_pipeline(tmp_path):
    r = run('demo', '--pipeline', 'street', '--height', '64', '--out', tmp_path / 's.mp4')
    assert r.returncode == 0, r.stderr
    v = read_video(tmp_path / 's.mp4')
    assert v.shape == (32, 64, 3 * 64 + 4, 3)
    assert v[:, :, 2 * 64 + 4 :].std(axis=0).mean() > 1  # stage 3's column moves


def test_demo_of_a_pipeline_not_shipped_lists_the_shipped_ones():
    r = run('demo', '--pipeline', 'kinetics')
    assert r.returncode == 2 and "choose from 'street', 'tiny'" in r.stderr, r.stderr


def test_demo_of_real_clips(tmp_path):
    r = run('demo', '--real', 'scene', '--n', '2', '--height', '64', '--out', tmp_path / 'p.mp4')
    assert r.returncode == 0, r.stderr
    # two clips, a row each
    assert read_video(tmp_path / 'p.mp4').shape == (32, 2 * 64, 3 * 64 + 4, 3)


def test_unknown_preset_is_refused():
    r = run('prepare', 'videos', 'cache', '--preset', 'huge')
    assert r.returncode == 2 and "invalid choice: 'huge'" in r.stderr


def test_prepare_cli_skips_corrupt_and_resumes(tmp_path):
    src = tmp_path / 'ucf'
    write_videos(
        src,
        {
            'Juggling/v_Juggling_g01_c01': 0,
            'Juggling/v_Juggling_g02_c01': 0,
            'Rowing/v_Rowing_g01_c01': 0,
        },
        ext='.avi',
    )
    (src / 'Rowing' / 'v_Rowing_g03_c01.avi').write_bytes(os.urandom(2000))
    options = ['--frames', 8, '--size', 32, '--stride', 1, '--clips-per-video', 2]
    r = run('prepare', src, tmp_path / 'cache', *options)
    assert r.returncode == 0, r.stderr
    assert 'v_Rowing_g03_c01.avi' in r.stderr and 'skipping' in r.stderr
    assert '6 clips of (8, 32, 32, 3)' in r.stdout and '2 classes' in r.stdout
    cache = ClipCache(tmp_path / 'cache')
    assert cache.labels == [0, 0, 0, 0, 1, 1] and cache.meta['layout'] == 'ucf101'
    r = run('prepare', src, tmp_path / 'cache', *options)
    assert r.returncode == 0 and 'skipping' not in r.stderr  # nothing decoded again
    r = run('prepare', src, tmp_path / 'cache', '--frames', 16, '--size', 32)
    assert r.returncode == 2 and 'other settings' in r.stderr


def test_prepare_missing_folder(tmp_path):
    r = run('prepare', tmp_path / 'nothing', tmp_path / 'cache')
    assert r.returncode == 2 and 'No folder at' in r.stderr


def test_fvd_folder_bad_input_and_protocol(tmp_path):
    "`fvd` on a folder of videos: too few videos, too short videos, and a number with its protocol."

    write_videos(tmp_path / 'videos', {'a': 10, 'b': 10, 'c': 10})
    folder = tmp_path / 'videos'
    r = run('fvd', folder, 'sprites:0', '--n', 4)  # checked before the I3D is loaded
    assert r.returncode == 2 and 'has 3 clips, 4 were asked for' in r.stderr, r.stderr
    if not weights_available():
        pytest.skip(f"I3D weights not installed: {INSTALL_HINT}")
    r = run('fvd', folder, 'sprites:0', '--n', 2, '--frames', 12, '--device', 'cpu')
    assert r.returncode == 2 and 'has 10 frames: a clip of 12 frames' in r.stderr, r.stderr
    options = ['--n', 2, '--frames', 9, '--size', 32, '--seed', 1, '--device', 'cpu']
    r = run('fvd', folder, 'sprites:0', *options)
    assert r.returncode == 0, r.stderr
    assert 'fvd2_9f (TF1 bilinear resize to 224' in r.stdout and 'FVD = ' in r.stdout


def test_train_config_file_flags_override_and_resolved_config(tmp_path):
    cfg = {'pipeline': 'tiny', 'stage': 2, 'batch_size': 4, 'lr_g': 2e-4, 'betas': [0.0, 0.9]}
    cfg |= {'steps': 5, 'sample_every': 1000, 'threads': 1}
    (tmp_path / 'run.json').write_text(json.dumps(cfg))
    out = tmp_path / 'run'
    flags = ['--steps', '1', '--batch-size', '2', '--out', out]
    r = run('train', '--config', tmp_path / 'run.json', *flags)
    assert r.returncode == 0, r.stderr
    saved = json.loads((out / 'config.json').read_text())
    assert saved['batch_size'] == 2 and saved['steps'] == 1  # typed flags win
    assert saved['lr_g'] == 2e-4 and saved['betas'] == [0.0, 0.9]  # the file's settings
    assert saved['stage'] == 2 and saved['pipeline']['name'] == 'tiny'
    assert saved['mismatch'] is True and saved['lr_d'] == 4e-4  # defaults
    # YAML, and a key with a typo: an error naming it, exit status 2
    (tmp_path / 'typo.yaml').write_text('stage: 2\nbacth_size: 4\n')
    r = run('train', '--config', tmp_path / 'typo.yaml', '--out', tmp_path / 'x')
    assert r.returncode == 2 and "unknown key 'bacth_size'" in r.stderr
    (tmp_path / 'type.yaml').write_text('stage: 2\nlr_g: fast\n')
    r = run('train', '--config', tmp_path / 'type.yaml', '--out', tmp_path / 'x')
    assert r.returncode == 2 and 'lr_g must be float' in r.stderr
    r = run('train', '--out', tmp_path / 'x')
    assert r.returncode == 2 and 'train needs --stage' in r.stderr


def test_every_option_has_help():
    "Every option of every command has a help text, and shows its default where it has one."
    import argparse
    from ssw_gan.cli import _parser

    parser = _parser()
    missing = []
    for name, p in {'ssw-gan': parser, **parser.commands}.items():
        p.format_help()  # renders every %(default)s: a stray % fails here
        for act in p._actions:
            flag = '/'.join(act.option_strings) or act.dest
            if not (act.help or '').strip():
                missing.append(f'{name} {flag}: no help')
            elif act.default not in (None, False, argparse.SUPPRESS) and 'default' not in act.help:
                missing.append(f'{name} {flag}: its default {act.default!r} is not in its help')
    assert not missing, '\n'.join(missing)
    assert set(parser.commands) == {'demo', 'sample', 'footage', 'prepare', 'train', 'fvd'}
    r = run('sample', '--help')
    assert r.returncode == 0 and 'video to write (.mp4 or .gif)' in r.stdout
    r = run('train', '--help')  # typical durations, from measured seconds per step
    assert r.returncode == 0 and 'Typical durations' in r.stdout and 's/step' in r.stdout


def test_gitignore_covers_what_demo_and_sample_write():
    "What `demo` and `sample` write by default (their --out, and the files beside it) is ignored."
    from ssw_gan.cli import _parser

    if not (ROOT / '.git').exists():
        pytest.skip('not a git checkout')
    commands = _parser().commands
    written = []
    for name, beside in (('demo', ['.png']), ('sample', ['.npy', '.png'])):
        out = Path(commands[name].get_default('out'))
        written += [out] + [out.with_suffix(s) for s in beside]
    r = subprocess.run(['git', 'check-ignore', *map(str, written)], cwd=ROOT, capture_output=True)
    ignored = r.stdout.decode().split()
    assert ignored == [str(p) for p in written], (
        f'not ignored: {set(map(str, written)) - set(ignored)}'
    )


def test_train_defaults_to_the_recipe_of_the_shipped_pipeline(tmp_path, monkeypatch):
    """tools/train_pretrained.sh, the recipe of the shipped tiny pipeline, and the tiny preset's
    recommendation agree: each stage's command resolves to every recommended field (steps, batch
    size, the upsamplers' reconstruction phase), and so does `train --stage K` with nothing else
    typed; stage 1 gets its edge padding from the --config file the script writes."""
    import re, shlex
    from ssw_gan.cli import _parser, _typed, resolve_train
    from ssw_gan.stages import get_preset, recommended_training

    script = (ROOT / 'tools' / 'train_pretrained.sh').read_text()
    # the script's Python writes stage 1's --config file: run it, into tmp_path
    py = re.search(r"^python - \S+ <<'PY'\n(.*?)^PY$", script, re.M | re.S).group(1)
    monkeypatch.setattr(sys, 'argv', ['-', str(tmp_path / 'tiny-stage1.json')])
    exec(py, {'__name__': '__main__'})
    commands = re.findall(r'^ssw-gan train (.*?)(?: &)?$', script, re.M)
    assert len(commands) == 3, commands
    parser, tiny = _parser(), get_preset('tiny')

    def resolve(argv):
        a = parser.parse_args(['train', *argv])
        a.typed = _typed(parser.commands['train'], argv)
        return resolve_train(a)

    for k, command in enumerate(commands, 1):
        argv = shlex.split(command.replace('$runs', str(tmp_path)))
        pipe, stage, data, _, _, _, cfg = resolve(argv)
        assert (stage, data) == (k, 'sprites')
        recipe = recommended_training('tiny', k)
        assert {key: getattr(cfg, key) for key in recipe} == recipe, command
        # `ssw-gan train --stage K`: the same recipe, from the preset alone
        default = resolve(['--stage', str(k)])[-1]
        assert {key: getattr(default, key) for key in recipe} == recipe, k
        # the upsamplers start with a reconstruction phase, within their run
        assert (0 < recipe.get('pretrain_steps', 0) <= recipe['steps']) == (k > 1), recipe
        # the pipeline is the tiny preset's; stage 1's run with edge padding in space
        assert pipe.stages[1:] == tiny.stages[1:] and pipe.name == 'tiny'
        edge = {'pad': 'replicate'} if k == 1 else {}
        assert pipe.stage(1).model == {**tiny.stage(1).model, **edge}
