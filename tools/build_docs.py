"""Build the documentation site into _docs/, offline: `python tools/build_docs.py`.

Where Quarto is installed this is nbdev's own `nbdev_docs`. Where it is not (Quarto's PyPI package
downloads a binary, so it cannot be installed offline), the same steps run without it: nbdev's
notebook processing (`nbdev_proc_nbs`: front matter, `show_doc` API pages, hidden cells and export
directives removed) into _proc/, then smalldocs, a pure-Python renderer of Quarto projects, renders
_proc/ with the same `_quarto.yml`, and the site moves to _docs/. Pages get nbdev's names
(nbs/08_inference.ipynb -> inference.html, as Quarto would name them), so that nbdev's links between
pages resolve, and they are made relative, so the site works from any folder or server, offline (the
theme's web-font import is dropped for the same reason: it would be the one request that leaves the
machine; maths uses a vendored KaTeX instead of its CDN). Pictures and videos come from the
notebooks' saved outputs (tools/build_nbs.sh refreshes them); only exported cells, imports and
`show_doc` cells run here.

Usage: python tools/build_docs.py [--serve PORT]
  (--serve: then serve _docs/ on http://127.0.0.1:PORT)
"""

import argparse, http.server, functools, json, os, re, shutil, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def proc_nbs():
    """`nbdev_proc_nbs` without its attempt to download Quarto (and `pip install -e .[dev]`) when
    Quarto is missing."""
    from nbdev.config import get_config
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
    from nbdev.serve import proc_nbs as _proc
    import nbdev.doclinks

    cfg = get_config()
    refresh_quarto_yml()
    nbdev.doclinks._build_modidx()
    nbdev_sidebar.__wrapped__(path=cfg.nbs_path)  # keeps our sidebar.yml (custom_sidebar = True)
    _proc(cfg.nbs_path)
    return cfg


def output_file(nb: Path) -> str | None:
    """The `output-file` that nbdev's front matter gives a processed notebook (its page name under
    Quarto)."""
    cells = json.loads(nb.read_text())['cells']
    if not cells or cells[0]['cell_type'] != 'raw':
        return None
    m = re.search(r'^output-file:\s*(\S+)', ''.join(cells[0]['source']), re.M)
    return m.group(1) if m else None


def rename_pages(proc: Path):
    """Rename processed notebooks to their `output-file` names (smalldocs names pages after files)
    and follow in sidebar.yml."""
    renames = {}
    for nb in sorted(proc.rglob('*.ipynb')):
        name = output_file(nb)
        if name and Path(name).stem != nb.stem:
            new = nb.with_name(Path(name).stem + '.ipynb')
            if new.exists():
                raise SystemExit(f'two notebooks would both become {new.relative_to(proc)}')
            nb.rename(new)
            renames[nb.relative_to(proc).as_posix()] = new.relative_to(proc).as_posix()
    names = {Path(o).name: Path(n).name for o, n in renames.items()}
    # links to renamed notebooks, and the sidebar
    for f in [*proc.rglob('*.ipynb'), proc / 'sidebar.yml']:
        text = f.read_text()
        for o, n in names.items():
            text = re.sub(rf'(?<=[(\'"/\s]){re.escape(o)}(?=[)#\'"\s]|$)', n, text, flags=re.M)
        f.write_text(text)
    return renames


def relative_links(out: Path, site_url: str):
    """nbdev writes links to other pages as absolute URLs of the published site: make them relative
    to each page."""
    base = site_url.rstrip('/') + '/'
    for page in out.rglob('*.html'):
        up = '../' * (len(page.relative_to(out).parts) - 1)
        text = page.read_text()
        new = text.replace(f'href="{base}', f'href="{up}')
        if new != text:
            page.write_text(new)


def drop_web_fonts(out: Path):
    """Bootswatch themes @import Google Fonts; offline (and in the browser tests) that request
    fails: fall back to system fonts."""
    for css in (out / 'site_libs').rglob('*.css'):
        text = css.read_text()
        new = re.sub(r'@import url\(https?://fonts\.googleapis\.com[^)]*\);?', '', text)
        if new != text:
            css.write_text(new)


# KaTeX's dist (MIT, from npm), woff2 fonts only
KATEX = ROOT / 'tools' / 'vendor' / 'katex-0.16.11'


def local_katex(out: Path):
    """Pages with maths load KaTeX from a CDN; serve the vendored copy instead, so maths renders
    offline."""
    from smalldocs.layout import KATEX as cdn

    pages = [p for p in out.rglob('*.html') if cdn in p.read_text()]
    if not pages:
        return
    vendored = KATEX.name.replace('katex-', 'katex@') + '/dist'
    if not cdn.rstrip('/').endswith(vendored):
        print(
            f'warning: smalldocs loads {cdn}, the vendored copy is {KATEX.name}: '
            'maths needs the network',
            file=sys.stderr,
        )
        return
    shutil.copytree(KATEX, out / 'site_libs' / 'katex', dirs_exist_ok=True)
    for page in pages:
        up = '../' * (len(page.relative_to(out).parts) - 1)
        page.write_text(page.read_text().replace(cdn, f'{up}site_libs/katex'))


def build() -> Path:
    if shutil.which('quarto'):
        subprocess.run(['nbdev_docs'], cwd=ROOT, check=True)
        return ROOT / '_docs'
    os.chdir(ROOT)
    proc, out = ROOT / '_proc', ROOT / '_docs'
    # pages are renamed below, so nbdev's incremental cache cannot be reused
    shutil.rmtree(proc, ignore_errors=True)
    cfg = proc_nbs()
    rename_pages(proc)
    from smalldocs.site import build as render

    site = render(str(proc), quiet=True)
    ignored = ('output-file is not read', 'format commonmark is not built', 'keep-md is ignored')
    for w in site.warnings:
        if not any(i in w for i in ignored):
            print(f'warning: {w}', file=sys.stderr)
    shutil.rmtree(out, ignore_errors=True)
    shutil.move(str(proc / '_docs'), str(out))
    relative_links(out, cfg.doc_host + cfg.doc_baseurl)
    drop_web_fonts(out)
    local_katex(out)
    return out


def main():
    raw = argparse.RawDescriptionHelpFormatter
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    serve_help = 'serve the built site on 127.0.0.1:PORT'
    ap.add_argument('--serve', type=int, metavar='PORT', help=serve_help)
    a = ap.parse_args()
    out = build()
    print(f'site built: {out}/index.html')
    if a.serve:
        h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
        print(f'serving on http://127.0.0.1:{a.serve}/ (Ctrl-C stops)')
        http.server.ThreadingHTTPServer(('127.0.0.1', a.serve), h).serve_forever()


if __name__ == '__main__':
    main()
