"""The project's own consistency: README in step with index.ipynb, short, its links resolving in the
repository and its results matching the files that hold them; CI runs the README's test command,
exporting and cleaning the notebooks changes nothing, and the package runs without the dev tools."""

import filecmp, json, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))


def test_readme_in_step_with_index():
    import make_readme

    assert (ROOT / 'README.md').read_text() == make_readme.render(), (
        "README.md is stale: run python tools/make_readme.py"
    )


def test_readme_is_at_most_1500_words():
    "User documentation, not a lab notebook: measurements belong on the Results page."
    words = len((ROOT / 'README.md').read_text().split())
    assert words <= 1500, f'README.md has {words} words (at most 1500): move details to nbs/'


def _links(markdown: str) -> list[str]:
    "The targets of the markdown links and images of `markdown`, outside code."
    text = re.sub(r'```.*?```', '', markdown, flags=re.S)
    text = re.sub(r'`[^`\n]*`', '', text)
    return re.findall(r'!?\[[^\]]*\]\(([^)\s]+)\)', text)


def test_every_relative_link_in_the_readme_resolves_in_the_repository():
    links = _links((ROOT / 'README.md').read_text())
    assert len(links) >= 20, links  # the tutorials, the chapters and the Results page
    relative = [t for t in links if not re.match(r'^([a-z][a-z0-9+.-]*:|#)', t, re.I)]
    missing = [t for t in relative if not (ROOT / t.split('#')[0]).exists()]
    assert not missing, f'README.md links to {missing}, which are not in the repository'
    assert 'nbs/results.ipynb' in relative


def test_make_readme_rewrites_site_links_to_repository_links():
    import make_readme

    md = '[a](tutorials/x.ipynb#top) [b](00_video.ipynb) [c](https://e.org/y.ipynb) [d](#i)'
    assert make_readme.repo_links(md) == (
        '[a](nbs/tutorials/x.ipynb#top) [b](nbs/00_video.ipynb) [c](https://e.org/y.ipynb) [d](#i)'
    )


def test_readme_results_match_the_files_that_hold_them():
    "The README's tables of the shipped pipelines' FVD against their floors and of the upsamplers."
    readme = (ROOT / 'README.md').read_text()
    data = ROOT / 'nbs' / 'tutorials' / 'data'
    for name, stem in (('tiny', 'quality_tiny'), ('street', 'quality_street')):
        fvd = json.loads((data / f'{stem}.json').read_text())['fvd']
        row = re.search(rf'^\| `{name}` \|.*\| (\d+) \| (\d+) \|$', readme, re.M)
        assert row, f'the README has no results row for {name}'
        said = int(row.group(1)), int(row.group(2))
        assert said == (round(fvd['pipeline']), round(fvd['floor'])), (name, said, fvd)
        assert said[0] > said[1]
    # the shipped tiny upsamplers' paired FVD over fixed upsampling's (bench/bench_upsamplers.py)
    ups = json.loads((data / 'upsampler_recipe.json').read_text())['shipped']
    ratios = [ups['stages']['2']['ratio_fvd'], ups['stages']['3']['ratio_fvd']]
    row = ' | '.join(f'{r:.2f}x' for r in ratios + [ups['chain']['ratio_fvd']])
    assert f'\n| {row} |\n' in readme, row


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


def _docs_run_cells(nb: Path):
    """The cells that the docs build runs outside their notebook's order (nbdev's `exec_show_docs`:
    exported cells, `show_doc` cells and every cell with an import), not exported, whose other code
    would then run on whatever state those few cells leave."""
    import ast

    for c in json.loads(nb.read_text())['cells']:
        src = ''.join(c['source'])
        if c['cell_type'] != 'code' or 'nbdev_export()' in src:
            continue
        if re.search(r'^#\|\s*(export|exports|exporti|exec_doc)\b|^#\|\s*eval:\s*false', src, re.M):
            continue
        lines = [line for line in src.splitlines() if not line.lstrip().startswith(('%', '!'))]
        code = '\n'.join(lines)
        nodes = list(ast.walk(ast.parse(code)))
        imports = any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes)
        other = any(isinstance(n, (ast.Expr, ast.Assign)) for n in nodes)
        if imports and other and not re.search(r'^#\|\s*hide\b', src, re.M):
            yield c.get('id')


def test_no_notebook_cell_mixes_imports_with_other_code():
    # The docs build runs every cell with an import (nbdev's rule), skipping the cells before it: a
    # check that shares such a cell runs on the wrong objects there (a clip from another cell) and
    # fails the build. Imports go in cells of their own (nbdev's FAQ); hidden setup cells may mix.
    nbs = [p for p in (ROOT / 'nbs').rglob('*.ipynb') if '.ipynb_checkpoints' not in p.parts]
    found = {str(p.relative_to(ROOT)): ids for p in nbs if (ids := list(_docs_run_cells(p)))}
    assert not found, found
