#!/usr/bin/env bash
# Set everything up, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PATH:/usr/sbin:/sbin"  # apt-get's dpkg and postgres.sh's runuser, on a minimal PATH
# The browser test plays the annotated video in Debian's Chromium (Playwright's own browser
# download is not used).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "Debian's chromium is missing (sudo apt-get install chromium); the browser test will be skipped" >&2
  fi
fi
# The session store's tests run against a real PostgreSQL server too: a throwaway cluster on
# 127.0.0.1, stopped and removed when the tests end (on CI a missing server fails those tests).
pg_dir=$(mktemp -d /tmp/formcheck-pg.XXXXXX)
chmod 755 "$pg_dir"
cleanup() { bash scripts/postgres.sh stop "$pg_dir/pg" || true; rm -rf "$pg_dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
if pg_url=$(bash scripts/postgres.sh start "$pg_dir/pg"); then
  export FORMCHECK_TEST_PG_URL="$pg_url"
else
  echo "no PostgreSQL server for the store's tests (see above)" >&2
fi
.venv/bin/python -m pytest -q "$@"
