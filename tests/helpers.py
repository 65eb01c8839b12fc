"Small real video files for the tests, written with the package's own writer (no downloads)."

import subprocess
from pathlib import Path
from ssw_gan.data import MovingSprites, ScrollingScene
from ssw_gan.video import write_video, ffmpeg_exe


def write_videos(
    root: Path, names: dict, frames: int = 24, size=(40, 48), ext='.mp4'
) -> list[Path]:
    "Write one synthetic video per relative name (without suffix) under `root`; return the paths."
    out = []
    for i, name in enumerate(names):
        kind = MovingSprites if i % 2 == 0 else ScrollingScene
        ds = kind(size=size, frames=names[name] or frames, seed=i)
        out.append(write_video(root / f'{name}{ext}', ds[0]['video'], fps=25, qp=10))
    return out


def write_zero_frame_video(path: Path) -> Path:
    "An mp4 container holding no frames (a valid file header, nothing to decode)."
    path.parent.mkdir(parents=True, exist_ok=True)
    black = ['-f', 'lavfi', '-i', 'color=c=black:s=32x32:r=8']
    no_frames = ['-frames:v', '0', '-c:v', 'libx264', '-pix_fmt', 'yuv420p']
    subprocess.run([ffmpeg_exe(), '-v', 'error', '-y', *black, *no_frames, str(path)], check=True)
    return path
