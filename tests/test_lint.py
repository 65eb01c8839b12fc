"""Lint in CI: ruff (pinned in the dev extra) checks the notebooks, the generated package,
tools/, bench/ and tests/ with the rules in ruff.toml: lines of at most 100 characters, one
statement a line, and pyflakes (unused imports, undefined names). nbdev's `_modidx.py` is
excluded there."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ruff() -> list[str]:
    "The ruff command: the dev extra installs it; CI must not pass silently without it."
    exe = shutil.which('ruff', path=str(Path(sys.executable).parent)) or shutil.which('ruff')
    assert exe, 'ruff is not installed: pip install -e ".[dev]" installs the pinned version'
    return [exe]


def test_ruff_check_passes():
    r = subprocess.run(
        [*ruff(), 'check', '--output-format', 'concise', '.'],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]


def test_ruff_sees_the_notebooks_and_the_rules():
    "The check above means something: ruff reads .ipynb files and reports a long line in one."
    nb = ROOT / 'tests' / 'data' / 'lint_probe.ipynb'
    r = subprocess.run(
        [*ruff(), 'check', '--output-format', 'concise', '--no-cache', str(nb)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    for rule in ('E501', 'E702', 'F401'):
        assert rule in r.stdout, (rule, r.stdout)


def test_the_package_lines_fit_the_page():
    """The generated modules: at most 100 characters a line, the module docstring included (nbdev
    writes it from a chapter's one-line summary), except the `__all__` that nbdev wraps at 120."""
    long = []
    for module in sorted((ROOT / 'ssw_gan').glob('*.py')):
        if module.name == '_modidx.py':
            continue
        in_all = False
        for n, line in enumerate(module.read_text().splitlines(), 1):
            in_all = line.startswith('__all__ = [') or (in_all and line.startswith(' ' * 11))
            if len(line) > 100 and not in_all:
                long.append(f'{module.name}:{n}: {len(line)} characters')
    assert not long, '\n'.join(long)
