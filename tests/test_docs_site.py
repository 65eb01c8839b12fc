"""The documentation site, built offline with the README's one command and browsed in a real
chromium: every page loads without console errors, the sidebar links resolve, search finds a module,
a tutorial page plays a video, the Results page shows its tables."""

import json, re, subprocess, sys
from pathlib import Path
from urllib.parse import urljoin, urlparse
import pytest
from browser import PageWatch, browser, need_chromium, serve

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='module')
def site():
    need_chromium()
    build = [sys.executable, 'tools/build_docs.py']
    r = subprocess.run(build, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert 'warning' not in r.stderr, r.stderr  # broken links and unreadable pages are warnings
    out = ROOT / '_docs'
    with serve(out) as url, browser() as b:
        yield out, url, b


def test_the_site_has_every_chapter_and_tutorial(site):
    out, _, _ = site
    pages = {p.relative_to(out).as_posix() for p in out.rglob('*.html')}
    for nb in (ROOT / 'nbs').rglob('*.ipynb'):
        rel = nb.relative_to(ROOT / 'nbs')
        if any(part.startswith(('_', '.')) for part in rel.parts):
            continue
        stem = re.sub(r'^\d+[a-z]?_', '', nb.stem)  # nbdev drops '09_' and '09a_' from page names
        assert rel.with_name(stem + '.html').as_posix() in pages, (rel, sorted(pages))


def test_every_page_loads_without_errors(site):
    out, url, b = site
    page = b.new_page()
    w = PageWatch(page)
    for p in sorted(out.rglob('*.html')):
        page.goto(urljoin(url, p.relative_to(out).as_posix()), wait_until='load')
        page.wait_for_timeout(150)
        assert page.locator('h1').count() >= 1, p
    assert not w.problems, '\n'.join(w.problems)


def _internal(href, url):
    return href and urlparse(href).netloc == urlparse(url).netloc


def test_sidebar_links_resolve_tutorials_first(site):
    out, url, b = site
    page = b.new_page()
    w = PageWatch(page)
    page.goto(urljoin(url, 'index.html'))
    href_and_text = 'els => els.map(a => [a.href, a.textContent.trim()])'
    links = page.eval_on_selector_all('#quarto-sidebar a[href]', href_and_text)
    hrefs = [h for h, _ in links if _internal(h, url)]
    assert len(set(hrefs)) >= 15, links
    tutorials = [i for i, h in enumerate(hrefs) if '/tutorials/' in h]
    chapters = [
        i for i, h in enumerate(hrefs) if '/tutorials/' not in h and not h.endswith('index.html')
    ]
    # tutorials first, after the home page
    assert len(tutorials) >= 4 and max(tutorials) < min(chapters), links
    for h in dict.fromkeys(hrefs):
        r = page.goto(h)
        assert r.ok, (h, r.status)
        assert page.locator('h1').count() >= 1, h
    assert not w.problems, '\n'.join(w.problems)


def test_all_internal_links_resolve(site):
    """Links inside the pages too (nbdev's links to the API, and between chapters), not only the
    sidebar's."""
    out, url, b = site
    page = b.new_page()
    seen, bad = set(), []
    for p in sorted(out.rglob('*.html')):
        page.goto(urljoin(url, p.relative_to(out).as_posix()))
        for h in page.eval_on_selector_all('a[href]', 'els => els.map(a => a.href)'):
            target = h.split('#')[0]
            if _internal(h, url) and target not in seen:
                seen.add(target)
                if not (out / urlparse(target).path.lstrip('/')).exists():
                    bad.append(f'{p.name} -> {h}')
    assert not bad, bad


def test_search_finds_a_module(site):
    _, url, b = site
    page = b.new_page()
    w = PageWatch(page)
    page.goto(urljoin(url, 'index.html'))
    page.fill('input[type=search]', 'apply_chunked')
    hits = page.locator('a[href*="inference.html#apply_chunked"]')
    hits.first.wait_for(state='visible', timeout=10_000)
    hits.first.click()
    page.wait_for_url('**/inference.html#apply_chunked')
    assert page.locator('#apply_chunked').count() == 1
    assert not w.problems, '\n'.join(w.problems)


def test_a_tutorial_page_plays_a_video(site):
    out, url, b = site
    page = b.new_page()
    w = PageWatch(page)
    page.goto(urljoin(url, 'tutorials/chunked_inference.html'))
    video = page.locator('video').first
    video.scroll_into_view_if_needed()  # chromium pauses muted autoplay videos that are off screen
    playing = 'v => !v.paused && v.readyState >= 2 && v.currentTime > 0'
    page.wait_for_function(playing, arg=video.element_handle(), timeout=15_000)
    t0 = video.evaluate('v => v.currentTime')
    page.wait_for_timeout(700)
    t1 = video.evaluate('v => v.currentTime')
    # it advances (or loops): it plays
    assert t1 != t0 and video.evaluate('v => v.videoWidth') > 0, (t0, t1)
    assert not w.problems, '\n'.join(w.problems)


def test_the_results_page_shows_its_tables(site):
    """The Results page (nbs/results.ipynb), linked from the home page: its first table, rendered
    from the notebook's saved output, gives the shipped pipeline's FVD that quality_tiny.json
    holds."""
    _, url, b = site
    page = b.new_page()
    w = PageWatch(page)
    page.goto(urljoin(url, 'index.html'))
    page.locator('main a[href$="results.html"]').first.click()
    page.wait_for_url('**/results.html')
    tables = page.locator('main table')
    assert tables.count() >= 8, tables.count()
    first = tables.first
    first.scroll_into_view_if_needed()
    assert first.is_visible()
    head = first.locator('th').all_inner_texts()
    assert 'FVD' in head and 'real floor' in head, head
    rows = first.locator('tbody tr')
    assert rows.count() == 2, rows.count()
    tiny = json.loads((ROOT / 'nbs' / 'tutorials' / 'data' / 'quality_tiny.json').read_text())
    cells = rows.first.locator('td').all_inner_texts()
    assert cells[0] == 'tiny' and f"{tiny['fvd']['pipeline']:.0f}" in cells, cells
    assert not w.problems, '\n'.join(w.problems)


def test_maths_renders_offline(site):
    "The metrics chapter's formulas are typeset by the vendored KaTeX (no CDN)."
    _, url, b = site
    page = b.new_page()
    w = PageWatch(page)
    page.goto(urljoin(url, 'metrics.html'))
    page.wait_for_function("document.querySelectorAll('.katex').length >= 3", timeout=10_000)
    assert page.locator('.katex-display').count() >= 1
    assert not w.problems, '\n'.join(w.problems)


SCROLLING_BLOCKS = """() => [...document.querySelectorAll('pre')]
    .filter(p => p.offsetParent !== null && p.scrollWidth > p.clientWidth + 1)
    .map(p => p.textContent.split('\\n')
      .reduce((a, b) => a.length >= b.length ? a : b, '')
      .slice(0, 120))"""


def scrolling_blocks(b, url, out, width: int = 1300) -> dict:
    """Per page of the site: the longest line of each visible code block that scrolls sideways at
    `width` px."""
    page = b.new_page(viewport={'width': width, 'height': 900})
    found = {}
    for p in sorted(out.rglob('*.html')):
        page.goto(urljoin(url, p.relative_to(out).as_posix()), wait_until='load')
        rows = page.evaluate(SCROLLING_BLOCKS)
        if rows:
            found[p.relative_to(out).as_posix()] = rows
    page.close()
    return found


def test_no_code_block_scrolls_sideways(site):
    """Readers meet the code on the site: at 1300 px no code block (source or output) scrolls
    sideways."""
    out, url, b = site
    found = scrolling_blocks(b, url, out)
    assert not found, '\n'.join(f'{p}: {len(r)} blocks, e.g. {r[0]!r}' for p, r in found.items())
