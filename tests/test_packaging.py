"""Packaging: what `pip` builds from a clean clone holds the shipped weights and the LICENSE, and
the package runs as `python -m ssw_gan` and answers `--version`."""

import importlib.util
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import ssw_gan

ROOT = Path(__file__).resolve().parents[1]


def clean_copy(dest: Path) -> Path:
    "The files a clean clone would hold (tracked, or new and not ignored), copied into `dest`."
    r = subprocess.run(
        ['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    for name in filter(None, r.stdout.decode().split('\0')):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            (dest / name).write_bytes(src.read_bytes())
    return dest


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    "A wheel and an sdist built from a clean copy of the project."
    src = clean_copy(tmp_path_factory.mktemp('clone'))
    out = tmp_path_factory.mktemp('dist')
    # with setuptools at hand, build offline in this environment; else pip fetches it in isolation
    isolation = [] if importlib.util.find_spec('setuptools') is None else ['--no-build-isolation']
    wheel = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps', *isolation, '-w', str(out), str(src)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert wheel.returncode == 0, wheel.stdout[-3000:] + wheel.stderr[-3000:]
    sdist = subprocess.run(
        [sys.executable, 'setup.py', '-q', 'sdist', '-d', str(out)],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert sdist.returncode == 0, sdist.stdout[-3000:] + sdist.stderr[-3000:]
    return next(out.glob('*.whl')), next(out.glob('*.tar.gz'))


def test_the_wheel_holds_the_weights_the_license_and_main(built):
    wheel, _ = built
    names = zipfile.ZipFile(wheel).namelist()
    for pipeline in ('tiny', 'street'):  # the three stages of each shipped pipeline
        prefix = f'ssw_gan/weights/{pipeline}/'
        weights = [n for n in names if n.startswith(prefix) and n.endswith('.pt')]
        assert len(weights) == 3, names
    assert any(n.endswith('.dist-info/licenses/LICENSE') for n in names), names
    assert 'ssw_gan/__main__.py' in names, names
    assert wheel.stat().st_size < 20 * 2**20, wheel.stat().st_size  # the weights stay small


def test_the_sdist_holds_the_license(built):
    _, sdist = built
    with tarfile.open(sdist) as t:
        names = [Path(n).relative_to(Path(n).parts[0]).as_posix() for n in t.getnames()]
    assert 'LICENSE' in names and 'settings.ini' in names, names
    assert 'Apache License' in (ROOT / 'LICENSE').read_text()[:200]


def run_module(*args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, '-m', 'ssw_gan', *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_python_dash_m_runs_the_cli():
    r = run_module('--help')
    assert r.returncode == 0 and 'demo' in r.stdout and 'train' in r.stdout, r.stdout + r.stderr


def test_version():
    r = run_module('--version')
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith(ssw_gan.__version__), r.stdout
