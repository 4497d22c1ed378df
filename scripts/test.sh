#!/usr/bin/env bash
# Set everything up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The browser test plays the annotated video in Debian's Chromium (Playwright's own browser
# download is not used).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Debian's chromium is missing (sudo apt-get install chromium); the browser test will be skipped" >&2
  fi
fi
.venv/bin/python -m pytest -q "$@"
