"""Shared by the browser tests: Debian's chromium driven by playwright, and a static file server on
loopback."""

import functools, http.server, os, shutil, socket, threading
from contextlib import contextmanager
import pytest

CHROMIUM = os.environ.get('SSW_GAN_CHROMIUM', '/usr/bin/chromium')
FLAGS = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
]


def need_chromium():
    """Skip, saying why, where no browser can run (.ci/run installs chromium with apt-get wherever
    it can)."""
    if not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(
            f'browser tests need chromium at {CHROMIUM} (Debian: apt-get install chromium); '
            'it is not installed'
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip('browser tests need playwright (pip install -e ".[dev]")')


@contextmanager
def browser():
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a):
        pass


@contextmanager
def serve(folder):
    "Serve `folder` on http://127.0.0.1:PORT/ in a thread; yields the base URL."
    handler = functools.partial(_Quiet, directory=str(folder))
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f'http://127.0.0.1:{srv.server_address[1]}/'
    finally:
        srv.shutdown()
        srv.server_close()


class PageWatch:
    """Console errors, uncaught exceptions, failed requests and HTTP errors of a page, collected as
    they happen."""

    def __init__(self, page):
        self.problems = []
        note = self.problems.append
        page.on('console', lambda m: m.type == 'error' and note(f'console error: {m.text}'))
        page.on('pageerror', lambda e: note(f'uncaught: {e}'))
        page.on('requestfailed', self._failed)
        page.on('response', lambda r: r.status >= 400 and note(f'HTTP {r.status}: {r.url}'))

    def _failed(self, request):
        # net::ERR_ABORTED is a request the browser cancelled itself, e.g. a favicon still loading
        # when the test goes to the next page; a missing file is an HTTP 404, caught above.
        if 'ERR_ABORTED' not in (request.failure or ''):
            self.problems.append(f'request failed: {request.url} ({request.failure})')
