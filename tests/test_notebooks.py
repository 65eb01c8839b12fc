"""Every notebook in nbs/ runs top to bottom, one pytest test each, executed the way `nbdev_test`
does (nbdev's own `test_nb`: cells flagged with settings.ini's `tst_flags` are skipped)."""

from configparser import ConfigParser
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
NBS = sorted(
    p
    for p in (ROOT / 'nbs').rglob('*.ipynb')
    if not any(part.startswith(('_', '.')) for part in p.relative_to(ROOT / 'nbs').parts)
)


def _skip_flags():
    cfg = ConfigParser()
    cfg.read(ROOT / 'settings.ini')
    return cfg['DEFAULT'].get('tst_flags', '').split()


def test_there_are_notebooks():
    assert len(NBS) >= 4, NBS


@pytest.mark.parametrize('nb', NBS, ids=[str(p.relative_to(ROOT / 'nbs')) for p in NBS])
def test_notebook(nb, monkeypatch):
    from nbdev.test import test_nb

    monkeypatch.setenv('MPLBACKEND', 'Agg')
    ok, secs = test_nb(nb, skip_flags=_skip_flags(), basepath=ROOT)
    assert ok, f"{nb.name} failed (its traceback is in the captured stderr above)"
