#!/usr/bin/env bash
# Run every notebook in nbs/ in place, so that its saved outputs (pictures, videos) are current, then export and clean.
# Usage: tools/build_nbs.sh [notebook ...]   (default: all of nbs/*.ipynb)
set -euo pipefail
cd "$(dirname "$0")/.."
nbs=("$@"); [ ${#nbs[@]} -gt 0 ] || nbs=(nbs/*.ipynb)
for nb in "${nbs[@]}"; do
  echo "running $nb"
  MPLBACKEND=module://matplotlib_inline.backend_inline jupyter nbconvert --to notebook --execute --inplace \
    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.store_widget_state=False "$nb" >/dev/null 2>&1 || { echo "failed: $nb"; exit 1; }
done
nbdev_export
nbdev_clean
python tools/make_readme.py
