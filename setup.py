"""nbdev 2's standard setup.py, reading settings.ini, written without `pkg_resources`
(current setuptools no longer ships it)."""

from configparser import ConfigParser

import setuptools

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

expected = (
    'version description keywords author author_email license status min_python audience language'
).split()
for o in expected:
    assert o in cfg, f"settings.ini is missing `{o}`"

licenses = {
    'apache2': ('Apache Software License 2.0', 'OSI Approved :: Apache Software License'),
    'mit': ('MIT License', 'OSI Approved :: MIT License'),
}
statuses = ['1 - Planning', '2 - Pre-Alpha', '3 - Alpha', '4 - Beta', '5 - Production/Stable',
            '6 - Mature', '7 - Inactive']
py_versions = '3.10 3.11 3.12 3.13 3.14'.split()

lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))
min_python = cfg['min_python']
requirements = cfg.get('requirements', '').split()
if cfg.get('pip_requirements'):
    requirements += cfg.get('pip_requirements', '').split()
dev_requirements = (cfg.get('dev_requirements') or '').split()
console_scripts = (cfg.get('console_scripts') or '').split()


def version_tuple(v: str) -> tuple:
    return tuple(map(int, v.split('.')))


py_ok = [v for v in py_versions if version_tuple(v) >= version_tuple(min_python)]
lib = cfg['lib_path']

setuptools.setup(
    name=cfg['lib_name'],
    license=lic[0],
    license_files=['LICENSE'],
    classifiers=['Development Status :: ' + statuses[int(cfg['status'])],
                 'Intended Audience :: ' + cfg['audience'].title(),
                 'Natural Language :: ' + cfg['language'].title()]
                + [f'Programming Language :: Python :: {v}' for v in py_ok]
                + ([f'License :: {lic[1]}'] if lic[1] else []),
    url=cfg['git_url'],
    packages=setuptools.find_packages(include=[lib, lib + '.*']),
    include_package_data=True,
    install_requires=requirements,
    extras_require={'dev': dev_requirements},
    dependency_links=cfg.get('dep_links', '').split(),
    python_requires='>=' + min_python,
    long_description=open('README.md', encoding='utf-8').read(),
    long_description_content_type='text/markdown',
    zip_safe=False,
    entry_points={'console_scripts': console_scripts, 'nbdev': [f'{lib}={lib}._modidx:d']},
    version=cfg['version'],
    description=cfg['description'],
    keywords=cfg['keywords'],
    author=cfg['author'],
    author_email=cfg['author_email'],
)
