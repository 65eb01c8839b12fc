"""Real-video loading beyond the notebook: the three data sets' layouts, bad input, and prepare
surviving a crash."""

import json, os, warnings
import numpy as np
import pytest
import torch
from ssw_gan.data import (
    VideoFolder,
    ClipCache,
    prepare,
    read_clip,
    scan_videos,
    StageViews,
    MovingSprites,
)
from ssw_gan.stages import presets
from ssw_gan.video import to_float, to_uint8, downsample, read_video, write_video
from helpers import write_videos, write_zero_frame_video


def test_layouts_are_detected(tmp_path):
    kinetics = {'train/abseiling/a_000001_000011': 0, 'train/zumba/b_000002_000012': 0}
    write_videos(tmp_path / 'k600', kinetics)
    write_videos(tmp_path / 'ucf', {'Rowing/v_Rowing_g01_c01': 0}, ext='.avi')
    bdd = {'videos/train/0a1b2c3d-4e5f': 0, 'videos/val/9f8e7d6c-5b4a': 0}
    write_videos(tmp_path / 'bdd', bdd, ext='.mov')
    write_videos(tmp_path / 'flat', {'x': 0, 'y': 0}, ext='.mkv')
    k = VideoFolder(tmp_path / 'k600', 8, 32, split='train')
    assert (k.layout, k.classes, k.labels) == ('kinetics', ['abseiling', 'zumba'], [0, 1])
    u = VideoFolder(tmp_path / 'ucf', 8, 32)
    assert (u.layout, u.classes) == ('ucf101', ['Rowing'])
    b = VideoFolder(tmp_path / 'bdd', 8, 32, split='val')
    assert (b.layout, len(b), b.labels, b.classes) == ('bdd100k', 1, [-1], [])
    f = VideoFolder(tmp_path / 'flat', 8, 32)
    assert (f.layout, f.labels) == ('flat', [-1, -1])
    for ds in (k, u, b, f):
        assert ds[0]['video'].shape == (8, 32, 32, 3)


def test_ucf101_split_lists(tmp_path):
    ucf = {'Rowing/v_Rowing_g01_c01': 0, 'Rowing/v_Rowing_g08_c01': 0}
    write_videos(tmp_path / 'UCF-101', ucf, ext='.avi')
    lists = tmp_path / 'UCF-101' / 'ucfTrainTestlist'
    lists.mkdir()
    (lists / 'trainlist01.txt').write_text('Rowing/v_Rowing_g08_c01.avi 1\n')
    ds = VideoFolder(tmp_path / 'UCF-101', 8, 32, split='trainlist01')
    assert [p.name for p in ds.files] == ['v_Rowing_g08_c01.avi']
    with pytest.raises(FileNotFoundError, match='testlist09.txt'):
        VideoFolder(tmp_path / 'UCF-101', 8, 32, split='testlist09')


def test_clips_follow_stride_and_crop(tmp_path):
    (p,) = write_videos(tmp_path, {'v': 30}, size=(32, 64))
    full = read_video(p)
    clip = read_clip(p, frames=5, stride=3, start=4)
    assert clip.shape == (5, 32, 64, 3)
    assert np.abs(clip.astype(int) - full[4:17:3].astype(int)).max() == 0  # frames 4, 7, 10, 13, 16
    assert read_clip(p, 5, 3, size=16).shape == (5, 16, 16, 3)


def test_bad_input_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='No folder at'):
        scan_videos(tmp_path / 'missing')
    (tmp_path / 'empty').mkdir()
    no_videos = r'No videos under .*expected files ending in \.mp4'
    with pytest.raises(FileNotFoundError, match=no_videos):
        scan_videos(tmp_path / 'empty')
    (p,) = write_videos(tmp_path, {'short': 10})
    too_short = r'short\.mp4 has 10 frames: a clip of 8 frames every 2 from frame 0 needs 15'
    with pytest.raises(ValueError, match=too_short):
        read_clip(p, 8, stride=2)
    (tmp_path / 'notes.mp4').write_text('these are not frames')
    with pytest.raises(ValueError, match=r'Could not decode .*notes\.mp4'):
        read_clip(tmp_path / 'notes.mp4', 4)
    zero = write_zero_frame_video(tmp_path / 'zero.mp4')
    with pytest.raises(ValueError, match=r'zero\.mp4'):
        read_video(zero)
    with pytest.raises(ValueError, match='frames and stride must be >= 1'):
        read_clip(p, 4, stride=0)


