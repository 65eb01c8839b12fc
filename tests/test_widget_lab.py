"""StagePlayer in a live JupyterLab on loopback, driven by chromium: open a notebook that builds the
player from the shipped pipeline, run it, drag the frame slider, and check that every stage's
picture changes and that each shows exactly the frame the kernel computes for the slider's position
(so all stages stay in sync)."""

import json, os, subprocess, sys, time, urllib.request
import pytest
from browser import PageWatch, browser, free_port, need_chromium

TOKEN = 'ssw-gan-test'
BUILD = """from ssw_gan.inference import Pipeline
from ssw_gan.widgets import StagePlayer"""
SHOW = """player = StagePlayer(pipeline=Pipeline.pretrained(), height=96)
player"""
# the comparison mode: one upsampling stage of the shipped pipeline against fixed upsampling and a
# real clip
SHOW_COMPARE = """from ssw_gan.data import MovingSprites
real = MovingSprites(64, 32, seed=7)[0]['video']
player = StagePlayer.compare(Pipeline.pretrained(), 3, real, height=96)
player"""
STATE = """import hashlib, json, mediapy
t = player.slider.value
shown = [hashlib.sha256(im.value).hexdigest() for im in player.images]
frames = [player.stage_frame(k, t) for k in range(len(player.images))]
expected = [hashlib.sha256(mediapy.compress_image(f)).hexdigest() for f in frames]
print(json.dumps({'t': t, 'n': player.n, 'idx': player.frame_indices(t),
                  'shown': shown, 'expected': expected}))"""


def _code_cell(i, source):
    unrun = {'execution_count': None, 'id': f'c{i}', 'metadata': {}, 'outputs': []}
    return {'cell_type': 'code', **unrun, 'source': source}


def _nb(sources):
    cells = [_code_cell(i, s) for i, s in enumerate(sources)]
    kernel = {'display_name': 'Python 3', 'language': 'python', 'name': 'python3'}
    return {'cells': cells, 'metadata': {'kernelspec': kernel}, 'nbformat': 4, 'nbformat_minor': 5}


@pytest.fixture
def lab(tmp_path):
    need_chromium()
    (tmp_path / 'player.ipynb').write_text(json.dumps(_nb([BUILD, SHOW, STATE])))
    (tmp_path / 'compare.ipynb').write_text(json.dumps(_nb([BUILD, SHOW_COMPARE, STATE])))
    settings = tmp_path / 'lab-settings' / '@jupyterlab' / 'apputils-extension'
    settings.mkdir(parents=True)  # no news or update checks: the machine is offline
    (settings / 'notification.jupyterlab-settings').write_text(
        json.dumps({'fetchNews': 'false', 'checkForUpdates': False})
    )
    env = {
        **os.environ,
        'JUPYTERLAB_SETTINGS_DIR': str(tmp_path / 'lab-settings'),
        'JUPYTER_CONFIG_DIR': str(tmp_path / 'cfg'),
        'JUPYTERLAB_WORKSPACES_DIR': str(tmp_path / 'ws'),
        'JUPYTER_RUNTIME_DIR': str(tmp_path / 'rt'),
        'MPLBACKEND': 'Agg',
    }
    port = free_port()
    log = open(tmp_path / 'lab.log', 'w')
    cmd = [sys.executable, '-m', 'jupyter', 'lab', '--no-browser', '--ip=127.0.0.1']
    cmd += [f'--port={port}', f'--ServerApp.token={TOKEN}', f'--ServerApp.root_dir={tmp_path}']
    cmd += ['--ServerApp.allow_root=True', '--LabApp.expose_app_in_browser=True']
    cmd += ['--LabServerApp.announcements_url=', '--ServerApp.open_browser=False']
    p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f'http://127.0.0.1:{port}'
    try:
        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f'{url}/api/status?token={TOKEN}', timeout=2)
                break
            except OSError:
                if p.poll() is not None or time.time() > deadline:
                    log_tail = (tmp_path / 'lab.log').read_text()[-3000:]
                    raise AssertionError('JupyterLab did not start:\n' + log_tail)
                time.sleep(0.5)
        yield url
    finally:
        p.terminate()
        try:
            p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
        log.close()


RUN_CELL = """async (i) => {
  const app = window.jupyterapp, panel = app.shell.currentWidget;
  await panel.context.sessionContext.ready;
  panel.content.activeCellIndex = i;
  await app.commands.execute('notebook:run-cell');
}"""
CELL_DONE = """i => { const c = window.jupyterapp.shell.currentWidget.content.widgets[i];
  return c.model.executionCount !== null &&
    !c.node.querySelector('.jp-InputPrompt').textContent.includes('*'); }"""
