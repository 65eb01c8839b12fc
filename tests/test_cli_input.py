"""Bad input, command by command, as `ssw-gan` gets it: each ends before any work with exit status 2
and one line of error that names what was wrong (the file, the folder, the option), never a
traceback and never a silent wrong result. Run in-process through `ssw_gan.cli.main`: seconds."""

import os
from ssw_gan.cli import main


def error_of(capsys, *argv) -> str:
    "The one error line of `ssw-gan ARGV`, which must exit with status 2 and write nothing else."
    try:
        status = main([str(a) for a in argv])
    except SystemExit as e:  # argparse's own errors
        status = e.code
    out, err = capsys.readouterr()
    errors = [line for line in err.splitlines() if 'error:' in line]
    assert status == 2, (status, out, err)
    assert len(errors) == 1 and 'Traceback' not in err, err
    assert out == '', out
    return errors[0]


def test_demo(capsys, tmp_path):
    nowhere = tmp_path / 'no' / 'dir'
    line = error_of(capsys, 'demo', '--out', nowhere / 'd.mp4')
    assert f'there is no folder {nowhere}' in line
    assert not nowhere.exists()  # not created: a typo in a path makes no folders
    assert 'ending in .mp4 or .gif' in error_of(capsys, 'demo', '--out', tmp_path / 'd.avi')
    assert 'is a folder' in error_of(capsys, 'demo', '--out', tmp_path)
    assert "--n: must be a positive integer, got '0'" in error_of(capsys, 'demo', '--n', 0)
    assert "--height: must be a positive integer" in error_of(capsys, 'demo', '--height', 'x')


def test_sample(capsys, tmp_path):
    # the case: refused at once, naming the folder, never the .npy the user did not give
    line = error_of(capsys, 'sample', '--out', '/nonexistent/dir/s.mp4', '--n', 1)
    assert 'there is no folder /nonexistent/dir' in line and '.npy' not in line
    out = ['--out', tmp_path / 's.mp4']
    for value in ('inf', '-inf', 'nan', '1e999'):
        line = error_of(capsys, 'sample', f'--noise-scale={value}', *out)  # -inf reads as a flag
        assert f"--noise-scale: must be a finite number, got '{value}'" in line
    assert 'must be >= 0' in error_of(capsys, 'sample', '--noise-scale', '-1', *out)
    assert 'must be a finite number' in error_of(capsys, 'sample', '--truncation', 'inf', *out)
    assert "must be > 0, got '0'" in error_of(capsys, 'sample', '--truncation', '0', *out)
    assert not list(tmp_path.iterdir())  # nothing written


def test_prepare(capsys, tmp_path):
    (tmp_path / 'videos').mkdir()
    (tmp_path / 'file').write_text('x')
    src = tmp_path / 'videos'
    line = error_of(capsys, 'prepare', src, tmp_path / 'file')
    assert f'{tmp_path / "file"} is a file; expected the folder of a clip cache' in line
    line = error_of(capsys, 'prepare', src, tmp_path / 'c', '--time-range', '0', 'inf')
    assert "--time-range: must be a finite number, got 'inf'" in line
    line = error_of(capsys, 'prepare', src, tmp_path / 'c', '--time-range', '0', '1.5')
    assert 'must be in [0, 1]' in line
    assert 'must be a finite number' in error_of(
        capsys, 'prepare', src, tmp_path / 'c', '--fps', 'nan'
    )
    assert 'No folder at' in error_of(capsys, 'prepare', tmp_path / 'none', tmp_path / 'c')


def test_train_flags(capsys, tmp_path):
    run = ['train', '--stage', 1, '--out', tmp_path / 'run']
    for flag, value, why in (
        ('--lr-g', 'inf', 'must be a finite number'),
        ('--lr-d', 'nan', 'must be a finite number'),
        ('--lr-g', '0', 'must be > 0'),
        ('--ema-decay', '1.5', 'must be in [0, 1]'),
        ('--steps', '0', 'must be a positive integer'),
        ('--log-every', '0', 'must be a positive integer'),  # a modulo by zero, once
        ('--num-workers', '-1', 'must be an integer >= 0'),
    ):
        assert f'{flag}: {why}' in error_of(capsys, *run, flag, value)
    assert 'must be a positive integer' in error_of(capsys, 'train', '--stage', 0)
    (tmp_path / 'file').write_text('x')
    line = error_of(capsys, 'train', '--stage', 1, '--out', tmp_path / 'file')
    assert 'is a file; expected a run folder' in line
    assert not (tmp_path / 'run').exists()


def test_train_config_files(capsys, tmp_path):
    cases = {
        'bad.yaml': ('stage: 1\nsteps: [1\n', 'bad.yaml: not valid YAML at line 3, column 1'),
        'bad.json': ('{"stage": 1,}', 'bad.json: not valid JSON at line 1, column 13'),
        'inf.yaml': ('stage: 1\nlr_g: .inf\n', 'inf.yaml: lr_g must be finite'),
        'nan.json': ('{"stage": 1, "weights": {"match": NaN}}', 'nan.json: weights must be finite'),
        'betas.yaml': ('stage: 1\nbetas: [0.0, .nan]\n', 'betas.yaml: betas must be finite'),
        'zero.json': ('{"stage": 1, "lr_d": 0}', "zero.json: lr_d must be > 0, got '0'"),
        'list.yaml': ('- 1\n- 2\n', 'list.yaml: expected a mapping of settings, got list'),
    }
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text)
        line = error_of(capsys, 'train', '--config', tmp_path / name, '--out', tmp_path / 'r')
        assert str(tmp_path / name) in line and expected in line, line
    (tmp_path / 'binary.json').write_bytes(bytes(range(128, 256)))
    line = error_of(capsys, 'train', '--config', tmp_path / 'binary.json')
    assert 'binary.json: not a text file' in line
    assert not (tmp_path / 'r').exists()


def test_fvd(capsys, tmp_path):
    line = error_of(capsys, 'fvd', tmp_path / 'nowhere', 'sprites:0')  # before the I3D loads
    assert 'expected sprites:SEED' in line
    assert 'must be a positive integer' in error_of(capsys, 'fvd', 'sprites:0', 'scene:0', '--n', 0)
    line = error_of(capsys, 'fvd', 'sprites:0', 'scene:0', '--batch-size', '-2')
    assert '--batch-size: must be a positive integer' in line


def test_footage(capsys, tmp_path):
    garbage = tmp_path / 'garbage.tar.gz'
    garbage.write_bytes(os.urandom(4096))  # random bytes
    root = ['--root', tmp_path / 'sets']
    line = error_of(capsys, 'footage', 'street', '--archive', garbage, *root)
    assert f'{garbage}: not a tar archive' in line
    line = error_of(capsys, 'footage', 'street', '--archive', tmp_path / 'none.tar.gz', *root)
    assert f'no archive at {tmp_path / "none.tar.gz"}' in line
    (tmp_path / 'file').write_text('x')
    assert 'is a file' in error_of(capsys, 'footage', 'street', '--root', tmp_path / 'file')
    assert "invalid choice: 'kinetics'" in error_of(capsys, 'footage', 'kinetics')


def test_every_command_is_covered():
    "A command added to the CLI needs its bad-input test here."
    from ssw_gan.cli import _parser

    tests = [name for name in globals() if name.startswith('test_')]
    missing = [c for c in _parser().commands if not any(t.startswith(f'test_{c}') for t in tests)]
    assert not missing, missing