def test_bad_tensors_are_named():
    x = torch.zeros(1, 3, 4, 8, 8)
    not_a_batch = r'expected a float tensor \(B, C, T, H, W\).*shape \(3, 4, 8, 8\)'
    with pytest.raises(ValueError, match=not_a_batch):
        downsample(x[0])
    with pytest.raises(ValueError, match=r'got T=4, H=8, W=8'):
        downsample(x, space=3)
    with pytest.raises(ValueError, match='uint8'):
        to_float(x)
    with pytest.raises(ValueError, match='one float video'):
        write_video('/tmp/never.mp4', torch.zeros(2, 3, 4, 8, 8))
    with pytest.raises(ValueError, match='uint8 video'):
        write_video('/tmp/never.mp4', np.zeros((4, 8, 8, 3), np.float64))
    assert torch.equal(to_uint8(to_float(to_uint8(x))), to_uint8(x))


def test_prepare_skips_bad_files_and_survives_a_crash(tmp_path):
    src = tmp_path / 'src'
    write_videos(src, {'a/one': 24, 'a/two': 24, 'b/three': 24, 'b/four': 6})  # 'four' is too short
    (src / 'b' / 'garbage.webm').write_bytes(os.urandom(500))
    write_zero_frame_video(src / 'b' / 'zero.mp4')
    options = dict(frames=8, size=32, stride=1, clips_per_video=2, progress=False)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        cache = prepare(src, tmp_path / 'c', **options)
    skip_log = (tmp_path / 'c' / 'skipped.jsonl').read_text().splitlines()
    skipped = {json.loads(line)['file'] for line in skip_log}
    assert skipped == {'b/four.mp4', 'b/garbage.webm', 'b/zero.mp4'}
    bad_files = ('four.mp4', 'garbage.webm', 'zero.mp4')
    assert all(any(name in str(x.message) for x in w) for name in bad_files)
    expected_sources = ['a/one.mp4'] * 2 + ['a/two.mp4'] * 2 + ['b/three.mp4'] * 2
    assert len(cache) == 6 and [s[0] for s in cache.sources] == expected_sources
    reference = [cache[i]['video'].clone() for i in range(len(cache))]
    # A crash while 'b/three.mp4' was being written: its index line is half written and its bytes
    # half flushed.
    idx = tmp_path / 'c' / 'index.jsonl'
    lines = idx.read_text().splitlines()
    idx.write_text('\n'.join(lines[:2]) + '\n' + lines[2][:10])
    data = tmp_path / 'c' / 'clips.u8'
    with open(data, 'r+b') as f:
        f.truncate(data.stat().st_size - 1000)
    (tmp_path / 'c' / 'skipped.jsonl').unlink()
    # the cache itself refuses to serve a torn file
    with pytest.raises(ValueError, match='truncated'):
        idx.write_text('\n'.join(lines) + '\n')
        ClipCache(tmp_path / 'c')
    idx.write_text('\n'.join(lines[:2]) + '\n' + lines[2][:10])
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        again = prepare(src, tmp_path / 'c', **options)
    assert len(again) == 6
    assert all(torch.equal(again[i]['video'], reference[i]) for i in range(6))


def test_stage_views_refuse_short_clips():
    with pytest.raises(ValueError, match='clips of 32 frames'):
        StageViews(MovingSprites(64, 16), presets['tiny'], 3)
    with pytest.raises(ValueError, match='64x64'):
        StageViews(MovingSprites(48, 32), presets['tiny'], 1)


def test_cache_in_dataloader_workers(tmp_path):
    write_videos(tmp_path / 'src', {'a': 0, 'b': 0, 'c': 0})
    cache = prepare(tmp_path / 'src', tmp_path / 'c', frames=8, size=32, progress=False)
    loader = torch.utils.data.DataLoader(cache, batch_size=3, num_workers=2)
    (batch,) = list(loader)
    assert batch['video'].shape == (3, 8, 32, 32, 3) and batch['video'].dtype == torch.uint8
    assert torch.equal(batch['video'][1], cache[1]['video'])
