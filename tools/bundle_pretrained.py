"""Ship a trained pipeline inside the package: the EMA generators of one run folder per stage
(stage 1 first) go to ssw_gan/weights/<name>/stageK.pt, with each run's loss log, so
`Pipeline.pretrained(name)` loads them with no download.

Usage: python tools/bundle_pretrained.py NAME RUN1 RUN2 RUN3
"""

import shutil, sys
from pathlib import Path
from ssw_gan.inference import Pipeline, newest_checkpoint

ROOT = Path(__file__).resolve().parents[1]


def main(name, *runs):
    pipe = Pipeline.load(runs)
    dest = ROOT / 'ssw_gan' / 'weights' / name
    dest.mkdir(parents=True, exist_ok=True)
    for f in pipe.save(dest):
        source = runs[int(f.stem[5:]) - 1]  # f is stageK.pt
        print(f'wrote {f} ({f.stat().st_size / 1e6:.2f} MB) from {newest_checkpoint(source)}')
    for k, run in enumerate(runs, 1):
        if (Path(run) / 'log.jsonl').is_file():
            shutil.copy(Path(run) / 'log.jsonl', dest / f'log_stage{k}.jsonl')


if __name__ == '__main__':
    main(*sys.argv[1:])
