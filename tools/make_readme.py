"""Render nbs/index.ipynb (the docs home page) into README.md.

nbdev's `nbdev_readme` needs Quarto, which cannot be installed offline; this writes the same content
as GitHub markdown: markdown cells as they are, code cells (minus nbdev directives and hidden cells)
as fenced Python, and their text outputs as fenced blocks. Relative links in the notebook are the
site's (`tutorials/x.ipynb`, relative to nbs/, where the home page lives); in README.md they become
links that resolve in the repository (`nbs/tutorials/x.ipynb`).
`python tools/make_readme.py --check` exits 1 if README.md is out of step.
"""

import json, posixpath, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _src(cell):
    return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']


LINK = re.compile(r'(\]\()([^)\s]+)(\))')


def repo_link(target: str) -> str:
    """A link of the home page (relative to nbs/) as a link from the repository's root; absolute
    URLs, anchors and site-absolute paths stay as they are."""
    if re.match(r'^([a-z][a-z0-9+.-]*:|#|/)', target, re.I):
        return target
    path, sep, anchor = target.partition('#')
    return posixpath.normpath(posixpath.join('nbs', path)) + sep + anchor


def repo_links(markdown: str) -> str:
    "Every relative markdown link `[text](target)` of `markdown` rewritten by `repo_link`."
    return LINK.sub(lambda m: m.group(1) + repo_link(m.group(2)) + m.group(3), markdown)


def render(nb_path=ROOT / 'nbs' / 'index.ipynb') -> str:
    nb, parts = json.loads(Path(nb_path).read_text()), []
    parts.append(
        '<!-- Generated from nbs/index.ipynb by tools/make_readme.py: '
        'edit the notebook, not this file. -->'
    )
    for cell in nb['cells']:
        src = _src(cell).strip('\n')
        if cell['cell_type'] == 'markdown':
            parts.append(repo_links(src))
        elif cell['cell_type'] == 'code':
            lines = src.splitlines()
            if any(l.strip() in ('#| hide', '#|hide') for l in lines):
                continue
            code = '\n'.join(l for l in lines if not l.lstrip().startswith('#|')).strip('\n')
            if code:
                parts.append(f'```python\n{code}\n```')
            for out in cell.get('outputs', []):
                if out['output_type'] == 'stream':
                    text = out.get('text')
                else:
                    text = out.get('data', {}).get('text/plain')
                if text:
                    text = ''.join(text) if isinstance(text, list) else text
                    parts.append('```\n' + text.rstrip('\n') + '\n```')
    return '\n\n'.join(parts) + '\n'


if __name__ == '__main__':
    text, readme = render(), ROOT / 'README.md'
    if '--check' in sys.argv:
        ok = readme.is_file() and readme.read_text() == text
        if ok:
            print('README.md is in step with nbs/index.ipynb')
        else:
            print('README.md differs from nbs/index.ipynb: run python tools/make_readme.py')
        sys.exit(0 if ok else 1)
    readme.write_text(text)
    print(f'wrote {readme}')
