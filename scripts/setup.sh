#!/usr/bin/env bash
# Set up formcheck on a fresh machine: a venv in .venv, the package and its test tools, the
# PoseLandmarker bundles and the sample clips (copied from ../shared, or downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test,cluster]" 2>&1 \
  | grep -v "^WARNING: Location .* is ignored" || true
# mediapipe brings opencv-contrib-python; a second OpenCV distribution would share its cv2/ folder.
for extra in opencv-python opencv-python-headless opencv-contrib-python-headless; do
  if .venv/bin/python -m pip show --quiet "$extra" >/dev/null 2>&1; then
    .venv/bin/python -m pip uninstall --quiet -y "$extra"
    .venv/bin/python -m pip install --quiet --force-reinstall --no-deps opencv-contrib-python
  fi
done
.venv/bin/python -m pip check
.venv/bin/python -c "import cv2, av, mediapipe" 
.venv/bin/formcheck fetch