HASHES = """async (imgs) => Promise.all(imgs.map(async im => {
  const b = await (await fetch(im.src)).arrayBuffer();
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', b));
  return Array.from(digest).map(x => x.toString(16).padStart(2, '0')).join('');
}))"""
NOTEBOOK_OPEN = (
    'window.jupyterapp && window.jupyterapp.shell.currentWidget && '
    'window.jupyterapp.shell.currentWidget.content && '
    'window.jupyterapp.shell.currentWidget.content.widgets.length === 3'
)


def _run(page, i):
    page.evaluate(RUN_CELL, i)
    # wait for that cell to finish: its prompt shows a number, not [*]
    page.wait_for_function(CELL_DONE, arg=i, timeout=120_000)


def _shown(page):
    imgs = page.locator('.jp-OutputArea .widget-image')
    return page.evaluate(HASHES, imgs.element_handles())


def _wait_shown(page, ok, timeout=30):
    """Poll the pictures' hashes until `ok(hashes)` (page.wait_for_function does not await an async
    predicate)."""
    deadline = time.time() + timeout
    while True:
        h = _shown(page)
        if ok(h) or time.time() > deadline:
            return h
        page.wait_for_timeout(100)


def test_player_in_jupyterlab_moves_all_stages_in_sync(lab):
    _drag_and_check(lab, 'player.ipynb', pictures=3, first_frames=8)


def test_compare_mode_in_jupyterlab_moves_all_four_in_sync(lab):
    """Input (16 frames), fixed upsampling, learned upsampling and the real video (32 frames each),
    in sync."""
    _drag_and_check(lab, 'compare.ipynb', pictures=4, first_frames=16)


def _drag_and_check(lab, notebook: str, pictures: int, first_frames: int):
    with browser() as b:
        page = b.new_page(viewport={'width': 1400, 'height': 1000})
        w = PageWatch(page)
        page.goto(f'{lab}/lab/tree/{notebook}?token={TOKEN}')
        page.wait_for_function(NOTEBOOK_OPEN, timeout=120_000)
        _run(page, 0)
        _run(page, 1)
        imgs = page.locator('.jp-OutputArea .widget-image')
        imgs.nth(pictures - 1).wait_for(state='visible', timeout=60_000)
        assert imgs.count() == pictures, 'one picture per video'
        loaded = 'imgs => imgs.every(i => i.complete && i.naturalWidth > 0)'
        page.wait_for_function(loaded, arg=imgs.element_handles())
        before = _shown(page)
        heights_js = 'imgs => imgs.map(i => i.getBoundingClientRect().height)'
        heights = page.evaluate(heights_js, imgs.element_handles())
        assert max(heights) - min(heights) < 1, heights  # a common display size

        # drag the slider's handle to about two thirds of its track, as a user would
        handle = page.locator('.jp-OutputArea .widget-slider .noUi-handle').first
        track = page.locator('.jp-OutputArea .widget-slider .noUi-target').first
        hb, tb = handle.bounding_box(), track.bounding_box()
        page.mouse.move(hb['x'] + hb['width'] / 2, hb['y'] + hb['height'] / 2)
        page.mouse.down()
        page.mouse.move(tb['x'] + 0.67 * tb['width'], hb['y'] + hb['height'] / 2, steps=12)
        page.mouse.up()
        _wait_shown(page, lambda h: all(a != b_ for a, b_ in zip(h, before)))
        # the kernel handles the slider messages in order, then this cell; its output arrives after
        # every picture update they caused. The frontend may send the drag's last value a little
        # after the cell's request, so the cell runs again (at most 5 times) until the kernel holds
        # the value the readout shows
        readout_loc = page.locator('.jp-OutputArea .widget-slider .widget-readout').first
        state_cell = page.locator('.jp-Notebook .jp-Cell').nth(2)
        for _ in range(5):
            _run(page, 2)
            state = json.loads(state_cell.locator('.jp-OutputArea-output').first.inner_text())
            if int(readout_loc.inner_text()) == state['t']:
                break
            page.wait_for_timeout(500)
        # the pictures' last updates may still be on their way: wait (at most 15 s) until they show
        # the kernel's
        after = _wait_shown(page, lambda h: h == state['shown'], timeout=15)
        readout = readout_loc.inner_text()
        if os.environ.get('SSW_GAN_SCREENSHOTS'):
            page.screenshot(path=os.path.join(os.environ['SSW_GAN_SCREENSHOTS'], 'lab_player.png'))
        assert 0 < state['t'] < state['n'] - 1 and int(readout) == state['t'], (readout, state)
        assert all(a != b_ for a, b_ in zip(after, before)), 'every stage changed its frame'
        # what the browser shows is what the kernel computes for this slider position, for every
        # stage
        assert after == state['shown'] == state['expected'], state
        # and stage k's frame covers the same moment: index = floor(t * T_k / n)
        n, t = state['n'], state['t']
        assert state['idx'][-1] == t and state['idx'][0] == t * first_frames // n, state
        assert not [p for p in w.problems if 'favicon' not in p], '\n'.join(w.problems)
