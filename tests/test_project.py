"""The project's own consistency: README in step with index.ipynb, CI runs the README's test
command, exporting and cleaning the notebooks changes nothing, and the package runs without the dev
tools."""

import filecmp, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))


def test_readme_in_step_with_index():
    import make_readme

    assert (ROOT / 'README.md').read_text() == make_readme.render(), (
        "README.md is stale: run python tools/make_readme.py"
    )


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / '.ci' / 'run').read_text()
    m = re.search(r'^TEST_COMMAND=\'(.+)\'$', ci, re.M)
    assert m, ".ci/run must define TEST_COMMAND='...'"
    readme = (ROOT / 'README.md').read_text()
    assert f'\n{m.group(1)}\n' in readme, (
        f"the README does not give .ci/run's test command {m.group(1)!r}"
    )
    assert 'eval "$TEST_COMMAND"' in ci


def test_export_and_clean_change_nothing(tmp_path):
    bindir = Path(sys.executable).parent
    for name in ('nbs', 'ssw_gan', 'settings.ini', 'setup.py'):
        src = ROOT / name
        if src.is_dir():
            junk = shutil.ignore_patterns('__pycache__', '_proc', '.ipynb_checkpoints')
            shutil.copytree(src, tmp_path / name, ignore=junk)
        else:
            shutil.copy(src, tmp_path / name)
    for cmd in ('nbdev_export', 'nbdev_clean'):
        r = subprocess.run([str(bindir / cmd)], cwd=tmp_path, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    changed = []
    notebooks = sorted((tmp_path / 'nbs').rglob('*.ipynb'))
    modules = sorted((tmp_path / 'ssw_gan').rglob('*.py'))
    for p in notebooks + modules:
        orig = ROOT / p.relative_to(tmp_path)
        if not orig.is_file() or not filecmp.cmp(p, orig, shallow=False):
            changed.append(str(p.relative_to(tmp_path)))
    assert not changed, (
        f"nbdev_export / nbdev_clean changed {changed}: "
        "export, clean and commit the notebooks and modules"
    )


def test_package_needs_no_dev_tools():
    code = (
        "import sys, ssw_gan.video, ssw_gan.stages, ssw_gan.data, ssw_gan.cli; "
        "bad = [m for m in ('nbdev', 'fastcore', 'execnb') if m in sys.modules]; "
        "assert not bad, bad"
    )
    cmd = [sys.executable, '-c', code]
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT / 'tests')
    assert r.returncode == 0, r.stderr
